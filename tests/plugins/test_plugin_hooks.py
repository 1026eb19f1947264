"""One test per hook of sonantica_core.hookspecs (a test keeps this list complete)."""

from __future__ import annotations

import argparse
import ast
import asyncio
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from plugin_samples import FixedLyrics, Greeter, LyricsPlugin, Subsonic, SuffixScanner
from pydantic import Field
from sqlalchemy import text

from sonantica_core import hookspecs
from sonantica_core.cli.main import main
from sonantica_core.contract import (
    AnalysisReady,
    AnalysisSession,
    Analyzer,
    AudioInfo,
    MetadataProvider,
    MetadataValue,
    PlayRecorded,
    PlayStarted,
    RecommendationSeed,
    Recommender,
    ScoredTrack,
    StemSeparator,
    TrackRef,
    TracksChanged,
)
from sonantica_core.plugins import Plugin, PluginCommand, PluginConfig, hookimpl
from sonantica_core.testing.fixtures import register_plugin


class Recorder(Plugin):
    """Implements the event hooks and records what it received."""

    name = "recorder"

    def __init__(self) -> None:
        self.events: list[Any] = []

    @hookimpl
    async def on_tracks_changed(self, ctx: Any, event: TracksChanged) -> None:
        self.events.append(event)

    @hookimpl
    def on_analysis_ready(self, event: AnalysisReady) -> None:
        self.events.append(event)

    @hookimpl
    async def on_play_recorded(self, event: PlayRecorded) -> None:
        self.events.append(event)

    @hookimpl
    async def on_play_started(self, event: PlayStarted) -> None:
        self.events.append(event)


class NamedAnalyzer(Analyzer):
    def __init__(self, name: str) -> None:
        self.name = name

    def start(self, info: AudioInfo) -> AnalysisSession:
        raise NotImplementedError


class Providers(Plugin):
    """One provider of every kind."""

    name = "providers"

    @hookimpl
    def register_analyzers(self) -> list[Analyzer]:
        return [NamedAnalyzer("tempo"), NamedAnalyzer("key")]

    @hookimpl
    def register_metadata_providers(self, ctx: Any) -> list[MetadataProvider]:
        class Genres(MetadataProvider):
            name = "genres"

            async def enrich_track(self, track: TrackRef) -> list[MetadataValue]:
                return [MetadataValue("track", track.id, "genre", "jazz", self.name)]

        return [Genres()]

    @hookimpl
    def register_stem_separators(self) -> list[StemSeparator]:
        class Splitter(StemSeparator):
            name = "splitter"

            stems = ("vocals", "accompaniment")

            def separate(self, chunk: np.ndarray) -> dict[str, np.ndarray]:
                return {"vocals": chunk * 0.25, "accompaniment": chunk * 0.75}

        return [Splitter()]

    @hookimpl
    def register_recommenders(self) -> list[Recommender]:
        class Same(Recommender):
            name = "same"

            async def recommend(self, seed: RecommendationSeed, context: Any) -> list[ScoredTrack]:
                return [ScoredTrack(seed.track_id or 0, 1.0, "same track")]

        return [Same()]


TRACK = TrackRef(id=4, title="T", artist="A", album=None, album_artist=None, duration=None)


async def test_hook_register_scanners(plugin_app) -> None:
    class Scanners(Plugin):
        name = "scanners"

        @hookimpl
        def register_scanners(self) -> list:
            return [SuffixScanner("flacs", ".flac"), SuffixScanner("mp3s", ".mp3")]

    async with plugin_app(Scanners()) as core:
        scanners = core.ctx.services.plugins.scanners()
        assert [scanner.name for scanner in scanners] == ["flacs", "mp3s"]
        assert scanners[0].accepts(Path("a.flac"))


async def test_hook_register_analyzers(plugin_app) -> None:
    class Duplicate(Plugin):
        name = "duplicate"

        @hookimpl
        def register_analyzers(self) -> list[Analyzer]:
            return [NamedAnalyzer("tempo"), NamedAnalyzer("waveform")]

    config = {"providers": {"order": 1}, "duplicate": {"order": 2}}
    async with plugin_app(Providers(), Duplicate(), config=config) as core:
        analyzers = core.manager.analyzers()
    assert [(a.name, core.manager.plugin_of(a)) for a in analyzers] == [
        ("tempo", "providers"), ("key", "providers"), ("waveform", "duplicate"),
    ]


async def test_hook_register_metadata_providers(plugin_app) -> None:
    async with plugin_app(Providers()) as core:
        answers = await core.manager.ask_each(core.manager.metadata_providers(), lambda p: p.enrich_track(TRACK))
    values = [value for _, found in answers for value in found]
    assert values == [MetadataValue("track", 4, "genre", "jazz", "genres")]


async def test_hook_register_lyrics_providers(plugin_app) -> None:
    from sonantica_core.contract import Lyrics

    found = Lyrics(source="b", plain="words")
    plugins = [LyricsPlugin("a", FixedLyrics("a", None)), LyricsPlugin("b", FixedLyrics("b", found))]
    async with plugin_app(*plugins) as core:
        provider, lyrics = await core.manager.ask_first(core.manager.lyrics_providers(), lambda p: p.find_lyrics(TRACK))
    assert (provider.name, lyrics) == ("b", found)


async def test_hook_register_stem_separators(plugin_app) -> None:
    async with plugin_app(Providers()) as core:
        [separator] = core.manager.stem_separators()
    parts = separator.separate(np.ones((4, 2), np.float32))
    assert sorted(parts) == ["accompaniment", "vocals"]
    assert np.allclose(parts["vocals"] + parts["accompaniment"], 1.0)


