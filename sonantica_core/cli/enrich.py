"""``sonantica enrich``: ask the metadata providers about albums now, in this process, and show what they said."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from rich.table import Table
from sqlalchemy import select

from sonantica_core.cli.common import CommandFailed, add_common_flags, console, settings_from_args, setup_logging
from sonantica_core.context import open_context
from sonantica_core.db.library import Album
from sonantica_core.metadata import enrich_album
from sonantica_core.metadata.tasks import albums_never_enriched
from sonantica_core.server.backing import Services
from sonantica_core.settings import Settings, ensure_secret_key


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("enrich", help="ask the metadata providers (MusicBrainz ...) about albums now")
    parser.add_argument("album_ids", nargs="*", type=int, metavar="ALBUM_ID",
                        help="albums to enrich (default: those never enriched)")
    parser.add_argument("--all", action="store_true", help="every album, enriched before or not")
    parser.add_argument("--limit", type=int, default=None, metavar="N", help="at most N albums")
    flags = add_common_flags(parser)
    parser.set_defaults(handler=lambda args: run(settings_from_args(args, flags), args))


def run(settings: Settings, args: argparse.Namespace) -> int:
    setup_logging("WARNING" if settings.log_level == "INFO" else settings.log_level)
    with Services(settings, attach_if_running=True) as services:
        return asyncio.run(_open_and_run(settings, services, args))


async def _open_and_run(settings: Settings, services: Services, args: argparse.Namespace) -> int:
    from sonantica_core.plugins import load_plugins

    ctx = await open_context(settings, secret_key=ensure_secret_key(settings), postgres_url=services.postgres_url,
                             redis_url=services.redis_url, pool_size=4)
    plugins = load_plugins(settings, process="cli")
    try:
        await plugins.start(ctx)
        return await enrich_albums(ctx, args.album_ids, every=args.all, limit=args.limit)
    finally:
        await plugins.stop(ctx)
        await ctx.close()


async def enrich_albums(ctx: Any, album_ids: list[int], *, every: bool = False, limit: int | None = None) -> int:
    """Enrich the albums (given, all, or never enriched) one after the other; print each provider's outcome."""
    from sonantica_core.plugins import manager_of

    if not manager_of(ctx).metadata_providers(ctx):
        raise CommandFailed("no metadata provider is enabled (see plugins.toml; MusicBrainz also needs CONTACT)")
    if album_ids:
        targets = album_ids[:limit]
    elif every:
        async with ctx.session() as session:
            targets = list((await session.execute(select(Album.id).order_by(Album.id).limit(limit))).scalars())
    else:
        targets = await albums_never_enriched(ctx, limit)
    table = Table("album", "provider", "status", "values", "error")
    failed = False
    for album_id in targets:
        outcomes = await enrich_album(ctx, album_id)
        if not outcomes:
            table.add_row(str(album_id), "—", "no such album", "", "")
        for outcome in outcomes:
            failed |= outcome.status == "failed"
            table.add_row(str(album_id), outcome.provider, outcome.status, str(outcome.values), outcome.error or "")
    console.print(table if targets else "no album to enrich")
    return 1 if failed else 0
