"""Accounts: the caller's own (``/api/me``) and user management for admins (``/api/users``).

* ``GET /api/me``; ``POST /api/me/password`` ``{current_password, new_password}``
  (signs out every other session; returns a fresh token pair)
* admin: ``GET /api/users``, ``POST /api/users`` ``{username, password, role?}``,
  ``PATCH /api/users/{user_id}`` ``{username?, role?, password?, disabled?}``,
  ``DELETE /api/users/{user_id}``. Changing role, password or disabled state ends
  that user's sessions; the last enabled admin cannot be demoted, disabled or deleted.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sonantica_core.auth.passwords import hash_password_async, validate_password, verify_password_async
from sonantica_core.auth.sessions import start_session
from sonantica_core.auth.state import announce_user, announce_user_deleted
from sonantica_core.auth.users import (
    LastAdminError,
    UserChanges,
    UserError,
    UsernameTakenError,
    create_user,
    delete_user,
    get_user,
    list_users,
    update_user,
)
from sonantica_core.db.users import User
from sonantica_core.http.body import Body, parse_body, parse_id
from sonantica_core.http.errors import ApiError
from sonantica_core.http.middleware.access import admin_only, current_user
from sonantica_core.http.models import api as m
from sonantica_core.http.openapi.docs import api_doc
from sonantica_core.http.util import client_address, core, iso, user_agent

TAGS = ["users"]
_BAD_JSON = {400: "The body is not a JSON object", 413: "The body is too large"}
_USER = {"user_id": "The user's id."}

Username = Annotated[str, Field(min_length=1, max_length=64)]
Password = Annotated[str, Field(min_length=1, max_length=1024)]


class NewUser(Body):
    username: Username
    password: Password
    role: Literal["admin", "user"] = "user"


class UserPatch(Body):
    username: Username | None = None
    role: Literal["admin", "user"] | None = None
    password: Password | None = None
    disabled: bool | None = None


class PasswordChange(Body):
    current_password: Password
    new_password: Password


def _status_of(error: UserError) -> int:
    return 409 if isinstance(error, UsernameTakenError | LastAdminError) else 422


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "role": user.role,
        "disabled": user.disabled,
        "created_at": iso(user.created_at),
    }


@api_doc("One's own account", tags=TAGS, response=m.Me, responses={401: "No valid credentials, or the account is gone"})
async def me(request: Request) -> Response:
    principal = current_user(request)
    async with core(request).session() as session:
        user = await get_user(session, principal.id)
    if user is None:
        raise ApiError(401, "the account no longer exists")
    return JSONResponse({**user_json(user), "authenticated_via": principal.via})


@api_doc(
    "Change one's password",
    description="Signs out every other session of the account; answers a fresh token pair for this one.",
    tags=TAGS,
    body=PasswordChange,
    response=m.TokenPair,
    responses={
        **_BAD_JSON,
        403: "The current password is wrong",
        422: "The body is not valid, or the new password is not acceptable",
    },
)
async def change_own_password(request: Request) -> Response:
    ctx, principal = core(request), current_user(request)
    body = await parse_body(request, PasswordChange)
    problem = validate_password(body.new_password)
    if problem:
        raise ApiError(422, f"the new password {problem}")
    async with ctx.session() as session:
        user = await get_user(session, principal.id)
    if user is None or not await verify_password_async(user.password_hash, body.current_password):
        raise ApiError(403, "the current password is wrong", code="invalid_credentials")
    new_hash = await hash_password_async(body.new_password)
    async with ctx.session() as session:
        user = await get_user(session, principal.id)
        if user is None:
            raise ApiError(401, "the account no longer exists")
        user = await update_user(session, user, UserChanges(password=body.new_password, password_hash=new_hash))
        tokens = await start_session(
            ctx, session, user, user_agent=user_agent(request), address=client_address(request)
        )
    await announce_user(ctx, user)
    return JSONResponse(tokens)


@api_doc("List users", tags=TAGS, response=m.UserList)
@admin_only
async def users_index(request: Request) -> Response:
    async with core(request).session() as session:
        users = await list_users(session)
    return JSONResponse({"users": [user_json(user) for user in users]})


@api_doc(
    "Create a user",
    tags=TAGS,
    body=NewUser,
    response=m.UserInfo,
    status=201,
    responses={
        **_BAD_JSON,
        409: "The username is taken",
        422: "The body is not valid, or the username or password is not acceptable",
    },
)
@admin_only
async def users_create(request: Request) -> Response:
    ctx = core(request)
    body = await parse_body(request, NewUser)
    problem = validate_password(body.password)
    if problem:
        raise ApiError(422, f"password {problem}")
    password_hash = await hash_password_async(body.password)
    try:
        async with ctx.session() as session:
            user = await create_user(
                session, body.username, body.password, admin=body.role == "admin", password_hash=password_hash
            )
            await session.refresh(user)
    except UserError as exc:
        raise ApiError(_status_of(exc), str(exc)) from None
    return JSONResponse(user_json(user), status_code=201)


@api_doc(
    "Change a user",
    description="Changing the role, password or disabled state ends the user's sessions.",
    tags=TAGS,
    path=_USER,
    body=UserPatch,
    response=m.UserInfo,
    responses={
        **_BAD_JSON,
        404: "No such user",
        409: "The username is taken, or this would leave no enabled admin",
        422: "The body is not valid, or the username or password is not acceptable",
    },
)
@admin_only
async def users_update(request: Request) -> Response:
    ctx = core(request)
    user_id = parse_id(request.path_params["user_id"], "user")
    body = await parse_body(request, UserPatch)
    password_hash = None
    if body.password is not None:
        problem = validate_password(body.password)
        if problem:
            raise ApiError(422, f"password {problem}")
        password_hash = await hash_password_async(body.password)
    changes = UserChanges(
        username=body.username,
        role=body.role,
        password=body.password,
        password_hash=password_hash,
        disabled=body.disabled,
    )
    try:
        async with ctx.session() as session:
            user = await get_user(session, user_id)
            if user is None:
                raise ApiError(404, "no such user")
            user = await update_user(session, user, changes)
    except UserError as exc:
        raise ApiError(_status_of(exc), str(exc)) from None
    await announce_user(ctx, user)
    return JSONResponse(user_json(user))


@api_doc(
    "Delete a user",
    tags=TAGS,
    path=_USER,
    response=None,
    status=204,
    responses={404: "No such user", 409: "This is the last enabled admin"},
)
@admin_only
async def users_delete(request: Request) -> Response:
    ctx = core(request)
    user_id = parse_id(request.path_params["user_id"], "user")
    try:
        async with ctx.session() as session:
            user = await get_user(session, user_id)
            if user is None:
                raise ApiError(404, "no such user")
            await delete_user(session, user)
    except UserError as exc:
        raise ApiError(_status_of(exc), str(exc)) from None
    await announce_user_deleted(ctx, user_id)
    return Response(status_code=204)


routes = [
    Route("/api/me", me, methods=["GET"]),
    Route("/api/me/password", change_own_password, methods=["POST"]),
    Route("/api/users", users_index, methods=["GET"]),
    Route("/api/users", users_create, methods=["POST"]),
    Route("/api/users/{user_id}", users_update, methods=["PATCH"]),
    Route("/api/users/{user_id}", users_delete, methods=["DELETE"]),
]
