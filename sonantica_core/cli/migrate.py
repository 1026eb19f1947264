"""``sonantica migrate``: bring the database schema (core and plugins) up to date."""

from __future__ import annotations

import argparse
import asyncio

from sonantica_core.cli.common import add_common_flags, console, settings_from_args, setup_logging
from sonantica_core.db import migrate as schema
from sonantica_core.plugins.loader import all_lineages
from sonantica_core.server.backing import Services
from sonantica_core.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("migrate", help="upgrade the database schema")
    flags = add_common_flags(parser)
    parser.set_defaults(handler=lambda args: run(settings_from_args(args, flags)))


def run(settings: Settings) -> int:
    setup_logging(settings.log_level)
    with Services(settings, attach_if_running=True) as services:
        lineages = all_lineages(settings)
        before = {lin.name: asyncio.run(schema.current_revision(services.postgres_url, lin)) for lin in lineages}
        schema.upgrade(services.postgres_url, lineages)
        for lineage in lineages:
            head = schema.head_revision(lineage)
            was = before[lineage.name] or "empty"
            state = "already current" if before[lineage.name] == head else f"{was} → {head}"
            console.print(f"[green]✓[/] {lineage.name}: {state}")
    return 0
