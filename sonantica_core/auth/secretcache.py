"""The per-process cache of opened app passwords: user id → their plain secrets, briefly.

Subsonic apps sign most calls with a fresh salt, so a call's ``t`` cannot be remembered;
what can be is the user's app passwords, opened once. Without this every call read the
rows, derived the key, opened each seal and wrote ``last_used_at``.

An entry lives at most ``ttl`` seconds. Creating or revoking an app password, or a change to
the user (disabled, deleted), drops the user's entry here at once, and an ``app_password``
or ``user`` message on the invalidation bus drops it in every other process; the TTL bounds
how long a process that missed the message can still accept a revoked password.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_TTL = 30.0
#: ``last_used_at`` is written at most this often per app password.
USE_RECORD_INTERVAL = 60.0


@dataclass(frozen=True, slots=True)
class OpenedSecret:
    """One active app password: its row id and plain secret."""

    row_id: int
    secret: str


class AppSecretCache:
    """A bounded LRU of users' opened app passwords."""

    def __init__(self, ttl: float = DEFAULT_TTL, size: int = 1024) -> None:
        self.ttl = ttl
        self._size = size
        self._entries: OrderedDict[int, tuple[float, tuple[OpenedSecret, ...]]] = OrderedDict()
        self._recorded: dict[int, float] = {}

    def get(self, user_id: int) -> tuple[OpenedSecret, ...] | None:
        """The user's opened secrets, or None when not cached (or stale)."""
        entry = self._entries.get(user_id)
        if entry is None:
            return None
        if entry[0] <= time.monotonic():
            del self._entries[user_id]
            return None
        self._entries.move_to_end(user_id)
        return entry[1]

    def put(self, user_id: int, secrets: Sequence[OpenedSecret]) -> None:
        self._entries[user_id] = (time.monotonic() + self.ttl, tuple(secrets))
        self._entries.move_to_end(user_id)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def drop_user(self, user_id: int) -> None:
        self._entries.pop(user_id, None)

    def clear(self) -> None:
        self._entries.clear()

    def use_due(self, row_id: int) -> bool:
        """Whether ``last_used_at`` of ``row_id`` should be written now (and note that it is)."""
        now = time.monotonic()
        last = self._recorded.get(row_id)
        if last is not None and now - last < USE_RECORD_INTERVAL:
            return False
        if len(self._recorded) > 4 * self._size:
            self._recorded.clear()
        self._recorded[row_id] = now
        return True
