"""The per-process memos on the request path answer exactly what they remember."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from sonantica_core.auth.principal import Access
from sonantica_core.http.middleware.access import _AccessMemo, public, resolve_access
from sonantica_core.http.responsecache import cache_key


async def _ok(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def _scope(path: str, method: str = "GET", query: bytes = b"") -> dict:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": [], "query_string": query}


def test_the_access_memo_matches_the_search_and_follows_new_routes() -> None:
    app = Starlette(routes=[Route("/a/{x}", _ok), Route("/open", public(_ok))])
    memo = _AccessMemo()
    for path, method in [("/a/1", "GET"), ("/a/2", "POST"), ("/open", "GET"), ("/missing", "GET"), ("/a/1", "GET")]:
        assert memo.resolve(app.routes, _scope(path, method)) == resolve_access(app.routes, _scope(path, method))
    first = memo.resolve(app.routes, _scope("/a/1"))
    assert first is not None and first[2] == {"x": "1"}
    first[2]["x"] = "changed"  # a caller's changes stay its own
    assert memo.resolve(app.routes, _scope("/a/1"))[2] == {"x": "1"}  # type: ignore[index]
    assert memo.resolve(app.routes, _scope("/late")) is None
    app.router.routes.append(Route("/late", public(_ok)))
    late = memo.resolve(app.routes, _scope("/late"))
    assert late is not None and late[0] is Access.PUBLIC


def test_the_memo_stays_bounded() -> None:
    app = Starlette(routes=[Route("/a/{x}", _ok)])
    memo = _AccessMemo()
    for n in range(_AccessMemo.SIZE + 10):
        memo.resolve(app.routes, _scope(f"/a/{n}"))
    assert len(memo.answers) == _AccessMemo.SIZE


def test_cache_keys_are_the_same_remembered_or_not() -> None:
    for query in (b"b=2&a=1", b"a=1&b=2", b"q=caf%C3%A9&limit=20", b"", b"a=1&a=0"):
        first = cache_key(Request(_scope("/api/search", query=query)))
        again = cache_key(Request(_scope("/api/search", query=query)))
        assert first == again
    assert cache_key(Request(_scope("/api/x", query=b"b=2&a=1"))) == "/api/x?a=1&b=2"
    assert cache_key(Request(_scope("/api/x", query=b"a=1&a=0"))) == "/api/x?a=1&a=0"


async def test_the_memo_router_answers_as_starlette_does() -> None:
    import httpx
    from starlette.routing import Mount

    from sonantica_core.fastpath.route_memo import MemoRouter, use_memo_router

    async def echo(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"{request.scope['route'].path} {dict(request.path_params)}")

    inner = [Route("/deep/{y}", echo)]
    app = Starlette(routes=[Route("/a/{x}", echo), Route("/b", echo, methods=["POST"]), Mount("/m", routes=inner)])
    assert use_memo_router(app.router) and isinstance(app.router, MemoRouter)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for _ in range(2):  # searched, then remembered
            assert (await client.get("/a/1")).text == "/a/{x} {'x': '1'}"
            assert (await client.get("/a/2")).text == "/a/{x} {'x': '2'}"
            assert (await client.get("/b")).status_code == 405
            assert (await client.post("/b")).text == "/b {}"
            assert (await client.get("/m/deep/3")).text == "/deep/{y} {'y': '3'}"
            assert (await client.get("/nowhere")).status_code == 404
        remembered = app.router._memo
        assert ("http", "GET", "", "/a/1") in remembered and ("http", "GET", "", "/nowhere") not in remembered
        app.router.routes.insert(0, Route("/a/{x}", lambda request: PlainTextResponse("new")))
        assert (await client.get("/a/1")).text == "new"  # the route list changed: searched again
