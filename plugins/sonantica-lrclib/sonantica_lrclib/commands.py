"""``sonantica lrclib fetch``: queue LRCLIB lookups from the command line."""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy import column, select, table

from sonantica_core.plugins import PluginCommand
from sonantica_core.tasks import Priority, send
from sonantica_lrclib.store import lyrics_table
from sonantica_lrclib.tasks import fetch_lyrics

_tracks = table("tracks", column("id"), column("removed_at"))


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("track_ids", nargs="*", type=int, metavar="TRACK_ID",
                        help="tracks to look up (default: every track not looked up yet)")
    parser.add_argument("--force", action="store_true", help="ask again even when the answer is cached")
    parser.add_argument("--limit", type=int, default=None, metavar="N", help="queue at most N tracks")


async def _fetch(ctx: Any, args: argparse.Namespace) -> int:
    track_ids = list(args.track_ids) or await _tracks_never_looked_up(ctx, args.limit)
    for track_id in track_ids[: args.limit]:
        await send(fetch_lyrics, track_id, args.force, priority=Priority.LOW)
    print(f"queued {len(track_ids[: args.limit])} LRCLIB lookups; workers run them in the background")
    return 0


async def _tracks_never_looked_up(ctx: Any, limit: int | None) -> list[int]:
    query = (
        select(_tracks.c.id)
        .where(_tracks.c.removed_at.is_(None), _tracks.c.id.not_in(select(lyrics_table.c.track_id)))
        .order_by(_tracks.c.id)
        .limit(limit)
    )
    async with ctx.session() as session:
        return list((await session.execute(query)).scalars())


fetch_command = PluginCommand(
    name="fetch",
    help="queue LRCLIB lookups (every track not looked up yet, or the ids given)",
    run=_fetch,
    arguments=_arguments,
)
