"""The ``[plugins.lyrics]`` section of plugins.toml."""

from __future__ import annotations

from pydantic import Field

from sonantica_core.plugins import PluginConfig


class LyricsConfig(PluginConfig):
    """Which local sources to read."""

    #: Read lyrics from the files' tags (ID3 USLT and SYLT, Vorbis/FLAC LYRICS, MP4 ©lyr).
    embedded: bool = True
    #: Read ``.lrc`` files beside the audio: ``song.lrc`` and ``song.<lang>.lrc``.
    sidecar: bool = True
    #: Largest sidecar read, in bytes (bigger ones are skipped).
    max_sidecar_bytes: int = Field(1_000_000, ge=1024, le=50_000_000)
