"""App passwords: per-device secrets for clients of protocols that need the secret itself.

Subsonic's token scheme sends ``t = md5(secret + salt)`` and ``s = salt``; only a
server that can read the secret back can check it. So each app password is
stored sealed (AES-256-GCM, key derived from SECRET_KEY by HKDF, bound to its
owner), is separate from the login password (which stays Argon2id-only), is
shown once at creation, and can be revoked on its own. Listing, counting and
revoking are :data:`CREDENTIALS` (:mod:`.credentials`).

The Subsonic plugin calls :func:`verify_subsonic_token` (``t``/``s``) or
:func:`verify_app_password` (plain ``p``). Both check against the user's secrets opened once
per process and kept briefly (:mod:`.secretcache`); creating or revoking an app password
drops them everywhere (:func:`~sonantica_core.auth.state.announce_app_passwords_changed`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import re
import secrets
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sonantica_core.auth.credentials import CredentialKind
from sonantica_core.auth.keys import APP_PASSWORDS, derive_key
from sonantica_core.auth.sealing import SealError, seal, unseal
from sonantica_core.auth.secretcache import OpenedSecret
from sonantica_core.auth.state import get_auth_state
from sonantica_core.db.users import AppPassword, User

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext

log = logging.getLogger("sonantica.auth")

MAX_PER_USER = 50
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: typed on phones
_MD5_HEX = re.compile(r"^[0-9a-fA-F]{32}$")
MIN_SALT_LENGTH = 6  # the Subsonic API asks clients for at least six characters
#: Counting, listing and revoking a user's app passwords.
CREDENTIALS = CredentialKind(AppPassword, "app password", "app passwords", MAX_PER_USER)


def new_app_password() -> str:
    """Four groups of five characters (100 random bits), e.g. ``k3vq9-...``."""
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(20))
    return "-".join(chars[i : i + 5] for i in range(0, 20, 5))


def _associated(user_id: int) -> bytes:
    return b"app-password:%d" % user_id


def seal_secret(secret_key: str, user_id: int, password: str) -> bytes:
    """``password`` sealed for storage, bound to its owner ``user_id``."""
    return seal(derive_key(secret_key, APP_PASSWORDS), password.encode(), _associated(user_id))


def open_secret(secret_key: str, row: AppPassword) -> str | None:
    """The plain secret of ``row``, or None (logged) when it cannot be opened."""
    try:
        return unseal(derive_key(secret_key, APP_PASSWORDS), row.secret_encrypted, _associated(row.user_id)).decode()
    except (SealError, UnicodeDecodeError) as exc:
        log.warning("app password %d of user %d cannot be read: %s", row.id, row.user_id, exc)
        return None


async def create_app_password(
    session: AsyncSession, secret_key: str, user_id: int, name: str
) -> tuple[AppPassword, str]:
    """Store a new app password; returns the row and the secret (shown once)."""
    password = new_app_password()
    row = AppPassword(user_id=user_id, name=name, secret_encrypted=seal_secret(secret_key, user_id, password))
    return await CREDENTIALS.add(session, row), password


async def _opened_secrets(ctx: CoreContext, user_id: int) -> tuple[OpenedSecret, ...]:
    """The user's active app passwords, opened (cached per process; none for a disabled user)."""
    cache = get_auth_state(ctx).app_secrets
    cached = cache.get(user_id)
    if cached is not None:
        return cached
    query = (
        select(AppPassword)
        .join(User, User.id == AppPassword.user_id)
        .where(AppPassword.user_id == user_id, AppPassword.revoked_at.is_(None), User.disabled.is_(False))
    )
    async with ctx.session() as session:
        rows = (await session.execute(query)).scalars().all()
    opened = tuple(
        OpenedSecret(row.id, secret) for row in rows if (secret := open_secret(ctx.secret_key, row)) is not None
    )
    cache.put(user_id, opened)
    return opened


async def _mark_used(ctx: CoreContext, row_id: int) -> None:
    """Record that ``row_id`` was used (at most once a minute per process)."""
    if not get_auth_state(ctx).app_secrets.use_due(row_id):
        return
    async with ctx.session() as session:
        await session.execute(
            update(AppPassword).where(AppPassword.id == row_id).values(last_used_at=dt.datetime.now(dt.UTC))
        )


def _user_id(user: User | int) -> int:
    return user if isinstance(user, int) else user.id


async def verify_subsonic_token(ctx: CoreContext, user: User | int, token: str, salt: str) -> bool:
    """Whether ``token == md5(app password + salt)`` for one of the user's active app passwords.

    ``user`` is the account named by Subsonic's ``u`` (a :class:`User` or its id);
    ``token`` and ``salt`` are ``t`` and ``s``. Never checks the login password.
    """
    if not isinstance(token, str) or not _MD5_HEX.match(token):
        return False
    if not isinstance(salt, str) or not MIN_SALT_LENGTH <= len(salt) <= 256:
        return False
    wanted = token.lower()
    for opened in await _opened_secrets(ctx, _user_id(user)):
        digest = hashlib.md5((opened.secret + salt).encode(), usedforsecurity=False).hexdigest()
        if hmac.compare_digest(digest, wanted):
            await _mark_used(ctx, opened.row_id)
            return True
    return False


async def verify_app_password(ctx: CoreContext, user: User | int, password: str) -> bool:
    """Whether ``password`` is one of the user's active app passwords (Subsonic's plain ``p``)."""
    if not isinstance(password, str) or not 0 < len(password) <= 256:
        return False
    for opened in await _opened_secrets(ctx, _user_id(user)):
        if hmac.compare_digest(opened.secret.encode(), password.encode()):
            await _mark_used(ctx, opened.row_id)
            return True
    return False
