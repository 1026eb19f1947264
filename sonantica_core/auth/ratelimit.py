"""Login rate limits in Redis, per account and per client address.

Each login attempt is counted *before* the password is checked (one Lua call,
atomic, so concurrent guesses cannot slip past the limit); a successful login
takes its attempt back and clears the account's counter. A counter's window
starts with its first attempt and is not extended by later ones. IPv6 clients are
counted per /64, the block one host usually controls.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from dataclasses import dataclass

from redis.asyncio import Redis

from sonantica_core.errors import SonanticaError

_PREFIX = "sonantica:login:"

# KEYS: counters; ARGV[1]: window (ms). Returns, per key, its count and remaining ms.
_COUNT = """
local result = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then
    redis.call('PEXPIRE', key, ARGV[1])
    ttl = tonumber(ARGV[1])
  end
  result[#result + 1] = count
  result[#result + 1] = ttl
end
return result
"""


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """Failed attempts allowed per window, per account and per address."""

    per_account: int = 5
    per_address: int = 20
    window: float = 15 * 60


class RateLimited(SonanticaError):
    """Too many attempts; try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int, scope: str) -> None:
        super().__init__(f"too many failed sign-ins for this {scope}; try again in {retry_after} s")
        self.retry_after = retry_after
        self.scope = scope


def address_key(address: str | None) -> str:
    """How a client address is counted: the IPv4 address, or the IPv6 /64."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "other:" + hashlib.sha256(address.encode()).hexdigest()[:32]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def account_key(username: str) -> str:
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]


class LoginRateLimiter:
    """Counts sign-in attempts; see the module documentation."""

    def __init__(self, redis: Redis, limits: LoginLimits | None = None) -> None:
        self.limits = limits or LoginLimits()
        self._redis = redis
        self._count = redis.register_script(_COUNT)

    def _keys(self, username: str, address: str | None) -> tuple[str, str]:
        return _PREFIX + "account:" + account_key(username), _PREFIX + "address:" + address_key(address)

    async def attempt(self, username: str, address: str | None) -> None:
        """Count an attempt; raises :class:`RateLimited` when over either limit."""
        account, addr = self._keys(username, address)
        window_ms = int(self.limits.window * 1000)
        count_a, ttl_a, count_b, ttl_b = await self._count(keys=[account, addr], args=[window_ms])
        over = []
        if count_a > self.limits.per_account:
            over.append((ttl_a, "account"))
        if count_b > self.limits.per_address:
            over.append((ttl_b, "address"))
        if over:
            ttl, scope = max(over)
            raise RateLimited(max(1, math.ceil(ttl / 1000)), scope)

    async def succeeded(self, username: str, address: str | None) -> None:
        """A good password: forget the account's failures, take back the address's attempt."""
        account, addr = self._keys(username, address)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(account)
            pipe.decr(addr)
            await pipe.execute()
