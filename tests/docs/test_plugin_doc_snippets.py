"""Every fenced block of docs/plugins.md is run by a check here, so the guide cannot drift from the code.

``CHECKS`` maps a distinctive part of each snippet's text to the test that runs it; the meta-test
fails, naming the line, for a snippet no check matches or a check that matches no snippet.
Python snippets are exec'd (fragments after a stated prelude of imports only) and then exercised
in a real core (``plugin_app``); toml snippets are parsed and fed to the loader.
"""

from __future__ import annotations

import dataclasses
import importlib
import sys
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib does not

from doc_snippets import ROOT, Snippet, run_python, run_python_async, snippets

from sonantica_core.contract import AnalysisReady, PlayRecorded, PlayStarted, TracksChanged

MANIFEST = "from sonantica_core.plugins import Plugin, PluginConfig, hookimpl\n"

#: Sections (by heading) whose snippets may go without a check while their code is rewritten;
#: none now: every snippet of the page has its check.
REWRITTEN_ELSEWHERE: frozenset[str] = frozenset()

#: ``{distinctive text of a snippet: the test that runs it}``.
CHECKS: dict[str, str] = {
    "class HelloConfig(PluginConfig):": "test_the_hello_plugin_answers_with_its_greeting",
    'hello = "sonantica_hello.plugin:plugin"': "test_the_hand_made_plugin_installs_enables_and_answers",
    "class LrclibConfig(PluginConfig):": "test_the_config_model_takes_good_values_and_refuses_bad_ones",
    "class WavPackScanner(Scanner):": "test_the_scanner_is_offered_and_refuses_what_it_cannot_read",
    "class PeakAnalyzer(Analyzer):": "test_the_peak_analyzer_stores_the_peak_of_real_audio",
    "class SpectrumAnalyzer(Analyzer):": "test_an_analyzers_save_writes_its_own_table",
    "def register_owned_routes(self, ctx):": "test_the_owned_route_answers_ping",
    "def config_schema(self):": "test_a_built_config_schema_validates_the_section",
    "def migrations_package(self):": "test_the_migrations_package_hook_gives_the_plugin_its_tables",
    "lyrics_table = Table(": "test_the_table_is_the_plugins_own",
    'return [Route("/", greet)]  # GET /plugins/hello/': "test_the_route_greets_with_the_configured_greeting",
    'PluginCommand("fetch", "queue LRCLIB lookups", _fetch, _arguments)': "test_the_command_queues_a_lookup_per_track",
    "async def startup(self, ctx, process):": "test_startup_opens_the_client_and_shutdown_closes_it",
    "async def shutdown(self, process):": "test_startup_opens_the_client_and_shutdown_closes_it",
    "async def on_tracks_changed(self, ctx, event):": "test_tracks_added_by_a_scan_queue_lookups",
    "async def on_analysis_ready(self, ctx, event):": "test_analysis_of_the_tempo_publishes_an_event",
    "async def on_play_recorded(self, ctx, event):": "test_plays_queue_scrobbles_and_now_playing",
    "async def on_play_started(self, ctx, event):": "test_plays_queue_scrobbles_and_now_playing",
    "sonantica plugin new room_tone --kind analyzer": "test_the_template_command_writes_the_plugin_the_docs_describe",
    "sonantica-hello/\n  pyproject.toml": "test_the_hand_made_layout_is_what_the_template_writes",
    "[plugins.hello]\ngreeting": "test_the_hand_made_plugin_installs_enables_and_answers",
    "plugin hello 0.1.0: enabled": "test_the_hand_made_plugin_installs_enables_and_answers",
    "startup_timeout = 30.0": "test_the_plugins_file_example_is_read_as_documented",
    "await userdata.star(": "test_stars_and_ratings_are_read_back",
    '@task("lrclib:fetch"': "test_the_task_runs_and_is_queued_at_both_priorities",
    '@periodic("lrclib:refresh-missing"': "test_the_periodic_task_is_declared_with_its_period",
    "async def mine(request):": "test_the_access_markers_guard_the_routes",
    "engine = StreamEndpoint()": "test_the_stream_endpoint_streams_opus",
    'Route("/lyrics/{track_id:id}", lyrics)': "test_an_id_segment_takes_only_database_ids",
    'revision = "lrclib_0001"': "test_the_migration_creates_the_documented_table",
    'command.downgrade(schema.alembic_config(lineage, url), "base")': "test_the_downgrade_drops_the_tables",
    "async def test_the_migrations_go_down_and_up(": "test_the_migration_test_passes",
    "[project.optional-dependencies]\ntest =": "test_the_test_settings_are_the_templates",
    "async def test_the_task_fetches_and_the_route_serves(": "test_the_testing_examples_pass",
    "class DecadeProvider(MetadataProvider):": "test_the_metadata_provider_fills_in_an_albums_tracks",
    "def register_lyrics_providers(self, ctx):": "test_the_lyrics_plugin_offers_its_remote_provider",
    "class KaraokeSeparator(StemSeparator):": "test_the_karaoke_separator_splits_and_adds_back_up",
    "class SameAlbum(Recommender):": "test_the_same_album_recommender_answers_similar",
}


