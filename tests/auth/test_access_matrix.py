"""Every route × (anonymous, user, other user, admin) gets the right status.

Routes are enumerated from the running app, so a route added anywhere is at
least checked to refuse anonymous callers (and non-admins under ``/api/admin/``);
the core's auth, account, playlist, history and stream routes are checked for
every kind of caller against the table below, which must cover all of them.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import BaseRoute, Mount, Route

from sonantica_core.auth import api_keys, app_passwords
from sonantica_core.auth.principal import Access
from sonantica_core.auth.refresh import issue_refresh_token
from sonantica_core.db.library import Track
from sonantica_core.db.playback import Playlist, PlaylistTrack
from sonantica_core.http.middleware.access import resolve_access
from sonantica_core.testing.fixtures import TEST_PASSWORD

ROLES = ("anonymous", "user", "other", "admin")
#: Routes reachable without credentials.
PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/refresh"),
    ("GET", "/api/setup"),
    ("POST", "/api/setup"),
}
#: Route modules whose every route the table must cover.
OWN_MODULES = (
    "sonantica_core.http.routes.stream",
    "sonantica_core.http.routes.health",
    "sonantica_core.http.routes.auth",
    "sonantica_core.http.routes.users",
    "sonantica_core.http.routes.playlists",
    "sonantica_core.http.routes.history",
)


@pytest.fixture
def settings(make_settings: Callable[..., Any], tmp_path: Path) -> Any:
    root = tmp_path / "music"
    root.mkdir()
    (root / "song.flac").write_bytes(b"fLaC" + bytes(range(256)) * 8)
    return make_settings(MEDIA_PATH=f"music={root}")


@dataclass
class World:
    """The fixtures every case draws on: ``user`` owns them, ``other`` is another user."""

    core: Any
    make_user: Callable[..., Awaitable[tuple[Any, dict[str, str]]]]
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    async def setup(self) -> None:
        self.headers["anonymous"] = {}
        for role in ("user", "other", "admin"):
            user, headers = await self.make_user(f"matrix-{role}", admin=role == "admin")
            self.ids[role] = user.id
            self.headers[role] = headers
        data = (Path(self.core.settings.media_roots[0].path) / "song.flac").read_bytes()
        async with self.core.session() as session:
            track = Track(
                root="music", relative_path="song.flac", size=len(data), mtime_ns=0,
                content_hash="sha256:" + hashlib.sha256(data).hexdigest(), title="Song", title_folded="song",
            )
            session.add(track)
            await session.flush()
            self.ids["track"] = track.id
        self.ids["private"] = await self.playlist(public=False)
        self.ids["public"] = await self.playlist(public=True)

    async def playlist(self, *, public: bool) -> int:
        async with self.core.session() as session:
            playlist = Playlist(user_id=self.ids["user"], name="p", public=public)
            session.add(playlist)
            await session.flush()
            session.add(PlaylistTrack(playlist_id=playlist.id, position=0, track_id=self.ids["track"]))
            return playlist.id

    async def api_key(self) -> int:
        async with self.core.session() as session:
            row, _ = await api_keys.create_api_key(session, self.ids["user"], "k")
            return row.id

    async def app_password(self) -> int:
        async with self.core.session() as session:
            row, _ = await app_passwords.create_app_password(session, self.core.secret_key, self.ids["user"], "p")
            return row.id

    async def victim(self) -> int:
        user, _ = await self.make_user()
        return user.id

    async def refresh_token(self) -> str:
        async with self.core.session() as session:
            return await issue_refresh_token(session, self.ids["other"], 3600)


Params = Callable[[World], Awaitable[dict[str, Any]]]
BodyOf = Callable[[World], Awaitable[Any]]


@dataclass
class Case:
    method: str
    path: str
    expect: dict[str, int]
    params: Params | None = None
    body: BodyOf | dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    note: str = ""


def signed_in(status: int, anonymous: int = 401) -> dict[str, int]:
    return {"anonymous": anonymous, "user": status, "other": status, "admin": status}


def owner_only(status: int, other: int = 404, admin: int = 404) -> dict[str, int]:
    return {"anonymous": 401, "user": status, "other": other, "admin": admin}


def admin_only(status: int) -> dict[str, int]:
    return {"anonymous": 401, "user": 403, "other": 403, "admin": status}


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def fixed(**names: str) -> Params:
    async def params(world: World) -> dict[str, Any]:
        return {key: world.ids[value] for key, value in names.items()}

    return params


def fresh(key: str, make: str) -> Params:
    async def params(world: World) -> dict[str, Any]:
        return {key: await getattr(world, make)()}

    return params


async def fresh_playlist_entry(world: World) -> dict[str, Any]:
    return {"playlist_id": await world.playlist(public=False), "position": 0}


async def fresh_public_playlist(world: World) -> dict[str, Any]:
    return {"playlist_id": await world.playlist(public=True)}


async def login_body(world: World) -> dict[str, Any]:
    return {"username": "matrix-other", "password": TEST_PASSWORD}


async def refresh_body(world: World) -> dict[str, Any]:
    return {"refresh_token": await world.refresh_token()}


async def history_body(world: World) -> dict[str, Any]:
    return {"track_id": world.ids["track"], "duration_played": 12.5}


async def new_user_body(world: World) -> dict[str, Any]:
    return {"username": f"new-{uuid.uuid4().hex[:8]}", "password": "password 1234"}


async def entries_body(world: World) -> dict[str, Any]:
    return {"track_ids": [world.ids["track"]]}


CASES = [
    Case("GET", "/healthz", everyone(200)),
    Case("GET", "/readyz", everyone(200)),
    Case("POST", "/api/auth/login", everyone(200), body=login_body),
    Case("POST", "/api/auth/refresh", everyone(200), body=refresh_body),
    Case("POST", "/api/auth/logout", signed_in(204), body={}),
    Case("GET", "/api/setup", everyone(200)),
    Case("POST", "/api/setup", everyone(409), body={"username": "late", "password": "a long password"}),
    Case("GET", "/api/auth/api-keys", signed_in(200)),
    Case("POST", "/api/auth/api-keys", signed_in(201), body={"name": "k"}),
    Case("DELETE", "/api/auth/api-keys/{key_id}", owner_only(204), params=fresh("key_id", "api_key")),
    Case("GET", "/api/auth/app-passwords", signed_in(200)),
    Case("POST", "/api/auth/app-passwords", signed_in(201), body={"name": "p"}),
    Case("DELETE", "/api/auth/app-passwords/{password_id}", owner_only(204),
         params=fresh("password_id", "app_password")),
    Case("GET", "/api/me", signed_in(200)),
    Case("POST", "/api/me/password", signed_in(403), body={"current_password": "wrong", "new_password": "x" * 12},
         note="a wrong current password: the route runs, nothing changes"),
    Case("GET", "/api/users", admin_only(200)),
    Case("POST", "/api/users", admin_only(201), body=new_user_body),
    Case("PATCH", "/api/users/{user_id}", admin_only(200), params=fresh("user_id", "victim"), body={"role": "user"}),
    Case("DELETE", "/api/users/{user_id}", admin_only(204), params=fresh("user_id", "victim")),
    Case("GET", "/api/playlists", signed_in(200)),
    Case("POST", "/api/playlists", signed_in(201), body={"name": "mine"}),
    Case("GET", "/api/playlists/{playlist_id}", owner_only(200), params=fixed(playlist_id="private")),
    Case("GET", "/api/playlists/{playlist_id}", signed_in(200), params=fixed(playlist_id="public"),
         note="public: readable by all"),
    Case("PATCH", "/api/playlists/{playlist_id}", owner_only(200), params=fixed(playlist_id="private"),
         body={"name": "renamed"}),
    Case("PATCH", "/api/playlists/{playlist_id}", owner_only(200, other=403, admin=403),
         params=fixed(playlist_id="public"), body={"name": "renamed"}, note="public: not writable by others"),
    Case("DELETE", "/api/playlists/{playlist_id}", owner_only(204), params=fresh("playlist_id", "private_playlist")),
    Case("DELETE", "/api/playlists/{playlist_id}", owner_only(204, other=403, admin=403), params=fresh_public_playlist),
    Case("POST", "/api/playlists/{playlist_id}/tracks", owner_only(200), params=fixed(playlist_id="private"),
         body=entries_body),
    Case("DELETE", "/api/playlists/{playlist_id}/tracks/{position}", owner_only(204), params=fresh_playlist_entry),
    Case("GET", "/api/history", signed_in(200)),
    Case("POST", "/api/history", signed_in(201), body=history_body),
    Case("GET", "/api/stream/{track_id}", signed_in(206), params=fixed(track_id="track"),
         headers={"Range": "bytes=0-15"}),
    Case("GET", "/api/tracks/{track_id}/stream-url", signed_in(200), params=fixed(track_id="track")),
    Case("POST", "/api/tracks/{track_id}/stream-url", signed_in(200), params=fixed(track_id="track")),
]


async def _private_playlist(self: World) -> int:
    return await self.playlist(public=False)


World.private_playlist = _private_playlist  # type: ignore[attr-defined]


def enumerate_routes(routes: list[BaseRoute], prefix: str = "") -> list[tuple[str, str]]:
    """(method, path template) of every HTTP route, mounts included; HEAD is GET's twin."""
    found: list[tuple[str, str]] = []
    for route in routes:
        if isinstance(route, Mount):
            found.extend(enumerate_routes(route.routes, prefix + route.path))
        elif isinstance(route, Route):
            for method in sorted(route.methods or {"GET"}):
                if method != "HEAD":
                    found.append((method, prefix + route.path))
    return found


