"""Periodic tasks: queued once per period across workers, again when the period is over."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from taskiq import async_shared_broker

from sonantica_core.tasks import LOW_STREAM, PriorityRedisBroker
from sonantica_core.tasks.periodic import KEY_PREFIX, PeriodicJob, periodic, queue_due, run_schedule


@periodic("tests:periodic-probe", every=dt.timedelta(seconds=1))
async def probe() -> None:
    """Does nothing: the tests count how often it is queued."""


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    sender = PriorityRedisBroker(redis_url, redelivery_seconds=1.0)
    async_shared_broker.default_broker(sender)
    await sender.startup()
    client = Redis.from_url(redis_url)
    await client.delete(KEY_PREFIX + "tests:periodic-probe", LOW_STREAM)
    yield client
    await client.aclose()
    await sender.shutdown()


async def _queued(redis: Redis) -> int:
    entries = await redis.xrange(LOW_STREAM)
    return sum(b"tests:periodic-probe" in b"".join(v for v in fields.values()) for _, fields in entries)


async def test_two_workers_queue_a_job_once_per_period(redis: Redis) -> None:
    job = PeriodicJob("tests:periodic-probe", dt.timedelta(seconds=1), probe)
    first, second = await asyncio.gather(queue_due(redis, [job]), queue_due(redis, [job]))
    assert sorted([first, second]) == [[], ["tests:periodic-probe"]]
    assert await _queued(redis) == 1
    assert await queue_due(redis, [job]) == []  # same period: nothing more
    await asyncio.sleep(1.2)
    assert await queue_due(redis, [job]) == ["tests:periodic-probe"]
    assert await _queued(redis) == 2


async def test_schedule_loop_queues_and_stops(redis: Redis) -> None:
    stop = asyncio.Event()
    loop = asyncio.create_task(run_schedule(redis, stop, tick=0.1))
    await asyncio.sleep(0.05)
    assert await _queued(redis) == 0  # the first look is one tick after the start
    await asyncio.sleep(0.3)
    stop.set()
    await asyncio.wait_for(loop, 2)
    assert await _queued(redis) == 1  # the probe's period is 1 s: the other ticks found it queued


def test_a_period_under_a_second_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one second"):
        periodic("tests:too-often", every=dt.timedelta(milliseconds=10))
