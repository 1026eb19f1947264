"""``sonantica scan``: scan the music folders now, with a progress bar; list problems."""

from __future__ import annotations

import argparse
import asyncio

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select

from sonantica_core.cli.common import (
    CommandFailed,
    add_common_flags,
    console,
    settings_from_args,
    setup_logging,
)
from sonantica_core.context import open_context
from sonantica_core.db import migrate as schema
from sonantica_core.db.library import ScanProblemRow
from sonantica_core.plugins.loader import all_lineages
from sonantica_core.server.backing import Services
from sonantica_core.settings import Settings, ensure_secret_key


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("scan", help="scan the music folders now (incremental) and show progress")
    parser.add_argument("paths", nargs="*", metavar="PATH", help="music folders (MEDIA_PATH)")
    parser.add_argument("--root", action="append", dest="roots", metavar="NAME", help="only this media root")
    parser.add_argument("--problems", action="store_true", help="only list the files scans could not read")
    flags = add_common_flags(parser)
    flags["paths"] = "MEDIA_PATH"
    parser.set_defaults(handler=lambda args: run(settings_from_args(args, flags), args))


def run(settings: Settings, args: argparse.Namespace) -> int:
    setup_logging("WARNING" if settings.log_level == "INFO" else settings.log_level)
    if not settings.media_roots and not args.problems:
        raise CommandFailed("no music folders: give PATH or set MEDIA_PATH", status=2)
    with Services(settings, attach_if_running=True) as services:
        if settings.postgres_url is None and not asyncio.run(schema.is_current(services.postgres_url)):
            schema.upgrade(services.postgres_url, all_lineages(settings))
        return asyncio.run(_run(settings, services, args))


async def _run(settings: Settings, services: Services, args: argparse.Namespace) -> int:
    from sonantica_core.plugins import load_plugins
    from sonantica_core.scanning.scan import ScanAlreadyRunning, run_scan

    ctx = await open_context(
        settings,
        secret_key=ensure_secret_key(settings),
        postgres_url=services.postgres_url,
        redis_url=services.redis_url,
        pool_size=4,
    )
    try:
        if args.problems:
            return await _list_problems(ctx)
        plugins = load_plugins(settings, process="cli")
        plugins.attach(ctx)
        scanners = plugins.scanners(ctx)
        if not scanners:
            raise CommandFailed("no scanner plugin is enabled (see plugins.toml): nothing can read the files")
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as bar:
            task = bar.add_task("walking", total=None)

            def show(state) -> None:  # type: ignore[no-untyped-def]
                bar.update(task, description=state.phase, total=state.files_to_read or None, completed=state.files_read)

            try:
                result = await run_scan(ctx, scanners, root_names=args.roots, progress=show)
            except ScanAlreadyRunning:
                raise CommandFailed("a scan is already running (the server's); try again when it ends") from None
        console.print(
            f"[green]✓[/] {result.files_seen} files: {result.added} added, {result.changed} changed, "
            f"{result.moved} moved, {result.removed} removed, {result.problems} problems "
            f"({result.seconds:.1f} s)"
        )
        if result.problems:
            console.print("  `sonantica scan --problems` lists the files that could not be read")
        return 0
    finally:
        await ctx.close()


async def _list_problems(ctx) -> int:  # type: ignore[no-untyped-def]
    async with ctx.session() as session:
        rows = (
            (await session.execute(select(ScanProblemRow).order_by(ScanProblemRow.root, ScanProblemRow.relative_path)))
            .scalars()
            .all()
        )
    if not rows:
        console.print("[green]✓[/] no problems: every file was read")
        return 0
    table = Table("root", "file", "kind", "reason")
    for row in rows:
        table.add_row(row.root, row.relative_path, row.kind, row.reason)
    console.print(table)
    return 0
