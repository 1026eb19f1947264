"""Mounting plugins' routes: ``/plugins/<name>/`` for each, and declared well-known paths.

Every plugin's routes sit behind :class:`PluginGuard`, which answers 503 once
the plugin is left out and turns an unhandled exception into a JSON 500 that
names the plugin. A well-known path (``owned_paths``) that clashes with a core
route, with ``/plugins`` or with another plugin's path refuses the plugin.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sonantica_core.http.errors import error_response
from sonantica_core.http.middleware.access import public
from sonantica_core.plugins.status import PluginStatus

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext
    from sonantica_core.plugins.manager import PluginManager

log = logging.getLogger("sonantica.plugins")

#: Every plugin's own routes live under ``/plugins/<name>``.
PLUGINS_PREFIX = "/plugins"
_OWNED_PATH = re.compile(r"^(/[A-Za-z0-9._~-]+)+$")


class PluginGuard:
    """ASGI middleware around one plugin's routes: availability and error containment."""

    def __init__(self, app: ASGIApp, plugin: str, manager: PluginManager) -> None:
        self.app = app
        self.plugin = plugin
        self.manager = manager

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not self.manager.is_active(self.plugin):
            record = self.manager.record(self.plugin)
            status = record.status if record else "unknown"
            response = error_response(503, f"plugin {self.plugin!r} is not available ({status})", "plugin_unavailable")
            await response(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except HTTPException:
            raise  # an intended answer (404 inside the prefix, 401, ...): the app's handlers shape it
        except Exception as exc:
            record = self.manager.record(self.plugin)
            if record is not None:
                record.hook_failures += 1
                record.error = f"{scope.get('method')} {scope.get('path')}: {type(exc).__name__}: {exc}"
            log.error("plugin %s: %s %s failed\n%s", self.plugin, scope.get("method"), scope.get("path"),
                      traceback.format_exc())
            if started:
                raise
            response = error_response(
                500, f"plugin {self.plugin!r} failed on this request; the server log has the details", "plugin_error"
            )
            await response(scope, receive, send)


def plugin_routes(manager: PluginManager, ctx: CoreContext, core_routes: Sequence[BaseRoute]) -> list[BaseRoute]:
    """The mounts of every active plugin's routes; plugins whose routes are wrong are left out."""
    claimed: dict[str, str] = {}
    mounts: list[BaseRoute] = []
    for record in manager.active():
        try:
            for path in record.owned_paths:
                _check_owned_path(path, record.name, core_routes, claimed)
            prefixed = _routes_of(manager, record.name, "register_routes", ctx)
            owned = _owned_routes_of(manager, record.name, ctx, record.owned_paths)
        except Exception as exc:
            manager.leave_out(record.name, PluginStatus.START_ERROR, f"routes: {exc}", traceback.format_exc())
            continue
        guard = [Middleware(PluginGuard, plugin=record.name, manager=manager)]
        if prefixed:
            mounts.append(Mount(f"{PLUGINS_PREFIX}/{record.name}", routes=prefixed, middleware=guard))
        for path in record.owned_paths:
            claimed[path] = record.name
            if owned.get(path):
                mounts.append(Mount(path, routes=owned[path], middleware=guard))
    home = next((r.home_page for r in manager.active() if r.home_page and r.name in _mounted(mounts)), None)
    if home is not None:
        mounts.append(Route("/", _home_redirect(home), methods=["GET", "HEAD"]))
    return mounts


def _mounted(mounts: Sequence[BaseRoute]) -> set[str]:
    prefix = f"{PLUGINS_PREFIX}/"
    return {m.path[len(prefix):] for m in mounts if isinstance(m, Mount) and m.path.startswith(prefix)}


def _home_redirect(home: str) -> Any:
    """``/`` → a plugin's ``home_page`` (a web interface), for anyone: the page itself asks for sign-in."""

    @public
    async def to_home(request: Request) -> Response:
        return RedirectResponse(request.scope.get("root_path", "") + home, status_code=302)

    return to_home


def _routes_of(manager: PluginManager, name: str, hook: str, ctx: CoreContext) -> list[BaseRoute]:
    routes = manager.call_plugin(name, hook, ctx=ctx) or []
    if not isinstance(routes, list | tuple) or not all(isinstance(route, BaseRoute) for route in routes):
        raise TypeError(f"{hook} must return a list of Starlette routes, got {routes!r}")
    return list(routes)


def _owned_routes_of(
    manager: PluginManager, name: str, ctx: CoreContext, declared: Sequence[str]
) -> dict[str, list[BaseRoute]]:
    mapping = manager.call_plugin(name, "register_owned_routes", ctx=ctx) or {}
    if not isinstance(mapping, Mapping):
        raise TypeError(f"register_owned_routes must return {{path: routes}}, got {type(mapping).__name__}")
    owned: dict[str, list[BaseRoute]] = {}
    for path, routes in mapping.items():
        if path not in declared:
            raise ValueError(f"register_owned_routes serves {path!r}, which is not in its owned_paths {list(declared)}")
        if not isinstance(routes, list | tuple) or not all(isinstance(route, BaseRoute) for route in routes):
            raise TypeError(f"the routes for {path!r} must be a list of Starlette routes")
        owned[path] = list(routes)
    return owned


def _check_owned_path(path: str, plugin: str, core_routes: Sequence[BaseRoute], claimed: Mapping[str, str]) -> None:
    if not isinstance(path, str) or not _OWNED_PATH.match(path):
        raise ValueError(f"owned path {path!r} must look like '/rest' (no trailing slash, no parameters)")
    if _overlaps(path, PLUGINS_PREFIX):
        raise ValueError(f"owned path {path} overlaps {PLUGINS_PREFIX}, where every plugin has its own prefix")
    for other_path, other in claimed.items():
        if _overlaps(path, other_path):
            raise ValueError(f"owned path {path} clashes with {other_path} of plugin {other}")
    clash = _core_route_at(path, core_routes)
    if clash is not None:
        raise ValueError(f"owned path {path} clashes with the core route {clash}")


def _overlaps(first: str, second: str) -> bool:
    return first == second or first.startswith(second + "/") or second.startswith(first + "/")


def _core_route_at(path: str, routes: Sequence[BaseRoute], prefix: str = "") -> str | None:
    """The core route that would answer at or under ``path``, if any."""
    for route in routes:
        if isinstance(route, Mount):
            full = prefix + route.path
            if route.path == "":
                found = _core_route_at(path, route.routes, prefix)
                if found:
                    return found
            elif _overlaps(path, full):
                return full
        elif isinstance(route, Route | WebSocketRoute):
            full = prefix + route.path
            if _overlaps(path, full) or _matches(route, path[len(prefix):] if path.startswith(prefix) else None):
                return full
    return None


def _matches(route: Route | WebSocketRoute, path: str | None) -> bool:
    """True when a parameterised core route would answer ``path`` or something below it."""
    if not path:
        return False
    kind = "websocket" if isinstance(route, WebSocketRoute) else "http"
    for probe in (path, path + "/x"):
        scope: dict[str, Any] = {"type": kind, "path": probe, "root_path": "", "method": "GET"}
        if route.matches(scope)[0] is not Match.NONE:
            return True
    return False