async def test_hook_register_recommenders(plugin_app) -> None:
    async with plugin_app(Providers()) as core:
        [recommender] = core.manager.recommenders()
        answer = await core.manager.ask_first([recommender], lambda r: r.recommend(RecommendationSeed(1, 9), core.ctx))
    assert answer[1] == [ScoredTrack(9, 1.0, "same track")]


async def test_hook_register_routes(plugin_app) -> None:
    async with plugin_app(Greeter(), config={"greeter": {"repeat": 3}}) as core:
        response = await core.client.get("/plugins/greeter/hello")
    assert response.json() == {"greeting": "hello hello hello"}


async def test_hook_register_owned_routes(plugin_app) -> None:
    async with plugin_app(Subsonic()) as core:
        response = await core.client.get("/rest/ping.view")
    assert response.status_code == 200


class Commands(Plugin):
    name = "cmds"

    class Config(PluginConfig):
        word: str = "hello"

    @hookimpl
    def register_commands(self) -> list[PluginCommand]:
        def arguments(parser: argparse.ArgumentParser) -> None:
            parser.add_argument("out")
            parser.add_argument("--times", type=int, default=1)

        async def say(ctx: Any, args: argparse.Namespace) -> int:
            async with ctx.session() as session:
                one = (await session.execute(text("SELECT 1"))).scalar()
            Path(args.out).write_text(" ".join([ctx.plugin_config("cmds").word] * args.times) + f" {one}")
            return 3

        return [PluginCommand("say", "write the word to a file", say, arguments)]


async def test_hook_register_commands(tmp_path: Path, database_url: str, redis_url: str, monkeypatch) -> None:
    plugins_file = tmp_path / "plugins.toml"
    plugins_file.write_text('[plugins.cmds]\nword = "hi"\n')
    for name, value in {"POSTGRES_URL": database_url, "REDIS_URL": redis_url, "DATA_DIR": str(tmp_path / "data"),
                        "SECRET_KEY": "k" * 40, "PLUGINS_FILE": str(plugins_file)}.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "said.txt"
    with register_plugin(Commands()):
        status = await asyncio.to_thread(main, ["cmds", "say", str(out), "--times", "2"])
    assert status == 3
    assert out.read_text() == "hi hi 1"


async def test_hook_startup(plugin_app) -> None:
    greeter = Greeter()
    async with plugin_app(greeter):
        assert greeter.calls == ["startup web"]


async def test_hook_shutdown(plugin_app) -> None:
    greeter = Greeter()
    async with plugin_app(greeter):
        pass
    assert greeter.calls == ["startup web", "shutdown web"]


async def test_hook_config_schema(plugin_app) -> None:
    class CustomSchema(Plugin):
        name = "custom"

        @hookimpl
        def config_schema(self) -> type[PluginConfig]:
            class Schema(PluginConfig):
                level: int = Field(1, ge=1)

            return Schema

    async with plugin_app(CustomSchema(), config={"custom": {"level": 0}}) as core:
        assert core.status("custom") == "config error"
        assert core.manager.record("custom").error.startswith("[plugins.custom] level: Input should be greater")
        assert "config_schema" in core.manager.record("custom").hooks


async def test_hook_migrations_package(plugin_app) -> None:
    class CustomMigrations(Plugin):
        name = "notes"

        @hookimpl
        def migrations_package(self) -> str:
            return "sonantica_test_notes.migrations"

    async with plugin_app(CustomMigrations()) as core, core.ctx.session() as session:
        count = (await session.execute(text("SELECT count(*) FROM notes_notes"))).scalar()
    assert count == 0


async def test_hook_on_tracks_changed(plugin_app) -> None:
    recorder = Recorder()
    async with plugin_app(recorder) as core:
        event = TracksChanged(added=(1, 2), removed=(3,))
        await core.manager.notify(core.ctx, event)
    assert recorder.events == [event]


async def test_hook_on_analysis_ready(plugin_app) -> None:
    recorder = Recorder()
    async with plugin_app(recorder) as core:
        event = AnalysisReady(track_id=5, analyzers=("tempo",))
        await core.manager.notify(core.ctx, event)
    assert recorder.events == [event]


async def test_hook_on_play_recorded(plugin_app) -> None:
    recorder = Recorder()
    async with plugin_app(recorder) as core:
        event = PlayRecorded(track_id=5, user_id=1)
        await core.manager.notify(core.ctx, event)
    assert recorder.events == [event]


async def test_hook_on_play_started(plugin_app) -> None:
    recorder = Recorder()
    async with plugin_app(recorder) as core:
        event = PlayStarted(track_id=5, user_id=1, client="web")
        await core.manager.notify(core.ctx, event)
    assert recorder.events == [event]


def test_every_hook_has_a_test() -> None:
    tree = ast.parse(Path(hookspecs.__file__).read_text())
    hooks = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
    assert len(hooks) == 17
    missing = [name for name in hooks if f"test_hook_{name}" not in globals()]
    assert not missing, f"hooks without a test_hook_<name>: {missing}"


def test_an_unknown_event_type_is_refused() -> None:
    from sonantica_core.contract import Event
    from sonantica_core.plugins import PluginManager

    with pytest.raises(TypeError, match="is not delivered to plugins"):
        asyncio.run(PluginManager().notify(None, Event(type="x")))  # type: ignore[arg-type]
