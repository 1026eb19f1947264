"""Answers of outside services kept in Redis with a time to live, keyed by the request."""

from __future__ import annotations

import hashlib

from redis.asyncio import Redis


class AnswerCache:
    """Status, media type and body of earlier answers of one service."""

    def __init__(self, redis: Redis, service: str) -> None:
        self._redis = redis
        self._prefix = f"sonantica:outside:{service}:answer:"

    def key(self, url: str, accept: str | None) -> str:
        return self._prefix + hashlib.sha256(f"{accept or ''} {url}".encode()).hexdigest()

    async def get(self, key: str) -> tuple[int, str, bytes] | None:
        found = await self._redis.hmget(key, ["status", "type", "body"])
        if found[0] is None:
            return None
        return int(found[0]), (found[1] or b"").decode(), found[2] or b""

    async def put(self, key: str, status: int, media_type: str, body: bytes, ttl: float) -> None:
        if ttl <= 0:
            return
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.hset(key, mapping={"status": status, "type": media_type, "body": body})
            pipe.pexpire(key, int(ttl * 1000))
            await pipe.execute()

    async def clear(self) -> int:
        """Forget every cached answer of the service; returns how many."""
        keys = [key async for key in self._redis.scan_iter(match=self._prefix + "*", count=500)]
        return int(await self._redis.delete(*keys)) if keys else 0
