"""Signing in and out, refresh, API keys, app passwords, and first-run setup.

* ``POST /api/auth/login``      ``{username, password}`` → token pair (failures rate-limited,
  see :mod:`sonantica_core.auth.ratelimit`)
* ``POST /api/auth/refresh``    ``{refresh_token}`` → new token pair (the old refresh token dies)
* ``POST /api/auth/logout``     ``{refresh_token?, everywhere?}`` → 204
* ``GET|POST /api/auth/api-keys``, ``DELETE /api/auth/api-keys/{key_id}``
* ``GET|POST /api/auth/app-passwords``, ``DELETE /api/auth/app-passwords/{password_id}``
* ``GET /api/setup`` → ``{needs_setup}``; ``POST /api/setup`` ``{username, password}``
  creates the first admin while there is no user at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import Field
from redis.exceptions import RedisError
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sonantica_core.auth import api_keys, app_passwords
from sonantica_core.auth.credentials import CredentialKind, TooManyCredentials
from sonantica_core.auth.passwords import hash_password_async, needs_rehash, verify_password_async
from sonantica_core.auth.ratelimit import LoginRateLimiter, RateLimited
from sonantica_core.auth.refresh import Outcome, end_all_sessions, revoke_refresh_token, rotate_refresh_token
from sonantica_core.auth.sessions import start_session
from sonantica_core.auth.state import announce_api_key_revoked, announce_app_passwords_changed, announce_user
from sonantica_core.auth.users import AlreadySetUpError, UserError, count_users, create_first_admin, find_user
from sonantica_core.context import CoreContext
from sonantica_core.db.users import User
from sonantica_core.http.body import Body, parse_body, parse_id
from sonantica_core.http.errors import ApiError
from sonantica_core.http.middleware.access import current_user, public
from sonantica_core.http.models import api as m
from sonantica_core.http.openapi.docs import api_doc
from sonantica_core.http.util import client_address, core, iso, user_agent

TAGS = ["auth"]
_BAD_JSON = {400: "The body is not a JSON object", 413: "The body is too large"}

Name = Annotated[str, Field(min_length=1, max_length=100)]


class Credentials(Body):
    username: Annotated[str, Field(min_length=1, max_length=256)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class RefreshBody(Body):
    refresh_token: Annotated[str, Field(min_length=1, max_length=256)]


class LogoutBody(Body):
    refresh_token: Annotated[str | None, Field(max_length=256)] = None
    everywhere: bool = False


class NewApiKey(Body):
    name: Name
    expires_in_days: Annotated[int | None, Field(ge=1, le=3650)] = None


class NewAppPassword(Body):
    name: Name


def login_limiter(ctx: CoreContext) -> LoginRateLimiter:
    """This process's login rate limiter (tests may replace ``ctx.services.login_limiter``)."""
    limiter = ctx.services.login_limiter
    if limiter is None:
        limiter = ctx.services.login_limiter = LoginRateLimiter(ctx.redis)
    return limiter


@api_doc(
    "Sign in",
    description="A token pair for a username and password. Failed sign-ins are limited per username from "
    "one client address, and per address; the right password from another address always works.",
    tags=TAGS,
    body=Credentials,
    response=m.TokenPair,
    responses={
        **_BAD_JSON,
        401: "Wrong username or password",
        403: "The account is disabled",
        429: "Too many failed attempts for this username from this address, or from this address; "
        "see Retry-After",
        503: "Sign-in is unavailable (Redis cannot be reached)",
    },
)
@public
async def login(request: Request) -> Response:
    ctx = core(request)
    body = await parse_body(request, Credentials)
    address = client_address(request)
    limiter = login_limiter(ctx)
    try:
        await limiter.attempt(body.username, address)
    except RateLimited as exc:
        raise ApiError(
            429,
            str(exc),
            headers={"Retry-After": str(exc.retry_after)},
            details={"retry_after": exc.retry_after, "limit": exc.scope},
        ) from None
    except RedisError:
        raise ApiError(503, "sign-in is unavailable: Redis cannot be reached", headers={"Retry-After": "5"}) from None
    async with ctx.session() as session:
        user = await find_user(session, body.username) if len(body.username) <= 64 else None
    if not await verify_password_async(user.password_hash if user else None, body.password) or user is None:
        raise ApiError(401, "wrong username or password", code="invalid_credentials")
    if user.disabled:
        raise ApiError(403, "this account is disabled", code="account_disabled")
    with contextlib.suppress(RedisError):  # the counters expire on their own
        await limiter.succeeded(body.username, address)
    async with ctx.session() as session:
        if needs_rehash(user.password_hash):
            new_hash = await hash_password_async(body.password)
            await session.execute(update(User).where(User.id == user.id).values(password_hash=new_hash))
        tokens = await start_session(ctx, session, user, user_agent=user_agent(request), address=address)
    return JSONResponse(tokens)


