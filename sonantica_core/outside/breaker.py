"""A circuit breaker whose state lives in Redis, so every process stops asking a service that is down.

``failures`` failed calls in a row open it for ``cooldown`` seconds: calls then fail at once
(:class:`~sonantica_core.outside.errors.OutsideUnavailable`) without touching the network.
After the cool-down one call is let through as a trial; its success closes the breaker,
its failure opens it again.
"""

from __future__ import annotations

from redis.asyncio import Redis


class CircuitBreaker:
    """Shared failure count and open-until state of one service."""

    def __init__(self, redis: Redis, service: str, failures: int, cooldown: float) -> None:
        self._redis = redis
        prefix = f"sonantica:outside:{service}:breaker"
        self._count = f"{prefix}:failures"
        self._open = f"{prefix}:open"
        self._trial = f"{prefix}:trial"
        self.failures = failures
        self.cooldown = cooldown

    async def is_open(self) -> bool:
        """True while calls must not be made (open, or a trial call is already out)."""
        if await self._redis.exists(self._open):
            return True
        if int(await self._redis.get(self._count) or 0) >= self.failures:
            # half-open: one caller gets the trial, the others wait for its verdict
            return not await self._redis.set(self._trial, "1", nx=True, px=int(max(self.cooldown, 1) * 1000))
        return False

    async def succeeded(self) -> None:
        await self._redis.delete(self._count, self._trial, self._open)

    async def failed(self) -> None:
        """Count a failed call; open the breaker when the count is reached."""
        count = await self._redis.incr(self._count)
        await self._redis.expire(self._count, int(max(self.cooldown * 10, 60)))
        if count >= self.failures:
            await self._redis.set(self._open, "1", px=int(self.cooldown * 1000))
            await self._redis.delete(self._trial)

    async def reset(self) -> None:
        await self.succeeded()
