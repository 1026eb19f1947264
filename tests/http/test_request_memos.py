"""The per-process memos on the request path answer exactly what they remember."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from sonantica_core.auth.principal import Access
from sonantica_core.http.middleware.access import public, resolve_access
from sonantica_core.http.responsecache import cache_key
from sonantica_core.http.routing import IndexedRouter, RouteLookup


async def _ok(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def _scope(path: str, method: str = "GET", query: bytes = b"") -> dict:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": [], "query_string": query}


def _found(lookup: RouteLookup, router, scope: dict):
    match = lookup.find(router, scope)
    return None if match is None else (match.access, match.verifier, dict(match.params))


def test_the_lookup_matches_the_search_and_follows_new_routes() -> None:
    app = Starlette(routes=[Route("/a/{x}", _ok), Route("/open", public(_ok))])
    lookup = RouteLookup()
    for path, method in [("/a/1", "GET"), ("/a/2", "POST"), ("/open", "GET"), ("/missing", "GET"), ("/a/1", "GET")]:
        assert _found(lookup, app.router, _scope(path, method)) == resolve_access(app.routes, _scope(path, method))
    first = lookup.find(app.router, _scope("/a/1"))
    assert first is not None and first.params == {"x": "1"}
    assert lookup.find(app.router, _scope("/late")) is None
    app.router.routes.append(Route("/late", public(_ok)))
    late = lookup.find(app.router, _scope("/late"))
    assert late is not None and late.access is Access.PUBLIC


def test_a_route_replaced_in_place_is_seen() -> None:
    async def user_endpoint(request: Request) -> PlainTextResponse:
        return PlainTextResponse("user")

    app = Starlette(routes=[Route("/a", user_endpoint), Route("/b", user_endpoint)])
    lookup = RouteLookup()
    assert lookup.find(app.router, _scope("/a")).access is Access.USER  # type: ignore[union-attr]
    async def open_endpoint(request: Request) -> PlainTextResponse:
        return PlainTextResponse("open")

    app.router.routes[0] = Route("/a", public(open_endpoint))  # same count of routes, another route
    assert lookup.find(app.router, _scope("/a")).access is Access.PUBLIC  # type: ignore[union-attr]
    app.router.routes = [Route("/a", user_endpoint)]  # a new plain list
    assert lookup.find(app.router, _scope("/a")).access is Access.USER  # type: ignore[union-attr]
    assert lookup.find(app.router, _scope("/b")) is None


def test_the_lookup_stays_bounded() -> None:
    app = Starlette(routes=[Route("/a/{x}", _ok)])
    lookup = RouteLookup()
    for n in range(RouteLookup.SIZE + 10):
        lookup.find(app.router, _scope(f"/a/{n}"))
    assert len(lookup.answers) == RouteLookup.SIZE


def test_cache_keys_are_the_same_remembered_or_not() -> None:
    for query in (b"b=2&a=1", b"a=1&b=2", b"q=caf%C3%A9&limit=20", b"", b"a=1&a=0"):
        first = cache_key(Request(_scope("/api/search", query=query)))
        again = cache_key(Request(_scope("/api/search", query=query)))
        assert first == again
    assert cache_key(Request(_scope("/api/x", query=b"b=2&a=1"))) == "/api/x?a=1&b=2"
    assert cache_key(Request(_scope("/api/x", query=b"a=1&a=0"))) == "/api/x?a=1&a=0"


async def test_the_indexed_router_answers_as_starlette_does() -> None:
    import httpx
    from starlette.routing import Mount

    async def echo(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"{request.scope['route'].path} {dict(request.path_params)}")

    inner = [Route("/deep/{y}", echo)]
    app = Starlette(routes=[Route("/a/{x}", echo), Route("/b", echo, methods=["POST"]), Mount("/m", routes=inner)])
    app.router = IndexedRouter(app.router.routes)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for _ in range(2):  # searched, then remembered
            assert (await client.get("/a/1")).text == "/a/{x} {'x': '1'}"
            assert (await client.get("/a/2")).text == "/a/{x} {'x': '2'}"
            assert (await client.get("/b")).status_code == 405
            assert (await client.post("/b")).text == "/b {}"
            assert (await client.get("/m/deep/3")).text == "/deep/{y} {'y': '3'}"
            assert (await client.get("/nowhere")).status_code == 404
        remembered = app.router.lookup.answers
        assert ("http", "GET", "", "/a/1") in remembered and remembered[("http", "GET", "", "/nowhere")] is None
        app.router.routes.insert(0, Route("/a/{x}", lambda request: PlainTextResponse("new")))
        assert (await client.get("/a/1")).text == "new"  # the route list changed: searched again
