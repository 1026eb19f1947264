"""Downloads with expiry: links to a track, an album (a streamed ZIP) or a playlist; 410 once expired or revoked."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile
from sqlalchemy import update

from sonantica_core.db.library import Album, Track
from sonantica_core.db.playback import Download, Playlist, PlaylistTrack


@pytest.fixture(scope="module")
def music(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("music")
    t = np.arange(44_100 * 2) / 44_100
    for n, freq in enumerate((440, 550, 660), 1):
        tone = 0.2 * np.sin(2 * np.pi * freq * t)
        soundfile.write(root / f"{n:02d}.flac", np.stack([tone, tone], axis=1), 44_100, subtype="PCM_16")
    return root


@pytest.fixture
def settings(make_settings, music):
    return make_settings(MEDIA_PATH=f"music={music}")


@pytest.fixture
async def album(core, music) -> tuple[int, list[int]]:
    async with core.session() as session:
        record = Album(key="album-1", title="Tones: Vol/1", title_folded="tones vol 1")
        session.add(record)
        await session.flush()
        ids = []
        for n in (1, 2, 3):
            path = music / f"{n:02d}.flac"
            data = path.read_bytes()
            track = Track(
                root="music",
                relative_path=path.name,
                size=len(data),
                mtime_ns=path.stat().st_mtime_ns,
                content_hash="sha256:" + hashlib.sha256(data).hexdigest(),
                title=f"Tone {n}",
                title_folded=f"tone {n}",
                codec="flac",
                container="flac",
                album_id=record.id,
                track_number=n,
            )
            session.add(track)
            await session.flush()
            ids.append(track.id)
        return record.id, ids


async def _link(client, headers, **body) -> dict:
    answer = await client.post("/api/downloads", headers=headers, json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


async def test_album_zip_of_originals_streams_stored_members(client, user_headers, album, music) -> None:
    album_id, _ = album
    link = await _link(client, user_headers, kind="album", id=album_id)
    assert link["state"] == "active" and link["expires"] > dt.datetime.now(dt.UTC).timestamp()
    answer = await client.get(link["url"])  # no header: the signature is enough
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/zip"
    assert "Tones_ Vol_1.zip" in answer.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    assert archive.namelist() == ["01 - Tone 1.flac", "02 - Tone 2.flac", "03 - Tone 3.flac"]
    for info, n in zip(archive.infolist(), (1, 2, 3), strict=True):
        assert info.compress_type == zipfile.ZIP_STORED
        assert archive.read(info) == (music / f"{n:02d}.flac").read_bytes()  # bit-perfect


async def test_playlist_zip_transcoded_decodes(client, core, make_user, album) -> None:
    user, headers = await make_user()
    _, track_ids = album
    async with core.session() as session:
        playlist = Playlist(user_id=user.id, name="Mix")
        session.add(playlist)
        await session.flush()
        for position, track_id in enumerate(reversed(track_ids)):
            session.add(PlaylistTrack(playlist_id=playlist.id, position=position, track_id=track_id))
    link = await _link(client, headers, kind="playlist", id=playlist.id, format="opus", bitrate=64)
    archive = zipfile.ZipFile(io.BytesIO((await client.get(link["url"])).content))
    assert archive.namelist() == ["01 - Tone 3.opus", "02 - Tone 2.opus", "03 - Tone 1.opus"]
    for name in archive.namelist():
        with av.open(io.BytesIO(archive.read(name))) as container:
            stream = container.streams.audio[0]
            samples = sum(frame.samples for frame in container.decode(stream))
            assert (stream.codec_context.name, stream.codec_context.sample_rate) == ("opus", 48_000)
            assert abs(samples / 48_000 - 2.0) < 0.021


async def test_a_track_link_is_one_file_with_range(client, user_headers, album, music) -> None:
    _, track_ids = album
    link = await _link(client, user_headers, kind="track", id=track_ids[0])
    original = (music / "01.flac").read_bytes()
    whole = await client.get(link["url"])
    assert whole.status_code == 200 and whole.content == original
    assert "01.flac" in whole.headers["content-disposition"]
    part = await client.get(link["url"], headers={"Range": "bytes=5-9"})
    assert part.status_code == 206 and part.content == original[5:10]
    mp3 = await _link(client, user_headers, kind="track", id=track_ids[0], format="mp3", bitrate=128)
    answer = await client.get(mp3["url"])
    assert answer.headers["content-type"] == "audio/mpeg" and "01.mp3" in answer.headers["content-disposition"]


async def test_expired_and_revoked_links_are_gone(client, core, user_headers, album) -> None:
    album_id, _ = album
    expired = await _link(client, user_headers, kind="album", id=album_id, ttl=60)
    async with core.session() as session:
        await session.execute(
            update(Download)
            .where(Download.id == expired["id"])
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    answer = await client.get(expired["url"])
    assert answer.status_code == 410 and answer.json()["error"]["code"] == "download_expired"
    revoked = await _link(client, user_headers, kind="album", id=album_id)
    assert (await client.delete(f"/api/downloads/{revoked['id']}", headers=user_headers)).status_code == 204
    answer = await client.get(revoked["url"])
    assert answer.status_code == 410 and answer.json()["error"]["code"] == "download_revoked"
    listed = (await client.get("/api/downloads", headers=user_headers)).json()["downloads"]
    assert [(d["id"], d["state"]) for d in listed] == [(revoked["id"], "revoked"), (expired["id"], "expired")]


async def test_another_users_download_is_refused(client, make_user, album) -> None:
    album_id, _ = album
    _, alice = await make_user()
    _, bob = await make_user()
    link = await _link(client, alice, kind="album", id=album_id)
    assert (await client.get(link["url"], headers=bob)).status_code == 404
    assert (await client.delete(f"/api/downloads/{link['id']}", headers=bob)).status_code == 404
    assert (await client.get("/api/downloads", headers=bob)).json()["downloads"] == []
    forged = link["url"].replace("sig=", "sig=A")[: len(link["url"])]
    assert (await client.get(forged)).status_code == 403
    assert (await client.get(f"/api/downloads/{link['id']}/file")).status_code == 401
    private = await client.post("/api/downloads", headers=alice, json={"kind": "track", "id": 999_999})
    assert private.status_code == 404
    bad = await client.post("/api/downloads", headers=alice, json={"kind": "folder", "id": 1})
    assert bad.status_code == 422


async def test_a_disabled_users_links_stop_working(client, make_user, admin_headers, album) -> None:
    album_id, _ = album
    user, headers = await make_user()
    link = await _link(client, headers, kind="album", id=album_id)
    answer = await client.patch(f"/api/users/{user.id}", headers=admin_headers, json={"disabled": True})
    assert answer.status_code == 200, answer.text
    refused = await client.get(link["url"])
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "account_disabled"
