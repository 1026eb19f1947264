"""The per-process response cache of the library answers: same bytes, dropped on a library
change (here and through the bus), ETag and 304, keys, and users."""

from __future__ import annotations

from typing import Any

from librarybuild import Library
from sqlalchemy import update

from sonantica_core.bus.library import GENERATION_KEY
from sonantica_core.bus.library import bump_generation as bump_library_generation
from sonantica_core.db.library import Track
from sonantica_core.http.responsecache import ResponseCache, get_response_cache
from sonantica_core.text.folding import fold

TRACKS = "/api/library/tracks?sort=title&limit=3"


async def _rename(core: Any, track_id: int, title: str) -> None:
    async with core.session() as session:
        await session.execute(update(Track).where(Track.id == track_id).values(title=title, title_folded=fold(title)))


async def test_cached_answer_is_the_same_bytes(api: Any, core: Any, library: Library) -> None:
    first = await api.get(TRACKS)
    second = await api.get(TRACKS)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    assert first.headers.get("link") == second.headers.get("link")
    assert first.headers["content-type"] == "application/json"
    assert get_response_cache(core).hits >= 1


async def test_library_change_is_seen_after_a_bump(api: Any, core: Any, library: Library) -> None:
    track_id = library.tracks["hunter"]
    url = f"/api/library/tracks/{track_id}"
    before = await api.get(url)
    assert before.json()["title"] == "Hunter"
    await _rename(core, track_id, "Hunter (remastered)")
    assert (await api.get(url)).content == before.content  # served from the cache until told
    generation = await bump_library_generation(core)
    assert generation is not None and int(await core.redis.get(GENERATION_KEY)) == generation
    after = await api.get(url)
    assert after.json()["title"] == "Hunter (remastered)"
    assert after.headers["etag"] != before.headers["etag"]
    search = await api.get("/api/search?q=remastered")
    assert [t["id"] for t in search.json()["tracks"]] == [track_id]


async def test_etag_revalidation(api: Any, library: Library) -> None:
    first = await api.get(TRACKS)
    etag = first.headers["etag"]
    again = await api.get(TRACKS, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    weak = await api.get(TRACKS, headers={"If-None-Match": f'"other", W/{etag}'})
    assert weak.status_code == 304
    stale = await api.get(TRACKS, headers={"If-None-Match": '"0-0000"'})
    assert stale.status_code == 200 and stale.content == first.content


async def test_etag_is_stale_after_a_change(api: Any, core: Any, library: Library) -> None:
    etag = (await api.get(TRACKS)).headers["etag"]
    await bump_library_generation(core)
    answer = await api.get(TRACKS, headers={"If-None-Match": etag})
    assert answer.status_code == 200
    assert answer.headers["etag"] != etag


async def test_query_strings_do_not_collide(api: Any, library: Library) -> None:
    one = await api.get("/api/library/tracks?sort=title&limit=1")
    two = await api.get("/api/library/tracks?sort=title&limit=2")
    by_album = await api.get("/api/library/tracks?sort=album&limit=2")
    assert len(one.json()["items"]) == 1 and len(two.json()["items"]) == 2
    assert len({one.headers["etag"], two.headers["etag"], by_album.headers["etag"]}) == 3
    assert by_album.json() != two.json()
    page2 = await api.get(two.json()["next"])
    assert page2.json()["items"] != two.json()["items"]
    # the order of the parameters does not matter; repeated ones keep theirs (the last wins)
    swapped = await api.get("/api/library/tracks?limit=2&sort=title")
    assert swapped.headers["etag"] == two.headers["etag"] and swapped.content == two.content
    last_wins = await api.get("/api/library/tracks?sort=title&limit=2&limit=1")
    assert len(last_wins.json()["items"]) == 1
    # search, details and genres too
    bjork = await api.get("/api/search?q=bjork")
    hunter = await api.get("/api/search?q=hunter")
    assert bjork.content != hunter.content
    assert (await api.get("/api/library/genres")).status_code == 200
    a, b = library.tracks["hunter"], library.albums["homogenic"]
    assert (await api.get(f"/api/library/tracks/{a}")).json()["id"] == a
    assert (await api.get(f"/api/library/albums/{b}")).json()["id"] == b


async def test_errors_are_not_cached(api: Any, core: Any, library: Library) -> None:
    assert (await api.get("/api/library/tracks/999999")).status_code == 404
    assert (await api.get("/api/library/tracks?limit=0")).status_code == 422
    assert (await api.get("/api/library/tracks?cursor=junk")).status_code == 400
    assert len(get_response_cache(core)) == 0


async def test_users_share_answers_but_not_access(client: Any, make_user: Any, core: Any, library: Library) -> None:
    _, alice = await make_user("alice")
    _, bob = await make_user("bob")
    a = await client.get(TRACKS, headers=alice)
    b = await client.get(TRACKS, headers=bob)
    assert a.status_code == b.status_code == 200
    assert a.content == b.content  # the answers do not depend on the user
    assert get_response_cache(core).hits >= 1
    anonymous = await client.get(TRACKS)
    assert anonymous.status_code == 401  # the cache sits behind the access check
    assert (await client.get(TRACKS, headers={"If-None-Match": a.headers["etag"]})).status_code == 401


async def test_other_processes_drop_their_cache(core: Any) -> None:
    """A bus message drops another process's cache; an older (late) one does not go back."""
    other = ResponseCache()
    other.set_generation(3)
    other.put("/x", 3, b"{}", {}, '"3-x"')
    other.apply_message({"kind": "library", "generation": 4})
    assert other.generation == 4 and len(other) == 0
    other.put("/x", 4, b"{}", {}, '"4-x"')
    other.apply_message({"kind": "library", "generation": 2})
    assert other.generation == 4 and len(other) == 1
    other.put("/y", 3, b"{}", {}, '"3-y"')  # computed under an older generation: not kept
    assert other.get("/y") is None
    # the safety net: the generation read from Redis
    await core.redis.set(GENERATION_KEY, 9)
    await other.refresh(core)
    assert other.generation == 9 and len(other) == 0


def test_bounded_by_bytes() -> None:
    cache = ResponseCache(max_bytes=800)
    cache.set_generation(1)
    for i in range(10):
        cache.put(f"/k{i}", 1, b"x" * 100, {}, f'"1-{i}"')
    assert cache.size <= 800 and len(cache) == 8
    assert cache.get("/k0") is None and cache.get("/k9") is not None


async def test_concurrent_misses_of_one_page_compute_it_once(api: Any, core: Any, library: Library) -> None:
    import asyncio

    from sqlalchemy import event

    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM tracks" in statement:
            statements.append(statement)

    await bump_library_generation(core)  # nothing cached
    event.listen(core.engine.sync_engine, "before_cursor_execute", count)
    try:
        answers = await asyncio.gather(*(api.get(TRACKS) for _ in range(8)))
    finally:
        event.remove(core.engine.sync_engine, "before_cursor_execute", count)
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    alone = await asyncio.gather(api.get(TRACKS))
    assert alone[0].content == answers[0].content
    assert 1 <= len(statements) <= 3, statements  # one computation's queries, not eight
    assert not get_response_cache(core).in_flight
