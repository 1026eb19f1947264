"""Assembling the web process: context, task broker (to send tasks) and app."""

from __future__ import annotations

import functools

from starlette.applications import Starlette
from taskiq import async_shared_broker

from sonantica_core.analysis.tasks import on_stream_start
from sonantica_core.context import CoreContext, open_context
from sonantica_core.http.plugin_routes import plugin_routes
from sonantica_core.plugins import PluginManager, load_plugins
from sonantica_core.server.app import core_routes, create_app
from sonantica_core.settings import Settings
from sonantica_core.tasks.broker import PriorityRedisBroker


async def build_web_app(
    settings: Settings, postgres_url: str, redis_url: str, secret: str
) -> tuple[Starlette, CoreContext]:
    """Open the context and build the app; the caller closes the context."""
    ctx = await open_context(settings, secret_key=secret, postgres_url=postgres_url, redis_url=redis_url)
    return build_app_for_context(ctx), ctx


def build_app_for_context(ctx: CoreContext, plugins: PluginManager | None = None) -> Starlette:
    """The web app around an open context (the broker and the plugins start with the app).

    ``plugins``: an already loaded manager (tests pass explicit plugins this
    way); by default the plugins that ``ctx.settings`` enables are loaded.
    """
    broker = PriorityRedisBroker(ctx.redis_url, redelivery_seconds=ctx.settings.task_redelivery_seconds)
    async_shared_broker.default_broker(broker)
    ctx.services.broker = broker
    ctx.services.on_stream_start = on_stream_start  # a played, unanalysed track is analysed first
    manager = plugins if plugins is not None else load_plugins(ctx.settings, process="web")
    manager.attach(ctx)
    mounts = plugin_routes(manager, ctx, core_routes())

    async def start_broker(app: Starlette, ctx: CoreContext) -> object:
        await broker.startup()
        return broker.shutdown

    async def start_plugins(app: Starlette, ctx: CoreContext) -> object:
        await manager.start(ctx)
        return functools.partial(manager.stop, ctx)

    return create_app(ctx, extra_routes=mounts, startup_hooks=[start_broker, start_plugins])
