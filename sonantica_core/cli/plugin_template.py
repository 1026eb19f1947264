"""The files of a new plugin, by kind: what ``sonantica plugin new`` writes.

Each kind is a working plugin with passing tests, so an author starts from green:

* ``analyzer``: an analyzer (the track's RMS level) with a typed setting, tested on real
  audio through the core's analysis task;
* ``provider``: a lyrics provider reading ``.txt`` files from a configured folder;
* ``routes``: a JSON route under ``/plugins/<name>/`` that reads the library for the signed-in user;
* ``ui``: a web page under ``/plugins/<name>/`` that signs in and calls the API.

Texts use ``{{name}}`` (the plugin's name), ``{{package}}`` (its Python package),
``{{dist}}`` (its distribution), ``{{cls}}`` (a class-name prefix) and ``{{title}}``.
"""

from __future__ import annotations

KINDS = ("analyzer", "provider", "routes", "ui")

PYPROJECT = """\
[build-system]
requires = ["setuptools>=69", "wheel"]
build-backend = "setuptools.build_meta"

[project]
name = "{{dist}}"
description = "Sonántica plugin: {{title}}."
readme = "README.md"
requires-python = ">=3.11"
dynamic = ["version"]
dependencies = [
    "sonantica-core>={{core_version}}",
{{dependencies}}]

[project.optional-dependencies]
test = ["pytest>=8.2", "pytest-asyncio>=0.23"]

# The core finds the plugin through this entry point; its name is the plugin's name.
[project.entry-points."sonantica.plugins"]
{{name}} = "{{package}}.plugin:plugin"

[tool.setuptools.dynamic]
version = { attr = "{{package}}.__version__" }

[tool.setuptools.packages.find]
include = ["{{package}}*"]

[tool.setuptools.package-data]
"*" = ["static/*"]

[tool.ruff]
line-length = 120

[tool.ruff.lint]
select = ["E", "F", "I", "UP", "B"]

[tool.ruff.lint.isort]
known-first-party = ["{{package}}"]

[tool.pytest.ini_options]
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "session"
asyncio_default_test_loop_scope = "session"
# The core's test kit: a real PostgreSQL + pgvector and Redis, and the plugin_app harness.
addopts = "-p sonantica_core.testing.fixtures"
"""

README = """\
# {{dist}}

A Sonántica plugin: {{title}}.

## Install and enable

```sh
pip install -e .
```

then enable it in `plugins.toml`:

```toml
[plugins.{{name}}]
{{config_example}}
```

`sonantica plugins` lists it with its status; a wrong setting stops the server with one line
naming the key.

## Test

```sh
pip install -e '.[test]' && python -m pytest
```

The tests run against a real PostgreSQL and Redis (embedded, started by the core's test kit).
"""

INIT = '''\
"""{{title}}."""

__version__ = "0.1.0"
'''

ANALYZER_PLUGIN = '''\
"""The plugin object the core finds through the ``sonantica.plugins`` entry point."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sonantica_core.contract import Analyzer
from sonantica_core.plugins import Plugin, PluginConfig, hookimpl

from . import __version__
from .analyzer import {{cls}}Analyzer


class {{cls}}Config(PluginConfig):
    """``[plugins.{{name}}]`` settings."""

    floor_db: float = Field(-70.0, le=0, description="below this level (dBFS) a track counts as silent")


class {{cls}}Plugin(Plugin):
    """Provides the ``{{name}}`` analyzer."""

    name = "{{name}}"
    version = __version__
    api = ">=1,<2"
    description = "{{title}}"
    Config = {{cls}}Config

    @hookimpl
    def register_analyzers(self, ctx: Any = None) -> list[Analyzer]:
        config = {{cls}}Config.from_context(ctx, self.name)
        return [{{cls}}Analyzer(floor_db=config.floor_db)]


plugin = {{cls}}Plugin()
'''

