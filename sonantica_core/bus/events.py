"""The event bus: JSON events on a Redis pub/sub channel, read by ``GET /api/events``.

Events are notifications, not the truth: a client that missed one re-reads the
API. Every process publishes through :class:`EventPublisher`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import Redis

from sonantica_core.contract import Event

log = logging.getLogger("sonantica.events")

CHANNEL = "sonantica:events"


def encode_event(event: Event | dict[str, Any]) -> str:
    """Serialise an event (a contract dataclass or a plain dict with ``type``)."""
    if dataclasses.is_dataclass(event):
        payload = _fields(event)  # nested dataclasses go through _json_default (asdict deep-copies every list)
    else:
        payload = dict(event)
        payload.setdefault("at", dt.datetime.now(dt.UTC))
    if not payload.get("type"):
        raise ValueError("an event needs a type")
    return json.dumps(payload, default=_json_default, separators=(",", ":"))


def _fields(value: Any) -> dict[str, Any]:
    """A dataclass instance's fields, one level deep."""
    return {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}


def _json_default(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _fields(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__} in an event")


class EventPublisher:
    """Publish events; failures are logged, never raised (events are best effort)."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def publish(self, event: Event | dict[str, Any]) -> None:
        try:
            await self._redis.publish(CHANNEL, encode_event(event))
        except Exception as exc:  # Redis down: the database still has the truth
            log.warning("could not publish event %s: %s", getattr(event, "type", event), exc)


async def subscribe(redis: Redis) -> AsyncIterator[dict[str, Any]]:
    """Yield events as dicts until the caller stops iterating."""
    pubsub = redis.pubsub()
    await pubsub.subscribe(CHANNEL)
    try:
        async for message in pubsub.listen():
            if message.get("type") != "message":
                continue
            try:
                yield json.loads(message["data"])
            except (ValueError, TypeError):
                continue
    finally:
        await pubsub.unsubscribe(CHANNEL)
        await pubsub.aclose()
