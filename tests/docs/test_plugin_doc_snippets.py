"""Every fenced block of docs/plugins.md is run by a check here, so the guide cannot drift from the code.

``CHECKS`` maps a distinctive part of each snippet's text to the test that runs it; the meta-test
fails, naming the line, for a snippet no check matches or a check that matches no snippet.
Python snippets are exec'd (fragments after a stated prelude of imports only) and then exercised
in a real core (``plugin_app``); toml snippets are parsed and fed to the loader.
"""

from __future__ import annotations

import dataclasses
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib does not

from doc_snippets import Snippet, run_python, snippets

MANIFEST = "from sonantica_core.plugins import Plugin, PluginConfig, hookimpl\n"

#: Snippets of the hook sections being rewritten with their callers (metadata, lyrics, stems,
#: similarity); the lead adds their checks at merge. Keyed by hook section heading.
REWRITTEN_ELSEWHERE: dict[str, str] = {
    "register_metadata_providers": "class DecadeProvider(MetadataProvider):",
    "register_lyrics_providers": "def register_lyrics_providers(self, ctx):",
    "register_stem_separators": "class KaraokeSeparator(StemSeparator):",
    "register_recommenders": "class SameAlbum(Recommender):",
}

#: ``{distinctive text of a snippet: the test that runs it}``.
CHECKS: dict[str, str] = {
    "class HelloConfig(PluginConfig):": "test_the_hello_plugin_answers_with_its_greeting",
    "hello = \"sonantica_hello.plugin:plugin\"": "test_the_hello_pyproject_points_at_the_manifest",
    "class LrclibConfig(PluginConfig):": "test_the_config_model_takes_good_values_and_refuses_bad_ones",
    "class WavPackScanner(Scanner):": "test_the_scanner_is_offered_and_refuses_what_it_cannot_read",
    "class PeakAnalyzer(Analyzer):": "test_the_peak_analyzer_stores_the_peak_of_real_audio",
    "def register_owned_routes(self, ctx):": "test_the_owned_route_answers_ping",
    "def config_schema(self):": "test_a_built_config_schema_validates_the_section",
    "def migrations_package(self):": "test_the_migrations_package_hook_names_the_lineage",
    "lyrics_table = Table(": "test_the_table_is_the_plugins_own",
}


def snippet(key: str) -> Snippet:
    """The one snippet whose text contains ``key``."""
    matches = [s for s in snippets() if key in s.code]
    assert len(matches) == 1, f"{key!r} matches {[s.where for s in matches]}"
    return matches[0]


def test_every_snippet_has_exactly_one_check() -> None:
    keys = {**{key: name for key, name in CHECKS.items()}, **{v: k for k, v in REWRITTEN_ELSEWHERE.items()}}
    for found in snippets():
        matching = [key for key in keys if key in found.code]
        assert matching, f"{found.where} ({found.lang or 'no language'}, in {found.section}) has no check in CHECKS"
        assert len(matching) == 1, f"{found.where} matches several checks: {matching}"
    for key in keys:
        snippet(key)  # each key matches exactly one snippet
    for section, key in REWRITTEN_ELSEWHERE.items():
        assert snippet(key).section == section, f"{key!r} is not in section {section}"
    module = sys.modules[__name__]
    for name in CHECKS.values():
        assert callable(getattr(module, name, None)), f"CHECKS names {name}, which is not a test here"


# --------------------------------------------------------------------------- A first plugin


async def test_the_hello_plugin_answers_with_its_greeting(plugin_app: Any) -> None:
    scope = run_python(snippet("class HelloConfig(PluginConfig):"))
    async with plugin_app(scope["plugin"], config={"hello": {"greeting": "hi", "repeat": 2}}) as core:
        response = await core.client.get("/plugins/hello/")
        assert response.status_code == 200 and response.json() == {"greeting": "hi hi"}
    async with plugin_app(scope["HelloPlugin"](), config={"hello": {"repeat": 6}}) as core:
        assert core.status("hello") == "config error"


def test_the_hello_pyproject_points_at_the_manifest() -> None:
    project = tomllib.loads(snippet('hello = "sonantica_hello.plugin:plugin"').code)
    code = snippet("class HelloConfig(PluginConfig):").code
    module, attribute = project["project"]["entry-points"]["sonantica.plugins"]["hello"].split(":")
    assert code.startswith(f"# {module.replace('.', '/')}.py\n")
    assert attribute in run_python(snippet("class HelloConfig(PluginConfig):"))
    assert project["project"]["name"] == "sonantica-hello"
    assert any(dep.startswith("sonantica-core") for dep in project["project"]["dependencies"])


# --------------------------------------------------------------------------- Enabling and configuring


def test_the_config_model_takes_good_values_and_refuses_bad_ones() -> None:
    from pydantic import ValidationError

    config = run_python(snippet("class LrclibConfig(PluginConfig):"))["LrclibConfig"]
    good = config(base_url="http://127.0.0.1:9/", timeout=3, token="t")
    assert good.base_url == "http://127.0.0.1:9" and good.token.get_secret_value() == "t"
    for bad in ({"base_url": "ftp://x"}, {"timeout": -1}, {"timeout": 500}, {"tiemout": 3}):
        with pytest.raises(ValidationError):
            config(**bad)


