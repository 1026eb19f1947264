"""What can go wrong asking an outside service, each with a message fit for a user."""

from __future__ import annotations

from sonantica_core.errors import SonanticaError


class OutsideError(SonanticaError):
    """An outside service could not be asked, or its answer cannot be used."""

    def __init__(self, service: str, message: str) -> None:
        super().__init__(f"{service}: {message}")
        self.service = service


class OutsideTimeout(OutsideError):
    """The service did not answer in time (after the retries)."""


class OutsideHTTPError(OutsideError):
    """The service answered with an HTTP status that is not a usable answer."""

    def __init__(self, service: str, message: str, status: int) -> None:
        super().__init__(service, message)
        self.status = status


class OutsideTooLarge(OutsideError):
    """The answer is larger than the caller accepts."""


class OutsideUnavailable(OutsideError):
    """The circuit breaker is open: the service failed recently and is not asked for a while."""
