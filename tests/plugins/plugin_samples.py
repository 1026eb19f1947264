"""Small plugins for the plugin-system tests: well-behaved ones and broken ones."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sonantica_core.contract import (
    Lyrics,
    LyricsProvider,
    PlayRecorded,
    ScannedFile,
    Scanner,
    TrackRef,
)
from sonantica_core.plugins import Plugin, PluginConfig, hookimpl


class GreeterConfig(PluginConfig):
    greeting: str = "hello"
    repeat: int = Field(1, ge=1, le=5)
    token: SecretStr | None = None
    password: str | None = None


class Greeter(Plugin):
    """A well-behaved plugin: a route, life-cycle hooks and an event hook that record what happened."""

    name = "greeter"
    version = "1.0.0"
    Config = GreeterConfig

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.plays: list[int] = []

    @hookimpl
    def register_routes(self, ctx: Any) -> list[Route]:
        async def hello(request: Request) -> JSONResponse:
            config = ctx.plugin_config(self.name)
            return JSONResponse({"greeting": " ".join([config.greeting] * config.repeat)})

        return [Route("/hello", hello)]

    @hookimpl
    async def startup(self, ctx: Any, process: str) -> None:
        self.calls.append(f"startup {process}")

    @hookimpl
    def shutdown(self, process: str) -> None:
        self.calls.append(f"shutdown {process}")

    @hookimpl
    async def on_play_recorded(self, event: PlayRecorded) -> str:
        self.plays.append(event.track_id)
        return f"greeted {event.track_id}"


class StartFails(Plugin):
    name = "startfails"

    @hookimpl
    def register_routes(self) -> list[Route]:
        return [Route("/here", lambda request: JSONResponse({}))]

    @hookimpl
    async def startup(self) -> None:
        raise RuntimeError("the model file /models/x.onnx is missing")


class Raising(Plugin):
    """Every hook it implements raises."""

    name = "raising"

    @hookimpl
    async def on_play_recorded(self, event: PlayRecorded) -> None:
        raise ValueError(f"cannot scrobble track {event.track_id}")

    @hookimpl
    def register_lyrics_providers(self) -> list[LyricsProvider]:
        raise ImportError("optional dependency missing")


class Slow(Plugin):
    """Its event hook takes far longer than any request should wait."""

    name = "slow"

    def __init__(self) -> None:
        self.finished = False

    @hookimpl
    async def on_play_recorded(self, event: PlayRecorded) -> str:
        await asyncio.sleep(30)
        self.finished = True
        return "too late"


class SelfCheckFails(Plugin):
    name = "needsffmpeg"

    def validate_environment(self) -> None:
        raise RuntimeError("ffmpeg is not on PATH; install it (apt install ffmpeg)")


class FutureApi(Plugin):
    name = "future"
    api = ">=2,<3"


class RouteRaises(Plugin):
    name = "routeraises"

    @hookimpl
    def register_routes(self) -> list[Route]:
        async def boom(request: Request) -> JSONResponse:
            raise KeyError("boom")

        return [Route("/boom", boom)]


class Subsonic(Plugin):
    """Owns a well-known path, as a Subsonic API plugin would own /rest."""

    name = "subsonic"
    owned_paths = ("/rest",)

    @hookimpl
    def register_owned_routes(self) -> dict[str, list[Route]]:
        return {"/rest": [Route("/ping.view", lambda request: JSONResponse({"subsonic-response": {"status": "ok"}}))]}


class FixedLyrics(LyricsProvider):
    def __init__(self, name: str, answer: Lyrics | None, delay: float = 0.0, error: Exception | None = None) -> None:
        self.name = name
        self.answer = answer
        self.delay = delay
        self.error = error

    async def find_lyrics(self, track: TrackRef) -> Lyrics | None:
        await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        return self.answer


class LyricsPlugin(Plugin):
    """Registers the providers it is given."""

    def __init__(self, name: str, *providers: LyricsProvider) -> None:
        self.name = name  # type: ignore[misc]
        self.providers = list(providers)

    @hookimpl
    def register_lyrics_providers(self) -> list[LyricsProvider]:
        return self.providers


class SuffixScanner(Scanner):
    def __init__(self, name: str, suffix: str) -> None:
        self.name = name
        self.suffix = suffix

    def accepts(self, path: Path) -> bool:
        return path.suffix == self.suffix

    def read(self, root: str, root_path: Path, relative_path: str) -> ScannedFile:
        raise NotImplementedError
