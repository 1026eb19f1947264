"""One request per interval per service, across every process sharing a Redis.

A request to the service is made holding the service's lock in Redis, and no sooner
than ``interval`` after the previous request's answer arrived (on Redis's clock).
Because the previous request reached the service before its answer came back, two
requests never reach the service closer than ``interval``, however many workers ask
and however slow connecting or sending is.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis

#: KEYS: lock, last. ARGV: token, lock ms. Take the lock if free; returns µs to wait for the interval
#: (measured from the last answer), or -1 when another caller holds the lock.
_ACQUIRE = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return -1 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
return string.format('%.0f', math.max(0, last - now))
"""

#: KEYS: lock, last. ARGV: token, interval µs. Note when the next request may go, and free the lock.
_RELEASE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('SET', KEYS[2], string.format('%.0f', now + tonumber(ARGV[2])), 'PX', 3600000)
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
"""

#: Seconds between two looks at a lock another caller holds.
POLL_SECONDS = 0.02


class RateLimiter:
    """``async with limiter.turn(): send the request`` for every request to the service."""

    def __init__(self, redis: Redis, service: str, interval: float, hold: float) -> None:
        self._redis = redis
        self._keys = [f"sonantica:outside:{service}:lock", f"sonantica:outside:{service}:next"]
        self.interval = interval
        #: Seconds a lock is held at most (a process that died with it lets go after this).
        self.hold = hold
        self._acquire = redis.register_script(_ACQUIRE)
        self._release = redis.register_script(_RELEASE)

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait for this caller's turn; the block sends one request and reads its answer."""
        if self.interval <= 0:
            yield
            return
        token = secrets.token_hex(8)
        hold_ms = int((self.hold + self.interval) * 1000)
        while True:
            wait = int(await self._acquire(keys=self._keys, args=[token, hold_ms]))
            if wait >= 0:
                break
            await asyncio.sleep(POLL_SECONDS)
        try:
            if wait:
                await asyncio.sleep(wait / 1_000_000)
            yield
        finally:
            await self._release(keys=self._keys, args=[token, int(self.interval * 1_000_000)])
