"""Describing plugins: the start-up summary (one line each), and the data of listings."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sonantica_core.plugins.config import masked_config
from sonantica_core.plugins.status import PluginRecord, PluginStatus

log = logging.getLogger("sonantica.plugins")


def summary_line(record: PluginRecord) -> str:
    """``plugin lrclib 0.1.0: enabled · hooks: register_routes, ...`` (Mopidy style)."""
    title = f"plugin {record.name} {record.version}".rstrip()
    if record.status is PluginStatus.ENABLED:
        hooks = ", ".join(record.hooks) or "none"
        return f"{title}: enabled · hooks: {hooks}"
    if record.status is PluginStatus.DISABLED:
        return f"{title}: disabled (installed; add [plugins.{record.name}] to plugins.toml to enable it)"
    return f"{title}: {record.status} — {record.error}"


def log_summary(records: Sequence[PluginRecord], process: str) -> None:
    """Log one line per plugin: failures as errors, the rest as information.

    The web process tells the whole story; workers and commands (which load the
    same plugins) repeat only failures, and the rest at debug level.
    """
    quiet = process != "web"
    if not records:
        log.log(logging.DEBUG if quiet else logging.INFO, "%s: no plugins installed or enabled", process)
    for record in records:
        line = summary_line(record)
        if record.status.failed:
            log.error("%s%s", line, f" (in {process})" if quiet else "")
            if record.traceback:
                log.debug("plugin %s: %s\n%s", record.name, record.status, record.traceback)
        else:
            log.log(logging.DEBUG if quiet else logging.INFO, "%s", line)


def describe(record: PluginRecord) -> dict[str, Any]:
    """A plugin as JSON-able data, secrets masked (for ``/api/plugins`` and ``sonantica plugins``)."""
    return {
        "name": record.name,
        "version": record.version or None,
        "distribution": record.distribution,
        "status": str(record.status),
        "hooks": list(record.hooks),
        "order": record.order,
        "owned_paths": list(record.owned_paths),
        "migrations": record.migrations,
        "config": masked_config(record.config, record.secret_keys),
        "error": record.error,
        "hook_failures": record.hook_failures,
    }
