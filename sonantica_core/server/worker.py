"""The worker process: receive tasks from Redis and run them with the core context.

One task at a time per worker process (CPU-bound work gains nothing from more
on one core), taken high priority first. Each worker also queues the periodic tasks
that are due (:mod:`sonantica_core.tasks.periodic`; one worker per period wins). A task is acknowledged only after it
ran, so killing a worker mid-task makes another worker run it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from taskiq import async_shared_broker
from taskiq.acks import AcknowledgeType
from taskiq.api import run_receiver_task

from sonantica_core.bus.library import bumps_of
from sonantica_core.context import open_context
from sonantica_core.plugins import load_plugins
from sonantica_core.settings import Settings
from sonantica_core.tasks.broker import PriorityRedisBroker
from sonantica_core.tasks.periodic import run_schedule
from sonantica_core.tasks.registry import set_context

log = logging.getLogger("sonantica.worker")

#: Modules of the core that declare tasks; imported by every worker.
CORE_TASK_MODULES: tuple[str, ...] = (
    "sonantica_core.scanning.tasks",
    "sonantica_core.analysis.tasks",
    "sonantica_core.lyrics.tasks",
    "sonantica_core.metadata.tasks",
    "sonantica_core.analysis.duplicate_report",
    "sonantica_core.stems.jobs",
    "sonantica_core.stems.evict",
    "sonantica_core.listening.tasks",
)


async def run_worker(settings: Settings, secret: str, stop: asyncio.Event) -> None:
    """Run until ``stop`` is set."""
    import importlib

    for module in CORE_TASK_MODULES:
        importlib.import_module(module)
    assert settings.postgres_url and settings.redis_url
    ctx = await open_context(
        settings, secret_key=secret, postgres_url=settings.postgres_url, redis_url=settings.redis_url, pool_size=3
    )
    set_context(ctx)
    # Importing the enabled plugins registers their tasks; the loading code is the web process's.
    plugins = load_plugins(settings, process="worker")
    broker = PriorityRedisBroker(settings.redis_url, redelivery_seconds=settings.task_redelivery_seconds)
    broker.is_worker_process = True
    async_shared_broker.default_broker(broker)
    ctx.services.broker = broker
    await broker.startup()
    try:
        await plugins.start(ctx)
    except BaseException:
        await broker.shutdown()
        await ctx.close()
        raise
    log.info("worker ready: %d task types", len(broker.get_all_tasks()))
    receiver = asyncio.create_task(
        run_receiver_task(
            broker,
            max_async_tasks=1,
            max_prefetch=0,
            sync_workers=1,
            ack_time=AcknowledgeType.WHEN_EXECUTED,
            propagate_exceptions=False,
        )
    )
    schedule = asyncio.create_task(run_schedule(ctx.redis, stop, tick=settings.periodic_tick_seconds))
    stopper = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({receiver, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        receiver.cancel()
        stopper.cancel()
        schedule.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await schedule
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await receiver
        await bumps_of(ctx).flush()  # announce the last analysis results before leaving
        await plugins.stop(ctx)
        await broker.shutdown()
        await ctx.close()
