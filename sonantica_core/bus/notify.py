"""Announcing what happened: to clients (the event stream) and to plugins (event hooks)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sonantica_core.contract import Event

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext

log = logging.getLogger("sonantica.events")


async def emit(ctx: CoreContext, event: Event) -> None:
    """Publish ``event`` on the event bus and deliver it to every plugin's event hook.

    Plugins' hooks are isolated and time-limited; none can stop the caller.
    """
    await ctx.events.publish(event)
    plugins = ctx.services.plugins  # None: this process never loaded plugins
    if plugins is None:
        return
    try:
        await plugins.notify(ctx, event)
    except Exception:
        log.exception("delivering %s to plugins failed", event.type)