@api_doc(
    "Renew a session",
    description="A new token pair for a refresh token; the old refresh token stops working. Using one twice "
    "signs every session of the account out.",
    tags=TAGS,
    body=RefreshBody,
    response=m.TokenPair,
    responses={
        **_BAD_JSON,
        401: "The refresh token is not valid, has expired, or was already used",
        403: "The account is disabled",
    },
)
@public
async def refresh(request: Request) -> Response:
    ctx = core(request)
    body = await parse_body(request, RefreshBody)
    async with ctx.session() as session:
        rotation = await rotate_refresh_token(
            session,
            body.refresh_token,
            ctx.settings.refresh_token_ttl,
            user_agent=user_agent(request),
            address=client_address(request),
        )
        tokens = None
        if rotation.outcome is Outcome.ROTATED and rotation.user is not None:
            tokens = await start_session(ctx, session, rotation.user, refresh_token=rotation.token)
    if tokens is not None:
        return JSONResponse(tokens)
    if rotation.outcome is Outcome.REUSED:
        if rotation.user is not None:
            await announce_user(ctx, rotation.user)
        raise ApiError(
            401,
            "this refresh token was already used; every session of the account was signed out — sign in again",
            code="refresh_token_reused",
        )
    if rotation.outcome is Outcome.DISABLED:
        raise ApiError(403, "this account is disabled", code="account_disabled")
    if rotation.outcome is Outcome.EXPIRED:
        raise ApiError(401, "the refresh token has expired; sign in again", code="refresh_token_expired")
    raise ApiError(401, "the refresh token is not valid; sign in again", code="invalid_refresh_token")


@api_doc(
    "Sign out",
    description="Revoke the given refresh token, or (`everywhere`) every session of the account.",
    tags=TAGS,
    body=LogoutBody,
    body_required=False,
    response=None,
    status=204,
    responses=_BAD_JSON,
)
async def logout(request: Request) -> Response:
    ctx = core(request)
    principal = current_user(request)
    body = await parse_body(request, LogoutBody)
    user: User | None = None
    async with ctx.session() as session:
        if body.everywhere:
            user = await end_all_sessions(session, principal.id)
        elif body.refresh_token:
            await revoke_refresh_token(session, body.refresh_token, principal.id)
    if user is not None:
        await announce_user(ctx, user)
    return Response(status_code=204)


async def _list_credentials(
    request: Request, kind: CredentialKind[Any], key: str, to_json: Callable[[Any], dict[str, Any]]
) -> Response:
    """``{key: [to_json(row)...]}`` of the caller's active credentials of ``kind``, newest first."""
    ctx, principal = core(request), current_user(request)
    async with ctx.session() as session:
        rows = await kind.list_active(session, principal.id)
    return JSONResponse({key: [to_json(row) for row in rows]})


async def _make_room(session: AsyncSession, kind: CredentialKind[Any], user_id: int) -> None:
    """409 when the user has as many credentials of ``kind`` as allowed."""
    try:
        await kind.check_room(session, user_id)
    except TooManyCredentials as exc:
        raise ApiError(409, str(exc)) from None


async def _revoke_credential(request: Request, kind: CredentialKind[Any], param: str) -> int:
    """Revoke the caller's credential of ``kind`` whose id is path parameter ``param``; its id.

    404 when the id cannot be one, or the caller has no such active credential.
    """
    ctx, principal = core(request), current_user(request)
    row_id = parse_id(request.path_params[param], kind.noun)
    async with ctx.session() as session:
        revoked = await kind.revoke(session, principal.id, row_id)
    if not revoked:
        raise ApiError(404, f"no such {kind.noun}")
    return row_id


def _api_key_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "prefix": row.prefix,
        "created_at": iso(row.created_at),
        "last_used_at": iso(row.last_used_at),
        "expires_at": iso(row.expires_at),
    }


@api_doc("List one's API keys", tags=TAGS, response=m.ApiKeyList)
async def list_api_keys(request: Request) -> Response:
    return await _list_credentials(request, api_keys.CREDENTIALS, "api_keys", _api_key_json)


@api_doc(
    "Create an API key",
    description="A long-lived key for a device or script; the key is in the answer, and only there.",
    tags=TAGS,
    body=NewApiKey,
    response=m.NewApiKeyCreated,
    status=201,
    responses={**_BAD_JSON, 409: "The user has as many API keys as allowed"},
)
async def create_api_key(request: Request) -> Response:
    ctx, principal = core(request), current_user(request)
    body = await parse_body(request, NewApiKey)
    expires_at = None
    if body.expires_in_days is not None:
        expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(days=body.expires_in_days)
    async with ctx.session() as session:
        await _make_room(session, api_keys.CREDENTIALS, principal.id)
        row, key = await api_keys.create_api_key(session, principal.id, body.name, expires_at)
    return JSONResponse({**_api_key_json(row), "key": key}, status_code=201)