def snippet(key: str) -> Snippet:
    """The one snippet whose text contains ``key``."""
    matches = [s for s in snippets() if key in s.code]
    assert len(matches) == 1, f"{key!r} matches {[s.where for s in matches]}"
    return matches[0]


def coverage_problems(found: list[Snippet], keys: Iterable[str], exempt: frozenset[str] = frozenset()) -> list[str]:
    """What is wrong between the snippets and the checks' keys, one line each, naming the line;
    snippets in the ``exempt`` sections need no check."""
    keys = list(keys)
    problems = []
    for each in found:
        if each.section in exempt:
            continue
        matching = [key for key in keys if key in each.code]
        if not matching:
            problems.append(f"{each.where} ({each.lang or 'no language'}, in {each.section}): no check matches it; "
                            "add one to CHECKS")
        elif len(matching) > 1:
            problems.append(f"{each.where}: several checks match it: {matching}")
    for key in keys:
        places = [each.where for each in found if key in each.code]
        if len(places) != 1:
            problems.append(f"the check for {key!r} matches {len(places)} snippets {places}, not one")
    return problems


def test_every_snippet_has_exactly_one_check() -> None:
    found = snippets()
    assert coverage_problems(found, CHECKS, REWRITTEN_ELSEWHERE) == []
    assert {each.section for each in found} >= REWRITTEN_ELSEWHERE, "a section of REWRITTEN_ELSEWHERE is gone"
    module = sys.modules[__name__]
    for name in set(CHECKS.values()):
        assert callable(getattr(module, name, None)), f"CHECKS names {name}, which is not a test here"


def test_a_new_snippet_or_a_stale_check_is_named_by_its_line(tmp_path: Path) -> None:
    page = tmp_path / "plugins.md"
    page.write_text("# Guide\n\n## Tasks\n\n```python\nprint('documented')\n```\n\ntext\n\n```\nnew\n```\n")
    found = snippets(page)
    assert [(each.line, each.lang, each.section) for each in found] == [(5, "python", "Tasks"), (11, "", "Tasks")]
    assert coverage_problems(found, ["print('documented')"], frozenset({"Tasks"})) == []
    assert coverage_problems(found, ["print('documented')", "gone"]) == [
        "docs/plugins.md:11 (no language, in Tasks): no check matches it; add one to CHECKS",
        "the check for 'gone' matches 0 snippets [], not one",
    ]



# --------------------------------------------------------------------------- A first plugin


async def test_the_hello_plugin_answers_with_its_greeting(plugin_app: Any) -> None:
    scope = run_python(snippet("class HelloConfig(PluginConfig):"))
    async with plugin_app(scope["plugin"], config={"hello": {"greeting": "hi", "repeat": 2}}) as core:
        response = await core.client.get("/plugins/hello/")
        assert response.status_code == 200 and response.json() == {"greeting": "hi hi"}
    async with plugin_app(scope["HelloPlugin"](), config={"hello": {"repeat": 6}}) as core:
        assert core.status("hello") == "config error"


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

    scope = run_python(snippet("class PeakAnalyzer(Analyzer):"))
    async with plugin_app(scope["Peak"]()) as core:
        seconds = np.arange(2 * 44100) / 44100
        track_id = await core.add_audio(0.25 * np.sin(2 * np.pi * 440 * seconds), 44100)
        report = await core.analyze(track_id)
    assert report.status["peak"] == "done", report.errors
    assert report.features["sample_peak"] == pytest.approx(0.25, abs=0.01)


async def test_an_analyzers_save_writes_its_own_table(plugin_app: Any) -> None:
    """``save`` as the worker calls it: in a transaction, with the result's ``data`` (the table is the
    one the snippet says your migrations make; the session class is the author's, not shown)."""
    from sqlalchemy import text

    from sonantica_core.contract import AnalysisResult

    prelude = "from sonantica_core.contract import AnalysisResult, AnalysisSession, Analyzer, AudioInfo\n"
    analyzer = run_python(snippet("class SpectrumAnalyzer(Analyzer):"), prelude)["SpectrumAnalyzer"]()
    async with plugin_app() as core:
        track_id = await core.add_track("Song")
        async with core.ctx.session() as session:
            await session.execute(text("CREATE TABLE spectrum_bands (track_id BIGINT PRIMARY KEY "
                                       "REFERENCES tracks(id), bands DOUBLE PRECISION[] NOT NULL)"))
        for bands in ([1.0, 2.0], [3.0]):  # analysed again: replaced
            async with core.ctx.session() as session:
                await analyzer.save(session, track_id, AnalysisResult(data={"bands": bands}))
        async with core.ctx.session() as session:
            stored = (await session.execute(text("SELECT bands FROM spectrum_bands"))).scalars().all()
    assert stored == [[3.0]]


