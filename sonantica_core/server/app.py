"""The Starlette application factory.

``create_app(ctx)`` builds the web app around an open :class:`CoreContext`;
the caller (``sonantica serve`` or a test) owns the context's life. The core's
routes come from the modules in :data:`ROUTE_MODULES`, each exposing ``routes``.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send

from sonantica_core.context import CoreContext
from sonantica_core.fastpath.stream_route import lane_applies, serve_stream
from sonantica_core.http.errors import EXCEPTION_HANDLERS
from sonantica_core.http.middleware.access import AuthMiddleware, start_access_services
from sonantica_core.http.middleware.accesslog import AccessLogMiddleware
from sonantica_core.http.routing import IndexedRouter
from sonantica_core.tasks.registry import set_context

log = logging.getLogger("sonantica.app")

#: Modules whose ``routes`` list makes up the core's HTTP API, in order.
#: The stream route comes first: it is matched on every seek of every player.
ROUTE_MODULES: tuple[str, ...] = (
    "sonantica_core.http.routes.stream",
    "sonantica_core.http.routes.health",
    "sonantica_core.http.routes.plugins",
    "sonantica_core.http.routes.auth",
    "sonantica_core.http.routes.users",
    "sonantica_core.http.routes.playlists",
    "sonantica_core.http.routes.downloads",
    "sonantica_core.http.routes.history",
    "sonantica_core.http.routes.userdata",
    "sonantica_core.http.routes.smart_playlists",
    "sonantica_core.http.routes.plays",
    "sonantica_core.http.routes.stats",
    "sonantica_core.http.routes.mixes",
    "sonantica_core.http.routes.scans",
    "sonantica_core.http.routes.events",
    "sonantica_core.http.routes.analysis",
    "sonantica_core.http.routes.stems",
    "sonantica_core.http.routes.lyrics",
    "sonantica_core.http.routes.metadata",
    "sonantica_core.http.routes.library",
    "sonantica_core.http.routes.search",
    "sonantica_core.http.routes.covers",
    "sonantica_core.http.openapi.route",
)

#: Called with (app, ctx) while the app starts, after the context is installed;
#: each may return an async callable run at shutdown. Parts of the core and the
#: plugin manager register themselves here.
StartupHook = Callable[[Starlette, CoreContext], Any]


def core_routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for name in ROUTE_MODULES:
        routes.extend(importlib.import_module(name).routes)
    return routes


class SonanticaApp(Starlette):
    """The core's Starlette app, with the stream route's express lane in front of the stack
    (:mod:`sonantica_core.fastpath.stream_route`)."""

    def __init__(self, *, routes: Sequence[BaseRoute], lifespan: Any, lane: bool, cors: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.router = IndexedRouter(routes, lifespan=lifespan)  # one route lookup for access and routing
        self._lane = lane
        self._cors = cors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._lane and lane_applies(scope, self._cors):
            await serve_stream(self, scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(
    ctx: CoreContext,
    *,
    extra_routes: Sequence[BaseRoute] = (),
    startup_hooks: Sequence[StartupHook] = (),
    middleware: Sequence[Middleware] = (),
) -> Starlette:
    """Build the app. ``ctx`` stays open after the app shuts down.

    ``middleware`` wraps every request; with any, the stream route's express lane is off
    so that it sees stream requests too."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        set_context(ctx)
        closers = []
        for hook in (start_access_services, *startup_hooks):
            closer = hook(app, ctx)
            if hasattr(closer, "__await__"):
                closer = await closer
            if closer is not None:
                closers.append(closer)
        try:
            yield
        finally:
            for closer in reversed(closers):
                try:
                    result = closer()
                    if hasattr(result, "__await__"):
                        await result
                except Exception:
                    log.exception("error while shutting down")

    stack = [Middleware(AccessLogMiddleware)]
    if ctx.settings.cors_origins:
        stack.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(ctx.settings.cors_origins),
                allow_methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
                allow_headers=["Authorization", "Content-Type", "Range", "If-Range", "If-None-Match"],
                expose_headers=[
                    "Content-Range", "Content-Length", "Accept-Ranges", "ETag", "Content-Disposition", "Retry-After"
                ],
                max_age=600,
            )
        )
    # After CORS (preflights are answered without credentials), before everything else:
    # every route needs a user unless it says otherwise (sonantica_core.http.middleware.access).
    stack.append(Middleware(AuthMiddleware, ctx=ctx))
    stack.extend(middleware)
    app = SonanticaApp(
        routes=[*core_routes(), *extra_routes],
        middleware=stack,
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        lifespan=lifespan,
        lane=not middleware,
        cors=bool(ctx.settings.cors_origins),
    )
    app.state.core = ctx
    return app
