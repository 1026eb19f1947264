"""Announcing what happened: to clients (the event stream) and to plugins (event hooks)."""

from __future__ import annotations

import logging

from sonantica_core.context import CoreContext
from sonantica_core.contract import Event

log = logging.getLogger("sonantica.events")


async def emit(ctx: CoreContext, event: Event) -> None:
    """Publish ``event`` on the event bus and deliver it to every plugin's event hook.

    Plugins' hooks are isolated and time-limited; none can stop the caller.
    """
    await ctx.events.publish(event)
    from sonantica_core.plugins import manager_of

    try:
        await manager_of(ctx).notify(ctx, event)
    except Exception:
        log.exception("delivering %s to plugins failed", event.type)