async def test_the_owned_route_answers_ping(plugin_app: Any) -> None:
    prelude = MANIFEST + "from starlette.responses import JSONResponse\nfrom starlette.routing import Route\n"
    scope = run_python(snippet("def register_owned_routes(self, ctx):"), prelude)
    async with plugin_app(scope["Subsonic"]()) as core:
        for path in ("/rest/ping.view", "/rest/ping"):
            response = await core.client.get(path)
            assert response.json()["subsonic-response"]["status"] == "ok", path


async def test_a_built_config_schema_validates_the_section(plugin_app: Any) -> None:
    scope = run_python(snippet("def config_schema(self):"))
    async with plugin_app(scope["Moods"](), config={"moods": {"sad_threshold": 0.8}}) as core:
        assert core.status("moods") == "enabled"
        config = core.ctx.plugin_config("moods")
        assert (config.happy_threshold, config.sad_threshold) == (0.5, 0.8)
    async with plugin_app(scope["Moods"](), config={"moods": {"angry_threshold": 0.8}}) as core:
        assert core.status("moods") == "config error"


async def test_the_migrations_package_hook_gives_the_plugin_its_tables(plugin_app: Any) -> None:
    scope = run_python(snippet("def migrations_package(self):"), MANIFEST)
    async with plugin_app(scope["LrclibPlugin"]()) as core:  # plugin_app migrates as `sonantica migrate` does
        assert core.status("lrclib") == "enabled"
        assert "track_id" in await table_columns(core, "lrclib_lyrics")


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

async def queued(core: Any) -> list[tuple[str, list[Any]]]:
    """``(task name, arguments)`` of every task waiting in the queue, high priority first."""
    import json

    return [
        (message["task_name"], message["args"])
        for stream in ("sonantica:tasks:high", "sonantica:tasks:low")
        for _, fields in await core.ctx.redis.xrange(stream)
        for message in [json.loads(fields[b"data"])]
    ]


@pytest.fixture
def hello_module(tmp_path: Path) -> Iterator[None]:
    """The first plugin's module, written where its comment says, importable as ``sonantica_hello.plugin``."""
    code = snippet("class HelloConfig(PluginConfig):").code
    path = tmp_path / code.splitlines()[0].removeprefix("# ")
    path.parent.mkdir(parents=True)
    (path.parent / "__init__.py").write_text("")
    path.write_text(code)
    sys.path.insert(0, str(tmp_path))
    yield
    sys.path.remove(str(tmp_path))
    for name in [name for name in sys.modules if name.split(".")[0] == "sonantica_hello"]:
        del sys.modules[name]


# --------------------------------------------------------------------------- HTTP, commands, life cycle, events


async def test_the_route_greets_with_the_configured_greeting(plugin_app: Any, hello_module: None) -> None:
    scope = run_python(snippet('return [Route("/", greet)]  # GET /plugins/hello/'))
    async with plugin_app(scope["Hello"](), config={"hello": {"greeting": "hey"}}) as core:
        response = await core.client.get("/plugins/hello/")
        assert response.json() == {"greeting": "hey"}
        anonymous = await core.client.get("/plugins/hello/", headers={"Authorization": ""})
        assert anonymous.status_code == 401