ANALYZER = '''\
"""The track's RMS level in dB relative to full scale, from the core's decoded audio."""

from __future__ import annotations

import math

import numpy as np
from sonantica_core.contract import AnalysisResult, AnalysisSession, Analyzer, AudioInfo, AudioNeed


class _Level(AnalysisSession):
    def __init__(self, floor_db: float) -> None:
        self.floor_db = floor_db
        self.energy = 0.0
        self.frames = 0

    def feed(self, block: np.ndarray) -> None:
        self.energy += float(np.square(block, dtype=np.float64).sum())
        self.frames += len(block)

    def finish(self) -> AnalysisResult:
        rms = math.sqrt(self.energy / self.frames) if self.frames else 0.0
        level = 20 * math.log10(rms) if rms > 0 else -math.inf
        if level < self.floor_db:
            return AnalysisResult(extras={"silent": "true"})
        return AnalysisResult(extras={"rms_dbfs": f"{level:.2f}"})


class {{cls}}Analyzer(Analyzer):
    """RMS level of the channels averaged to mono, over the whole track."""

    name = "{{name}}"
    version = 1  # raise it when results change: every track is analysed again
    needs = AudioNeed(mono=True)

    def __init__(self, floor_db: float = -70.0) -> None:
        self.floor_db = floor_db

    def start(self, info: AudioInfo) -> AnalysisSession:
        return _Level(self.floor_db)
'''

ANALYZER_TEST = '''\
"""The analyzer on real audio files, run by the core's analysis task as a worker runs it."""

from __future__ import annotations

import numpy as np

from {{package}}.plugin import {{cls}}Plugin

RATE = 44100


def sine(amplitude: float, seconds: float = 3.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)


async def test_the_level_of_a_sine_is_stored(plugin_app) -> None:
    async with plugin_app({{cls}}Plugin()) as core:
        assert core.status("{{name}}") == "enabled"
        track_id = await core.add_audio(sine(0.1), RATE)  # a FLAC file in the harness's media root
        report = await core.analyze(track_id)
    assert report.status == {"{{name}}": "done"}
    # a sine of peak 0.1 (-20 dBFS) has an RMS level 3.01 dB lower
    assert abs(float(report.extras["{{name}}"]["rms_dbfs"]) - (-23.01)) < 0.05


async def test_silence_below_the_configured_floor(plugin_app) -> None:
    async with plugin_app({{cls}}Plugin(), config={"{{name}}": {"floor_db": -30}}) as core:
        track_id = await core.add_audio(sine(0.01), RATE)  # -43 dBFS RMS
        report = await core.analyze(track_id)
    assert report.extras["{{name}}"] == {"silent": "true"}


async def test_a_wrong_setting_leaves_the_plugin_out(plugin_app) -> None:
    async with plugin_app({{cls}}Plugin(), config={"{{name}}": {"floor_db": 3}}) as core:
        assert core.status("{{name}}") == "config error"
'''

PROVIDER_PLUGIN = '''\
"""The plugin object the core finds through the ``sonantica.plugins`` entry point."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field
from sonantica_core.contract import LyricsProvider
from sonantica_core.plugins import Plugin, PluginConfig, hookimpl

from . import __version__
from .provider import {{cls}}Lyrics


class {{cls}}Config(PluginConfig):
    """``[plugins.{{name}}]`` settings."""

    folder: Path = Field(description="a folder of 'Artist - Title.txt' lyrics files")


class {{cls}}Plugin(Plugin):
    """Provides the ``{{name}}`` lyrics provider."""

    name = "{{name}}"
    version = __version__
    api = ">=1,<2"
    description = "{{title}}"
    Config = {{cls}}Config

    @hookimpl
    def register_lyrics_providers(self, ctx: Any) -> list[LyricsProvider]:
        config = {{cls}}Config.from_context(ctx, self.name)
        return [{{cls}}Lyrics(config.folder)]


plugin = {{cls}}Plugin()
'''

PROVIDER = '''\
"""Lyrics from a folder of ``Artist - Title.txt`` files (plain text, UTF-8)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sonantica_core.contract import Lyrics, LyricsProvider, TrackRef

#: Characters that cannot be in a file name on common systems, replaced by ``_``.
_UNSAFE = str.maketrans({c: "_" for c in '/\\\\:*?"<>|'})


class {{cls}}Lyrics(LyricsProvider):
    """Finds ``<folder>/<artist> - <title>.txt`` (case as in the tags)."""

    name = "{{name}}"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def file_for(self, track: TrackRef) -> Path | None:
        if not track.artist or not track.title:
            return None
        return self.folder / f"{track.artist} - {track.title}.txt".translate(_UNSAFE)

    async def find_lyrics(self, track: TrackRef) -> Lyrics | None:
        path = self.file_for(track)
        if path is None:
            return None
        try:
            text = await asyncio.to_thread(path.read_text, encoding="utf-8")
        except (FileNotFoundError, IsADirectoryError):
            return None
        text = text.strip()
        return Lyrics(source=self.name, plain=text) if text else None
'''

