"""Plugin routes: each plugin under /plugins/<name>/, declared well-known paths, clashes refused."""

from __future__ import annotations

import httpx
import pytest
from plugin_samples import Greeter, Subsonic
from starlette.responses import JSONResponse
from starlette.routing import Route

from sonantica_core.plugins import Plugin, hookimpl
from sonantica_core.plugins.compat import contract_version_text


def owner_of(path: str, name: str = "claims", routes: bool = True) -> Plugin:
    class Claims(Plugin):
        owned_paths = (path,)

        @hookimpl
        def register_owned_routes(self) -> dict:
            return {path: [Route("/x", lambda request: JSONResponse({}))]} if routes else {}

    plugin = Claims()
    plugin.name = name  # type: ignore[misc]
    return plugin


async def test_plugin_routes_live_under_their_prefix_and_need_a_user(plugin_app) -> None:
    async with plugin_app(Greeter(), config={"greeter": {"greeting": "hi"}}) as core:
        assert (await core.client.get("/plugins/greeter/hello")).json() == {"greeting": "hi"}
        assert (await core.client.get("/hello")).status_code == 404
        assert (await core.client.get("/plugins/greeter/nothing")).status_code == 404
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=core.app), base_url="http://t") as anonymous:
            assert (await anonymous.get("/plugins/greeter/hello")).status_code == 401


async def test_a_declared_well_known_path_is_served(plugin_app) -> None:
    async with plugin_app(Subsonic()) as core:
        response = await core.client.get("/rest/ping.view")
        assert response.json() == {"subsonic-response": {"status": "ok"}}
        assert core.status("subsonic") == "enabled"


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/healthz", "owned path /healthz clashes with the core route /healthz"),
        ("/api", "owned path /api clashes with the core route /api/"),
        ("/api/plugins/extra", "owned path /api/plugins/extra clashes with the core route /api/plugins"),
        ("/plugins", "overlaps /plugins, where every plugin has its own prefix"),
        ("/rest/", "owned path '/rest/' must look like '/rest'"),
        ("/", "owned path '/' must look like '/rest'"),
    ],
)
async def test_a_clash_with_the_core_is_refused_at_start_up(plugin_app, path: str, reason: str) -> None:
    async with plugin_app(owner_of(path), Greeter()) as core:
        record = core.manager.record("claims")
        assert core.status("claims") == "start error"
        assert reason in record.error
        assert core.status("greeter") == "enabled"
        assert (await core.client.get("/healthz")).status_code == 200


async def test_a_clash_between_plugins_refuses_the_later_one(plugin_app) -> None:
    first, second = owner_of("/rest", "first"), owner_of("/rest/v2", "second")
    async with plugin_app(first, second, config={"first": {"order": 1}, "second": {"order": 2}}) as core:
        assert core.status("first") == "enabled"
        assert core.status("second") == "start error"
        assert core.manager.record("second").error == "routes: owned path /rest/v2 clashes with /rest of plugin first"
        assert (await core.client.get("/rest/x")).status_code == 200


async def test_serving_an_undeclared_path_is_refused(plugin_app) -> None:
    class Sneaky(Plugin):
        name = "sneaky"

        @hookimpl
        def register_owned_routes(self) -> dict:
            return {"/admin": [Route("/", lambda request: JSONResponse({}))]}

    async with plugin_app(Sneaky()) as core:
        assert core.status("sneaky") == "start error"
        assert "serves '/admin', which is not in its owned_paths []" in core.manager.record("sneaky").error


async def test_api_plugins_lists_every_plugin_for_admins_only(plugin_app, make_user) -> None:
    config = {"greeter": {"token": "hunter2", "order": 3}, "tempo": {}}
    async with plugin_app(Greeter(), Subsonic(), config=config) as core:
        body = (await core.client.get("/api/plugins")).json()
        _, user_headers = await make_user()
        refused = await core.client.get("/api/plugins", headers={"Authorization": ""} | user_headers)
    assert refused.status_code == 403
    assert body["contract"] == contract_version_text()
    assert [plugin["name"] for plugin in body["plugins"]] == ["greeter", "subsonic", "tempo"]
    greeter = body["plugins"][0]
    assert greeter == {
        "name": "greeter",
        "version": "1.0.0",
        "distribution": None,
        "status": "enabled",
        "hooks": ["on_play_recorded", "register_routes", "shutdown", "startup"],
        "order": 3,
        "owned_paths": [],
        "migrations": None,
        "config": {"greeting": "hello", "repeat": 1, "token": "••••", "password": None},
        "error": None,
        "hook_failures": 0,
    }
    assert body["plugins"][1]["owned_paths"] == ["/rest"]
    assert body["plugins"][2]["status"] == "not installed"
    assert "hunter2" not in str(body)


def home_of(name: str, home: str | None) -> Plugin:
    class Home(Plugin):
        home_page = home

        @hookimpl
        def register_routes(self) -> list:
            return [Route("/", lambda request: JSONResponse({"page": name}))]

    plugin = Home()
    plugin.name = name  # type: ignore[misc]
    return plugin


async def test_the_servers_address_leads_to_the_first_home_page(plugin_app) -> None:
    config = {"second": {"order": 2}, "first": {"order": 1}}
    async with plugin_app(home_of("second", "/plugins/second/"), home_of("first", "/plugins/first/"),
                          config=config) as core:
        response = await core.client.get("/", headers={"Authorization": ""})  # no user needed to be led there
        assert response.status_code == 302 and response.headers["location"] == "/plugins/first/"
    async with plugin_app(Greeter(), config={"greeter": {"greeting": "hi"}}) as core:
        assert (await core.client.get("/")).status_code == 404  # no web interface: nothing at /


async def test_a_home_page_outside_its_prefix_is_refused(plugin_app) -> None:
    async with plugin_app(home_of("elsewhere", "/api/library/tracks")) as core:
        assert core.status("elsewhere") == "load error"
        assert (await core.client.get("/")).status_code == 404
