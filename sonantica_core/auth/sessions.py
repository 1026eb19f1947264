"""Signing a user in: an access token and a refresh token, as the API returns them."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from sonantica_core.auth.refresh import issue_refresh_token
from sonantica_core.auth.state import get_auth_state
from sonantica_core.auth.tokens import issue_access_token
from sonantica_core.auth.userstate import UserState
from sonantica_core.db.users import User

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext


def access_token_for(ctx: CoreContext, user: User) -> tuple[str, int]:
    """A fresh access token for ``user`` (as it is in the database now) and its lifetime in seconds."""
    ttl = ctx.settings.access_token_ttl
    token, expires = issue_access_token(ctx.secret_key, user.id, user.role, user.token_generation, ttl)
    return token, max(0, expires - int(time.time()))


async def start_session(
    ctx: CoreContext,
    session: AsyncSession,
    user: User,
    *,
    user_agent: str | None = None,
    address: str | None = None,
    refresh_token: str | None = None,
) -> dict[str, Any]:
    """The token pair for ``user``: a new refresh token unless ``refresh_token`` is given
    (the successor made by a rotation). This process learns the user's state right away."""
    if refresh_token is None:
        refresh_token = await issue_refresh_token(
            session, user.id, ctx.settings.refresh_token_ttl, user_agent=user_agent, address=address
        )
    get_auth_state(ctx).directory.update(user.id, UserState.of(user))
    access_token, expires_in = access_token_for(ctx, user)
    return {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "refresh_token": refresh_token,
        "refresh_expires_in": int(ctx.settings.refresh_token_ttl),
        "user": {"id": user.id, "username": user.username, "role": user.role},
    }
