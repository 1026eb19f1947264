"""A broken plugin is contained: the server starts, the others keep working and keep their results."""

from __future__ import annotations

import importlib.metadata
import logging
import time

import pytest
from plugin_samples import (
    FixedLyrics,
    FutureApi,
    Greeter,
    LyricsPlugin,
    Raising,
    RouteRaises,
    SelfCheckFails,
    Slow,
    StartFails,
)
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sonantica_core.contract import Lyrics, PlayRecorded, TrackRef
from sonantica_core.plugins import Candidate, Plugin, hookimpl, manager_of

TRACK = TrackRef(id=1, title="Song", artist="Artist", album=None, album_artist=None, duration=None)


def broken_import() -> Candidate:
    entry_point = importlib.metadata.EntryPoint("broken", "sonantica_missing_dep.plugin:plugin", "sonantica.plugins")
    return Candidate.from_entry_point(entry_point)


async def test_the_server_starts_with_every_kind_of_broken_plugin(plugin_app, caplog) -> None:
    caplog.set_level(logging.INFO, logger="sonantica.plugins")
    greeter = Greeter()
    plugins = [greeter, broken_import(), StartFails(), SelfCheckFails(), FutureApi()]
    async with plugin_app(*plugins, config={"greeter": {"repeat": 2}, "badconfig": {}, "tempo": {}}) as core:
        listed = (await core.client.get("/api/plugins")).json()["plugins"]
        statuses = {record["name"]: record["status"] for record in listed}
        assert statuses == {
            "greeter": "enabled",
            "broken": "load error",
            "startfails": "start error",
            "needsffmpeg": "failed self-check",
            "future": "incompatible",
            "badconfig": "not installed",
            "tempo": "not installed",
        }
        assert (await core.client.get("/plugins/greeter/hello")).json() == {"greeting": "hello hello"}
        assert (await core.client.get("/healthz")).status_code == 200
        assert greeter.calls == ["startup web"]
    assert greeter.calls == ["startup web", "shutdown web"]
    summary = [r.getMessage() for r in caplog.records if r.getMessage().startswith("plugin ")]
    assert "plugin greeter 1.0.0: enabled · hooks: on_play_recorded, register_routes, shutdown, startup" in summary
    assert any(line.startswith("plugin broken: load error — cannot import") for line in summary)
    assert any(line == "plugin startfails: start error — startup: RuntimeError: the model file "
               "/models/x.onnx is missing" for line in summary)
    assert any("plugin tempo: not installed" in line and "pip install sonantica-tempo" in line for line in summary)


async def test_a_plugin_that_fails_to_start_answers_503_and_is_not_called(plugin_app) -> None:
    async with plugin_app(StartFails(), Greeter()) as core:
        response = await core.client.get("/plugins/startfails/here")
        assert response.status_code == 503
        assert response.json()["error"] == {
            "status": 503,
            "code": "plugin_unavailable",
            "message": "plugin 'startfails' is not available (start error)",
        }
        assert not core.manager.pm.has_plugin("startfails")
        assert core.ctx.plugin_config("startfails") is None
        assert core.ctx.plugin_config("greeter") is not None


async def test_a_raising_hook_is_logged_and_the_other_results_are_kept(plugin_app, caplog) -> None:
    caplog.set_level(logging.INFO, logger="sonantica.plugins")
    greeter = Greeter()
    async with plugin_app(Raising(), greeter) as core:
        results = await core.manager.notify(core.ctx, PlayRecorded(track_id=7, user_id=1))
        assert [(r.plugin, r.value) for r in results] == [("greeter", "greeted 7")]
        assert greeter.plays == [7]
        messages = [r.getMessage() for r in caplog.records]
        failure = next(m for m in messages if m.startswith("plugin raising: on_play_recorded failed"))
        assert "ValueError: cannot scrobble track 7" in failure
        record = core.manager.record("raising")
        assert record.status.value == "enabled" and record.hook_failures == 1
        assert record.error == "on_play_recorded: ValueError: cannot scrobble track 7"
        # a register_* hook that raises: the plugin contributes nothing, the others still do
        assert core.manager.lyrics_providers() == []