# --------------------------------------------------------------------------- Hooks


async def test_the_scanner_is_offered_and_refuses_what_it_cannot_read(plugin_app: Any, tmp_path: Path) -> None:
    import pickle

    from sonantica_core.contract import ScanError

    scope = run_python(snippet("class WavPackScanner(Scanner):"))
    async with plugin_app(scope["WavPack"]()) as core:
        assert core.status("wavpack") == "enabled"
        [scanner] = [s for s in core.manager.scanners(core.ctx) if s.name == "wavpack"]
    scanner = pickle.loads(pickle.dumps(scanner))  # sent to reader processes
    assert scanner.accepts(Path("a/song.WV")) and not scanner.accepts(Path("a/song.flac"))
    with pytest.raises(ScanError):
        scanner.read("music", tmp_path, "song.wv")


async def test_the_peak_analyzer_stores_the_peak_of_real_audio(plugin_app: Any) -> None:
    import numpy as np

    scope = run_python(snippet("class PeakAnalyzer(Analyzer):"), MANIFEST)
    async with plugin_app(scope["Peak"]()) as core:
        seconds = np.arange(2 * 44100) / 44100
        track_id = await core.add_audio(0.25 * np.sin(2 * np.pi * 440 * seconds), 44100)
        report = await core.analyze(track_id)
    assert report.status["peak"] == "done", report.errors
    assert report.features["sample_peak"] == pytest.approx(0.25, abs=0.01)


async def test_the_owned_route_answers_ping(plugin_app: Any) -> None:
    prelude = MANIFEST + "from starlette.responses import JSONResponse\nfrom starlette.routing import Route\n"
    scope = run_python(snippet("def register_owned_routes(self, ctx):"), prelude)
    async with plugin_app(scope["Subsonic"]()) as core:
        for path in ("/rest/ping.view", "/rest/ping"):
            response = await core.client.get(path)
            assert response.json()["subsonic-response"]["status"] == "ok", path


async def test_a_built_config_schema_validates_the_section(plugin_app: Any) -> None:
    scope = run_python(snippet("def config_schema(self):"), MANIFEST)
    async with plugin_app(scope["Moods"](), config={"moods": {"sad_threshold": 0.8}}) as core:
        assert core.status("moods") == "enabled"
        config = core.ctx.plugin_config("moods")
        assert (config.happy_threshold, config.sad_threshold) == (0.5, 0.8)
    async with plugin_app(scope["Moods"](), config={"moods": {"angry_threshold": 0.8}}) as core:
        assert core.status("moods") == "config error"


def test_the_migrations_package_hook_names_the_lineage() -> None:
    from sonantica_core.plugins.discovery import Candidate
    from sonantica_core.plugins.lineages import plugin_lineage

    scope = run_python(snippet("def migrations_package(self):"), MANIFEST)
    plugin = scope["LrclibPlugin"]()
    assert plugin.migrations_package() == "sonantica_lrclib.migrations"
    assert Candidate.from_object(plugin).name == "lrclib"
    assert plugin_lineage("lrclib", plugin.migrations_package()) is not None


# --------------------------------------------------------------------------- Tables and migrations


async def test_the_table_is_the_plugins_own(plugin_app: Any) -> None:
    from sonantica_lrclib.plugin import LrclibPlugin
    from sqlalchemy import inspect

    table = run_python(snippet("lyrics_table = Table("))["lyrics_table"]
    async with plugin_app(LrclibPlugin()) as core, core.ctx.session() as session:
        connection = await session.connection()
        columns = await connection.run_sync(lambda sync: inspect(sync).get_columns(table.name))
    real = {c["name"]: c["nullable"] for c in columns}
    assert {c.name: real.get(c.name) for c in table.columns} == {c.name: c.nullable for c in table.columns}


# --------------------------------------------------------------------------- shared by the checks below

EVENTS = "from sonantica_core.contract import AnalysisReady, PlayRecorded, PlayStarted, TracksChanged\n"


async def queued(core: Any) -> list[tuple[str, list[Any]]]:
    """``(task name, arguments)`` of every task waiting in the queue, high priority first."""
    import json

    return [
        (message["task_name"], message["args"])
        for stream in ("sonantica:tasks:high", "sonantica:tasks:low")
        for _, fields in await core.ctx.redis.xrange(stream)
        for message in [json.loads(fields[b"data"])]
    ]


def hello_config_prelude() -> str:
    """An import of the first plugin's ``HelloConfig``, which later snippets name."""
    return f"from {run_python(snippet('class HelloConfig(PluginConfig):'))['__name__']} import HelloConfig\n"


# --------------------------------------------------------------------------- HTTP, commands, life cycle, events


