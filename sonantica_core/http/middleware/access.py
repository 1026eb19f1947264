"""Who may call what: the authentication middleware and the route access markers.

**Deny by default.** :class:`AuthMiddleware` (pure ASGI, installed by
``create_app``) finds the route a request is for, reads what it requires, and
refuses the request before the route runs:

* a route is :attr:`Access.USER` (any signed-in user) unless it says otherwise;
  this holds for plugin routes too, mounted or not;
* ``@public``: anyone (health checks, login, first-run setup, a plugin's own
  login page or an API that checks its own credentials);
* ``@admin_only``: admins; every route under ``/api/admin/`` is admin-only
  whatever it says;
* ``@signed_url(verifier)``: a signed-in user, or a request whose query the
  ``verifier`` (an async function) accepts (the stream route's signed URLs).

Routes declare it on the endpoint (function, or ASGI object), or on a ``Route``
or ``Mount`` with :func:`set_access`::

    @admin_only
    async def list_users(request): ...

    @public
    async def login(request): ...

    set_access(Mount("/static", app=StaticFiles(...)), Access.PUBLIC)

In a handler, :func:`current_user` gives the :class:`Principal` (or answers 401);
``request.user`` and ``request.auth`` work as with Starlette's own middleware.
Credentials: ``Authorization: Bearer <access token or API key>``. Requests that
match no route are passed on (the router answers 404).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.authentication import AuthCredentials, UnauthenticatedUser
from starlette.requests import HTTPConnection
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from sonantica_core.auth.errors import AuthError
from sonantica_core.auth.principal import Access, Principal
from sonantica_core.auth.state import get_auth_state
from sonantica_core.context import CoreContext
from sonantica_core.http.errors import ApiError, error_response
from sonantica_core.http.routing import Verifier, lookup_of, search, set_access

__all__ = ["AuthMiddleware", "admin_only", "admit", "current_user", "public", "resolve_access", "set_access",
           "signed_url", "start_access_services"]

log = logging.getLogger("sonantica.auth")

ADMIN_PREFIX = "/api/admin/"
T = TypeVar("T")

_ANONYMOUS = UnauthenticatedUser()
_NO_CREDENTIALS = AuthCredentials()
_CREDENTIALS = {
    "user": AuthCredentials(["authenticated"]),
    "admin": AuthCredentials(["authenticated", "admin"]),
}
_WWW_AUTHENTICATE = 'Bearer realm="sonantica"'


def public(endpoint: T) -> T:
    """Anyone may call this endpoint."""
    return set_access(endpoint, Access.PUBLIC)


def admin_only(endpoint: T) -> T:
    """Only admins may call this endpoint."""
    return set_access(endpoint, Access.ADMIN)


def signed_url(verifier: Verifier) -> Callable[[T], T]:
    """A signed-in user, or a request that ``verifier`` accepts, may call this endpoint."""

    def mark(endpoint: T) -> T:
        return set_access(endpoint, Access.SIGNED, verifier)

    return mark


def current_user(connection: HTTPConnection | Scope) -> Principal:
    """The request's :class:`Principal`; 401 when there is none (only on public routes)."""
    scope = connection if isinstance(connection, dict) else connection.scope
    user = scope.get("user")
    if not isinstance(user, Principal):
        raise ApiError(401, "sign in first", headers={"WWW-Authenticate": _WWW_AUTHENTICATE})
    return user


def resolve_access(routes: list[BaseRoute], scope: Scope) -> tuple[Access, Verifier | None, dict[str, Any]] | None:
    """What the route ``scope`` is for requires: (access, verifier, path params), or None when no
    route matches (see :func:`sonantica_core.http.routing.search`)."""
    found = search(routes, scope)
    return None if found is None else (found.access, found.verifier, dict(found.params))


class AuthMiddleware:
    """Authenticate every HTTP and WebSocket request and enforce the route's :class:`Access`."""

    def __init__(self, app: ASGIApp, ctx: CoreContext) -> None:
        self.app = app
        self.ctx = ctx
        get_auth_state(ctx)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        router = scope["app"].router
        lookup = lookup_of(router)
        found = lookup.find(router, scope) if lookup is not None else search(router.routes, scope)
        scope["user"] = _ANONYMOUS
        scope["auth"] = _NO_CREDENTIALS
        if found is None:  # no such route: the router answers 404
            await self.app(scope, receive, send)
            return
        access, verifier, params = found.access, found.verifier, dict(found.params)
        if _route_path(scope).startswith(ADMIN_PREFIX):
            access = Access.ADMIN
        if await admit(self.ctx, scope, receive, send, access, verifier, params):
            await self.app(scope, receive, send)


async def admit(
    ctx: CoreContext,
    scope: Scope,
    receive: Receive,
    send: Send,
    access: Access,
    verifier: Verifier | None,
    params: dict[str, Any],
) -> bool:
    """Authenticate ``scope`` for a route that requires ``access``: True with ``scope["user"]``
    and ``scope["auth"]`` set, or False once the refusal (401/403) has been sent."""
    scope["user"] = _ANONYMOUS
    scope["auth"] = _NO_CREDENTIALS
    try:
        principal = await _authenticate(ctx, scope, access, verifier, params)
    except AuthError as exc:
        await _refuse(scope, receive, send, exc.status, exc.message, exc.code)
        return False
    if principal is None and access is not Access.PUBLIC:
        await _refuse(scope, receive, send, 401, "sign in first", "unauthorized")
        return False
    if access is Access.ADMIN and (principal is None or not principal.is_admin):
        await _refuse(scope, receive, send, 403, "only an admin may do this", "forbidden")
        return False
    if principal is not None:
        scope["user"] = principal
        scope["auth"] = _CREDENTIALS.get(principal.role, _CREDENTIALS["user"])
    return True


async def _authenticate(
    ctx: CoreContext, scope: Scope, access: Access, verifier: Verifier | None, params: dict[str, Any]
) -> Principal | None:
    try:
        token = _bearer(scope)
        if token is not None:
            return await get_auth_state(ctx).authenticate_bearer(token)
    except AuthError:
        if access is Access.PUBLIC:  # a stale token does not lock anyone out of login
            return None
        raise
    if access is Access.SIGNED and verifier is not None:
        return await verifier(ctx, scope, params)
    return None


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, message: str, code: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 4000 + status, "reason": message[:120]})
        return
    headers = {"WWW-Authenticate": _WWW_AUTHENTICATE} if status == 401 else None
    await error_response(status, message, code, headers=headers)(scope, receive, send)


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def _bearer(scope: Scope) -> str | None:
    """The credential of an ``Authorization: Bearer`` header; raises AuthError if malformed."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, credential = value.decode("latin-1").partition(" ")
            credential = credential.strip()
            if scheme.lower() != "bearer" or not credential or len(credential) > 4096:
                raise AuthError("the Authorization header must be 'Bearer <token or API key>'", "invalid_request")
            return credential
    return None


async def start_access_services(app: Any, ctx: CoreContext) -> Callable[[], Any]:
    """Startup hook: this process's auth state and track cache, and the invalidation bus
    listener that keeps them current. Returns the shutdown callable."""
    from sonantica_core.bus.invalidation import start_listening
    from sonantica_core.media.trackcache import get_track_cache

    get_auth_state(ctx)
    get_track_cache(ctx)
    return await start_listening(ctx)
