"""Every method answers what the OpenSubsonic OpenAPI document describes, in JSON and in XML alike."""

from __future__ import annotations

import json

import jsonschema
import pytest
from subsonic_spec import OPENAPI, json_as_xml_shape, validate, validate_failure, xml_as_json_shape

#: Every album list type the spec names.
SPEC_LIST_TYPES = json.loads((OPENAPI / "schemas" / "AlbumListType.json").read_text())["enum"]


async def _ids(library) -> dict[str, str]:
    artists = (await library.call("getArtists"))["artists"]["index"]
    artist = next(a for group in artists for a in group["artist"] if a["name"] == "Björk Test")
    album = (await library.call("getArtist", id=artist["id"]))["artist"]["album"][0]
    songs = (await library.call("getAlbum", id=album["id"]))["album"]["song"]
    return {"artist": artist["id"], "album": album["id"], "song": songs[0]["id"], "song2": songs[1]["id"]}


def _calls(ids: dict[str, str]) -> list[tuple[str, dict[str, str]]]:
    return [
        ("ping", {}),
        ("getLicense", {}),
        ("getOpenSubsonicExtensions", {}),
        ("getMusicFolders", {}),
        ("getIndexes", {}),
        ("getMusicDirectory", {"id": ids["artist"]}),
        ("getMusicDirectory", {"id": ids["album"]}),
        ("getGenres", {}),
        ("getArtists", {}),
        ("getArtist", {"id": ids["artist"]}),
        ("getAlbum", {"id": ids["album"]}),
        ("getSong", {"id": ids["song"]}),
        ("getArtistInfo2", {"id": ids["artist"]}),
        ("getArtistInfo", {"id": ids["artist"]}),
        ("getAlbumInfo2", {"id": ids["album"]}),
        ("getAlbumInfo", {"id": ids["album"]}),
        ("getTopSongs", {"artist": "Björk Test"}),
        ("getTopSongs", {"artistId": ids["artist"]}),
        ("getSimilarSongs2", {"id": ids["song"]}),
        ("getSimilarSongs", {"id": ids["artist"]}),
        *[
            ("getAlbumList2", {"type": t, "fromYear": "1980", "toYear": "2010", "genre": "Jazz"})
            for t in SPEC_LIST_TYPES
        ],
        ("getAlbumList", {"type": "newest"}),
        ("getRandomSongs", {"size": "3"}),
        ("getSongsByGenre", {"genre": "Jazz"}),
        ("getStarred2", {}),
        ("getStarred", {}),
        ("getNowPlaying", {}),
        ("search2", {"query": "cafe"}),
        ("search3", {"query": "naive"}),
        ("search3", {"query": ""}),
        ("getLyrics", {"artist": "Björk Test", "title": "Olé"}),
        ("getLyricsBySongId", {"id": ids["song"]}),
        ("getPlaylists", {}),
        ("getBookmarks", {}),
        ("getPlayQueue", {}),
        ("getPlayQueueByIndex", {}),
        ("getUser", {"username": "alice"}),
        ("getScanStatus", {}),
    ]


async def test_every_method_answers_the_spec_in_json_and_xml_alike(library) -> None:
    ids = await _ids(library)
    # some user data, so that lists are not all empty
    assert (await library.call("star", id=ids["song"]))["status"] == "ok"
    assert (await library.call("star", albumId=ids["album"]))["status"] == "ok"
    assert (await library.call("setRating", id=ids["album"], rating="4"))["status"] == "ok"
    assert (await library.call("scrobble", id=ids["song"]))["status"] == "ok"
    assert (await library.call("createBookmark", id=ids["song"], position="1500"))["status"] == "ok"
    assert (await library.call("savePlayQueue", id=[ids["song"], ids["song2"]], current=ids["song2"], position="700"))[
        "status"
    ] == "ok"
    created = await library.call("createPlaylist", name="Mix", songId=[ids["song"], ids["song2"]])
    validate("createPlaylist", {"subsonic-response": created})
    calls = [*_calls(ids), ("getPlaylist", {"id": created["playlist"]["id"]})]
    for method, params in calls:
        response = await library.harness.client.get(f"/rest/{method}", params=library.params(**params))
        body = response.json()
        assert body["subsonic-response"]["status"] == "ok", (method, params, body)
        try:
            validate(method, body)
        except jsonschema.ValidationError as error:
            pytest.fail(f"{method} {params}: {error.message} at {list(error.absolute_path)}")
        xml = await library.harness.client.get(f"/rest/{method}.view", params=library.params(**params, f="xml"))
        assert xml.headers["content-type"].startswith("application/xml")
        if (
            method in ("getRandomSongs", "getAlbumList2", "getSimilarSongs", "getSimilarSongs2")
            and params.get("type", "random") == "random"
        ):
            continue  # random order: the two answers differ by design
        assert xml_as_json_shape(xml.content) == json_as_xml_shape(body["subsonic-response"]), method


