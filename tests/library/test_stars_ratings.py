"""Stars and ratings: the API, each user's own, in the library listings, and for plugins."""

from __future__ import annotations

import datetime as dt
from typing import Any

from librarybuild import LibraryBuilder

from sonantica_core.library import userdata


async def _tracks(core: Any) -> dict[str, int]:
    async with core.session() as session:
        b = LibraryBuilder(session)
        artist = await b.artist("Nina Simone")
        album = await b.album("Pastel Blues", [artist], artist_name="Nina Simone", year=1965)
        ids = {
            name: await b.track(name, album=album, artists=[artist], artist="Nina Simone", year=1965)
            for name in ("Be My Husband", "Nobody", "Sinnerman", "Trouble")
        }
        ids["album"], ids["artist"] = album, artist
        return ids


async def test_star_and_rate_a_track(client: Any, core: Any, make_user: Any) -> None:
    ids = await _tracks(core)
    _, alice = await make_user()
    _, bob = await make_user()
    track = ids["Sinnerman"]
    starred = await client.put(f"/api/tracks/{track}/star", headers=alice)
    assert starred.status_code == 200, starred.text
    body = starred.json()
    assert body["type"] == "track" and body["id"] == track and body["starred"] and body["rating"] is None
    first_time = body["starred_at"]
    again = (await client.put(f"/api/tracks/{track}/star", headers=alice)).json()
    assert again["starred_at"] == first_time  # starring again keeps the first time
    rated = await client.put(f"/api/tracks/{track}/rating", json={"rating": 4}, headers=alice)
    assert rated.json() == {**again, "rating": 4}
    unstarred = (await client.delete(f"/api/tracks/{track}/star", headers=alice)).json()
    assert unstarred["starred"] is False and unstarred["starred_at"] is None and unstarred["rating"] == 4
    cleared = (await client.put(f"/api/tracks/{track}/rating", json={"rating": 0}, headers=alice)).json()
    assert cleared["rating"] is None
    await client.put(f"/api/tracks/{track}/rating", json={"rating": 2}, headers=alice)
    assert (await client.delete(f"/api/tracks/{track}/rating", headers=alice)).json()["rating"] is None
    await client.put(f"/api/tracks/{track}/rating", json={"rating": 5}, headers=alice)
    # Bob sees none of Alice's marks.
    assert (await client.get(f"/api/tracks/{track}/annotation", headers=bob)).json()["rating"] is None
    assert (await client.get(f"/api/tracks/{track}/annotation", headers=alice)).json()["rating"] == 5


async def test_bad_marks_are_refused_and_change_nothing(client: Any, core: Any, user_headers: Any) -> None:
    ids = await _tracks(core)
    track = ids["Nobody"]
    for body in ({"rating": 6}, {"rating": -1}, {"rating": "4"}, {"rating": 2.5}, {}, {"rating": 3, "x": 1}):
        answer = await client.put(f"/api/tracks/{track}/rating", json=body, headers=user_headers)
        assert answer.status_code == 422, (body, answer.text)
    for path in ("/api/tracks/999999/star", "/api/albums/999999/star", "/api/artists/999999/rating"):
        assert (await client.put(path, json={"rating": 3}, headers=user_headers)).status_code == 404
    assert (await client.put(f"/api/tracks/{track}/star")).status_code == 401
    mark = (await client.get(f"/api/tracks/{track}/annotation", headers=user_headers)).json()
    assert mark == {"type": "track", "id": track, "starred": False, "starred_at": None, "rating": None}


