"""Channel layouts: FFmpeg's default layout for a channel count."""

from __future__ import annotations

import av

#: FFmpeg's ``av_channel_layout_default``, for the counts it names.
_DEFAULTS = {1: "mono", 2: "stereo", 3: "2.1", 4: "4.0", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}


def default_layout(channels: int) -> str:
    """The layout FFmpeg assumes for ``channels`` channels in unknown order."""
    name = _DEFAULTS.get(channels)
    if name is not None:
        return name
    return f"{channels} channels"


def channel_names(layout: str, channels: int) -> tuple[str, ...]:
    """FFmpeg's names (``"FL"``, ``"LFE"``...) for ``layout``, or the default for ``channels``."""
    for spec in (layout, default_layout(channels)):
        try:
            parsed = av.AudioLayout(spec)
        except (ValueError, TypeError, av.error.FFmpegError):
            continue
        names = tuple(c.name for c in parsed.channels)
        if len(names) == channels and "NONE" not in names:
            return names
    return tuple(f"C{i}" for i in range(channels))