PROVIDER_TEST = '''\
"""The provider finds lyrics files, refuses nothing it should not read, and is registered."""

from __future__ import annotations

from pathlib import Path

from sonantica_core.contract import TrackRef

from {{package}}.plugin import {{cls}}Plugin
from {{package}}.provider import {{cls}}Lyrics


def ref(title: str | None, artist: str | None) -> TrackRef:
    return TrackRef(id=1, title=title, artist=artist, album=None, album_artist=None, duration=200.0)


async def test_a_lyrics_file_is_found(tmp_path: Path) -> None:
    (tmp_path / "The Band - Song.txt").write_text("First line\\nSecond line\\n", encoding="utf-8")
    lyrics = await {{cls}}Lyrics(tmp_path).find_lyrics(ref("Song", "The Band"))
    assert lyrics is not None and (lyrics.source, lyrics.plain) == ("{{name}}", "First line\\nSecond line")


async def test_nothing_for_unknown_or_untagged_tracks(tmp_path: Path) -> None:
    provider = {{cls}}Lyrics(tmp_path)
    assert await provider.find_lyrics(ref("Unknown", "Nobody")) is None
    assert await provider.find_lyrics(ref(None, "The Band")) is None


async def test_a_slash_in_a_tag_stays_inside_the_folder(tmp_path: Path) -> None:
    provider = {{cls}}Lyrics(tmp_path / "lyrics")
    path = provider.file_for(ref("../../etc/passwd", "x"))
    assert path is not None and path.parent == tmp_path / "lyrics"


async def test_the_plugin_registers_its_provider(plugin_app, tmp_path: Path) -> None:
    async with plugin_app({{cls}}Plugin(), config={"{{name}}": {"folder": str(tmp_path)}}) as core:
        assert core.status("{{name}}") == "enabled"
        assert [p.name for p in core.manager.lyrics_providers(core.ctx)] == ["{{name}}"]
'''

ROUTES_PLUGIN = '''\
"""The plugin object the core finds through the ``sonantica.plugins`` entry point."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sonantica_core.plugins import Plugin, PluginConfig, hookimpl
from starlette.routing import BaseRoute, Route

from . import __version__
from .routes import recent_tracks


class {{cls}}Config(PluginConfig):
    """``[plugins.{{name}}]`` settings."""

    limit: int = Field(20, ge=1, le=500, description="how many tracks the list holds at most")


class {{cls}}Plugin(Plugin):
    """Serves ``GET /plugins/{{name}}/recent``."""

    name = "{{name}}"
    version = __version__
    api = ">=1,<2"
    description = "{{title}}"
    Config = {{cls}}Config

    @hookimpl
    def register_routes(self, ctx: Any) -> list[BaseRoute]:
        # under /plugins/{{name}}; every route needs a signed-in user unless marked @public
        return [Route("/recent", recent_tracks(ctx), methods=["GET"])]


plugin = {{cls}}Plugin()
'''

ROUTES = '''\
"""``GET /plugins/{{name}}/recent``: the tracks added last, newest first."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sonantica_core.db.library import Track
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse


def recent_tracks(ctx: Any) -> Callable[[Request], Awaitable[JSONResponse]]:
    """The endpoint, bound to the core context it reads the library and the settings from."""

    async def endpoint(request: Request) -> JSONResponse:
        query = (
            select(Track.id, Track.title, Track.artist)
            .where(Track.removed_at.is_(None))
            .order_by(Track.id.desc())
            .limit(ctx.plugin_config("{{name}}").limit)
        )
        async with ctx.session() as session:
            rows = (await session.execute(query)).all()
        return JSONResponse({"tracks": [{"id": r.id, "title": r.title, "artist": r.artist} for r in rows]})

    return endpoint
'''

ROUTES_TEST = '''\
"""The route answers the newest tracks to a signed-in user, and nothing to anyone else."""

from __future__ import annotations

from {{package}}.plugin import {{cls}}Plugin


async def test_newest_tracks_first_within_the_limit(plugin_app) -> None:
    async with plugin_app({{cls}}Plugin(), config={"{{name}}": {"limit": 2}}) as core:
        for title in ("One", "Two", "Three"):
            await core.add_track(title, artist="The Band")
        response = await core.client.get("/plugins/{{name}}/recent")  # signed in as an admin
    assert response.status_code == 200
    assert [t["title"] for t in response.json()["tracks"]] == ["Three", "Two"]


async def test_anonymous_requests_are_refused(plugin_app) -> None:
    async with plugin_app({{cls}}Plugin()) as core:
        response = await core.client.get("/plugins/{{name}}/recent", headers={"Authorization": ""})
    assert response.status_code == 401
'''