async def test_a_slow_hook_on_the_request_path_is_abandoned_and_the_request_proceeds(plugin_app, caplog) -> None:
    """A route of the core that records a play waits at most hook_timeout for the plugins."""
    caplog.set_level(logging.INFO, logger="sonantica.plugins")

    class PlaysEndpoint(Plugin):  # stands in for the core's history endpoint
        name = "plays"

        @hookimpl
        def register_routes(self, ctx):  # type: ignore[no-untyped-def]
            async def record_play(request: Request) -> JSONResponse:
                results = await manager_of(ctx).notify(ctx, PlayRecorded(track_id=3, user_id=1))
                return JSONResponse({"notified": [result.plugin for result in results]})

            return [Route("/record", record_play, methods=["POST"])]

    slow, greeter = Slow(), Greeter()
    async with plugin_app(PlaysEndpoint(), slow, greeter, config={"slow": {"order": 1}},
                          options={"hook_timeout": 0.3}) as core:
        started = time.monotonic()
        response = await core.client.post("/plugins/plays/record")
        elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert response.json() == {"notified": ["greeter"]}
    assert elapsed < 3
    assert greeter.plays == [3] and not slow.finished
    assert any(r.getMessage() == "plugin slow: on_play_recorded took longer than 0.3 s and was abandoned"
               for r in caplog.records)


async def test_call_first_skips_failing_and_slow_providers(plugin_app) -> None:
    found = Lyrics(source="good", plain="la la")
    plugins = [
        LyricsPlugin("first", FixedLyrics("explodes", None, error=ConnectionError("refused"))),
        LyricsPlugin("second", FixedLyrics("dawdles", found, delay=5)),
        LyricsPlugin("third", FixedLyrics("nothing", None), FixedLyrics("good", found)),
    ]
    config = {"first": {"order": 1}, "second": {"order": 2}, "third": {"order": 3}}
    async with plugin_app(*plugins, config=config) as core:
        providers = core.manager.lyrics_providers()
        assert [p.name for p in providers] == ["explodes", "dawdles", "nothing", "good"]
        started = time.monotonic()
        provider, lyrics = await core.manager.ask_first(providers, lambda p: p.find_lyrics(TRACK), timeout=0.2)
        assert time.monotonic() - started < 2
        assert (provider.name, lyrics) == ("good", found)
        assert core.manager.plugin_of(provider) == "third"
        assert core.manager.record("first").hook_failures == 1
        assert core.manager.record("second").hook_failures == 1


async def test_a_route_that_raises_answers_a_json_500_naming_the_plugin(plugin_app) -> None:
    async with plugin_app(RouteRaises(), Greeter()) as core:
        response = await core.client.get("/plugins/routeraises/boom")
        assert response.status_code == 500
        assert response.json()["error"]["code"] == "plugin_error"
        assert "plugin 'routeraises' failed" in response.json()["error"]["message"]
        assert (await core.client.get("/plugins/greeter/hello")).status_code == 200
        assert core.manager.record("routeraises").hook_failures == 1


async def test_a_provider_of_the_wrong_type_is_left_out(plugin_app, caplog) -> None:
    caplog.set_level(logging.INFO, logger="sonantica.plugins")
    class WrongType(Plugin):
        name = "wrongtype"

        @hookimpl
        def register_lyrics_providers(self) -> list:
            return ["not a provider", FixedLyrics("fine", None), FixedLyrics("fine", None)]

    async with plugin_app(WrongType()) as core:
        assert [p.name for p in core.manager.lyrics_providers()] == ["fine"]
    messages = [r.getMessage() for r in caplog.records]
    assert any("plugin wrongtype: register_lyrics_providers: 'not a provider' is not a" in m for m in messages)
    assert any("LyricsProvider name 'fine' is already used by plugin wrongtype" in m for m in messages)


@pytest.mark.parametrize("async_impl", [False, True])
async def test_a_register_hook_must_not_be_async(plugin_app, async_impl: bool) -> None:
    class AsyncRegister(Plugin):
        name = "asyncregister"

        if async_impl:
            @hookimpl
            async def register_lyrics_providers(self) -> list:
                return [FixedLyrics("late", None)]
        else:
            @hookimpl
            def register_lyrics_providers(self) -> list:
                return [FixedLyrics("ontime", None)]

    async with plugin_app(AsyncRegister()) as core:
        names = [p.name for p in core.manager.lyrics_providers()]
    assert names == ([] if async_impl else ["ontime"])