def module_routes() -> set[tuple[str, str]]:
    import importlib

    own: set[tuple[str, str]] = set()
    for name in OWN_MODULES:
        own.update(enumerate_routes(importlib.import_module(name).routes))
    return own


def fill(template: str, params: dict[str, Any]) -> str:
    path = template
    for key, value in params.items():
        path = path.replace("{" + key + "}", str(value))
    return path


def test_the_table_covers_every_core_route() -> None:
    covered = {(case.method, case.path) for case in CASES}
    assert module_routes() - covered == set()
    assert covered - module_routes() == set()


async def test_every_route_for_every_caller(app, client, core, make_user) -> None:
    world = World(core, make_user)
    await world.setup()
    failures: list[str] = []
    for case in CASES:
        for role in sorted(ROLES, key=lambda r: case.expect[r] < 300):  # refusals before successes
            params = await case.params(world) if case.params else {}
            body = await case.body(world) if callable(case.body) else case.body
            response = await client.request(
                case.method, fill(case.path, params), json=body, headers={**case.headers, **world.headers[role]}
            )
            if response.status_code != case.expect[role]:
                failures.append(
                    f"{case.method} {case.path} {case.note} as {role}: {response.status_code}, "
                    f"expected {case.expect[role]}: {response.text[:160]}"
                )
            elif response.status_code >= 400:
                assert response.json()["error"]["status"] == response.status_code
    assert not failures, "\n".join(failures)