UI_PLUGIN = '''\
"""The plugin object the core finds through the ``sonantica.plugins`` entry point."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sonantica_core.auth.principal import Access
from sonantica_core.http.middleware.access import set_access
from sonantica_core.plugins import Plugin, hookimpl
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from . import __version__

STATIC = Path(__file__).parent / "static"


class {{cls}}Plugin(Plugin):
    """Serves a page at ``/plugins/{{name}}/``."""

    name = "{{name}}"
    version = __version__
    api = ">=1,<2"
    description = "{{title}}"

    @hookimpl
    def register_routes(self, ctx: Any) -> list[BaseRoute]:
        # The page itself is public (a browser cannot send a token before it has one);
        # everything it shows comes from the API, which needs the signed-in user's token.
        return [set_access(Mount("/", app=StaticFiles(directory=STATIC, html=True)), Access.PUBLIC)]


plugin = {{cls}}Plugin()
'''

UI_HTML = """\
<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{{title}}</title>
  <script type="module" src="app.js"></script>
</head>
<body>
  <main>
    <h1>{{title}}</h1>
    <form id="sign-in">
      <label>User <input name="username" autocomplete="username" required></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
      <button>Sign in</button>
    </form>
    <p id="who" hidden></p>
    <p id="problem" role="alert"></p>
  </main>
</body>
</html>
"""

UI_JS = """\
// Signs in through the core's API and shows who is signed in.
const form = document.querySelector("#sign-in");
const who = document.querySelector("#who");
const problem = document.querySelector("#problem");

async function show(token) {
  const response = await fetch("/api/me", { headers: { Authorization: `Bearer ${token}` } });
  if (!response.ok) return false;
  const me = await response.json();
  who.textContent = `Signed in as ${me.username}`;
  who.hidden = false;
  form.hidden = true;
  return true;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  problem.textContent = "";
  const body = Object.fromEntries(new FormData(form));
  const response = await fetch("/api/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) {
    problem.textContent = answer.error?.message ?? "Signing in failed";
    return;
  }
  sessionStorage.setItem("{{name}}-token", answer.access_token);
  await show(answer.access_token);
});

const saved = sessionStorage.getItem("{{name}}-token");
if (saved) show(saved);
"""

UI_TEST = '''\
"""The page and its script are served to anyone; what it shows comes from the API."""

from __future__ import annotations

from {{package}}.plugin import {{cls}}Plugin


async def test_the_page_and_its_script_are_served(plugin_app) -> None:
    async with plugin_app({{cls}}Plugin()) as core:
        anonymous = {"Authorization": ""}
        page = await core.client.get("/plugins/{{name}}/", headers=anonymous)
        script = await core.client.get("/plugins/{{name}}/app.js", headers=anonymous)
        me = await core.client.get("/api/me", headers=anonymous)
    assert page.status_code == 200 and "<h1>{{title}}</h1>" in page.text
    assert script.status_code == 200 and "/api/auth/login" in script.text
    assert me.status_code == 401  # the API still needs the user


async def test_a_missing_file_is_404(plugin_app) -> None:
    async with plugin_app({{cls}}Plugin()) as core:
        assert (await core.client.get("/plugins/{{name}}/nothing.js")).status_code == 404
'''

#: kind → (files relative to the package, test files, dependencies, a plugins.toml example line).
KIND_FILES: dict[str, tuple[dict[str, str], dict[str, str], list[str], str]] = {
    "analyzer": (
        {"plugin.py": ANALYZER_PLUGIN, "analyzer.py": ANALYZER},
        {"test_{{name}}.py": ANALYZER_TEST},
        ["numpy>=1.26", "pydantic>=2.6"],
        "floor_db = -70.0",
    ),
    "provider": (
        {"plugin.py": PROVIDER_PLUGIN, "provider.py": PROVIDER},
        {"test_{{name}}.py": PROVIDER_TEST},
        ["pydantic>=2.6"],
        'folder = "/srv/lyrics"',
    ),
    "routes": (
        {"plugin.py": ROUTES_PLUGIN, "routes.py": ROUTES},
        {"test_{{name}}.py": ROUTES_TEST},
        ["pydantic>=2.6", "sqlalchemy>=2.0.30", "starlette>=0.37"],
        "limit = 20",
    ),
    "ui": (
        {"plugin.py": UI_PLUGIN, "static/index.html": UI_HTML, "static/app.js": UI_JS},
        {"test_{{name}}.py": UI_TEST},
        ["starlette>=0.37"],
        "# no settings",
    ),
}
