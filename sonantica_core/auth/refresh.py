"""Refresh tokens: opaque, stored hashed, rotated on every use, with reuse detection.

A refresh token is ``snr_`` and 43 URL-safe characters. Using one marks it
rotated (``revoked_at``) and issues a successor. Presenting a rotated token again
means a copy of it is in someone else's hands: every refresh token of that user
is deleted and their token generation raised, so every session of theirs ends
(RFC 9700 §4.14).

Every other way a refresh token ends (sign-out, password change, account
disabled) deletes its row, so ``revoked_at`` means "rotated" and nothing else: a
device still holding a signed-out token gets a plain 401, not a reuse alarm that
would end the user's new sessions. Rotated rows are kept until they expire, for
detection, and expired rows are deleted as the user's tokens rotate.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sonantica_core.db.users import RefreshToken, User

TOKEN_PREFIX = "snr_"
_SHAPE = re.compile(r"^snr_[A-Za-z0-9_-]{43}$")


def hash_refresh_token(token: str) -> str | None:
    """The stored hash of ``token``, or None when it is not shaped like one."""
    if not isinstance(token, str) or not _SHAPE.match(token):
        return None
    return hashlib.sha256(token.encode("ascii")).hexdigest()


async def issue_refresh_token(
    session: AsyncSession, user_id: int, ttl: float, *, user_agent: str | None = None, address: str | None = None
) -> str:
    """Store a new refresh token for ``user_id`` and return it."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            user_id=user_id,
            token_hash=hash_refresh_token(token),
            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=ttl),
            user_agent=(user_agent or None) and user_agent[:300],
            address=(address or None) and address[:64],
        )
    )
    await session.flush()
    return token


class Outcome(enum.Enum):
    ROTATED = "rotated"
    UNKNOWN = "unknown"  # never issued, or malformed
    EXPIRED = "expired"
    REUSED = "reused"  # already revoked: every session of the user was ended
    DISABLED = "disabled"  # the account is disabled


@dataclass(frozen=True, slots=True)
class Rotation:
    outcome: Outcome
    user: User | None = None
    token: str | None = None


async def rotate_refresh_token(
    session: AsyncSession, token: str, ttl: float, *, user_agent: str | None = None, address: str | None = None
) -> Rotation:
    """Revoke ``token`` and issue its successor.

    Never raises for a bad token: the caller commits (so that a detected reuse
    sticks) and then refuses according to :attr:`Rotation.outcome`.
    """
    token_hash = hash_refresh_token(token)
    if token_hash is None:
        return Rotation(Outcome.UNKNOWN)
    now = dt.datetime.now(dt.UTC)
    claimed = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.token_hash == token_hash, RefreshToken.revoked_at.is_(None), RefreshToken.expires_at > now)
        .values(revoked_at=now)
        .returning(RefreshToken.user_id)
    )
    user_id = claimed.scalar_one_or_none()
    if user_id is None:
        row = (
            await session.execute(
                select(RefreshToken.user_id, RefreshToken.expires_at).where(RefreshToken.token_hash == token_hash)
            )
        ).first()
        if row is None:
            return Rotation(Outcome.UNKNOWN)
        if row.expires_at <= now:
            return Rotation(Outcome.EXPIRED)
        user = await end_all_sessions(session, row.user_id)
        return Rotation(Outcome.REUSED, user)
    await session.execute(delete(RefreshToken).where(RefreshToken.user_id == user_id, RefreshToken.expires_at <= now))
    user = (await session.execute(select(User).where(User.id == user_id))).scalar_one()
    if user.disabled:
        return Rotation(Outcome.DISABLED, user)
    successor = await issue_refresh_token(session, user_id, ttl, user_agent=user_agent, address=address)
    return Rotation(Outcome.ROTATED, user, successor)


async def revoke_refresh_token(session: AsyncSession, token: str, user_id: int) -> bool:
    """End one of ``user_id``'s refresh tokens (sign-out); False if it was not active."""
    token_hash = hash_refresh_token(token)
    if token_hash is None:
        return False
    result = await session.execute(
        delete(RefreshToken)
        .where(
            RefreshToken.token_hash == token_hash,
            RefreshToken.user_id == user_id,
            RefreshToken.revoked_at.is_(None),
        )
        .returning(RefreshToken.id)
    )
    return result.first() is not None


async def revoke_all_refresh_tokens(session: AsyncSession, user_id: int) -> None:
    """End every refresh token of ``user_id`` (rotated ones included)."""
    await session.execute(delete(RefreshToken).where(RefreshToken.user_id == user_id))


async def end_all_sessions(session: AsyncSession, user_id: int) -> User | None:
    """Delete every refresh token of the user and raise their token generation.

    Returns the updated user (announce it to the other processes after commit).
    """
    await revoke_all_refresh_tokens(session, user_id)
    return (
        await session.execute(
            update(User)
            .where(User.id == user_id)
            .values(token_generation=User.token_generation + 1)
            .returning(User)
        )
    ).scalar_one_or_none()
