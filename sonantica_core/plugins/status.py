"""What became of each plugin: its status, version, hooks and last error."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Literal

#: The kind of process plugins are loaded into.
Process = Literal["web", "worker", "cli"]


class PluginStatus(enum.StrEnum):
    """Every outcome of loading and starting a plugin (after Mopidy's ExtensionStatus)."""

    ENABLED = "enabled"
    DISABLED = "disabled"
    NOT_INSTALLED = "not installed"
    LOAD_ERROR = "load error"
    INCOMPATIBLE = "incompatible"
    CONFIG_ERROR = "config error"
    SELF_CHECK_FAILED = "failed self-check"
    START_ERROR = "start error"

    @property
    def failed(self) -> bool:
        """True for every status that means an enabled plugin is left out."""
        return self not in {PluginStatus.ENABLED, PluginStatus.DISABLED}


@dataclass
class PluginRecord:
    """One plugin as the manager knows it, whatever its status."""

    name: str
    status: PluginStatus
    version: str = ""
    distribution: str | None = None
    #: Position among plugins (``order`` in plugins.toml, default 100), then name.
    order: int = 100
    #: The manifest object, once imported.
    plugin: Any = None
    #: The validated configuration (a PluginConfig instance).
    config: Any = None
    #: Dotted paths (``"token"``, ``"auth.password"``) of values read from the environment or files.
    secret_keys: frozenset[str] = frozenset()
    #: Package of the plugin's Alembic revisions, if it owns tables.
    migrations: str | None = None
    hooks: tuple[str, ...] = ()
    owned_paths: tuple[str, ...] = ()
    #: Where ``/`` leads when this plugin is the first enabled one with a home page.
    home_page: str | None = None
    #: One line saying what went wrong (status) or, for an enabled plugin, the last hook failure.
    error: str | None = None
    #: The traceback behind ``error``, for the debug log.
    traceback: str | None = None
    started: bool = False
    #: Hook calls of this plugin that raised or overran their time limit since start.
    hook_failures: int = 0

    @property
    def sort_key(self) -> tuple[int, str]:
        return (self.order, self.name)

    def fail(self, status: PluginStatus, error: str, traceback: str | None = None) -> None:
        self.status = status
        self.error = error
        self.traceback = traceback
