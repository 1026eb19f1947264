"""Signed stream URLs die with their user's sessions; nginx's (accel mode) live an hour at most."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sonantica_core.auth.errors import AuthError
from sonantica_core.auth.state import AuthState
from sonantica_core.context import open_context
from sonantica_core.db.library import Track
from sonantica_core.testing.fixtures import TEST_PASSWORD

DATA = b"fLaC" + bytes(range(256)) * 8


@pytest.fixture
def music(tmp_path: Path) -> Path:
    root = tmp_path / "music"
    root.mkdir()
    (root / "song.flac").write_bytes(DATA)
    return root


@pytest.fixture
def settings(make_settings, music: Path):
    return make_settings(MEDIA_PATH=f"music={music}")


async def add_song(ctx) -> int:
    async with ctx.session() as session:
        track = Track(
            root="music",
            relative_path="song.flac",
            size=len(DATA),
            mtime_ns=0,
            content_hash="sha256:" + "0" * 64,
            title="song",
            title_folded="song",
            codec="flac",
            container="flac",
        )
        session.add(track)
        await session.flush()
        return track.id


async def signed_in(client, make_user, name: str) -> tuple[int, dict[str, str], dict]:
    user, _ = await make_user(name)
    pair = (await client.post("/api/auth/login", json={"username": name, "password": TEST_PASSWORD})).json()
    return user.id, {"Authorization": f"Bearer {pair['access_token']}"}, pair


async def link(client, track_id: int, headers: dict[str, str], query: str = "") -> dict:
    answer = await client.get(f"/api/tracks/{track_id}/stream-url{query}", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def plays(client, url: str) -> httpx.Response:
    return await client.get(url, headers={"Range": "bytes=0-3"})


async def test_sign_out_everywhere_ends_signed_urls(client, core, make_user) -> None:
    track = await add_song(core)
    _, headers, _ = await signed_in(client, make_user, "fay")
    url = (await link(client, track, headers))["url"]
    assert (await plays(client, url)).status_code == 206
    assert (await client.post("/api/auth/logout", json={"everywhere": True}, headers=headers)).status_code == 204
    refused = await plays(client, url)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "link_revoked"
    # a new session's links work
    _, headers, _ = await signed_in(client, make_user, "fay2")
    assert (await plays(client, (await link(client, track, headers))["url"])).status_code == 206


async def test_a_password_change_ends_signed_urls(client, core, make_user) -> None:
    track = await add_song(core)
    _, headers, _ = await signed_in(client, make_user, "gil")
    url = (await link(client, track, headers, "?download=1"))["url"]
    assert (await client.get(url)).status_code == 200
    changed = await client.post(
        "/api/me/password",
        json={"current_password": TEST_PASSWORD, "new_password": "another password"},
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    assert (await plays(client, url)).status_code == 403
    fresh = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    assert (await plays(client, (await link(client, track, fresh))["url"])).status_code == 206


async def test_a_process_that_never_saw_the_user_checks_the_database(client, core, make_user) -> None:
    track = await add_song(core)
    user_id, headers, _ = await signed_in(client, make_user, "hal")
    query = urlsplit((await link(client, track, headers))["url"]).query.encode()
    assert (await client.post("/api/auth/logout", json={"everywhere": True}, headers=headers)).status_code == 204
    fresh = AuthState(core)  # another process's: its directory has never heard of the user
    assert not fresh.directory.known(user_id)
    with pytest.raises(AuthError) as refused:
        await fresh.authenticate_signed(track, query)
    assert refused.value.code == "link_revoked"
    assert fresh.directory.known(user_id)


async def test_links_without_their_generation_are_refused(client, core, make_user) -> None:
    track = await add_song(core)
    _, headers, _ = await signed_in(client, make_user, "ida")
    url = (await link(client, track, headers))["url"]
    query = parse_qs(urlsplit(url).query)
    exp, uid, sig = query["exp"][0], query["uid"][0], query["sig"][0]
    for bad in (
        f"/api/stream/{track}?exp={exp}&uid={uid}&sig={sig}",  # the old form, unbound
        f"/api/stream/{track}?exp={exp}&uid={uid}&gen=7&sig={sig}",  # another generation
        f"{url}&gen=0",  # doubled
    ):
        refused = await plays(client, bad)
        assert refused.status_code == 403, bad
        assert refused.json()["error"]["code"] == "bad_signature", bad


async def test_accel_links_live_an_hour_at_most(make_settings, make_user, music: Path) -> None:
    from sonantica_core.server.web import build_app_for_context

    settings = make_settings(MEDIA_PATH=f"music={music}", STREAM_MODE="accel")
    ctx = await open_context(
        settings, secret_key=settings.secret_key, postgres_url=settings.postgres_url, redis_url=settings.redis_url
    )
    try:
        app = build_app_for_context(ctx)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                track = await add_song(ctx)
                _, headers = await make_user("jo")
                week = 7 * 24 * 3600
                links = await link(client, track, headers, f"?ttl={week}")
                assert urlsplit(links["url"]).path == "/s/music/song.flac"
                assert int(parse_qs(urlsplit(links["url"]).query)["expires"][0]) == links["expires"]
                assert links["expires"] <= time.time() + 3600
                download = await link(client, track, headers, f"?ttl={week}&download=1")
                assert download["url"] == download["api_url"]  # through the app: bound to the sessions
                assert download["expires"] > time.time() + week - 60
    finally:
        await ctx.close()
