"""The listening tasks: every user's personal mixes remade once a day, in the background.

:func:`remake_stale_mixes` is a periodic task (hourly): it remakes the mixes of each listener
whose mixes are a day old or missing, so a user who opens the mixes finds them made that day
rather than waiting for them. Users without any play have nothing to remake and are left out.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from sqlalchemy import exists, select

from sonantica_core.db.playback import PlaybackHistory
from sonantica_core.db.users import User
from sonantica_core.listening.mixes import refresh_mixes
from sonantica_core.tasks.periodic import periodic
from sonantica_core.tasks.registry import current_context

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext

log = logging.getLogger("sonantica.listening")

#: How often the workers look for stale mixes (each mix is remade when a day old).
CHECK_EVERY = dt.timedelta(hours=1)


async def listeners(ctx: CoreContext) -> list[int]:
    """Ids of the enabled users who have played something."""
    async with ctx.session() as session:
        query = (
            select(User.id)
            .where(~User.disabled, exists().where(PlaybackHistory.user_id == User.id))
            .order_by(User.id)
        )
        return list((await session.execute(query)).scalars())


async def remake_all_stale(ctx: CoreContext) -> dict[int, list[str]]:
    """Remake every listener's stale mixes; returns what was remade per user (one user failing spares the rest)."""
    remade: dict[int, list[str]] = {}
    for user_id in await listeners(ctx):
        try:
            kinds = await refresh_mixes(ctx, user_id)
        except Exception:
            log.exception("personal mixes of user %d not remade", user_id)
            continue
        if kinds:
            remade[user_id] = kinds
    return remade


@periodic("listening:remake-mixes", every=CHECK_EVERY)
async def remake_stale_mixes() -> None:
    """The periodic task: :func:`remake_all_stale` with the worker's context."""
    remade = await remake_all_stale(current_context())
    if remade:
        log.info("personal mixes remade for %d users", len(remade))
