"""Password hashing with Argon2id (argon2-cffi's RFC 9106 low-memory profile)."""

from __future__ import annotations

import asyncio
import weakref

import anyio
import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.profiles import RFC_9106_LOW_MEMORY

_hasher = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)

MIN_PASSWORD_LENGTH = 8

#: A hash of a random password, verified against when a user does not exist so
#: that a login for an unknown name takes as long as one for a known name.
_DUMMY_HASH = _hasher.hash("sonántica-no-such-user-timing-guard")


def validate_password(password: str) -> str | None:
    """Return why ``password`` is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"must be at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > 1024:
        return "must be at most 1024 characters"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with ``password_hash`` None, spend the same time and fail."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


#: Argon2id with this profile takes 64 MiB and tens of milliseconds per hash:
#: run it off the event loop, and only a few at a time, to bound memory.
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = weakref.WeakKeyDictionary()


def _capacity() -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(2)
    return limiter


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    """:func:`verify_password` in a worker thread."""
    return await anyio.to_thread.run_sync(verify_password, password_hash, password, limiter=_capacity())


async def hash_password_async(password: str) -> str:
    """:func:`hash_password` in a worker thread."""
    return await anyio.to_thread.run_sync(hash_password, password, limiter=_capacity())
