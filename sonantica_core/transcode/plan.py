"""From a request, the caps that apply and the source's properties to what is made (or nothing).

Caps come from three places and the lowest wins: the request (``bitrate``, ``sampleRate``), the
client profile it names (``TRANSCODE_PROFILES``) and the user (``TRANSCODE_USER_CAPS``), all under
``TRANSCODE_MAX_BITRATE``. A source that already fits (its codec is the format asked, or no format
was asked; its bitrate and rate within the caps; no offset, no gain) is sent as it is.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sonantica_core.settings import Settings

from .errors import BadTranscodeRequest
from .formats import OutputFormat, format_named
from .request import TranscodeRequest

__all__ = ["Caps", "Plan", "SourceInfo", "caps_for", "plan_transcode"]

#: The format made when only a cap was asked and the original is above it.
DEFAULT_FORMAT = "opus"
#: What libmp3lame's V0 averages on music (kbit/s): above a cap, MP3 is made at the cap (CBR).
V0_KBPS = 245


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """The source's first audio stream, as probed."""

    codec: str
    sample_rate: int
    channels: int
    bits: int
    kbps: int
    duration: float


@dataclass(frozen=True, slots=True)
class Caps:
    """The most a listener may get: kbit/s and Hz (0: no cap)."""

    kbps: int = 0
    rate: int = 0


@dataclass(frozen=True, slots=True)
class Plan:
    """A transcode to run: the output, its bitrate (0: VBR/lossless), rate, channels, bits and the rest."""

    format: OutputFormat
    kbps: int
    rate: int
    channels: int
    bits: int
    offset: float
    gain_mode: str | None
    gain: float  # linear factor applied to the samples (1.0: none)

    def key(self, source_identity: str) -> str:
        """The cache key of this output of the source known by ``source_identity``."""
        text = (
            f"v1|{source_identity}|{self.format.name}|{self.kbps}|{self.rate}|{self.channels}|{self.bits}|"
            f"{round(self.offset * 1000)}|{self.gain:.6f}"
        )
        return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:40]


def _lowest(*values: int) -> int:
    given = [v for v in values if v]
    return min(given) if given else 0


def caps_for(settings: Settings, request: TranscodeRequest, username: str | None) -> tuple[Caps, str | None]:
    """The caps and the format that apply to ``request`` from ``username``.

    Raises :class:`BadTranscodeRequest` for an unknown profile."""
    fmt = request.format
    kbps, rate = request.bitrate or 0, request.sample_rate or 0
    if request.profile is not None:
        profile = next((p for p in settings.transcode_profiles if p[0] == request.profile), None)
        if profile is None:
            names = ", ".join(p[0] for p in settings.transcode_profiles) or "none are configured"
            raise BadTranscodeRequest(f"no client profile {request.profile!r} ({names})")
        fmt = fmt or profile[1]
        kbps, rate = _lowest(kbps, profile[2]), _lowest(rate, profile[3])
    user = next((c for c in settings.transcode_user_caps if c[0] == username), None) if username else None
    if user is not None:
        kbps, rate = _lowest(kbps, user[1]), _lowest(rate, user[2])
    if not request.plain or user is not None:  # the global cap is on transcodes, not on originals
        kbps = _lowest(kbps, settings.transcode_max_bitrate)
    return Caps(kbps, rate), fmt


def _rate_for(fmt: OutputFormat, source_rate: int, cap: int) -> int:
    limit = _lowest(source_rate, cap) or source_rate
    if not fmt.rates:
        return limit
    fitting = [r for r in fmt.rates if r <= limit]
    return max(fitting) if fitting else min(fmt.rates)


def plan_transcode(
    request: TranscodeRequest,
    caps: Caps,
    format_name: str | None,
    source: SourceInfo,
    gain: float = 1.0,
) -> Plan | None:
    """What to make of ``source`` for ``request`` under ``caps``; None: send the original."""
    fmt = format_named(format_name) if format_name else None
    if format_name and fmt is None:
        raise BadTranscodeRequest(f"a profile names the unknown format {format_name!r}")
    gain_mode = request.replay_gain if gain != 1.0 else None
    fits = (
        (fmt is None or source.codec in fmt.source_codecs)
        and (not caps.kbps or source.kbps <= caps.kbps)
        and (not caps.rate or source.sample_rate <= caps.rate)
        and not request.time_offset
        and gain_mode is None
    )
    if fits:
        return None
    if fmt is None:
        # no format asked: keep a lossless source lossless when only the rate is over, else the default
        lossless_ok = source.codec == "flac" and (not caps.kbps or source.kbps <= caps.kbps)
        fmt = format_named("flac" if lossless_ok else DEFAULT_FORMAT)
        assert fmt is not None
    if fmt.lossless:
        kbps, bits = 0, 16 if source.bits <= 16 else 24
    elif fmt.name == "mp3" and not caps.kbps:
        kbps, bits = 0, 0  # VBR V0
    else:
        wanted = caps.kbps or fmt.default_bitrate or V0_KBPS
        kbps, bits = max(fmt.min_bitrate, min(fmt.max_bitrate, wanted)), 0
        if fmt.name == "mp3" and kbps >= V0_KBPS and not request.bitrate:
            kbps = 0  # the cap is above what V0 needs: V0
    channels = 1 if source.channels == 1 else 2
    return Plan(
        fmt, kbps, _rate_for(fmt, source.sample_rate, caps.rate), channels, bits, request.time_offset, gain_mode, gain
    )
