"""Login rate limits in Redis: failed sign-ins per (account, address) and per address.

Only failures count. An account is never locked as such: guessing alice's password
from one address blocks that address for alice (and, past the address limit, for
everyone), never alice signing in with her password from elsewhere. Addresses are the
client's, as :func:`sonantica_core.http.clientaddr.scope_client_address` finds them
behind trusted proxies; IPv6 clients are counted per /64, the block one host usually
controls.

An attempt in flight holds a place in both counters (:meth:`LoginRateLimiter.attempt`,
one atomic Lua call that refuses without counting when either is full), so concurrent
guesses cannot slip past the limit while their passwords are being checked. A right
password gives the place back and clears its (account, address) counter
(:meth:`LoginRateLimiter.succeeded`), so what remains counted is the failures. A
counter's window starts with its first failure and is not extended by later ones.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from dataclasses import dataclass

from redis.asyncio import Redis

from sonantica_core.errors import SonanticaError

_PREFIX = "sonantica:login:"

# KEYS: counters; ARGV[1]: window (ms); ARGV[1 + i]: the limit of KEYS[i].
# When a counter is full: {i, its remaining ms}, nothing counted. Else every counter
# is raised: {0, 0}.
_ATTEMPT = """
for i, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= tonumber(ARGV[i + 1]) then
    local ttl = redis.call('PTTL', key)
    if ttl < 0 then
      redis.call('PEXPIRE', key, ARGV[1])
      ttl = tonumber(ARGV[1])
    end
    return {i, ttl}
  end
end
for _, key in ipairs(KEYS) do
  redis.call('INCR', key)
  if redis.call('PTTL', key) < 0 then
    redis.call('PEXPIRE', key, ARGV[1])
  end
end
return {0, 0}
"""

# KEYS[1]: the (account, address) counter, deleted; KEYS[2]: the address counter, lowered
# by one unless it expired meanwhile (a DECR would create it without a window).
_SUCCEEDED = """
redis.call('DEL', KEYS[1])
if redis.call('GET', KEYS[2]) then
  if redis.call('DECR', KEYS[2]) <= 0 then
    redis.call('DEL', KEYS[2])
  end
end
return 0
"""


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """Failed sign-ins allowed per window: per account from one address, and per address."""

    per_account: int = 5
    per_address: int = 20
    window: float = 15 * 60


class RateLimited(SonanticaError):
    """Too many failed attempts; try again after ``retry_after`` seconds.

    ``scope``: ``"account"`` (this account from this address) or ``"address"``."""

    def __init__(self, retry_after: int, scope: str) -> None:
        what = "account from this address" if scope == "account" else scope
        super().__init__(f"too many failed sign-ins for this {what}; try again in {retry_after} s")
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
    """How a username is counted: case and surrounding blanks do not matter."""
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]


class LoginRateLimiter:
    """Counts failed sign-ins; see the module documentation."""

    def __init__(self, redis: Redis, limits: LoginLimits | None = None) -> None:
        self.limits = limits or LoginLimits()
        self._redis = redis
        self._attempt = redis.register_script(_ATTEMPT)
        self._succeeded = redis.register_script(_SUCCEEDED)

    @staticmethod
    def _keys(username: str, address: str | None) -> list[str]:
        addr = address_key(address)
        return [f"{_PREFIX}pair:{account_key(username)}:{addr}", f"{_PREFIX}address:{addr}"]

    async def attempt(self, username: str, address: str | None) -> None:
        """Hold a place for an attempt; raises :class:`RateLimited` (counting nothing) when full."""
        window_ms = int(self.limits.window * 1000)
        limits = [self.limits.per_account, self.limits.per_address]
        full, ttl = await self._attempt(keys=self._keys(username, address), args=[window_ms, *limits])
        if full:
            raise RateLimited(max(1, math.ceil(int(ttl) / 1000)), ("account", "address")[int(full) - 1])

    async def succeeded(self, username: str, address: str | None) -> None:
        """A right password: clear the (account, address) failures, give the address's place back."""
        await self._succeeded(keys=self._keys(username, address))

    async def check(self, username: str, address: str | None) -> None:
        """Raise :class:`RateLimited` when either counter is full; counts nothing.

        For protocols that check a credential on every request (Subsonic's per-request salted
        tokens): :meth:`check` first, verify, and :meth:`failed` only for a wrong one, so the
        right credential's concurrent requests never take places from each other.
        """
        keys = self._keys(username, address)
        counts = await self._redis.mget(keys)
        for index, (count, limit) in enumerate(zip(counts, (self.limits.per_account, self.limits.per_address),
                                                   strict=True)):
            if count is not None and int(count) >= limit:
                ttl = await self._redis.pttl(keys[index])
                raise RateLimited(max(1, math.ceil(max(ttl, 1000) / 1000)), ("account", "address")[index])

    async def failed(self, username: str, address: str | None) -> None:
        """Count a wrong credential checked without :meth:`attempt`; raises :class:`RateLimited` when full."""
        await self.attempt(username, address)
