"""Errors raised by the analysis engine."""

from __future__ import annotations

from pathlib import Path

from sonantica_core.errors import SonanticaError


class AudioDecodeError(SonanticaError):
    """A file could not be decoded: not audio, unsupported, or too damaged.

    ``reason`` is short and human readable ("no audio stream", "not a media file
    (Invalid data found when processing input)"); ``path`` is the file.
    """

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason
