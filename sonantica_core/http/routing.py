"""One route lookup per request path, shared by authentication and routing.

Every request needs the route it is for twice: the authentication middleware reads what
the route requires (:mod:`sonantica_core.http.middleware.access`) before the route runs,
and the router hands the request to it. Starlette's router tries each route's pattern in
turn, on every request; with the core's and the plugins' routes that search is a sixth of
a cached API answer's cost, and clients ask for the same paths again and again.

:class:`RouteLookup` searches once per (scope type, method, root path, path) and
remembers the answer: the top-level route Starlette's router would choose (the first
full match, else the first partial one, such as a wrong method), and the access declared
for it, searched down through mounts. :class:`IndexedRouter` is Starlette's router
choosing through that same lookup (the chosen route's ``matches`` still runs: the path
parameters come from it). The memory is bounded, and forgotten whenever the route list
changes: :class:`RouteList` counts its changes, so a route replaced in place is seen too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, SupportsIndex, TypeVar

from starlette.routing import BaseRoute, Match, Router
from starlette.types import Receive, Scope, Send

from sonantica_core.auth.principal import Access, Principal

#: ``await verifier(ctx, scope, path_params) -> Principal``; raises AuthError when the
#: request carries no valid signature.
Verifier = Callable[[Any, Scope, dict[str, Any]], Awaitable[Principal]]
T = TypeVar("T")

ACCESS_ATTRIBUTE = "__sonantica_access__"
VERIFIER_ATTRIBUTE = "__sonantica_verifier__"


def set_access(target: T, access: Access, verifier: Verifier | None = None) -> T:
    """Declare what ``target`` (an endpoint, ASGI app, ``Route`` or ``Mount``) requires."""
    setattr(target, ACCESS_ATTRIBUTE, access)
    if verifier is not None:
        setattr(target, VERIFIER_ATTRIBUTE, verifier)
    return target


def declared_access(route: BaseRoute) -> tuple[Access | None, Verifier | None]:
    """What ``route`` (or its endpoint or app) declares; (None, None) when nothing."""
    for obj in (route, getattr(route, "endpoint", None), getattr(route, "app", None)):
        if obj is not None:
            access = getattr(obj, ACCESS_ATTRIBUTE, None)
            if access is not None:
                return access, getattr(obj, VERIFIER_ATTRIBUTE, None)
    return None, None


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """The answer of a lookup. ``params`` is shared between requests: copy it to change it."""

    route: BaseRoute
    access: Access
    verifier: Verifier | None
    params: dict[str, Any]


def search(routes: Iterable[BaseRoute], scope: Scope) -> RouteMatch | None:
    """The route Starlette's router would choose for ``scope`` and what it requires; None when
    no route matches. Mounts are searched down to the endpoint: the innermost declaration
    wins, and an undeclared route inherits its mount's; with none at all, :attr:`Access.USER`."""
    found = _search(routes, scope)
    if found is None:
        return None
    route, access, verifier, params = found
    return RouteMatch(route, access or Access.USER, verifier, params)


_Found = tuple[BaseRoute, Access | None, Verifier | None, dict[str, Any]]


def _search(routes: Iterable[BaseRoute], scope: Scope) -> _Found | None:
    partial: _Found | None = None
    for route in routes:
        match, child = route.matches(scope)
        if match is Match.NONE:
            continue
        access, verifier = declared_access(route)
        params = child.get("path_params", {})
        inner = getattr(route, "routes", None)
        if inner:
            found = _search(inner, {**scope, **child})
            if found is not None:
                _, inner_access, inner_verifier, params = found
                if inner_access is not None:
                    access, verifier = inner_access, inner_verifier
        if match is Match.FULL:
            return route, access, verifier, params
        if partial is None:
            partial = (route, access, verifier, params)
    return partial


class RouteList(list[BaseRoute]):
    """A list of routes that counts its changes."""

    version = 0

    def _changed(self) -> None:
        self.version += 1

    def __setitem__(self, index: Any, value: Any) -> None:
        super().__setitem__(index, value)
        self._changed()

    def __delitem__(self, index: Any) -> None:
        super().__delitem__(index)
        self._changed()

    def __iadd__(self, other: Iterable[BaseRoute]) -> RouteList:  # type: ignore[override]
        super().__iadd__(other)
        self._changed()
        return self

    def append(self, route: BaseRoute) -> None:
        super().append(route)
        self._changed()

    def extend(self, routes: Iterable[BaseRoute]) -> None:
        super().extend(routes)
        self._changed()

    def insert(self, index: SupportsIndex, route: BaseRoute) -> None:
        super().insert(index, route)
        self._changed()

    def remove(self, route: BaseRoute) -> None:
        super().remove(route)
        self._changed()

    def pop(self, index: SupportsIndex = -1) -> BaseRoute:
        route = super().pop(index)
        self._changed()
        return route

    def clear(self) -> None:
        super().clear()
        self._changed()

    def sort(self, *args: Any, **kwargs: Any) -> None:
        super().sort(*args, **kwargs)
        self._changed()

    def reverse(self) -> None:
        super().reverse()
        self._changed()


class RouteLookup:
    """:func:`search` answers of one router, remembered per path (see the module docstring)."""

    SIZE = 4096

    def __init__(self) -> None:
        self._routes: RouteList | None = None
        self._version = -1
        self.answers: dict[tuple[Any, ...], RouteMatch | None] = {}

    def find(self, router: Router, scope: Scope) -> RouteMatch | None:
        routes = router.routes
        if type(routes) is not RouteList:  # replaced by a plain list: count its changes from now on
            routes = router.routes = RouteList(routes)
        if routes is not self._routes or routes.version != self._version:
            self._routes, self._version, self.answers = routes, routes.version, {}
        key = (scope["type"], scope.get("method"), scope.get("root_path", ""), scope["path"])
        try:
            return self.answers[key]
        except KeyError:
            found = search(routes, scope)
            if len(self.answers) >= self.SIZE:
                del self.answers[next(iter(self.answers))]
            self.answers[key] = found
            return found


def lookup_of(router: Router) -> RouteLookup | None:
    """The shared lookup of ``router`` (None for a router that is not an :class:`IndexedRouter`)."""
    return getattr(router, "lookup", None)


class IndexedRouter(Router):
    """:class:`starlette.routing.Router`, choosing the route through its :class:`RouteLookup`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.routes = RouteList(self.routes)
        self.lookup = RouteLookup()

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http" or kind == "websocket":
            found = self.lookup.find(self, scope)
            if found is not None:
                route = found.route
                match, child_scope = route.matches(scope)
                if match is not Match.NONE:
                    scope.setdefault("router", self)
                    scope["route"] = route
                    scope.update(child_scope)
                    await route.handle(scope, receive, send)
                    return
        await super().app(scope, receive, send)  # lifespan, not found, slash redirects
