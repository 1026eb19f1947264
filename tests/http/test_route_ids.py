"""Every route of the app, the core's and the bundled plugins', answers an out-of-range id with 404
or 400, never a 5xx.

The walk reads the routes of the app built with every plugin under ``plugins/`` enabled, so a new
route is walked without being listed here. Each path parameter of each route gets, in turn, each
of :data:`BAD_IDS`, while its other parameters hold real values (:func:`fillers`: an existing
playlist, track, position), so that the parameter under test is the one the endpoint meets. A route
the walk cannot request (not a plain HTTP route, a mount without routes, or a parameter with no
real value to hold while another is tested) fails the walk unless :data:`NOT_WALKED` names it with
the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.convertors import Convertor, IntegerConvertor
from starlette.routing import BaseRoute, Mount, Route, compile_path

from sonantica_core.plugins.discovery import discover

ROOT = Path(__file__).resolve().parents[2]
#: The bundled plugins: one per directory of plugins/ (``plugins/sonantica-lrclib`` is ``lrclib``).
#: Bundled plugins that need what a test machine lacks (torch and model weights) and add no routes.
NEEDS_A_MODEL = {"demucs"}
BUNDLED = sorted(
    path.name.removeprefix("sonantica-") for path in (ROOT / "plugins").iterdir()
    if (path / "pyproject.toml").is_file() and path.name.removeprefix("sonantica-") not in NEEDS_A_MODEL
)

#: What each path parameter gets in turn: ids no database row can have, and digits ``int()`` refuses.
BAD_IDS: Mapping[str, str] = {
    "2**63, one past bigint": str(2**63),
    "20 digits": "9" * 20,
    "5000 digits, past int()'s limit": "9" * 5000,
    "a digit to str.isdigit, not to int()": "\u00b2",
}

#: Routes the walk does not request, and why: by ``METHOD path`` (``* path`` for a mount,
#: ``WebSocketRoute path`` and the like for other routes). None today: every route is a plain
#: HTTP route whose parameters the walk fills.
NOT_WALKED: Mapping[str, str] = {}

_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


@dataclass(frozen=True)
class Endpoint:
    """One route as the walk requests it: its method, full path template and parameters."""

    method: str
    path: str
    convertors: Mapping[str, Convertor[Any]]

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    def fill(self, values: Mapping[str, str]) -> str:
        return _PARAM.sub(lambda match: values[match[1]], self.path)


@dataclass(frozen=True)
class Unwalkable:
    """A route the walk cannot request, and why."""

    key: str
    why: str


def walk(
    routes: Iterable[BaseRoute], prefix: str = "", convertors: Mapping[str, Convertor[Any]] | None = None
) -> Iterator[Endpoint | Unwalkable]:
    """Every endpoint under ``routes``, mounts included, with its full path."""
    for route in routes:
        if isinstance(route, Mount):
            inner = {**(convertors or {}), **compile_path(route.path)[2]}  # its own, not its {path:path}
            if not route.routes:  # a mounted ASGI app (static files, another framework): no routes to read
                yield Unwalkable(f"* {prefix}{route.path}", "a mount without routes")
                continue
            yield from walk(route.routes, prefix + route.path, inner)
        elif isinstance(route, Route):
            for method in sorted(route.methods or {"GET"}):
                yield Endpoint(method, prefix + route.path, {**(convertors or {}), **route.param_convertors})
        else:  # a WebSocketRoute, a Host, a custom BaseRoute
            yield Unwalkable(f"{type(route).__name__} {prefix}{getattr(route, 'path', '?')}", "not a plain HTTP route")


@pytest.fixture
async def everything(plugin_app: Any) -> Any:
    """The app with every bundled plugin enabled (a :class:`~sonantica_core.testing.fixtures.PluginHarness`)."""
    candidates = [candidate for candidate in discover() if candidate.name in BUNDLED]
    assert sorted(candidate.name for candidate in candidates) == BUNDLED, "a bundled plugin is not installed"
    async with plugin_app(*candidates) as harness:
        statuses = {name: harness.status(name) for name in BUNDLED}
        left_out = {
            name: (status, harness.manager.record(name).error)
            for name, status in statuses.items()
            if status != "enabled"
        }
        assert not left_out, f"bundled plugins not enabled, so their routes would not be walked: {left_out}"
        yield harness


async def fillers(harness: Any) -> dict[str, str]:
    """Real values for the path parameters a route has beside the one under test."""
    track_id = await harness.add_track("Walked", artist="Walker", album="Walks")
    playlist = await harness.client.post("/api/playlists", json={"name": "walked"})
    assert playlist.status_code == 201, playlist.text
    playlist_id = playlist.json()["id"]
    added = await harness.client.post(f"/api/playlists/{playlist_id}/tracks", json={"track_ids": [track_id]})
    assert added.status_code < 300, added.text
    return {"playlist_id": str(playlist_id), "position": "0", "track_id": str(track_id), "separator": "dsp",
            "file": "vocals.flac"}


async def test_every_route_answers_an_overlong_id_with_404_or_400(everything: Any) -> None:
    harness = everything
    endpoints: list[Endpoint] = []
    unwalkable: list[Unwalkable] = []
    for item in walk(harness.app.routes):
        (endpoints if isinstance(item, Endpoint) else unwalkable).append(item)
    int_ids = sorted(
        endpoint.key
        for endpoint in endpoints
        if any(type(convertor) is IntegerConvertor for convertor in endpoint.convertors.values())
    )
    assert not int_ids, f"routes with {{name:int}} (use {{name:id}}): {int_ids}"
    unlisted = [(item.key, item.why) for item in unwalkable if item.key not in NOT_WALKED]
    assert not unlisted, f"routes the walk cannot request: name them in NOT_WALKED with the reason: {unlisted}"
    known = {item.key for item in unwalkable} | {endpoint.key for endpoint in endpoints}
    assert not set(NOT_WALKED) - known, f"NOT_WALKED names routes the app no longer has: {set(NOT_WALKED) - known}"
    # The walk reaches the plugins' routes, not only the core's.
    assert any(endpoint.path.startswith("/plugins/lrclib/") for endpoint in endpoints)

    real = await fillers(harness)
    walked = [endpoint for endpoint in endpoints if endpoint.convertors and endpoint.key not in NOT_WALKED]
    assert len(walked) >= 20, [endpoint.key for endpoint in walked]
    unfillable = sorted(
        f"{endpoint.key}: {name}"
        for endpoint in walked
        for name in endpoint.convertors
        if len(endpoint.convertors) > 1 and name not in real
    )
    assert not unfillable, (
        f"parameters without a real value (add one to fillers(), or the route to NOT_WALKED): {unfillable}"
    )

    failures: list[str] = []
    transport = httpx.ASGITransport(app=harness.app, raise_app_exceptions=False)  # a 500 is an answer here
    async with httpx.AsyncClient(
        transport=transport, base_url="http://sonantica.test", headers=harness.headers
    ) as client:
        for endpoint in walked:
            for name in endpoint.convertors:
                for label, bad in BAD_IDS.items():
                    path = endpoint.fill({**real, name: bad})
                    body = {} if endpoint.method in {"POST", "PATCH", "PUT", "DELETE"} else None
                    response = await client.request(endpoint.method, path, json=body)
                    if response.status_code not in (400, 404):
                        failures.append(
                            f"{endpoint.key} with {name} = {label}: {response.status_code} {response.text[:200]}"
                        )
    assert not failures, "\n".join(failures)
