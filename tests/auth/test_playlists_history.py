"""Playlists and history: each user's own; public playlists readable, never writable, by others."""

from __future__ import annotations

import asyncio
import json

import pytest

from sonantica_core.bus.events import CHANNEL
from sonantica_core.db.library import Track


@pytest.fixture
async def tracks(core) -> list[int]:
    ids = []
    async with core.session() as session:
        for n in range(5):
            track = Track(
                root="music", relative_path=f"t{n}.flac", size=1, mtime_ns=1, content_hash=f"h{n}",
                title=f"Track {n}", title_folded=f"track {n}", artist="Someone",
            )
            session.add(track)
            await session.flush()
            ids.append(track.id)
    return ids


async def test_playlist_positions_stay_contiguous(client, user_headers, tracks) -> None:
    a, b, c, d, e = tracks
    created = await client.post(
        "/api/playlists", json={"name": "Mix", "track_ids": [a, b, c]}, headers=user_headers
    )
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    assert created.json()["track_count"] == 3

    async def order() -> list[int]:
        body = (await client.get(f"/api/playlists/{pid}", headers=user_headers)).json()
        assert [t["position"] for t in body["tracks"]] == list(range(len(body["tracks"])))
        return [t["track_id"] for t in body["tracks"]]

    assert await order() == [a, b, c]
    inserted = await client.post(f"/api/playlists/{pid}/tracks", json={"track_ids": [d, e], "position": 1},
                                 headers=user_headers)
    assert inserted.status_code == 200 and inserted.json()["track_count"] == 5
    assert await order() == [a, d, e, b, c]
    await client.post(f"/api/playlists/{pid}/tracks", json={"track_ids": [a]}, headers=user_headers)  # duplicates ok
    assert await order() == [a, d, e, b, c, a]
    assert (await client.delete(f"/api/playlists/{pid}/tracks/0", headers=user_headers)).status_code == 204
    assert await order() == [d, e, b, c, a]
    assert (await client.delete(f"/api/playlists/{pid}/tracks/2", headers=user_headers)).status_code == 204
    assert await order() == [d, e, c, a]
    for bad in ("9", "-1", "x", "1e1"):
        assert (await client.delete(f"/api/playlists/{pid}/tracks/{bad}", headers=user_headers)).status_code == 404
    unknown = await client.post(f"/api/playlists/{pid}/tracks", json={"track_ids": [999999]}, headers=user_headers)
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"] == {"unknown_track_ids": [999999]}
    assert await order() == [d, e, c, a]
    for body in ({"track_ids": []}, {"track_ids": ["1"]}, {"track_ids": [0]}, {"track_ids": [a], "position": -1}):
        response = await client.post(f"/api/playlists/{pid}/tracks", json=body, headers=user_headers)
        assert response.status_code == 422, body


async def test_concurrent_appends_keep_every_entry(client, user_headers, tracks) -> None:
    pid = (await client.post("/api/playlists", json={"name": "Race"}, headers=user_headers)).json()["id"]
    results = await asyncio.gather(
        *(client.post(f"/api/playlists/{pid}/tracks", json={"track_ids": [t]}, headers=user_headers) for t in tracks)
    )
    assert all(r.status_code == 200 for r in results)
    body = (await client.get(f"/api/playlists/{pid}", headers=user_headers)).json()
    assert sorted(t["track_id"] for t in body["tracks"]) == sorted(tracks)
    assert [t["position"] for t in body["tracks"]] == list(range(5))


async def test_visibility(client, make_user, tracks) -> None:
    _, alice = await make_user("alice")
    _, bob = await make_user("bob")
    private = (await client.post("/api/playlists", json={"name": "Secret"}, headers=alice)).json()["id"]
    public = (await client.post("/api/playlists", json={"name": "Shared", "public": True}, headers=alice)).json()["id"]
    own_of_bob = (await client.post("/api/playlists", json={"name": "Bob's"}, headers=bob)).json()["id"]

    names = [p["name"] for p in (await client.get("/api/playlists", headers=bob)).json()["playlists"]]
    assert names == ["Bob's"]
    with_public = (await client.get("/api/playlists?public=true", headers=bob)).json()["playlists"]
    assert [(p["name"], p["owned"]) for p in with_public] == [("Bob's", True), ("Shared", False)]

    hidden = await client.get(f"/api/playlists/{private}", headers=bob)
    missing = await client.get("/api/playlists/999999", headers=bob)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()  # existence is not leaked
    assert (await client.get(f"/api/playlists/{public}", headers=bob)).status_code == 200
    assert (await client.patch(f"/api/playlists/{public}", json={"name": "mine now"}, headers=bob)).status_code == 403
    assert (await client.delete(f"/api/playlists/{public}", headers=bob)).status_code == 403
    adding = await client.post(f"/api/playlists/{public}/tracks", json={"track_ids": [tracks[0]]}, headers=bob)
    assert adding.status_code == 403
    assert (await client.patch(f"/api/playlists/{private}", json={"public": True}, headers=bob)).status_code == 404
    assert (await client.get(f"/api/playlists/{own_of_bob}", headers=alice)).status_code == 404

    made_public = await client.patch(f"/api/playlists/{private}", json={"public": True, "description": "hi"},
                                     headers=alice)
    assert made_public.status_code == 200 and made_public.json()["description"] == "hi"
    assert (await client.get(f"/api/playlists/{private}", headers=bob)).status_code == 200
    assert (await client.delete(f"/api/playlists/{private}", headers=alice)).status_code == 204
    assert (await client.get(f"/api/playlists/{private}", headers=alice)).status_code == 404


async def test_history_is_private_and_announced(client, core, make_user, tracks) -> None:
    alice_user, alice = await make_user("alice")
    _, bob = await make_user("bob")
    pubsub = core.redis.pubsub()
    await pubsub.subscribe(CHANNEL)
    confirmation = await pubsub.get_message(timeout=5)  # the subscription is in place
    assert confirmation is not None and confirmation["type"] == "subscribe"
    try:
        for track in tracks[:3]:
            response = await client.post("/api/history", json={"track_id": track, "completed": True}, headers=alice)
            assert response.status_code == 201, response.text
        events = []
        while len(events) < 3:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
            assert message is not None, "no play.recorded event"
            events.append(json.loads(message["data"]))
    finally:
        await pubsub.aclose()
    assert {e["type"] for e in events} == {"play.recorded"}
    assert [(e["track_id"], e["user_id"]) for e in events] == [(t, alice_user.id) for t in tracks[:3]]

    await client.post("/api/history", json={"track_id": tracks[4]}, headers=bob)
    mine = (await client.get("/api/history", headers=alice)).json()
    assert [h["track_id"] for h in mine["history"]] == tracks[2::-1]
    assert mine["history"][0]["title"] == "Track 2"
    page = (await client.get("/api/history?limit=2", headers=alice)).json()
    assert len(page["history"]) == 2 and page["next_before"] is not None
    rest = (await client.get(f"/api/history?limit=2&before={page['next_before']}", headers=alice)).json()
    assert [h["track_id"] for h in rest["history"]] == [tracks[0]] and rest["next_before"] is None
    assert [h["track_id"] for h in (await client.get("/api/history", headers=bob)).json()["history"]] == [tracks[4]]
    assert (await client.post("/api/history", json={"track_id": 999999}, headers=alice)).status_code == 422
    assert (await client.get("/api/history?limit=0", headers=alice)).status_code == 422
    assert (await client.get("/api/history?limit=abc", headers=alice)).status_code == 422
