"""``sonantica plugins``: installed, enabled and failed plugins, their versions, statuses and hooks.

It loads plugins as a server would (import, contract range, configuration,
self-check) without starting them: start-up errors show in the server's log
and in ``GET /api/plugins``. Exits with 1 when an enabled plugin failed.
"""

from __future__ import annotations

import argparse
import json

from rich.table import Column, Table
from rich.text import Text

from sonantica_core.cli.common import add_common_flags, console, settings_from_args, setup_logging
from sonantica_core.plugins import load_plugins
from sonantica_core.plugins.compat import contract_version_text
from sonantica_core.plugins.status import PluginStatus
from sonantica_core.plugins.summary import describe
from sonantica_core.settings import Settings

_STYLES = {PluginStatus.ENABLED: "green", PluginStatus.DISABLED: "dim"}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("plugins", help="list installed and enabled plugins and what became of them")
    parser.add_argument("--json", action="store_true", help="print JSON (as GET /api/plugins) instead of a table")
    flags = add_common_flags(parser)
    parser.set_defaults(handler=lambda args: run(settings_from_args(args, flags), as_json=args.json))


def run(settings: Settings, *, as_json: bool = False) -> int:
    setup_logging("ERROR" if settings.log_level in {"INFO", "WARNING"} else settings.log_level)
    manager = load_plugins(settings, process="cli")
    records = manager.all()
    if as_json:
        payload = {"contract": contract_version_text(), "plugins": [describe(record) for record in records]}
        console.print_json(json.dumps(payload))
    elif not records:
        console.print(f"No plugins installed or enabled (plugins file: {settings.plugins_file}).")
    else:
        longest_hook = max((len(hook) for record in records for hook in record.hooks), default=1)
        table = Table(
            "plugin",
            "version",
            "status",
            Column("hooks", no_wrap=True, min_width=longest_hook),  # whole names, however narrow
            Column("detail", overflow="fold"),
            title=f"Plugins (contract {contract_version_text()}, {settings.plugins_file})",
            title_justify="left",
        )
        for record in records:
            style = _STYLES.get(record.status, "red")
            detail = record.error or _detail(record.owned_paths, record.migrations)
            table.add_row(
                Text(record.name),
                Text(record.version or "—"),
                Text(str(record.status), style=style),
                Text("\n".join(record.hooks) or "—"),
                Text(detail or ""),
            )
        console.print(table)
    return 1 if manager.failed() else 0


def _detail(owned_paths: tuple[str, ...], migrations: str | None) -> str:
    parts = []
    if owned_paths:
        parts.append("owns " + ", ".join(owned_paths))
    if migrations:
        parts.append(f"tables: {migrations}")
    return "; ".join(parts)