@api_doc(
    "Revoke an API key",
    tags=TAGS,
    path={"key_id": "The API key's id."},
    response=None,
    status=204,
    responses={404: "No such API key of the caller's"},
)
async def revoke_api_key(request: Request) -> Response:
    key_id = await _revoke_credential(request, api_keys.CREDENTIALS, "key_id")
    await announce_api_key_revoked(core(request), key_id)
    return Response(status_code=204)


def _app_password_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "created_at": iso(row.created_at), "last_used_at": iso(row.last_used_at)}


@api_doc(
    "List one's app passwords",
    description="Per-device passwords for the Subsonic API.",
    tags=TAGS,
    response=m.AppPasswordList,
)
async def list_app_passwords(request: Request) -> Response:
    return await _list_credentials(request, app_passwords.CREDENTIALS, "app_passwords", _app_password_json)


@api_doc(
    "Create an app password",
    description="A per-device password for the Subsonic API; the password is in the answer, and only there.",
    tags=TAGS,
    body=NewAppPassword,
    response=m.NewAppPasswordCreated,
    status=201,
    responses={**_BAD_JSON, 409: "The user has as many app passwords as allowed"},
)
async def create_app_password(request: Request) -> Response:
    ctx, principal = core(request), current_user(request)
    body = await parse_body(request, NewAppPassword)
    async with ctx.session() as session:
        await _make_room(session, app_passwords.CREDENTIALS, principal.id)
        row, secret = await app_passwords.create_app_password(session, ctx.secret_key, principal.id, body.name)
    await announce_app_passwords_changed(ctx, principal.id)
    return JSONResponse({**_app_password_json(row), "password": secret}, status_code=201)


@api_doc(
    "Revoke an app password",
    tags=TAGS,
    path={"password_id": "The app password's id."},
    response=None,
    status=204,
    responses={404: "No such app password of the caller's"},
)
async def revoke_app_password(request: Request) -> Response:
    await _revoke_credential(request, app_passwords.CREDENTIALS, "password_id")
    await announce_app_passwords_changed(core(request), current_user(request).id)
    return Response(status_code=204)


@api_doc("Whether first-run setup is needed", tags=["setup"], response=m.SetupStatus)
@public
async def setup_status(request: Request) -> Response:
    async with core(request).session() as session:
        needed = await count_users(session) == 0
    return JSONResponse({"needs_setup": needed})


@api_doc(
    "Create the first admin",
    description="Only while the server has no user at all; answers a token pair for the new admin.",
    tags=["setup"],
    body=Credentials,
    response=m.TokenPair,
    status=201,
    responses={**_BAD_JSON, 409: "The server is already set up", 422: "The username or password is not acceptable"},
)
@public
async def setup(request: Request) -> Response:
    ctx = core(request)
    body = await parse_body(request, Credentials)
    async with ctx.session() as session:
        if await count_users(session) > 0:
            raise ApiError(409, "the server is already set up; sign in instead", code="already_set_up")
    password_hash = await hash_password_async(body.password)
    try:
        async with ctx.session() as session:
            user = await create_first_admin(session, body.username, body.password, password_hash)
            tokens = await start_session(
                ctx, session, user, user_agent=user_agent(request), address=client_address(request)
            )
    except AlreadySetUpError as exc:
        raise ApiError(409, str(exc), code="already_set_up") from None
    except UserError as exc:
        raise ApiError(422, str(exc)) from None
    return JSONResponse(tokens, status_code=201)


routes = [
    Route("/api/auth/login", login, methods=["POST"]),
    Route("/api/auth/refresh", refresh, methods=["POST"]),
    Route("/api/auth/logout", logout, methods=["POST"]),
    Route("/api/auth/api-keys", list_api_keys, methods=["GET"]),
    Route("/api/auth/api-keys", create_api_key, methods=["POST"]),
    Route("/api/auth/api-keys/{key_id}", revoke_api_key, methods=["DELETE"]),
    Route("/api/auth/app-passwords", list_app_passwords, methods=["GET"]),
    Route("/api/auth/app-passwords", create_app_password, methods=["POST"]),
    Route("/api/auth/app-passwords/{password_id}", revoke_app_password, methods=["DELETE"]),
    Route("/api/setup", setup_status, methods=["GET"]),
    Route("/api/setup", setup, methods=["POST"]),
]
