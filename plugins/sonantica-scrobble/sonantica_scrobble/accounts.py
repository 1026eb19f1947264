"""Linked accounts: each user's token per service, sealed at rest (AES-256-GCM, key from SECRET_KEY).

The key is derived from the server's secret for this purpose alone (HKDF, as the core's
app passwords are), and each sealed token is bound to its user and service: a token copied
to another row does not open.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert

from sonantica_core.auth.keys import derive_key
from sonantica_core.auth.sealing import SealError, seal, unseal
from sonantica_scrobble.tables import accounts, queue

log = logging.getLogger("sonantica.plugins.scrobble")
PURPOSE = "scrobble-token v1"
SERVICES = ("listenbrainz", "lastfm")


@dataclass(frozen=True, slots=True)
class Account:
    user_id: int
    service: str
    username: str | None
    token: str | None  # None: it cannot be opened (SECRET_KEY changed)
    disabled_reason: str | None


def _associated(user_id: int, service: str) -> bytes:
    return f"scrobble:{service}:{user_id}".encode()


def seal_token(secret_key: str, user_id: int, service: str, token: str) -> bytes:
    return seal(derive_key(secret_key, PURPOSE), token.encode(), _associated(user_id, service))


def open_token(secret_key: str, user_id: int, service: str, sealed: bytes) -> str | None:
    try:
        return unseal(derive_key(secret_key, PURPOSE), sealed, _associated(user_id, service)).decode()
    except (SealError, UnicodeDecodeError) as exc:
        log.warning("the %s token of user %d cannot be opened: %s", service, user_id, exc)
        return None


async def link(ctx: Any, user_id: int, service: str, token: str, username: str | None) -> None:
    """Store (or replace) the user's token for ``service``; a disabled account is enabled again."""
    values = {"user_id": user_id, "service": service, "username": username,
              "token_sealed": seal_token(ctx.secret_key, user_id, service, token), "disabled_reason": None}
    statement = insert(accounts).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[accounts.c.user_id, accounts.c.service],
        set_={"username": username, "token_sealed": values["token_sealed"], "disabled_reason": None,
              "linked_at": func.now()},
    )
    async with ctx.session() as session:
        await session.execute(statement)


async def unlink(ctx: Any, user_id: int, service: str) -> bool:
    """Forget the account and its unsent scrobbles; False when there was none."""
    async with ctx.session() as session:
        gone = await session.execute(
            delete(accounts).where(accounts.c.user_id == user_id, accounts.c.service == service)
        )
        await session.execute(delete(queue).where(queue.c.user_id == user_id, queue.c.service == service))
        return bool(gone.rowcount)


async def user_accounts(ctx: Any, user_id: int) -> list[Account]:
    async with ctx.session() as session:
        rows = (await session.execute(select(accounts).where(accounts.c.user_id == user_id)
                                      .order_by(accounts.c.service))).all()
    return [
        Account(r.user_id, r.service, r.username, open_token(ctx.secret_key, r.user_id, r.service, r.token_sealed),
                r.disabled_reason)
        for r in rows
    ]


async def disable(ctx: Any, user_id: int, service: str, reason: str) -> None:
    from sqlalchemy import update

    async with ctx.session() as session:
        await session.execute(
            update(accounts).where(accounts.c.user_id == user_id, accounts.c.service == service)
            .values(disabled_reason=reason[:500])
        )
    log.warning("the %s account of user %d is disabled until linked again: %s", service, user_id, reason)