async def test_the_command_queues_a_lookup_per_track(plugin_app: Any, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    scope = run_python(snippet('PluginCommand("fetch", "queue LRCLIB lookups", _fetch, _arguments)'))
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
    opens = run_python(snippet("async def startup(self, ctx, process):"))["Scrobbler"]
    closes = run_python(snippet("async def shutdown(self, process):"), MANIFEST)["Scrobbler"]

    class Scrobbler(opens, closes):  # the two halves of one plugin
        pass

    plugin = Scrobbler()
    async with plugin_app(plugin, config={"scrobbler": {"url": "http://127.0.0.1:9"}}) as core:
        assert core.status("scrobbler") == "enabled"
        assert str(plugin.http.base_url) == "http://127.0.0.1:9" and not plugin.http.is_closed
    assert plugin.http.is_closed


async def test_tracks_added_by_a_scan_queue_lookups(plugin_app: Any) -> None:
    prelude = MANIFEST + (
        "from sonantica_core.tasks import send\nfrom sonantica_lrclib.config import LrclibConfig\n"
        "from sonantica_lrclib.tasks import fetch_lyrics\n"
    )
    scope = run_python(snippet("async def on_tracks_changed(self, ctx, event):"), prelude)
    for fetch_on_scan, expected in ((True, [("lrclib:fetch", [3]), ("lrclib:fetch", [4])]), (False, [])):
        async with plugin_app(scope["LrclibPlugin"](), config={"lrclib": {"fetch_on_scan": fetch_on_scan}}) as core:
            await core.manager.notify(core.ctx, TracksChanged(added=(3, 4)))
            assert core.manager.record("lrclib").hook_failures == 0
            assert await queued(core) == expected
            await core.ctx.redis.flushdb()


async def test_analysis_of_the_tempo_publishes_an_event(plugin_app: Any) -> None:
    import asyncio

    from sonantica_core.bus.events import subscribe

    scope = run_python(snippet("async def on_analysis_ready(self, ctx, event):"), MANIFEST)
    async with plugin_app(scope["Playlists"]()) as core:
        events = subscribe(core.ctx.redis)
        first = asyncio.ensure_future(anext(events))
        await asyncio.sleep(0.2)  # subscribed
        await core.manager.notify(core.ctx, AnalysisReady(track_id=5, analyzers=("key",)))
        await core.manager.notify(core.ctx, AnalysisReady(track_id=6, analyzers=("tempo", "key")))
        event = await asyncio.wait_for(first, 5)
        assert (event["type"], event["track_id"]) == ("smartlists.changed", 6)
        await events.aclose()
        assert core.manager.record("smartlists").hook_failures == 0


async def test_plays_queue_scrobbles_and_now_playing(plugin_app: Any) -> None:
    from datetime import UTC, datetime

    recorded = snippet("async def on_play_recorded(self, ctx, event):")
    scope = run_python(recorded)
    started = snippet("async def on_play_started(self, ctx, event):")
    assert started.code.startswith("    @hookimpl"), "the fragment continues the class above it"
    as_class = dataclasses.replace(started, code="class Started:\n" + started.code, line=started.line - 1)
    body = run_python(as_class,
                      MANIFEST + f"from {scope['__name__']} import send, send_now_playing\n")["Started"]

    class Scrobbler(scope["Scrobbler"], body):  # the fragment's method on the class above it
        pass

    async with plugin_app(Scrobbler()) as core:
        at = datetime(2026, 1, 2, tzinfo=UTC)
        await core.manager.notify(core.ctx, PlayStarted(track_id=9, user_id=2, client="web"))
        for skipped in (True, False):
            event = PlayRecorded(track_id=9, user_id=2, at=at, skipped=skipped, duration_played=10.0)
            await core.manager.notify(core.ctx, event)
        assert core.manager.record("scrobbler").hook_failures == 0
        assert await queued(core) == [("scrobble:now-playing", [2, 9, "web"]), ("scrobble:flush", [2])]


# --------------------------------------------------------------------------- the template, layout, start-up


@pytest.fixture(scope="module")
def room_tone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """What the docs' first command writes, run as written (in a fresh folder), on ``sys.path``."""
    import contextlib
    import os
    import shlex

    from sonantica_core.cli.main import main

    command = shlex.split(snippet("sonantica plugin new room_tone --kind analyzer").code.splitlines()[0], comments=True)
    assert command[0] == "sonantica"
    parent = tmp_path_factory.mktemp("author")
    with contextlib.chdir(parent), contextlib.redirect_stdout(open(os.devnull, "w")):
        assert main(command[1:]) == 0
    folder = parent / "sonantica-room-tone"
    sys.path.insert(0, str(folder))
    yield folder
    sys.path.remove(str(folder))


def test_the_template_command_writes_the_plugin_the_docs_describe(room_tone: Path) -> None:
    """The folder the second line enters, with the ``[test]`` extra it installs; its own tests passing
    is checked for every kind by tests/cli/test_plugin_template.py."""
    from sonantica_core.cli.plugin_template import KINDS

    first, second = snippet("sonantica plugin new room_tone --kind analyzer").code.splitlines()
    assert second.startswith(f"cd {room_tone.name} && pip install -e '.[test]' && python -m pytest")
    kinds = first.split("# or ")[1].replace(",", " ").split()
    assert sorted(["analyzer", *kinds]) == sorted(KINDS)
    project = tomllib.loads((room_tone / "pyproject.toml").read_text())
    assert "test" in project["project"]["optional-dependencies"]
    assert (room_tone / "sonantica_room_tone" / "plugin.py").is_file()


def test_the_hand_made_layout_is_what_the_template_writes(tmp_path: Path) -> None:
    from sonantica_core.cli.newplugin import write_plugin

    tree = [line for line in snippet("sonantica-hello/\n  pyproject.toml").code.splitlines() if line.strip()]
    listed, folders = set(), []
    for line in tree:
        depth = (len(line) - len(line.lstrip())) // 2
        folders[depth:] = [line.strip().rstrip("/")]
        if not line.endswith("/"):
            listed.add("/".join(folders[1:]))
    written = write_plugin("hello", "routes", tmp_path / folders[0])
    assert written.name == tree[0].rstrip("/")
    made = {path.relative_to(written).as_posix() for path in written.rglob("*") if path.is_file()}
    assert listed <= made, listed - made


async def test_the_plugins_file_example_is_read_as_documented(
    plugin_app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ``[plugins]`` example, loaded for a plugin whose ``Config`` is the docs' ``LrclibConfig``:
    options, order, the plugin's own keys, the secret from the environment (or a file), masked."""
    from sonantica_core.plugins import Plugin
    from sonantica_core.plugins.config import MASK, resolve_section

    table = tomllib.loads(snippet("startup_timeout = 30.0").code)["plugins"]
    options = {key: value for key, value in table.items() if not isinstance(value, dict)}
    sections = {key: value for key, value in table.items() if isinstance(value, dict)}

    class Lrclib(Plugin):
        name = "lrclib"
        Config = run_python(snippet("class LrclibConfig(PluginConfig):"))["LrclibConfig"]

    monkeypatch.setenv("LRCLIB_TOKEN", "t0ken")
    async with plugin_app(Lrclib(), config=sections, options=options) as core:
        assert core.status("lrclib") == "enabled"
        assert (core.manager.options.hook_timeout, core.manager.options.startup_timeout) == (2.0, 30.0)
        assert core.manager.options.strict is False and core.manager.record("lrclib").order == 10
        config = core.ctx.plugin_config("lrclib")
        assert config.timeout == 5 and config.token.get_secret_value() == "t0ken"
        [listed] = [p for p in (await core.client.get("/api/plugins")).json()["plugins"] if p["name"] == "lrclib"]
        assert listed["config"]["token"] == MASK
    secret = tmp_path / "lrclib"
    secret.write_text("from-a-file\n")
    assert resolve_section({"token": {"file": str(secret)}}).values == {"token": "from-a-file"}



# --------------------------------------------------------------------------- the core context, tasks, routes


@pytest.fixture
def doc_tasks() -> Iterator[None]:
    """The docs declare tasks named like lrclib's: put the process's task registries back after."""
    from taskiq import async_shared_broker
    from taskiq.abc.broker import AsyncBroker

    periodic = importlib.import_module("sonantica_core.tasks.periodic")
    saved = [(registry, dict(registry)) for registry in (
        async_shared_broker.local_task_registry, AsyncBroker.global_task_registry, periodic._JOBS,
    )]
    yield
    for registry, before in saved:
        registry.clear()
        registry.update(before)


async def test_stars_and_ratings_are_read_back(plugin_app: Any) -> None:
    from sqlalchemy import insert, select

    from sonantica_core.auth.users import create_user
    from sonantica_core.db.library import Artist, Track
    from sonantica_core.testing.fixtures import TEST_PASSWORD, quick_password_hash

    async with plugin_app() as core:
        track_id = await core.add_track("Song", artist="Band", album="Album")
        other = await core.add_track("Other", artist="Band")
        async with core.ctx.session() as session:
            hashed = quick_password_hash(TEST_PASSWORD)
            user = await create_user(session, "listener", TEST_PASSWORD, password_hash=hashed)
            album_id = (await session.execute(select(Track.album_id).where(Track.id == track_id))).scalar_one()
            artist_id = (await session.execute(
                insert(Artist).values(key="name:band", name="Band", name_folded="band").returning(Artist.id)
            )).scalar_one()
            await session.flush()
            user_id = user.id
        names = {"ctx": core.ctx, "user_id": user_id, "track_id": track_id, "album_id": album_id,
                 "artist_id": artist_id, "track_ids": [track_id, other]}
        scope = await run_python_async(snippet("await userdata.star("), names=names)
    assert scope["mark"].starred_at is not None and scope["mark"].item_id == track_id
    assert scope["marks"][track_id].starred_at is not None and other not in scope["marks"]
    assert [a.item_id for a in scope["latest"]] == [track_id]


async def test_the_task_runs_and_is_queued_at_both_priorities(plugin_app: Any, doc_tasks: None) -> None:
    from sonantica_lrclib.plugin import LrclibPlugin

    from sonantica_core.tasks.registry import set_context

    async with plugin_app(LrclibPlugin()) as core:
        track_id = await core.add_track("Song", artist="Band")
        set_context(core.ctx)  # as the worker does
        scope = await run_python_async(snippet('@task("lrclib:fetch"'))
        assert await core.run_task(scope["fetch_lyrics"], track_id) == "found"
        assert [name for name, _ in await queued(core)] == ["lrclib:fetch", "lrclib:fetch"]
        assert await core.ctx.redis.xlen("sonantica:tasks:high") == 1


async def test_the_periodic_task_is_declared_with_its_period(plugin_app: Any, doc_tasks: None) -> None:
    from datetime import timedelta

    from sonantica_core.tasks.periodic import periodic_jobs

    scope = run_python(snippet('@periodic("lrclib:refresh-missing"'))
    [job] = [job for job in periodic_jobs() if job.name == "lrclib:refresh-missing"]
    assert job.every == timedelta(days=1)
    async with plugin_app() as core:
        assert await core.run_task(scope["refresh_missing"]) is None


async def test_the_access_markers_guard_the_routes(plugin_app: Any, make_user: Any) -> None:
    from starlette.routing import Route

    from sonantica_core.plugins import Plugin, hookimpl

    scope = run_python(snippet("async def mine(request):"))

    class Notes(Plugin):  # mounts the three endpoints of the snippet
        name = "notes"

        @hookimpl
        def register_routes(self, ctx: Any) -> list[Route]:
            return [Route(f"/{name}", scope[name]) for name in ("ping", "purge", "mine")]

    async with plugin_app(Notes()) as core:
        user, headers = await make_user()
        anonymous = {"Authorization": ""}
        get = core.client.get
        assert (await get("/plugins/notes/ping", headers=anonymous)).json() == {"ok": True}
        assert (await get("/plugins/notes/purge", headers=headers)).status_code == 403
        assert (await get("/plugins/notes/purge")).json() == {"purged": 0}
        assert (await get("/plugins/notes/mine", headers=anonymous)).status_code == 401
        assert (await get("/plugins/notes/mine", headers=headers)).json() == {"user": user.id}
        refused = await get(f"/plugins/notes/mine?user={user.id + 1}", headers=headers)
        assert refused.status_code == 403
        assert refused.json()["error"] == {"status": 403, "code": "not_yours", "message": "these are not your notes"}


async def test_an_id_segment_takes_only_database_ids(plugin_app: Any) -> None:
    scope = run_python(snippet('Route("/lyrics/{track_id:id}", lyrics)'))
    async with plugin_app(scope["Lyrics"]()) as core:
        assert (await core.client.get("/plugins/lyrics/lyrics/42")).json() == {"track_id": 42}
        for bad in ("0", "007", "-1", "abc", "99999999999999999999"):
            assert (await core.client.get(f"/plugins/lyrics/lyrics/{bad}")).status_code == 404, bad


async def test_the_stream_endpoint_streams_opus(plugin_app: Any) -> None:
    import numpy as np
    from starlette.routing import Route

    from sonantica_core.http.middleware.access import current_user
    from sonantica_core.plugins import Plugin, hookimpl

    streaming = snippet("engine = StreamEndpoint()")

    class Handover:
        """An ASGI endpoint of a plugin that hands its request over as the snippet does."""

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            names = {"scope": scope, "receive": receive, "send": send, "principal": current_user(scope),
                     "track_id": scope["path_params"]["track_id"]}
            await run_python_async(streaming, names=names)

    class Api(Plugin):
        name = "api"

        @hookimpl
        def register_routes(self, ctx: Any) -> list[Route]:
            return [Route("/stream/{track_id:id}", Handover())]

    async with plugin_app(Api()) as core:
        seconds = np.arange(40 * 44100) / 44100
        track_id = await core.add_audio(0.3 * np.sin(2 * np.pi * 440 * seconds), 44100)
        response = await core.client.get(f"/plugins/api/stream/{track_id}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(("audio/ogg", "audio/opus"))
    assert response.content[:4] == b"OggS"


# --------------------------------------------------------------------------- tables and migrations


@pytest.fixture
def doc_migrations(tmp_path: Path) -> Iterator[str]:
    """A migrations package holding the docs' revision file, importable as ``doc_lrclib_migrations``."""
    package = tmp_path / "doc_lrclib_migrations"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "lrclib_0001_lyrics_cache.py").write_text(snippet('revision = "lrclib_0001"').code)
    sys.path.insert(0, str(tmp_path))
    yield package.name
    sys.path.remove(str(tmp_path))
    for name in [name for name in sys.modules if name.startswith(package.name)]:
        del sys.modules[name]


async def table_columns(core: Any, table: str) -> dict[str, bool]:
    """``{column: nullable}`` of ``table`` in the harness's database (empty when there is none)."""
    from sqlalchemy import inspect

    async with core.ctx.session() as session:
        connection = await session.connection()
        return await connection.run_sync(
            lambda sync: {c["name"]: c["nullable"] for c in inspect(sync).get_columns(table)}
            if inspect(sync).has_table(table) else {}
        )


async def test_the_migration_creates_the_documented_table(plugin_app: Any, doc_migrations: str) -> None:
    from sonantica_core.plugins import Plugin

    table = run_python(snippet("lyrics_table = Table("))["lyrics_table"]

    class Lrclib(Plugin):
        name = "lrclib"
        migrations = doc_migrations

    async with plugin_app(Lrclib()) as core:
        assert core.status("lrclib") == "enabled"
        assert await table_columns(core, "lrclib_lyrics") == {c.name: c.nullable for c in table.columns}


async def test_the_downgrade_drops_the_tables(plugin_app: Any, database_url: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from sonantica_lrclib.plugin import LrclibPlugin

    monkeypatch.setenv("POSTGRES_URL", database_url)  # "the server's database"
    async with plugin_app(LrclibPlugin()) as core:
        assert await table_columns(core, "lrclib_lyrics")
        await asyncio.to_thread(run_python, snippet('command.downgrade(schema.alembic_config(lineage, url), "base")'))
        assert await table_columns(core, "lrclib_lyrics") == {}


async def test_the_migration_test_passes(plugin_app: Any, database_url: str) -> None:
    prelude = (
        "import asyncio\n\nfrom alembic import command\n\nfrom sonantica_core.db import migrate as schema\n"
        "from sonantica_core.plugins.lineages import plugin_lineage\nfrom sonantica_lrclib.plugin import LrclibPlugin\n"
    )
    scope = run_python(snippet("async def test_the_migrations_go_down_and_up("), prelude)
    await scope["test_the_migrations_go_down_and_up"](plugin_app, database_url)
    from sonantica_lrclib.plugin import LrclibPlugin

    async with plugin_app(LrclibPlugin(), migrate=False) as core:
        assert await table_columns(core, "lrclib_lyrics")


# --------------------------------------------------------------------------- testing


def test_the_test_settings_are_the_templates(room_tone: Path) -> None:
    """The documented settings are those the template writes (whose tests then pass:
    tests/cli/test_plugin_template.py runs them)."""
    documented = tomllib.loads(snippet("[project.optional-dependencies]\ntest =").code)
    written = tomllib.loads((room_tone / "pyproject.toml").read_text())
    assert written["project"]["optional-dependencies"] == documented["project"]["optional-dependencies"]
    assert written["tool"]["pytest"]["ini_options"] == documented["tool"]["pytest"]["ini_options"]


async def test_the_testing_examples_pass(plugin_app: Any, room_tone: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT / "plugins" / "sonantica-lrclib" / "tests"))
    from lrclib_fake import running_fake_lrclib

    scope = run_python(snippet("async def test_the_task_fetches_and_the_route_serves("))
    tests = [name for name in scope if name.startswith("test_")]
    assert len(tests) == 3
    with running_fake_lrclib() as lrclib_server:
        await scope["test_the_task_fetches_and_the_route_serves"](plugin_app, lrclib_server)
    await scope["test_an_analyzer_on_real_audio"](plugin_app)
    await scope["test_a_wrong_setting_is_refused"](plugin_app)


# --------------------------------------------------------------------------- the hand-made plugin, installed


@pytest.mark.slow
async def test_the_hand_made_plugin_installs_enables_and_answers(
    plugin_app: Any, make_settings: Any, tmp_path: Path
) -> None:
    """The first plugin as its author follows the page: the files of the layout with the docs' contents,
    ``pip install``-ed (into a folder on ``sys.path``, not this environment), enabled by the docs'
    ``plugins.toml`` section; the start-up line is the documented one and the route answers."""
    import subprocess

    from sonantica_core.plugins import load_plugins
    from sonantica_core.plugins.discovery import discover
    from sonantica_core.plugins.summary import summary_line

    source = tmp_path / "sonantica-hello"
    plugin_py = snippet("class HelloConfig(PluginConfig):").code
    (source / "sonantica_hello").mkdir(parents=True)
    (source / "sonantica_hello" / "__init__.py").write_text("")
    (source / plugin_py.splitlines()[0].removeprefix("# ")).write_text(plugin_py)
    (source / "pyproject.toml").write_text(snippet('hello = "sonantica_hello.plugin:plugin"').code)
    target = tmp_path / "site"
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(source)], capture_output=True, text=True, timeout=300,
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    plugins_toml = tmp_path / "plugins.toml"
    plugins_toml.write_text(snippet("[plugins.hello]\ngreeting").code)
    sys.path.insert(0, str(target))
    try:
        manager = load_plugins(make_settings(PLUGINS_FILE=plugins_toml), process="web")
        assert summary_line(manager.record("hello")) == snippet("plugin hello 0.1.0: enabled").code.strip()
        [installed] = [candidate for candidate in discover() if candidate.name == "hello"]
        assert installed.distribution == "sonantica-hello"
        async with plugin_app(installed, config=tomllib.loads(plugins_toml.read_text())["plugins"]) as core:
            assert (await core.client.get("/plugins/hello/")).json() == {"greeting": "hi"}
    finally:
        sys.path.remove(str(target))
        for name in [name for name in sys.modules if name.split(".")[0] == "sonantica_hello"]:
            del sys.modules[name]


async def test_the_metadata_provider_fills_in_an_albums_tracks(plugin_app: Any) -> None:
    from sqlalchemy import select

    from sonantica_core.db.analysis import TrackMetadata
    from sonantica_core.db.library import Track
    from sonantica_core.metadata.tasks import enrich_album_task

    scope = run_python(snippet("class DecadeProvider(MetadataProvider):"), MANIFEST)
    async with plugin_app(scope["Decades"]()) as core:
        track_id = await core.add_track("Song", artist="Band", album="Album", duration=200)
        async with core.ctx.session() as session:
            album_id = await session.scalar(select(Track.album_id).where(Track.id == track_id))
        await core.run_task(enrich_album_task, album_id)  # as the worker's enrichment task runs it
        async with core.ctx.session() as session:
            rows = (await session.execute(select(TrackMetadata.key, TrackMetadata.value, TrackMetadata.source)
                                          .where(TrackMetadata.track_id == track_id))).all()
    assert ("mood", "nostalgic", "decades") in {tuple(row) for row in rows}


async def test_the_lyrics_plugin_offers_its_remote_provider(plugin_app: Any) -> None:
    prelude = (MANIFEST + "from sonantica_lrclib.config import LrclibConfig\n"
               "from sonantica_lrclib.provider import LrclibLyricsProvider\n")
    scope = run_python(snippet("def register_lyrics_providers(self, ctx):"), prelude)
    async with plugin_app(scope["LrclibPlugin"]()) as core:
        [provider] = [p for p in core.manager.lyrics_providers(core.ctx) if p.name == "lrclib"]
    assert provider.remote is True  # asked by the worker's lyrics task, never on a request


def test_the_karaoke_separator_splits_and_adds_back_up() -> None:
    import numpy as np

    scope = run_python(snippet("class KaraokeSeparator(StemSeparator):"), MANIFEST)
    separator = scope["KaraokeSeparator"]()
    rng = np.random.default_rng(1)
    centre, side = rng.standard_normal((4410, 1)), rng.standard_normal((4410, 1))
    chunk = np.concatenate([centre + side, centre - side], axis=1).astype(np.float32)
    stems = separator.separate(chunk)
    assert set(stems) == set(separator.stems)
    assert np.allclose(stems["vocals"] + stems["accompaniment"], chunk, atol=1e-6)
    assert np.allclose(stems["vocals"][:, 0], centre[:, 0], atol=1e-5)  # the centre is the voice


async def test_the_same_album_recommender_answers_similar(plugin_app: Any) -> None:
    from sqlalchemy import select, update

    from sonantica_core.db.library import Track

    scope = run_python(snippet("class SameAlbum(Recommender):"), MANIFEST)
    async with plugin_app(scope["Albums"]()) as core:
        first = await core.add_track("One", artist="Band", album="Album", duration=200)
        second = await core.add_track("Two", artist="Band", album="Album", duration=200)
        await core.add_track("Elsewhere", artist="Band", album="Other", duration=200)
        async with core.ctx.session() as session:  # add_track makes an album per track: put Two on One's
            album_id = await session.scalar(select(Track.album_id).where(Track.id == first))
            await session.execute(update(Track).where(Track.id == second).values(album_id=album_id))
        answer = await core.client.get(f"/api/tracks/{first}/similar")
        failure = core.manager.record("albums").error
    assert failure is None, failure
    assert answer.status_code == 200, answer.text
    tracks = answer.json()["tracks"]
    assert [item["track"]["id"] for item in tracks] == [second]
    assert tracks[0]["why"] == ["same album"]
