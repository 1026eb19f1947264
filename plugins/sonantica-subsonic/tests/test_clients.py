"""Real client libraries drive the API through a listening session: ``py-opensonic`` (token auth
over form POST, and its API-key mode) and ``py-sonic`` (token auth over form POST)."""

from __future__ import annotations

import asyncio
import hashlib
from urllib.parse import urlsplit

import libsonic
import pytest
from libopensonic import AsyncConnection
from subsonic_library import FILES, LRC


def _opensonic(library, **auth) -> AsyncConnection:
    address = urlsplit(library.url)
    return AsyncConnection(f"http://{address.hostname}", port=address.port, app_name="tests", **auth)


@pytest.mark.parametrize("mode", ["token", "api_key"])
async def test_py_opensonic_session(library, mode: str) -> None:
    auth = (
        {"username": library.username, "password": library.app_password}
        if mode == "token"
        else {"api_key": library.api_key}
    )
    conn = _opensonic(library, **auth)
    try:
        assert await conn.ping()
        extensions = await conn.get_open_subsonic_extensions()
        assert "apiKeyAuthentication" in {e.name for e in extensions}
        artists = await conn.get_artists()
        names = [a.name for index in artists.index for a in index.artist]
        assert names == ["Björk Test", "The Midnight Band"]
        found = await conn.search3("cafe society")  # no accent typed
        assert [a.name for a in found.album] == ["Café Society"]
        album = await conn.get_album(found.album[0].id)
        assert [s.title for s in album.song] == ["Olé", "Naïve", "Encore"]
        song = album.song[0]
        assert song.sampling_rate == 44100 and song.suffix == "flac"

        whole = await conn.stream(song.id)
        data = await whole.read()
        assert whole.status == 200 and len(data) == song.size
        seek = await conn.stream(song.id, byte_range="bytes=1000-1999")
        assert seek.status == 206 and await seek.read() == data[1000:2000]

        assert await conn.scrobble(song.id)
        assert await conn.star(sids=[song.id])
        starred = await conn.get_starred2()
        assert [s.id for s in starred.song] == [song.id]

        assert await conn.create_playlist(name="Road trip", song_ids=[album.song[2].id, song.id])
        (playlist,) = await conn.get_playlists()
        full = await conn.get_playlist(playlist.id)
        assert [e.title for e in full.entry] == ["Encore", "Olé"]
        assert await conn.delete_playlist(playlist.id)
        assert await conn.get_playlists() == []

        (lyrics,) = await conn.get_lyrics_by_song_id(song.id)
        assert lyrics.synced and [(line.start, line.value) for line in lyrics.line] == [
            (500, "Première ligne"),
            (1200, "Second line"),
        ]
        similar = await conn.get_similar_songs2(song.id)
        assert song.id not in {s.id for s in similar} and len(similar) >= 2  # same artist, same genre
    finally:
        await conn.cleanup()


async def test_py_sonic_session(library) -> None:
    address = urlsplit(library.url)
    conn = libsonic.Connection(
        f"http://{address.hostname}", library.username, library.app_password, port=address.port, appName="tests"
    )  # its GET mode is broken (urllib2); form POST

    def session() -> dict:
        assert conn.ping()
        artists = conn.getArtists()["artists"]["index"]
        assert sorted(a["name"] for index in artists for a in index["artist"]) == ["Björk Test", "The Midnight Band"]
        found = conn.search3("naive")["searchResult3"]
        (song,) = found["song"]
        assert song["title"] == "Naïve"
        response = conn.stream(song["id"])
        data = response.read()
        conn.scrobble(song["id"], submission=True)
        lists = conn.getAlbumList2("frequent")["albumList2"]
        playlist = conn.createPlaylist(name="Evening", songIds=[song["id"]])
        return {"data": data, "song": song, "frequent": lists, "playlist": playlist}

    result = await asyncio.to_thread(session)
    assert len(result["data"]) == result["song"]["size"]
    assert [a["name"] for a in result["frequent"]["album"]] == ["Café Society"]
    assert hashlib.sha256(result["data"]).hexdigest()  # bit-perfect: same bytes as on disk (checked below)
    on_disk = next(p for p in (library.ctx.settings.media_roots[0].path.rglob("*Naïve*")))
    assert result["data"] == on_disk.read_bytes()
    assert result["playlist"]["playlist"]["name"] == "Evening"


