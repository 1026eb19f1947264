"""What a client asks for (``format``, ``bitrate``, ``profile``, ``timeOffset``...) and its parsing.

``TranscodeRequest`` is also how other front ends (the Subsonic plugin) ask the stream route for
a transcode: build one and pass :meth:`TranscodeRequest.query_string` as the route's query.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from .errors import BadTranscodeRequest
from .formats import format_named

__all__ = ["TranscodeRequest", "parse_request"]

#: Query parameters that ask for a transcode (any of them present: the request is not plain).
PARAMETERS = ("format", "bitrate", "maxBitRate", "sampleRate", "profile", "timeOffset", "replayGain")
_GAIN_MODES = ("track", "album")
MAX_OFFSET = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class TranscodeRequest:
    """A request for a track in another shape.

    ``format``: ``opus``, ``mp3``, ``aac`` or ``flac`` (or ``raw``/None: whatever fits);
    ``bitrate``: kbit/s, a target and a cap (``maxBitRate`` is the same); ``sample_rate``: the highest
    rate wanted; ``profile``: a configured client profile; ``time_offset``: seconds (fractional) to
    start at; ``replay_gain``: ``track`` or ``album``.
    """

    format: str | None = None
    bitrate: int | None = None
    sample_rate: int | None = None
    profile: str | None = None
    time_offset: float = 0.0
    replay_gain: str | None = None

    @property
    def plain(self) -> bool:
        """Nothing asked beyond the original."""
        return self == _PLAIN

    def query_string(self) -> bytes:
        """The stream route's query asking for this (``GET /api/stream/{id}?...``)."""
        pairs: list[tuple[str, str]] = []
        if self.format:
            pairs.append(("format", self.format))
        if self.bitrate:
            pairs.append(("bitrate", str(self.bitrate)))
        if self.sample_rate:
            pairs.append(("sampleRate", str(self.sample_rate)))
        if self.profile:
            pairs.append(("profile", self.profile))
        if self.time_offset:
            pairs.append(("timeOffset", repr(self.time_offset)))
        if self.replay_gain:
            pairs.append(("replayGain", self.replay_gain))
        return urlencode(pairs).encode("ascii")


_PLAIN = TranscodeRequest()


def _number(name: str, text: str, low: int, high: int) -> int:
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise BadTranscodeRequest(f"{name} must be a whole number from {low} to {high}, got {text!r}")
    return int(text)


def parse_request(query_string: bytes) -> TranscodeRequest:
    """The transcode asked for in a query string (:data:`PARAMETERS`; others are ignored).

    Raises :class:`BadTranscodeRequest` for a value out of range or an unknown format.
    """
    if not query_string or not any(name.encode() in query_string for name in PARAMETERS):
        return _PLAIN
    values: dict[str, str] = {}
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if name in PARAMETERS and value != "":
            values["bitrate" if name == "maxBitRate" else name] = value
    fmt = values.get("format")
    if fmt is not None and fmt.lower() in ("raw", "original"):
        return _PLAIN  # the file as it is (bit-perfect): nothing else applies
    if fmt is not None and format_named(fmt) is None:
        raise BadTranscodeRequest(f"format must be opus, mp3, aac, flac or raw, got {fmt!r}")
    bitrate = values.get("bitrate")
    kbps = _number("bitrate", bitrate, 0, 10_000) if bitrate is not None else None
    rate = values.get("sampleRate")
    offset_text = values.get("timeOffset", "0")
    try:
        offset = float(offset_text)
    except ValueError:
        raise BadTranscodeRequest(f"timeOffset must be a number of seconds, got {offset_text!r}") from None
    if not math.isfinite(offset) or not 0 <= offset <= MAX_OFFSET:
        raise BadTranscodeRequest(f"timeOffset must be from 0 to {MAX_OFFSET:g} seconds, got {offset_text!r}")
    gain = values.get("replayGain")
    if gain is not None and gain.lower() in ("off", "none", "0"):
        gain = None
    if gain is not None and gain.lower() not in _GAIN_MODES:
        raise BadTranscodeRequest(f"replayGain must be track, album or off, got {gain!r}")
    profile = values.get("profile")
    return TranscodeRequest(
        format=None if fmt is None else format_named(fmt).name,  # type: ignore[union-attr]
        bitrate=kbps or None,
        sample_rate=_number("sampleRate", rate, 8_000, 768_000) if rate is not None else None,
        profile=profile.lower() if profile else None,
        time_offset=offset,
        replay_gain=gain.lower() if gain else None,
    )


_MARKERS = tuple(f"{name}=".encode("ascii") for name in PARAMETERS)


def asks_transcode(query_string: bytes) -> bool:
    """Whether a query string names a transcode parameter at all (a cheap check, no parsing)."""
    return bool(query_string) and any(marker in query_string for marker in _MARKERS)