async def test_errors_have_the_spec_shape_and_codes(library) -> None:
    cases = [
        ({"u": "alice", "p": "wrong"}, "getArtists", 40),
        ({"u": "alice", "p": "the-login-password"}, "getArtists", 40),  # the login password is never accepted
        ({"u": "alice"}, "getArtists", 10),
        ({"apiKey": "snk_not-a-real-key"}, "ping", 44),
        ({"apiKey": library.api_key, "u": "alice"}, "ping", 43),
        ({"u": "alice", "p": "x", "t": "y", "s": "z"}, "ping", 43),
    ]
    for params, method, code in cases:
        response = await library.harness.client.get(f"/rest/{method}", params={**params, "f": "json"})
        body = response.json()
        validate_failure(body)
        assert body["subsonic-response"]["error"]["code"] == code, (params, body)
    for method, params, code in [
        ("getAlbum", {}, 10),
        ("getAlbum", {"id": "al-999999"}, 70),
        ("getAlbum", {"id": "ar-1"}, 70),
        ("getAlbum", {"id": "al-" + "9" * 5000}, 70),
        ("getSong", {"id": "not an id"}, 70),
        ("getAlbumList2", {"type": "bogus"}, 0),
        ("getAlbumList2", {"type": "byYear"}, 10),
        ("getAlbumList2", {"type": "newest", "size": "abc"}, 0),
        ("getAlbumList2", {"type": "newest", "size": "-1"}, 0),
        ("setRating", {"id": "tr-1", "rating": "9"}, 0),
        ("getUsers", {}, 50),
        ("nonexistentMethod", {}, 70),
    ]:
        response = await library.harness.client.get(f"/rest/{method}", params=library.params(**params))
        assert response.status_code in (200, 404), (method, response.status_code)
        body = response.json()
        validate_failure(body)
        assert body["subsonic-response"]["error"]["code"] == code, (method, params, body)


async def test_huge_pages_are_clamped_not_refused(library) -> None:
    body = await library.call("getAlbumList2", type="newest", size="99999999999", offset="99999999")
    assert (body["status"] == "ok" and body["albumList2"] == {"album": []}) or body["albumList2"] == {}
    body = await library.call("search3", query="", songCount="100000", songOffset="0")
    assert len(body["searchResult3"]["song"]) == 5


async def test_jsonp_is_refused(library) -> None:
    response = await library.harness.client.get("/rest/ping", params=library.params(f="jsonp", callback="x"))
    body = response.json()
    assert body["subsonic-response"]["status"] == "failed" and "jsonp" in body["subsonic-response"]["error"]["message"]


async def test_extensions_answer_without_credentials(library) -> None:
    response = await library.harness.client.get(
        "/rest/getOpenSubsonicExtensions", params={"f": "json"}, headers={"Authorization": ""}
    )
    body = response.json()
    validate("getOpenSubsonicExtensions", body)
    names = {e["name"] for e in body["subsonic-response"]["openSubsonicExtensions"]}
    assert {"apiKeyAuthentication", "formPost", "songLyrics"} <= names


async def test_token_info_names_the_api_keys_user(library) -> None:
    for fmt in ("json", "xml"):
        response = await library.harness.client.get("/rest/tokenInfo", params={"apiKey": library.api_key, "f": fmt})
        if fmt == "json":
            validate("tokenInfo", response.json())
            assert response.json()["subsonic-response"]["tokenInfo"]["username"] == "alice"
        else:
            assert xml_as_json_shape(response.content)["tokenInfo"] == [{"username": "alice"}]
