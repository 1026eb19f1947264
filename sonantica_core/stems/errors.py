"""What can go wrong making stems."""

from __future__ import annotations

from sonantica_core.errors import SonanticaError


class StemsError(SonanticaError):
    """A stem request that cannot be served as asked."""


class SeparatorError(StemsError, RuntimeError):
    """A separator could not get ready, raised, or answered something else than the contract says."""

    def __init__(self, separator: str, reason: str) -> None:
        super().__init__(f"separator {separator!r} {reason}")
        self.separator = separator
        self.reason = reason


class UnknownSeparator(StemsError, LookupError):
    """No active separator of that name (or none at all)."""


class BadMix(StemsError, ValueError):
    """Gains that do not make a mix: unknown stems, values out of range."""
