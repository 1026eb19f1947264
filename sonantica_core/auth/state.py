"""The authentication state of one process, and resolving a request's credentials.

:class:`AuthState` holds the user directory, the API-key cache and the access
token verifier, and wires them to the invalidation bus. Per request:

* access token: verify the JWT (or find it in the small verified-token LRU),
  then compare its generation with the in-memory directory: no I/O;
* API key: SHA-256 and a cache lookup; on a miss, one indexed statement;
* signed stream URL: one HMAC, then its generation compared with the directory's,
  as for an access token: no I/O (one indexed lookup for a user this process has
  not seen yet, or whose link is newer than what it knows).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sonantica_core.auth.api_keys import hash_api_key, looks_like_api_key, use_api_key
from sonantica_core.auth.errors import AuthError
from sonantica_core.auth.keycache import ApiKeyCache
from sonantica_core.auth.keys import STREAM_URLS, derive_key
from sonantica_core.auth.principal import Principal
from sonantica_core.auth.secretcache import AppSecretCache
from sonantica_core.auth.signed_urls import verify_stream_query
from sonantica_core.auth.tokens import AccessTokenVerifier
from sonantica_core.auth.userstate import UserDirectory, UserState, user_message
from sonantica_core.bus.invalidation import get_bus
from sonantica_core.db.autocommit import autocommit
from sonantica_core.db.users import User

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext


class AuthState:
    """Everything a process needs to authenticate requests."""

    def __init__(self, ctx: CoreContext) -> None:
        self.ctx = ctx
        self.directory = UserDirectory()
        self.keys = ApiKeyCache()
        self.app_secrets = AppSecretCache()
        self.tokens = AccessTokenVerifier(ctx.secret_key)
        self.stream_key = derive_key(ctx.secret_key, STREAM_URLS)
        bus = get_bus(ctx)
        bus.on("user", self._on_user)
        bus.on("api_key", lambda message: self.keys.drop_key(int(message["id"])))
        bus.on("app_password", lambda message: self.app_secrets.drop_user(int(message["user_id"])))
        bus.on_resync(self._resync)

    def _on_user(self, message: dict[str, Any]) -> None:
        self.directory.apply_message(message)
        self.keys.drop_user(int(message["id"]))
        self.app_secrets.drop_user(int(message["id"]))

    async def _resync(self, reconnected: bool) -> None:
        if reconnected:
            self.keys.clear()
            self.app_secrets.clear()
        await self.directory.reload(self.ctx)

    async def authenticate_bearer(self, token: str) -> Principal:
        """The user an ``Authorization: Bearer`` value stands for; raises :class:`AuthError`."""
        if looks_like_api_key(token):
            return await self._api_key(token)
        claims = self.tokens.verify(token)
        state = await self._state(claims.user_id, claims.generation)
        if claims.generation != state.generation:
            raise AuthError("the access token was revoked; sign in again", "token_revoked")
        return Principal(claims.user_id, claims.role, "token")

    async def authenticate_signed(self, track_id: int, query_string: bytes) -> Principal:
        """The user a signed stream URL was made for; raises :class:`AuthError` (403), also once
        the user's sessions ended after the URL was made. No I/O for a user the directory knows."""
        link = verify_stream_query(self.stream_key, track_id, query_string)
        state = await self._current(link.user_id, link.generation)
        if state is None or state.disabled:
            raise AuthError("the account of this link is disabled or gone", "account_disabled", 403)
        if link.generation != state.generation:
            raise AuthError(
                "this link was revoked (its user signed out everywhere or changed password); ask for a new one",
                "link_revoked",
                403,
            )
        return Principal(link.user_id, "user", "signed_url")

    async def generation_of(self, user_id: int) -> int | None:
        """The user's current token generation (what a new signed URL is bound to); None when gone."""
        state = await self._current(user_id, 0)
        return None if state is None else state.generation

    async def _current(self, user_id: int, generation: int) -> UserState | None:
        """The directory's state of the user, read from the database when unknown to it or
        older than ``generation`` (a credential made elsewhere after the news reached us)."""
        state = self.directory.get(user_id)
        if not self.directory.known(user_id) or (state is not None and generation > state.generation):
            state = await self.directory.load(self.ctx, user_id)
        return state

    async def _state(self, user_id: int, generation: int) -> UserState:
        state = await self._current(user_id, generation)
        if state is None:
            raise AuthError("the account no longer exists", "invalid_token")
        if state.disabled:
            raise AuthError("the account is disabled", "account_disabled")
        return state

    async def _api_key(self, key: str) -> Principal:
        key_hash = hash_api_key(key)
        if key_hash is None:
            raise AuthError("the API key is malformed", "invalid_api_key")
        principal = self.keys.get(key_hash)
        if principal is None:
            async with autocommit(self.ctx.engine) as conn:
                found = await use_api_key(conn, key_hash)
            if found is None:
                raise AuthError("the API key is not valid, expired or was revoked", "invalid_api_key")
            key_id, user_id, role, expires_at = found
            principal = Principal(user_id, role, "api_key", key_id)
            expires_in = None if expires_at is None else (expires_at - dt.datetime.now(dt.UTC)).total_seconds()
            self.keys.put(key_hash, principal, expires_in)
        if self.directory.known(principal.id):
            state = self.directory.get(principal.id)
            if state is None or state.disabled:
                raise AuthError("the account is disabled", "account_disabled")
            if state.role != principal.role:
                principal = Principal(principal.id, state.role, "api_key", principal.key_id)
        return principal


def get_auth_state(ctx: CoreContext) -> AuthState:
    """This process's :class:`AuthState` (created on first use)."""
    state = ctx.services.auth
    if state is None:
        state = ctx.services.auth = AuthState(ctx)
    return state


async def announce_user(ctx: CoreContext, user: User) -> None:
    """After committing a change to ``user`` (role, password, disabled...): tell every process."""
    await get_bus(ctx).publish("user", **user_message(user))


async def announce_user_deleted(ctx: CoreContext, user_id: int) -> None:
    await get_bus(ctx).publish("user", id=user_id, deleted=True)


async def announce_api_key_revoked(ctx: CoreContext, key_id: int) -> None:
    await get_bus(ctx).publish("api_key", id=key_id)


async def announce_app_passwords_changed(ctx: CoreContext, user_id: int) -> None:
    """After creating or revoking one of ``user_id``'s app passwords: every process reopens them."""
    await get_bus(ctx).publish("app_password", user_id=user_id)
