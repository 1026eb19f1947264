"""Assembling the web process: context, task broker (to send tasks) and app."""

from __future__ import annotations

from starlette.applications import Starlette
from taskiq import async_shared_broker

from sonantica_core.app import create_app
from sonantica_core.context import CoreContext, open_context
from sonantica_core.settings import Settings
from sonantica_core.tasks.broker import PriorityRedisBroker


async def build_web_app(
    settings: Settings, postgres_url: str, redis_url: str, secret: str
) -> tuple[Starlette, CoreContext]:
    """Open the context and build the app; the caller closes the context."""
    ctx = await open_context(settings, secret_key=secret, postgres_url=postgres_url, redis_url=redis_url)
    return build_app_for_context(ctx), ctx


def build_app_for_context(ctx: CoreContext) -> Starlette:
    """The web app around an open context (the broker starts with the app)."""
    broker = PriorityRedisBroker(ctx.redis_url, redelivery_seconds=ctx.settings.task_redelivery_seconds)
    async_shared_broker.default_broker(broker)
    ctx.extras["broker"] = broker

    async def start_broker(app: Starlette, ctx: CoreContext) -> object:
        await broker.startup()
        return broker.shutdown

    return create_app(ctx, startup_hooks=[start_broker])
