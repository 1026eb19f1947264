"""The invalidation bus: tells every process to drop what it caches in memory.

Messages are JSON objects ``{"kind": ..., ...}`` on one Redis pub/sub channel.
A process that changes something applies the message to itself at once
(:meth:`InvalidationBus.publish` does both) and every other process applies it
when it arrives, in a background task: nothing on a request's path waits for
Redis. Kinds used by the core:

* ``user``     ``{"id", "generation", "role", "disabled"}`` or ``{"id", "deleted": true}``
* ``api_key``  ``{"id"}``: a key was revoked
* ``track``    ``{"ids": [...]}`` or ``{"all": true}``: track locations changed (rescan)

Pub/sub delivers at most once, so after every (re)subscription and every
``resync_interval`` seconds the registered resync callbacks run (reload users;
after a reconnection also clear caches): a process cut off from Redis catches up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext

log = logging.getLogger("sonantica.invalidation")

CHANNEL = "sonantica:invalidate"
Handler = Callable[[dict[str, Any]], None]
#: Called with ``reconnected=True`` after a (re)subscription, False on the periodic run.
Resync = Callable[[bool], Awaitable[None]]


class InvalidationBus:
    """Handlers by kind, publishing, and the listening loop of one process."""

    def __init__(self, redis: Redis, resync_interval: float = 60.0) -> None:
        self._redis = redis
        self._handlers: dict[str, list[Handler]] = {}
        self._resyncs: list[Resync] = []
        self.resync_interval = resync_interval
        #: Set once the first subscription is in place (tests wait on it).
        self.subscribed = asyncio.Event()

    def on(self, kind: str, handler: Handler) -> None:
        """Call ``handler(message)`` for each message of ``kind`` (from this process or another)."""
        self._handlers.setdefault(kind, []).append(handler)

    def on_resync(self, callback: Resync) -> None:
        """Run ``callback`` after each (re)subscription and periodically."""
        self._resyncs.append(callback)

    def apply(self, message: dict[str, Any]) -> None:
        """Run the handlers of ``message`` in this process; a failing handler is logged."""
        for handler in self._handlers.get(str(message.get("kind")), ()):
            try:
                handler(message)
            except Exception:
                log.exception("invalidation handler failed on %r", message)

    async def publish(self, kind: str, **data: Any) -> bool:
        """Apply locally now, then tell the other processes. False if Redis was unreachable."""
        message = {"kind": kind, **data}
        self.apply(message)
        try:
            await self._redis.publish(CHANNEL, json.dumps(message, separators=(",", ":")))
        except Exception as exc:
            log.warning("could not publish %s invalidation (other processes catch up at their next resync): %s",
                        kind, exc)
            return False
        return True

    async def resync(self, reconnected: bool) -> None:
        for callback in self._resyncs:
            try:
                await callback(reconnected)
            except Exception:
                log.exception("resync failed")

    async def run(self) -> None:
        """Listen until cancelled, reconnecting with back-off."""
        delay = 0.5
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(CHANNEL)
                await self._confirmed(pubsub)
                await self.resync(True)
                self.subscribed.set()
                delay = 0.5
                loop = asyncio.get_running_loop()
                next_resync = loop.time() + self.resync_interval
                while True:
                    timeout = max(0.0, next_resync - loop.time())
                    raw = await pubsub.get_message(ignore_subscribe_messages=True, timeout=min(timeout, 5.0))
                    _raise_if_cancelled()
                    if raw is not None and raw.get("type") == "message":
                        self._dispatch(raw["data"])
                    if loop.time() >= next_resync:
                        await self.resync(False)
                        next_resync = loop.time() + self.resync_interval
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("invalidation bus disconnected (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 15.0)
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.shield(pubsub.aclose())

    async def _confirmed(self, pubsub: Any) -> None:
        """Wait until Redis confirms the subscription: from then on no message is missed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10.0
        while loop.time() < deadline:
            raw = await pubsub.get_message(timeout=1.0)
            _raise_if_cancelled()
            if raw is None:
                continue
            if raw.get("type") == "subscribe":
                return
            if raw.get("type") == "message":
                self._dispatch(raw["data"])
        raise TimeoutError("Redis did not confirm the subscription")

    def _dispatch(self, data: bytes | str) -> None:
        try:
            message = json.loads(data)
        except (ValueError, TypeError):
            log.warning("ignored a malformed invalidation message")
            return
        if isinstance(message, dict):
            self.apply(message)


def _raise_if_cancelled() -> None:
    """Re-raise a cancellation that a read swallowed: on Python 3.11, a cancel that lands as a
    read's own timeout expires is lost inside ``asyncio.timeout``, and the listening loop would
    then run on forever, holding up shutdown."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


def get_bus(ctx: CoreContext) -> InvalidationBus:
    """This process's bus (created on first use)."""
    bus = ctx.services.invalidation
    if bus is None:
        bus = ctx.services.invalidation = InvalidationBus(ctx.redis)
    return bus


async def start_listening(ctx: CoreContext) -> Callable[[], Awaitable[None]]:
    """Start the listening task; returns the coroutine function that stops it."""
    bus = get_bus(ctx)
    task = asyncio.create_task(bus.run(), name="sonantica-invalidation-bus")

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return stop
