"""How routes declare access, mounted plugin routes included (protected unless they say otherwise)."""

from __future__ import annotations

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Mount, Route

from sonantica_core.auth.principal import Access
from sonantica_core.http.middleware.access import admin_only, current_user, public, set_access
from sonantica_core.server.app import create_app


async def whoami(request: Request) -> JSONResponse:
    user = current_user(request)
    return JSONResponse({"id": user.id, "admin": user.is_admin, "auth": list(request.auth.scopes)})


@admin_only
async def settings_page(request: Request) -> PlainTextResponse:
    return PlainTextResponse("admin things")


@public
async def login_page(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"hello {request.user.is_authenticated}")


async def static_file(scope, receive, send) -> None:
    await PlainTextResponse("static")(scope, receive, send)


@pytest.fixture
async def plugin_client(core):
    routes = [
        Mount(
            "/plugins/demo",
            routes=[
                Route("/me", whoami),
                Route("/settings", settings_page),
                Route("/login", login_page),
                Mount("/admin-area", routes=[Route("/x", whoami), Route("/open", login_page)]),
            ],
        ),
        set_access(Mount("/plugins/demo-admin", routes=[Route("/x", whoami)]), Access.ADMIN),
        set_access(Mount("/plugins/web/static", app=static_file), Access.PUBLIC),
        Mount("/rest", routes=[Route("/ping", whoami)]),  # a well-known path owned by a plugin
        Route("/api/admin/things", whoami),  # forgot to say admin: the prefix decides
    ]
    app = create_app(core, extra_routes=routes)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client


async def test_plugin_routes_are_protected_by_default(plugin_client, make_user) -> None:
    user, user_headers = await make_user()
    _, admin_headers = await make_user(admin=True)
    expectations = {
        "/plugins/demo/me": (401, 200, 200),
        "/plugins/demo/settings": (401, 403, 200),
        "/plugins/demo/login": (200, 200, 200),
        "/plugins/demo/admin-area/x": (401, 200, 200),
        "/plugins/demo/admin-area/open": (200, 200, 200),
        "/plugins/demo-admin/x": (401, 403, 200),
        "/plugins/web/static/app.js": (200, 200, 200),
        "/rest/ping": (401, 200, 200),
        "/api/admin/things": (401, 403, 200),
        "/plugins/demo/nothing-here": (401, 404, 404),
    }
    for path, (anonymous, as_user, as_admin) in expectations.items():
        callers = ({}, user_headers, admin_headers)
        got = tuple([(await plugin_client.get(path, headers=headers)).status_code for headers in callers])
        assert got == (anonymous, as_user, as_admin), path
    me = (await plugin_client.get("/plugins/demo/me", headers=user_headers)).json()
    assert me == {"id": user.id, "admin": False, "auth": ["authenticated"]}
    assert (await plugin_client.get("/plugins/demo/login")).text == "hello False"
    assert (await plugin_client.get("/plugins/demo/login", headers=user_headers)).text == "hello True"
    stale = {"Authorization": "Bearer not-a-token"}
    assert (await plugin_client.get("/plugins/demo/login", headers=stale)).status_code == 200  # public ignores it
    assert (await plugin_client.get("/plugins/demo/me", headers=stale)).status_code == 401
