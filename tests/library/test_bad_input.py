"""Bad input gets a clear 400 or 422 in the API's one error shape, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from librarybuild import Library

from sonantica_core.library.cursor import cursor_key, encode_cursor


def assert_error(response: Any, status: int, code: str, mentions: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["status"] == status and error["code"] == code
    assert mentions in error["message"], error["message"]


@pytest.mark.parametrize(
    ("query", "mentions"),
    [
        ("limit=-1", "limit"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=ten", "limit"),
        ("year_from=abc", "year_from"),
        ("year_from=2000&year_to=1990", "year_from must not be after year_to"),
        ("sort=colour", "sort"),
        ("order=sideways", "order"),
        ("artist=0", "artist"),
        (f"artist={2**63}", "artist"),
        ("lossless=maybe", "lossless"),
        ("added_since=yesterday", "added_since"),
        ("bpm_min=nan", "bpm_min"),
        ("bpm_min=200&bpm_max=100", "bpm_min must not be above bpm_max"),
        ("key=H", "not a key"),
        ("compatible_with=13A", "not a key"),
        ("format=fl%20ac", "format"),
        ("genre=%00", "NUL"),
    ],
)
async def test_bad_list_parameters(api: Any, library: Library, query: str, mentions: str) -> None:
    assert_error(await api.get(f"/api/library/tracks?{query}"), 422, "invalid", mentions)


async def test_every_bad_parameter_is_named(api: Any, library: Library) -> None:
    response = await api.get("/api/library/tracks?limit=-1&year_from=abc")
    details = response.json()["error"]["details"]
    assert {detail["parameter"] for detail in details} == {"limit", "year_from"}


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "a.b", "", "x" * 2000, "eyJ4IjoxfQ.AAAAAAAAAAAAAAAA", "%ff%fe"],
)
async def test_bad_cursors(api: Any, library: Library, cursor: str) -> None:
    response = await api.get(f"/api/library/tracks?cursor={cursor}")
    if cursor == "":
        assert response.status_code == 200  # an empty cursor is the first page
        return
    if len(cursor) > 1024:
        assert_error(response, 422, "invalid", "cursor")
        return
    assert_error(response, 400, "bad_cursor", "cursor")


async def test_cursor_of_another_listing_or_forged(api: Any, library: Library, core: Any) -> None:
    page = (await api.get("/api/library/tracks?sort=title&limit=2")).json()
    cursor = page["next"].split("cursor=")[1]
    assert_error(await api.get(f"/api/library/tracks?sort=year&cursor={cursor}"), 400, "bad_cursor", "another")
    assert_error(await api.get(f"/api/library/albums?cursor={cursor}"), 400, "bad_cursor", "another")
    key = cursor_key(core.secret_key)
    damaged = encode_cursor(key, "tracks:title:asc", [1, 5, "x"])  # wrong types, signed right
    assert_error(await api.get(f"/api/library/tracks?cursor={damaged}"), 400, "bad_cursor", "damaged")
    forged = encode_cursor(b"not the server's key" * 2, "tracks:title:asc", [1, "a", 1])
    assert_error(await api.get(f"/api/library/tracks?cursor={forged}"), 400, "bad_cursor", "not one this server made")


@pytest.mark.parametrize(
    ("query", "status", "mentions"),
    [
        ("", 422, "q"),
        ("q=", 422, "q"),
        ("q=%20%20", 422, "blank"),
        ("q=" + "a" * 201, 422, "q"),
        ("q=abc&limit=0", 422, "limit"),
        ("q=abc&limit=101", 422, "limit"),
        ("q=a%00b", 422, "NUL"),
    ],
)
async def test_bad_search(api: Any, library: Library, query: str, status: int, mentions: str) -> None:
    assert_error(await api.get(f"/api/search?{query}"), status, "invalid", mentions)


async def test_hostile_search_text_is_just_text(api: Any, library: Library) -> None:
    for q in ("' OR 1=1 --", "a:* & !b", "\\'", "(((", "a | b", "<script>", "%", "_", "'';DROP TABLE tracks"):
        response = await api.get("/api/search", params={"q": q})
        assert response.status_code == 200, q
    assert (await api.get("/api/search", params={"q": "hunter"})).json()["tracks"][0]["title"] == "Hunter"


@pytest.mark.parametrize("query", ["size=100", "size=-1", "size=big", "v=%00"])
async def test_bad_cover_parameters(api: Any, library: Library, query: str) -> None:
    assert_error(await api.get(f"/api/covers/{library.albums['homogenic']}?{query}"), 422, "invalid", "")
