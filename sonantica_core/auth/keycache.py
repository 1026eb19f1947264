"""The per-process cache of API keys: key hash → who it authenticates, briefly.

A cached key is trusted for at most ``ttl`` seconds (and never past its own
expiry). Revoking a key drops it here at once, and an ``api_key`` message on the
invalidation bus drops it in every other process; the TTL bounds how long a
process that missed the message can still accept it.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

from sonantica_core.auth.principal import Principal

DEFAULT_TTL = 10.0


@dataclass(frozen=True, slots=True)
class CachedKey:
    principal: Principal
    valid_until: float  # time.monotonic()


class ApiKeyCache:
    """A bounded LRU of verified keys."""

    def __init__(self, ttl: float = DEFAULT_TTL, size: int = 4096) -> None:
        self.ttl = ttl
        self._size = size
        self._entries: OrderedDict[str, CachedKey] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key_hash: str) -> Principal | None:
        entry = self._entries.get(key_hash)
        if entry is None:
            return None
        if entry.valid_until <= time.monotonic():
            del self._entries[key_hash]
            return None
        return entry.principal

    def put(self, key_hash: str, principal: Principal, expires_in: float | None = None) -> None:
        """Remember a verified key for the TTL (or until it expires, if sooner)."""
        lifetime = self.ttl if expires_in is None else min(self.ttl, expires_in)
        if lifetime <= 0:
            return
        self._entries[key_hash] = CachedKey(principal, time.monotonic() + lifetime)
        self._entries.move_to_end(key_hash)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def drop_key(self, key_id: int) -> None:
        for key_hash in [h for h, e in self._entries.items() if e.principal.key_id == key_id]:
            del self._entries[key_hash]

    def drop_user(self, user_id: int) -> None:
        for key_hash in [h for h, e in self._entries.items() if e.principal.id == user_id]:
            del self._entries[key_hash]

    def clear(self) -> None:
        self._entries.clear()
