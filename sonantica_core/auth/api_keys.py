"""Long-lived API keys for devices and scripts.

A key is ``snt_`` followed by 43 URL-safe characters (256 random bits). It is
shown once, at creation; the database keeps its SHA-256 (a slow hash would add
nothing for a key this random) and a short prefix to tell keys apart. A key may
expire, and notes when it was last used. Listing, counting and revoking are
:data:`CREDENTIALS` (:mod:`.credentials`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from sonantica_core.auth.credentials import CredentialKind
from sonantica_core.db.users import ApiKey, User

KEY_PREFIX = "snt_"
_KEY_SHAPE = re.compile(r"^snt_[A-Za-z0-9_-]{43}$")
#: Characters of the key shown in listings (``snt_`` and 8 more).
SHOWN_PREFIX_LENGTH = 12
MAX_KEYS_PER_USER = 100
#: Counting, listing and revoking a user's keys.
CREDENTIALS = CredentialKind(ApiKey, "API key", "API keys", MAX_KEYS_PER_USER)


def new_api_key() -> str:
    """A fresh key: ``snt_`` and 256 random bits."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def looks_like_api_key(value: str) -> bool:
    """Whether a bearer credential is meant as an API key (rather than a token)."""
    return value.startswith(KEY_PREFIX)


def hash_api_key(key: str) -> str | None:
    """The stored hash of ``key``, or None when it is not shaped like a key."""
    if not _KEY_SHAPE.match(key):
        return None
    return hashlib.sha256(key.encode("ascii")).hexdigest()


async def create_api_key(
    session: AsyncSession, user_id: int, name: str, expires_at: dt.datetime | None = None
) -> tuple[ApiKey, str]:
    """Store a new key for ``user_id``; returns the row and the key (shown once)."""
    key = new_api_key()
    row = ApiKey(
        user_id=user_id, name=name, prefix=key[:SHOWN_PREFIX_LENGTH], key_hash=hash_api_key(key), expires_at=expires_at
    )
    return await CREDENTIALS.add(session, row), key


async def use_api_key(conn: AsyncConnection, key_hash: str) -> tuple[int, int, str, dt.datetime | None] | None:
    """Find an active key of an enabled user and note its use, in one statement.

    Returns (key id, user id, role, expires_at) or None.
    """
    now = dt.datetime.now(dt.UTC)
    statement = (
        update(ApiKey)
        .where(
            ApiKey.key_hash == key_hash,
            ApiKey.revoked_at.is_(None),
            (ApiKey.expires_at.is_(None)) | (ApiKey.expires_at > now),
            User.id == ApiKey.user_id,
            User.disabled.is_(False),
        )
        .values(last_used_at=now)
        .returning(ApiKey.id, ApiKey.user_id, User.role, ApiKey.expires_at)
    )
    row = (await conn.execute(statement)).first()
    return (row[0], row[1], row[2], row[3]) if row else None