async def test_a_second_user_sees_none_of_the_firsts_data(library) -> None:
    first = await library.call("getAlbumList2", type="newest")
    song = (await library.call("getAlbum", id=first["albumList2"]["album"][0]["id"]))["album"]["song"][0]
    await library.call("createPlaylist", name="Private", songId=song["id"])
    await library.call("star", id=song["id"])
    other = {"u": library.other_username, "p": library.other_app_password, "f": "json", "c": "tests", "v": "1.16.1"}
    answers = {}
    for method in ("getPlaylists", "getStarred2", "getNowPlaying", "getBookmarks", "getPlayQueue"):
        response = await library.harness.client.get(f"/rest/{method}", params=other)
        answers[method] = response.json()["subsonic-response"]
    assert answers["getPlaylists"]["playlists"] == {"playlist": []} or answers["getPlaylists"]["playlists"] == {}
    assert answers["getStarred2"]["starred2"] == {"artist": [], "album": [], "song": []}
    mine = (await library.call("getPlaylists"))["playlists"]["playlist"]
    response = await library.harness.client.get("/rest/getPlaylist", params={**other, "id": mine[0]["id"]})
    assert response.json()["subsonic-response"]["error"]["code"] == 70
    response = await library.harness.client.get("/rest/deletePlaylist", params={**other, "id": mine[0]["id"]})
    assert response.json()["subsonic-response"]["error"]["code"] == 70


async def test_form_post_and_enc_password(library) -> None:
    form = {
        "u": library.username,
        "p": "enc:" + library.app_password.encode().hex(),
        "f": "json",
        "c": "t",
        "v": "1.16.1",
        "query": "olé",
    }
    response = await library.harness.client.post("/rest/search3", data=form)
    body = response.json()["subsonic-response"]
    assert [s["title"] for s in body["searchResult3"]["song"]] == ["Olé"]
    assert FILES and LRC


async def test_py_opensonic_transcodes_and_seeks(library, tmp_path) -> None:
    """``format``/``maxBitRate`` give a decodable transcode, ``timeOffset`` starts it later, ``raw``
    is the original byte for byte."""
    import av

    conn = _opensonic(library, username=library.username, password=library.app_password)
    try:
        album = (await conn.search3("cafe society")).album[0]
        song = (await conn.get_album(album.id)).song[0]
        opus = await conn.stream(song.id, max_bit_rate=96, tformat="opus")
        opus_data = await opus.read()
        later = await conn.stream(song.id, max_bit_rate=96, tformat="opus", time_offset=1)
        later_data = await later.read()
        raw = await conn.stream(song.id, max_bit_rate=96, tformat="raw")
        raw_data = await raw.read()
    finally:
        await conn.cleanup()
    assert opus.status == 200 and opus.headers["content-type"].startswith("audio/ogg")
    assert float(later.headers["x-content-duration"]) == pytest.approx(float(opus.headers["x-content-duration"]) - 1,
                                                                       abs=0.05)
    for name, data in (("whole.opus", opus_data), ("later.opus", later_data)):
        (tmp_path / name).write_bytes(data)
        with av.open(str(tmp_path / name)) as container:
            assert container.streams.audio[0].codec_context.name == "opus"
    on_disk = next(p for p in library.ctx.settings.media_roots[0].path.rglob("*01 Olé*"))
    assert raw.status == 200 and raw_data == on_disk.read_bytes()
