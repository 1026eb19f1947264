"""Why a credential was refused; turned into 401/403 answers by the HTTP layer."""

from __future__ import annotations

from sonantica_core.errors import SonanticaError


class AuthError(SonanticaError):
    """A refused credential with a stable ``code`` and an HTTP ``status``."""

    def __init__(self, message: str, code: str = "invalid_token", status: int = 401) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
