"""Periodic tasks: work queued on a schedule (remaking personal mixes, evicting old caches).

Declare one like a task, with how often it should run::

    from datetime import timedelta
    from sonantica_core.tasks.periodic import periodic

    @periodic("stems:evict", every=timedelta(hours=1))
    async def evict_stems() -> None:
        ...

Every worker process runs :func:`run_schedule`. Once per ``every``, across all workers and
processes, exactly one of them queues the task (a Redis key set with ``NX`` and an expiry of
``every`` decides which); the task then runs like any other, on whichever worker takes it.
A worker first looks one tick after it starts (``PERIODIC_TICK_SECONDS``, so a worker started and
stopped at once, as in a deployment's rolling restart, queues nothing); a job then runs at that
first look, and again after Redis lost its keys, so its work must be safe to repeat (remaking
what is fresh is skipped, evicting twice evicts nothing).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError
from taskiq import AsyncTaskiqDecoratedTask

from sonantica_core.tasks.registry import Priority, send, task

log = logging.getLogger("sonantica.periodic")

F = TypeVar("F", bound=Callable[..., Any])

#: Redis key prefix of the "this job was queued for this period" markers.
KEY_PREFIX = "sonantica:periodic:"
#: How often each worker looks for due jobs, in seconds.
TICK_SECONDS = 30.0


@dataclass(frozen=True)
class PeriodicJob:
    """A task queued once per ``every`` across the deployment."""

    name: str
    every: dt.timedelta
    task: AsyncTaskiqDecoratedTask[Any, Any]


_JOBS: dict[str, PeriodicJob] = {}


def periodic(
    name: str, *, every: dt.timedelta, priority: Priority = Priority.LOW
) -> Callable[[F], AsyncTaskiqDecoratedTask[Any, Any]]:
    """Declare a task named ``name`` that the workers queue once per ``every`` (at least a second)."""
    if every < dt.timedelta(seconds=1):
        raise ValueError(f"periodic task {name!r}: 'every' must be at least one second")

    def decorate(func: F) -> AsyncTaskiqDecoratedTask[Any, Any]:
        declared = task(name, priority=priority)(func)
        _JOBS[name] = PeriodicJob(name, every, declared)
        return declared

    return decorate


def periodic_jobs() -> list[PeriodicJob]:
    """The periodic jobs declared in this process (by the core and the plugins imported)."""
    return list(_JOBS.values())


async def queue_due(redis: Redis, jobs: Sequence[PeriodicJob]) -> list[str]:
    """Queue each job whose period has no marker yet; returns the names queued by this call."""
    queued = []
    for job in jobs:
        seconds = max(1, int(job.every.total_seconds()))
        stamp = dt.datetime.now(dt.UTC).isoformat()
        if await redis.set(KEY_PREFIX + job.name, stamp, nx=True, ex=seconds):
            try:
                await send(job.task)
            except Exception:
                with contextlib.suppress(RedisError, OSError):  # not queued: let the next tick try again
                    await redis.delete(KEY_PREFIX + job.name)
                raise
            queued.append(job.name)
    return queued


async def run_schedule(redis: Redis, stop: asyncio.Event, *, tick: float = TICK_SECONDS) -> None:
    """Queue due periodic jobs every ``tick`` seconds (the first time one tick from now) until ``stop``
    is set; Redis outages are waited out."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), tick)
    while not stop.is_set():
        jobs = periodic_jobs()
        if jobs:
            try:
                for name in await queue_due(redis, jobs):
                    log.info("queued periodic task %s", name)
            except (RedisError, OSError) as error:
                log.warning("periodic tasks not queued this time: %s", error)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), tick)