def declared_public(app: Any, method: str, path: str) -> bool:
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}
    found = resolve_access(app.routes, scope)
    return found is not None and found[0] is Access.PUBLIC


def concrete(template: str) -> str:
    path = template
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        path = path[:start] + "1" + path[end + 1 :]
    return path


def test_the_core_public_routes_are_exactly_these(app) -> None:
    own = module_routes()
    public = {(m, t) for m, t in enumerate_routes(app.routes) if declared_public(app, m, concrete(t))}
    assert public & own == PUBLIC


async def test_every_other_route_refuses_anonymous_callers(app, client, core, make_user) -> None:
    """Every route that does not declare itself public, in any module or plugin: deny by default."""
    world = World(core, make_user)
    await world.setup()
    checked = 0
    for method, template in enumerate_routes(app.routes):
        if declared_public(app, method, concrete(template)):
            continue
        path = concrete(template)
        anonymous = await client.request(method, path)
        assert anonymous.status_code == 401, (method, template, anonymous.status_code)
        assert anonymous.json()["error"]["code"] == "unauthorized"
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
        if template.startswith("/api/admin/"):
            refused = await client.request(method, path, headers=world.headers["user"])
            assert refused.status_code == 403, (method, template)
        checked += 1
    assert checked >= 25


async def test_unknown_paths_are_404_for_everyone(client, make_user) -> None:
    _, headers = await make_user()
    for h in ({}, headers):
        response = await client.get("/api/no-such-thing", headers=h)
        assert response.status_code == 404
