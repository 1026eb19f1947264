"""Personal mixes contain what their rules say, explained, and never another user's data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, update

from sonantica_core.db.analysis import TrackEmbedding
from sonantica_core.db.playback import PersonalMix
from sonantica_core.listening.plays import PlayReport, report_play


async def _plays(core: Any, user_id: int, lib: dict[str, int], track: str, times: int, days_ago: float) -> None:
    for n in range(times):
        started = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago, minutes=10 * n)
        await report_play(core, user_id, PlayReport(lib[track], "end", f"{track}-{days_ago}-{n}", 10_000.0,
                                                     started_at=started))


def _mix(body: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(m for m in body["mixes"] if m["kind"] == kind)


async def test_mixes_follow_their_rules(core, client, make_user, lib) -> None:
    alice, a = await make_user()
    bob, b = await make_user()
    await _plays(core, alice.id, lib, "a1", 4, 90)  # a favourite, not heard for 90 days
    await _plays(core, alice.id, lib, "b1", 3, 5)  # on repeat lately
    await _plays(core, alice.id, lib, "g1", 2, 2)
    await _plays(core, alice.id, lib, "b2", 1, 1)  # once: not on repeat
    await _plays(core, bob.id, lib, "d1", 6, 1)  # Bob's taste stays Bob's
    await _plays(core, bob.id, lib, "a3", 5, 100)
    body = (await client.get("/api/mixes", headers=a)).json()
    on_repeat = _mix(body, "on-repeat")
    assert [t["track_id"] for t in on_repeat["tracks"]] == [lib["b1"], lib["g1"]]
    assert on_repeat["tracks"][0]["reason"] == "played 3 times in the last 30 days"
    forgotten = _mix(body, "forgotten-favourites")
    assert [t["track_id"] for t in forgotten["tracks"]] == [lib["a1"]]
    assert forgotten["tracks"][0]["reason"].startswith("played 4 times, last on ")
    discover = _mix(body, "discover")
    found = {t["track_id"]: t["reason"] for t in discover["tracks"]}
    # never played by Alice: by her artists first (Alpha Two, Alpha Three, Gamma Two), then her genres
    assert set(list(found)[:3]) == {lib["a2"], lib["a3"], lib["g2"]}
    assert found[lib["a3"]] == "by Alpha, whom you play often"
    assert found[lib["d1"]] == "Jazz, a genre you play often"  # Bob's favourite, reached only through the genre
    played = {lib[k] for k in ("a1", "b1", "g1", "b2")}
    assert not played & set(found)
    assert "embeddings" in discover["method"]
    # each mix is one of Alice's playlists; Bob sees none of them, and his mixes hold only his plays
    playlist = await client.get(f"/api/playlists/{on_repeat['playlist_id']}", headers=a)
    assert [t["track_id"] for t in playlist.json()["tracks"]] == [lib["b1"], lib["g1"]]
    assert (await client.get(f"/api/playlists/{on_repeat['playlist_id']}", headers=b)).status_code == 404
    bobs = (await client.get("/api/mixes", headers=b)).json()
    assert [t["track_id"] for t in _mix(bobs, "on-repeat")["tracks"]] == [lib["d1"]]
    assert [t["track_id"] for t in _mix(bobs, "forgotten-favourites")["tracks"]] == [lib["a3"]]
    assert not {lib["d1"], lib["a3"]} & {t["track_id"] for t in _mix(bobs, "discover")["tracks"]}


async def test_discover_uses_the_embeddings_when_there_are_some(core, client, make_user, lib) -> None:
    alice, a = await make_user()
    await _plays(core, alice.id, lib, "a1", 3, 3)
    vectors = {"a1": [1, 0, 0, 0], "b2": [0.8, 0.2, 0, 0], "g2": [0.2, 0.9, 0.1, 0], "d1": [0, 0, 0, 1]}
    async with core.session() as session:
        await session.execute(insert(TrackEmbedding), [
            {"track_id": lib[k], "model": "test-model", "source": "tests", "dimension": 4, "vector": v}
            for k, v in vectors.items()
        ])
    discover = _mix((await client.get("/api/mixes", headers=a)).json(), "discover")
    assert [t["track_id"] for t in discover["tracks"]] == [lib["b2"], lib["g2"], lib["d1"]]
    assert discover["tracks"][0]["reason"].startswith("sounds like «Alpha One» by Alpha (distance 0.0")
    assert "test-model" in discover["method"]


async def test_mixes_are_remade_when_a_day_old_or_asked(core, client, make_user, lib) -> None:
    alice, a = await make_user()
    first = (await client.get("/api/mixes", headers=a)).json()
    assert all(m["tracks"] == [] for m in first["mixes"])  # no plays yet: empty mixes, explained
    await _plays(core, alice.id, lib, "b1", 2, 1)
    again = (await client.get("/api/mixes", headers=a)).json()
    assert _mix(again, "on-repeat")["tracks"] == []  # made less than a day ago: kept
    async with core.session() as session:
        await session.execute(update(PersonalMix).where(PersonalMix.user_id == alice.id)
                              .values(generated_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=2)))
    stale = (await client.get("/api/mixes", headers=a)).json()
    assert [t["track_id"] for t in _mix(stale, "on-repeat")["tracks"]] == [lib["b1"]]
    assert _mix(stale, "on-repeat")["playlist_id"] == _mix(first, "on-repeat")["playlist_id"]
    deleted = await client.delete(f"/api/playlists/{_mix(stale, 'on-repeat')['playlist_id']}", headers=a)
    assert deleted.status_code == 204
    refreshed = await client.post("/api/mixes/refresh", headers=a)
    assert refreshed.status_code == 200 and refreshed.json()["remade"] == ["on-repeat", "forgotten-favourites",
                                                                           "discover"]
    assert [t["track_id"] for t in _mix(refreshed.json(), "on-repeat")["tracks"]] == [lib["b1"]]
    assert (await client.get("/api/mixes")).status_code == 401