async def test_the_route_greets_with_the_configured_greeting(plugin_app: Any) -> None:
    routes = snippet("return [Route(\"/\", greet)]  # GET /plugins/hello/")
    scope = run_python(routes, MANIFEST + hello_config_prelude())
    async with plugin_app(scope["Hello"](), config={"hello": {"greeting": "hey"}}) as core:
        response = await core.client.get("/plugins/hello/")
        assert response.json() == {"greeting": "hey"}
        anonymous = await core.client.get("/plugins/hello/", headers={"Authorization": ""})
        assert anonymous.status_code == 401


async def test_the_command_queues_a_lookup_per_track(plugin_app: Any, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    prelude = MANIFEST + "from sonantica_lrclib.tasks import fetch_lyrics\n"
    scope = run_python(snippet('PluginCommand("fetch", "queue LRCLIB lookups", _fetch, _arguments)'), prelude)
    plugin = scope["LrclibPlugin"]()
    [command] = plugin.register_commands()
    parser = argparse.ArgumentParser(prog="sonantica lrclib fetch")
    command.arguments(parser)
    async with plugin_app(plugin) as core:
        assert await command.run(core.ctx, parser.parse_args(["7", "8"])) == 0
        assert await queued(core) == [("lrclib:fetch", [7]), ("lrclib:fetch", [8])]
    assert "queued 2 lookups" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        parser.parse_args(["seven"])


async def test_startup_opens_the_client_and_shutdown_closes_it(plugin_app: Any) -> None:
    opens = run_python(snippet("async def startup(self, ctx, process):"), MANIFEST)["Scrobbler"]
    closes = run_python(snippet("async def shutdown(self, process):"), MANIFEST)["Scrobbler"]

    class Scrobbler(opens, closes):  # the two halves of one plugin
        pass

    plugin = Scrobbler()
    async with plugin_app(plugin, config={"scrobbler": {"url": "http://127.0.0.1:9"}}) as core:
        assert core.status("scrobbler") == "enabled"
        assert str(plugin.http.base_url) == "http://127.0.0.1:9" and not plugin.http.is_closed
    assert plugin.http.is_closed


async def test_tracks_added_by_a_scan_queue_lookups(plugin_app: Any) -> None:
    prelude = MANIFEST + EVENTS + (
        "from sonantica_core.tasks import send\nfrom sonantica_lrclib.config import LrclibConfig\n"
        "from sonantica_lrclib.tasks import fetch_lyrics\n"
    )
    scope = run_python(snippet("async def on_tracks_changed(self, ctx, event):"), prelude)
    for fetch_on_scan, expected in ((True, [("lrclib:fetch", [3]), ("lrclib:fetch", [4])]), (False, [])):
        async with plugin_app(scope["LrclibPlugin"](), config={"lrclib": {"fetch_on_scan": fetch_on_scan}}) as core:
            await core.manager.notify(core.ctx, scope["TracksChanged"](added=(3, 4)))
            assert core.manager.record("lrclib").hook_failures == 0
            assert await queued(core) == expected
            await core.ctx.redis.flushdb()


async def test_analysis_of_the_tempo_publishes_an_event(plugin_app: Any) -> None:
    import asyncio

    from sonantica_core.bus.events import subscribe

    scope = run_python(snippet("async def on_analysis_ready(self, ctx, event):"), MANIFEST + EVENTS)
    async with plugin_app(scope["Playlists"]()) as core:
        events = subscribe(core.ctx.redis)
        first = asyncio.ensure_future(anext(events))
        await asyncio.sleep(0.2)  # subscribed
        await core.manager.notify(core.ctx, scope["AnalysisReady"](track_id=5, analyzers=("key",)))
        await core.manager.notify(core.ctx, scope["AnalysisReady"](track_id=6, analyzers=("tempo", "key")))
        event = await asyncio.wait_for(first, 5)
        assert (event["type"], event["track_id"]) == ("smartlists.changed", 6)
        await events.aclose()
        assert core.manager.record("smartlists").hook_failures == 0


async def test_plays_queue_scrobbles_and_now_playing(plugin_app: Any) -> None:
    from datetime import UTC, datetime

    recorded = snippet("async def on_play_recorded(self, ctx, event):")
    scope = run_python(recorded, MANIFEST + EVENTS)
    started = snippet("async def on_play_started(self, ctx, event):")
    assert started.code.startswith("    @hookimpl"), "the fragment continues the class above it"
    as_class = dataclasses.replace(started, code="class Started:\n" + started.code, line=started.line - 1)
    body = run_python(as_class,
                      MANIFEST + f"from {scope['__name__']} import send, send_now_playing\n")["Started"]

    class Scrobbler(scope["Scrobbler"], body):  # the fragment's method on the class above it
        pass

    async with plugin_app(Scrobbler()) as core:
        at = datetime(2026, 1, 2, tzinfo=UTC)
        await core.manager.notify(core.ctx, scope["PlayStarted"](track_id=9, user_id=2, client="web"))
        for skipped in (True, False):
            event = scope["PlayRecorded"](track_id=9, user_id=2, at=at, skipped=skipped, duration_played=10.0)
            await core.manager.notify(core.ctx, event)
        assert core.manager.record("scrobbler").hook_failures == 0
        assert await queued(core) == [("scrobble:now-playing", [2, 9, "web"]), ("scrobble:flush", [2])]
