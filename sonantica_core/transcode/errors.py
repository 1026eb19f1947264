"""Errors of transcoding: a request that cannot be met, a busy server, a file that will not decode."""

from __future__ import annotations

from sonantica_core.errors import SonanticaError


class TranscodeError(SonanticaError):
    """Base of transcoding's errors."""


class BadTranscodeRequest(TranscodeError, ValueError):
    """A transcode parameter is wrong (unknown format or profile, a bitrate out of range...)."""


class TranscodeBusy(TranscodeError):
    """Too many transcodes run already: ``status`` 429 (this user's cap) or 503 (the process's)."""

    def __init__(self, message: str, status: int, retry_after: int) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class SourceUnreadable(TranscodeError):
    """The source file cannot be opened or decoded (before or during the transcode)."""
