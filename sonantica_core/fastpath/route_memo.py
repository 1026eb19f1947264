"""A Starlette router that remembers which route answered each path.

Starlette's router tries each route's pattern in order, on every request; with the core's
and the plugins' routes that search is a sixth of a cached API answer's cost. Clients ask
for the same paths again and again, so :class:`MemoRouter` remembers, per (scope type,
method, root path, path), the route the search chose, and on the next request checks
only that one (its ``matches`` still runs: the path parameters come from it). A path no
route takes, or one a mount answered, is searched as before. The memory is bounded and
forgotten whenever routes are added or removed.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute, Match, Router
from starlette.types import Receive, Scope, Send

#: Paths remembered per router.
MEMO_SIZE = 4096


class MemoRouter(Router):
    """:class:`starlette.routing.Router` with the route search remembered per path."""

    _memo: dict[tuple[Any, ...], BaseRoute]
    _memo_of: tuple[int, int] = (0, -1)

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await super().app(scope, receive, send)
            return
        routes = self.routes
        if self._memo_of != (id(routes), len(routes)):
            self._memo, self._memo_of = {}, (id(routes), len(routes))
        key = (kind, scope.get("method"), scope.get("root_path", ""), scope["path"])
        route = self._memo.get(key)
        if route is not None:
            match, child_scope = route.matches(scope)
            if match is not Match.NONE:
                scope.setdefault("router", self)
                scope["route"] = route
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
        await super().app(scope, receive, send)
        chosen = scope.get("route")
        if chosen is not None and any(chosen is candidate for candidate in routes):
            if len(self._memo) >= MEMO_SIZE:
                del self._memo[next(iter(self._memo))]
            self._memo[key] = chosen


def use_memo_router(router: Router) -> bool:
    """Turn Starlette's ``router`` into a :class:`MemoRouter` (same routes, same answers); False,
    and nothing changed, when it wraps anything around its route search."""
    if getattr(router.middleware_stack, "__func__", None) is not Router.app:
        return False
    router.__class__ = MemoRouter
    router.middleware_stack = router.app
    return True
