"""Exceptions the core raises for problems a user can fix."""

from __future__ import annotations


class SonanticaError(Exception):
    """Base of the core's own errors."""


class ConfigError(SonanticaError):
    """A setting is wrong or missing. The message names the setting and why."""

    def __init__(self, setting: str, reason: str) -> None:
        super().__init__(f"{setting}: {reason}")
        self.setting = setting
        self.reason = reason


class ServiceError(SonanticaError):
    """An embedded or external service (PostgreSQL, Redis) is not usable."""


class DataDirLocked(SonanticaError):
    """Another Sonántica server already uses this data directory."""


class CommandFailed(SonanticaError):
    """A command failed in a way the user can act on; the message says how. ``status``: the exit status."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


class SchemaOutOfDate(SonanticaError):
    """The database schema is older than this version of Sonántica."""
