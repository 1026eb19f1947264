"""Who a call is from: Subsonic's ``u`` with ``p`` or ``t``+``s``, or the ``apiKey`` extension.

* ``u`` + ``p`` (plain, or ``enc:`` and hex) and ``u`` + ``t`` + ``s`` (``t = md5(secret + s)``)
  are checked against the user's **app passwords** (``/api/auth/app-passwords``), never the
  login password: that one is stored as an Argon2 hash, which cannot answer ``t``, and an app
  password can be revoked per device.
* ``apiKey`` takes one of the user's API keys; with ``u`` as well it is refused (43).
* Failures count toward the login rate limits (per account and address, and per address),
  with the same counters as ``POST /api/auth/login``; a blocked account-and-address or address
  is refused before its credential is checked. Only wrong credentials are counted, so an app
  sending many requests at once with fresh salts never blocks itself.

A verified credential is remembered for :data:`REMEMBER_SECONDS` in this process, so a player
seeking through a track does not open the app passwords again on every request; and requests that
arrive together with one credential (an app's first burst) share one check, so they take one
place under the rate limit, not one each.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from redis.exceptions import RedisError
from starlette.requests import Request

from sonantica_core.auth.api_keys import looks_like_api_key
from sonantica_core.auth.app_passwords import verify_app_password, verify_subsonic_token
from sonantica_core.auth.errors import AuthError
from sonantica_core.auth.principal import Principal
from sonantica_core.auth.ratelimit import RateLimited
from sonantica_core.auth.state import get_auth_state
from sonantica_core.auth.users import find_user
from sonantica_core.context import CoreContext
from sonantica_core.http.routes.auth import login_limiter
from sonantica_core.http.util import client_address
from sonantica_subsonic.envelope import ErrorCode, SubsonicError, missing
from sonantica_subsonic.params import Params

REMEMBER_SECONDS = 30.0
_REMEMBERED = 4096
#: The name API-key failures are counted under (a key names no account).
API_KEY_ACCOUNT = "\x00api-key"


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated user of a call."""

    principal: Principal
    username: str


class _Remembered:
    """Credentials verified lately: digest → (caller, until)."""

    def __init__(self) -> None:
        self._entries: OrderedDict[bytes, tuple[Caller, float]] = OrderedDict()

    def get(self, digest: bytes) -> Caller | None:
        entry = self._entries.get(digest)
        if entry is None or entry[1] < time.monotonic():
            self._entries.pop(digest, None)
            return None
        self._entries.move_to_end(digest)
        return entry[0]

    def put(self, digest: bytes, caller: Caller) -> None:
        self._entries[digest] = (caller, time.monotonic() + REMEMBER_SECONDS)
        self._entries.move_to_end(digest)
        while len(self._entries) > _REMEMBERED:
            self._entries.popitem(last=False)


_remembered = _Remembered()
_checking: dict[bytes, asyncio.Future[Caller]] = {}


async def _once(digest: bytes, check: Callable[[], Awaitable[Caller]]) -> Caller:
    """The remembered caller of ``digest``, or the result of one ``check`` shared by concurrent callers."""
    remembered = _remembered.get(digest)
    if remembered is not None:
        return remembered
    running = _checking.get(digest)
    if running is not None:
        return await asyncio.shield(running)
    future: asyncio.Future[Caller] = asyncio.get_running_loop().create_future()
    _checking[digest] = future
    try:
        caller = await check()
    except BaseException as exc:
        future.set_exception(exc)
        future.exception()  # retrieved: no warning when nobody else waited
        raise
    else:
        _remembered.put(digest, caller)
        future.set_result(caller)
        return caller
    finally:
        del _checking[digest]


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).digest()


def _plain_password(raw: str) -> str:
    if not raw.startswith("enc:"):
        return raw
    try:
        return bytes.fromhex(raw[4:]).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise SubsonicError(ErrorCode.WRONG_CREDENTIALS, "wrong username or password") from None


async def authenticate(ctx: CoreContext, request: Request, params: Params) -> Caller:
    """The caller of this request; raises :class:`SubsonicError` with the spec's code."""
    api_key, username = params.get("apiKey"), params.get("u")
    token, salt, password = params.get("t"), params.get("s"), params.get("p")
    if api_key is not None:
        if username is not None or token is not None or password is not None:
            raise SubsonicError(ErrorCode.CONFLICTING_AUTH, "apiKey cannot be combined with u, p or t")
        return await _by_api_key(ctx, request, api_key)
    if username is None or username == "":
        raise missing("u")
    if token is not None and password is not None:
        raise SubsonicError(ErrorCode.CONFLICTING_AUTH, "give either p or t and s, not both")
    if token is not None:
        if not salt:
            raise missing("s")
        digest = _digest("t", username.lower(), token.lower(), salt)
    elif password is not None:
        password = _plain_password(password)
        digest = _digest("p", username.lower(), password)
    else:
        raise missing("p")
    return await _once(digest, lambda: _by_password(ctx, request, username, token, salt, password))


async def _by_password(
    ctx: CoreContext, request: Request, username: str, token: str | None, salt: str | None, password: str | None
) -> Caller:
    address = client_address(request)
    await _limited(ctx, "check", username, address)
    async with ctx.session() as session:
        user = await find_user(session, username) if len(username) <= 64 else None
    if user is None:
        ok = False
    elif token is not None:
        ok = await verify_subsonic_token(ctx, user, token, salt or "")
    else:
        ok = await verify_app_password(ctx, user, password or "")
    if not ok or user is None:
        await _limited(ctx, "failed", username, address)
        raise SubsonicError(
            ErrorCode.WRONG_CREDENTIALS,
            "wrong username or password (Subsonic apps sign in with an app password: create one in your account)",
        )
    if user.disabled:
        raise SubsonicError(ErrorCode.NOT_AUTHORIZED, "this account is disabled")
    return Caller(Principal(user.id, user.role, "app_password"), user.username)


async def _limited(ctx: CoreContext, step: str, username: str, address: str | None) -> None:
    """``check`` (refuse a blocked caller) or count a ``failed`` credential, as the spec's errors."""
    limiter = login_limiter(ctx)
    try:
        await (limiter.check if step == "check" else limiter.failed)(username, address)
    except RateLimited as exc:
        error = SubsonicError(ErrorCode.WRONG_CREDENTIALS, str(exc), http_status=429)
        error.headers = {"Retry-After": str(exc.retry_after)}
        raise error from None
    except RedisError:
        raise SubsonicError(
            ErrorCode.GENERIC, "sign-in is unavailable: Redis cannot be reached", http_status=503
        ) from None


async def _by_api_key(ctx: CoreContext, request: Request, api_key: str) -> Caller:
    return await _once(_digest("k", api_key), lambda: _check_api_key(ctx, request, api_key))


async def _check_api_key(ctx: CoreContext, request: Request, api_key: str) -> Caller:
    address = client_address(request)
    await _limited(ctx, "check", API_KEY_ACCOUNT, address)
    try:
        if not looks_like_api_key(api_key):
            raise AuthError("the API key is not valid", "invalid_api_key")
        principal = await get_auth_state(ctx).authenticate_bearer(api_key)
    except AuthError as exc:
        await _limited(ctx, "failed", API_KEY_ACCOUNT, address)
        raise SubsonicError(ErrorCode.INVALID_API_KEY, str(exc)) from None
    async with ctx.session() as session:
        from sonantica_core.db.users import User

        user = await session.get(User, principal.id)
    if user is None:
        raise SubsonicError(ErrorCode.INVALID_API_KEY, "the API key's account no longer exists")
    return Caller(principal, user.username)