async def test_library_lists_filter_and_sort_by_the_callers_marks(client: Any, core: Any, make_user: Any) -> None:
    ids = await _tracks(core)
    _, alice = await make_user()
    _, bob = await make_user()
    for name in ("Trouble", "Be My Husband", "Sinnerman"):  # starred in this order
        await client.put(f"/api/tracks/{ids[name]}/star", headers=alice)
    await client.put(f"/api/tracks/{ids['Nobody']}/rating", json={"rating": 5}, headers=alice)
    await client.put(f"/api/tracks/{ids['Trouble']}/rating", json={"rating": 3}, headers=alice)
    await client.put(f"/api/tracks/{ids['Nobody']}/star", headers=bob)

    async def titles(query: str, headers: dict[str, str]) -> list[str]:
        answer = await client.get(f"/api/library/tracks?{query}", headers=headers)
        assert answer.status_code == 200, answer.text
        return [item["title"] for item in answer.json()["items"]]

    assert await titles("starred=true&sort=starred", alice) == ["Trouble", "Be My Husband", "Sinnerman"]
    assert await titles("starred=true&sort=starred&order=desc", alice) == ["Sinnerman", "Be My Husband", "Trouble"]
    assert await titles("starred=false", alice) == ["Nobody"]
    assert await titles("starred=true", bob) == ["Nobody"]
    assert await titles("rating_min=4", alice) == ["Nobody"]
    assert await titles("rating_min=1&rating_max=3", alice) == ["Trouble"]
    assert await titles("sort=rating&order=desc&limit=2", alice) == ["Nobody", "Trouble"]
    page = (await client.get("/api/library/tracks?starred=true&sort=starred&limit=2", headers=alice)).json()
    assert [item["title"] for item in page["items"]] == ["Trouble", "Be My Husband"]
    assert page["items"][0]["rating"] == 3 and page["items"][0]["starred_at"] is not None
    rest = (await client.get(page["next"], headers=alice)).json()
    assert [item["title"] for item in rest["items"]] == ["Sinnerman"] and rest["next"] is None
    # Personal answers are never shared through the response cache.
    await client.delete(f"/api/tracks/{ids['Trouble']}/star", headers=alice)
    assert await titles("starred=true&sort=starred", alice) == ["Be My Husband", "Sinnerman"]
    assert (await client.get("/api/library/tracks?rating_min=9", headers=alice)).status_code == 422

    await client.put(f"/api/albums/{ids['album']}/star", headers=alice)
    await client.put(f"/api/artists/{ids['artist']}/rating", json={"rating": 4}, headers=alice)
    albums = (await client.get("/api/library/albums?starred=true", headers=alice)).json()["items"]
    assert [album["id"] for album in albums] == [ids["album"]] and albums[0]["starred_at"] is not None
    assert (await client.get("/api/library/albums?starred=true", headers=bob)).json()["items"] == []
    artists = (await client.get("/api/library/artists?sort=rating&rating_min=4", headers=alice)).json()["items"]
    assert [(artist["id"], artist["rating"]) for artist in artists] == [(ids["artist"], 4)]


async def test_plugins_read_and_write_marks(core: Any, make_user: Any) -> None:
    ids = await _tracks(core)
    user, _ = await make_user()
    when = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    async with core.session() as session:
        mark = await userdata.star(session, user.id, "track", ids["Nobody"], at=when)
        assert mark.starred and mark.starred_at == when
        await userdata.set_rating(session, user.id, "album", ids["album"], 5)
    async with core.session() as session:
        marks = await userdata.annotations(session, user.id, "track", [ids["Nobody"], ids["Trouble"]])
        assert list(marks) == [ids["Nobody"]] and marks[ids["Nobody"]].starred_at == when
        assert (await userdata.annotation(session, user.id, "album", ids["album"])).rating == 5
        assert [m.item_id for m in await userdata.starred(session, user.id, "track")] == [ids["Nobody"]]
        await userdata.unstar(session, user.id, "track", ids["Nobody"])
        assert (await userdata.annotation(session, user.id, "track", ids["Nobody"])).starred_at is None
        try:
            await userdata.set_rating(session, user.id, "track", ids["Nobody"], 7)
        except userdata.AnnotationError as exc:
            assert "0 to 5" in str(exc)
        else:
            raise AssertionError("a rating of 7 was accepted")
