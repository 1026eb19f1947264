"""A Redis-streams broker with a high and a low priority stream.

* Messages stay pending in their stream's consumer group until the task has
  run (taskiq acknowledges after execution), so a worker killed mid-task does
  not lose it: after ``redelivery_seconds`` without a heartbeat another worker
  claims it (XAUTOCLAIM) and runs it again.
* A running worker keeps its pending messages fresh with a heartbeat (XCLAIM to
  itself), so a long task is never taken over while its worker lives.
* Each fetch looks at the high stream first; a worker takes one message at a
  time, so a backlog of low-priority work never delays a listener's request by
  more than the task in progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError
from taskiq import AckableMessage, BrokerMessage
from taskiq_redis import RedisStreamBroker

log = logging.getLogger("sonantica.tasks")

HIGH_STREAM = "sonantica:tasks:high"
LOW_STREAM = "sonantica:tasks:low"
GROUP = "sonantica-workers"


class PriorityRedisBroker(RedisStreamBroker):
    """taskiq broker over two Redis streams, high priority read first."""

    def __init__(
        self,
        url: str,
        *,
        redelivery_seconds: float = 60.0,
        block_ms: int = 1000,
        max_connections: int = 20,
    ) -> None:
        super().__init__(
            url=url,
            queue_name=LOW_STREAM,
            consumer_group_name=GROUP,
            consumer_name=f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}",
            consumer_id="0",
            xread_block=block_ms,
            idle_timeout=int(redelivery_seconds * 1000),
            additional_streams={HIGH_STREAM: ">"},
            max_connection_pool_size=max_connections,
        )
        self.redelivery_seconds = redelivery_seconds
        self._heartbeat: asyncio.Task[None] | None = None

    async def startup(self) -> None:
        await super().startup()
        if self.is_worker_process:
            self._heartbeat = asyncio.create_task(self._keep_pending_fresh(), name="sonantica-task-heartbeat")

    async def shutdown(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
        await super().shutdown()

    async def kick(self, message: BrokerMessage) -> None:
        """Append the message to the stream of its ``priority`` label."""
        stream = HIGH_STREAM if message.labels.get("priority") == "high" else LOW_STREAM
        async with Redis(connection_pool=self.connection_pool) as conn:
            await conn.xadd(stream, {b"data": message.message})

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:  # type: ignore[override]
        """Yield one message at a time: reclaimed, then high, then low."""
        async with Redis(connection_pool=self.connection_pool) as conn:
            last_reclaim = 0.0
            while True:
                now = time.monotonic()
                if now - last_reclaim >= max(self.redelivery_seconds / 4, 0.2):
                    last_reclaim = now
                    for stream in (HIGH_STREAM, LOW_STREAM):
                        for msg_id, fields in await self._reclaim(conn, stream):
                            log.warning("redelivering task %s from %s: its worker stopped", msg_id, stream)
                            yield self._ackable(stream, msg_id, fields)
                fetched = await conn.xreadgroup(GROUP, self.consumer_name, {HIGH_STREAM: ">"}, count=1)
                if not fetched:
                    fetched = await conn.xreadgroup(
                        GROUP,
                        self.consumer_name,
                        {HIGH_STREAM: ">", LOW_STREAM: ">"},
                        count=1,
                        block=self.block,
                    )
                for stream, messages in sorted(fetched or [], key=lambda item: _name(item[0]) != HIGH_STREAM):
                    for msg_id, fields in messages:
                        yield self._ackable(_name(stream), msg_id, fields)

    # -- internals ---------------------------------------------------------

    def _ackable(self, stream: str, msg_id: Any, fields: dict[bytes, bytes]) -> AckableMessage:
        return AckableMessage(data=fields[b"data"], ack=self._acker(stream, msg_id))

    def _acker(self, stream: str, msg_id: Any) -> Callable[[], Awaitable[None]]:
        async def ack() -> None:
            async with Redis(connection_pool=self.connection_pool) as conn:
                await conn.xack(stream, GROUP, msg_id)
                await conn.xdel(stream, msg_id)

        return ack

    async def _reclaim(self, conn: Redis, stream: str) -> list[tuple[Any, dict[bytes, bytes]]]:
        try:
            result = await conn.xautoclaim(stream, GROUP, self.consumer_name, min_idle_time=self.idle_timeout, count=10)
        except ResponseError as exc:  # the group vanished (Redis was flushed): recreate it
            log.debug("xautoclaim on %s: %s", stream, exc)
            await self._declare_consumer_group()
            return []
        return [(msg_id, fields) for msg_id, fields in result[1] if fields]

    async def _keep_pending_fresh(self) -> None:
        interval = max(self.redelivery_seconds / 3, 0.1)
        while True:
            await asyncio.sleep(interval)
            try:
                async with Redis(connection_pool=self.connection_pool) as conn:
                    for stream in (HIGH_STREAM, LOW_STREAM):
                        pending = await conn.xpending_range(
                            stream, GROUP, min="-", max="+", count=100, consumername=self.consumer_name
                        )
                        ids = [entry["message_id"] for entry in pending]
                        if ids:
                            await conn.xclaim(stream, GROUP, self.consumer_name, 0, ids, justid=True)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis restarting: try again next beat
                log.debug("task heartbeat failed: %s", exc)


def _name(stream: bytes | str) -> str:
    return stream.decode() if isinstance(stream, bytes) else stream
