"""Forwarding to ListenBrainz and Last.fm: the fakes see the right calls; 5xx and outages lose nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sonantica_scrobble.forwarder import enqueue, flush
from sonantica_scrobble.services import api_signature
from sonantica_scrobble.tables import accounts, queue
from sonantica_scrobble.tasks import flush_scrobbles, send_now_playing
from sqlalchemy import select

from sonantica_core.contract import PlayRecorded
from sonantica_core.testing.fixtures import TEST_PASSWORD, quick_password_hash


async def _user(harness: Any) -> tuple[int, dict[str, str]]:
    from sonantica_core.auth.sessions import access_token_for
    from sonantica_core.auth.users import create_user

    async with harness.ctx.session() as session:
        user = await create_user(session, f"u-{uuid.uuid4().hex[:8]}", TEST_PASSWORD,
                                 password_hash=quick_password_hash(TEST_PASSWORD))
        await session.refresh(user)
    return user.id, {"Authorization": f"Bearer {access_token_for(harness.ctx, user)[0]}"}


async def _linked(harness: Any, services: tuple[str, ...] = ("listenbrainz", "lastfm")) -> tuple[int, dict]:
    user_id, headers = await _user(harness)
    tokens = {"listenbrainz": "lb-alice", "lastfm": "approved-alice"}
    for service in services:
        response = await harness.client.put(f"/plugins/scrobble/accounts/{service}", json={"token": tokens[service]},
                                            headers=headers)
        assert response.status_code == 200, response.text
    return user_id, headers


async def _queued(harness: Any, user_id: int) -> list[Any]:
    async with harness.ctx.session() as session:
        return list((await session.execute(select(queue).where(queue.c.user_id == user_id)
                                           .order_by(queue.c.id))).all())


def test_the_lastfm_signature() -> None:
    import hashlib

    params = {"method": "auth.getSession", "api_key": "xx", "token": "yy", "format": "json"}  # format: not signed
    assert api_signature(params, "secret") == hashlib.md5(b"api_keyxxmethodauth.getSessiontokenyysecret").hexdigest()


async def test_linking_accounts_seals_the_tokens(scrobbling, listenbrainz, lastfm) -> None:
    user_id, headers = await _user(scrobbling)
    client = scrobbling.client
    bad = await client.put("/plugins/scrobble/accounts/listenbrainz", json={"token": "nope"}, headers=headers)
    assert bad.status_code == 422
    for body in ({"token": ""}, {"token": 5}, {}, [1], {"token": "x" * 201}):
        assert (await client.put("/plugins/scrobble/accounts/listenbrainz", json=body,
                                 headers=headers)).status_code == 422
    assert (await client.put("/plugins/scrobble/accounts/napster", json={"token": "t"},
                             headers=headers)).status_code == 404
    unapproved = await client.put("/plugins/scrobble/accounts/lastfm", json={"token": "not-approved"},
                                  headers=headers)
    assert unapproved.status_code == 422
    url = (await client.get("/plugins/scrobble/lastfm/authorize", params={"cb": "https://me.example/back"},
                            headers=headers)).json()["url"]
    assert "api_key=key-123" in url and "cb=https%3A%2F%2Fme.example%2Fback" in url
    await _linked_with(scrobbling, headers)
    listed = (await client.get("/plugins/scrobble/accounts", headers=headers)).json()["accounts"]
    assert [(a["service"], a["linked"], a["username"]) for a in listed] == [
        ("listenbrainz", True, "alice_lb"), ("lastfm", True, "alice_fm"),
    ]
    async with scrobbling.ctx.session() as session:
        sealed = dict((await session.execute(select(accounts.c.service, accounts.c.token_sealed)
                                             .where(accounts.c.user_id == user_id))).all())
    assert b"lb-alice" not in sealed["listenbrainz"] and b"sk-alice_fm" not in sealed["lastfm"]
    _, other = await _user(scrobbling)
    theirs = (await client.get("/plugins/scrobble/accounts", headers=other)).json()["accounts"]
    assert not any(a["linked"] for a in theirs)
    assert (await client.delete("/plugins/scrobble/accounts/lastfm", headers=other)).status_code == 404
    assert (await client.delete("/plugins/scrobble/accounts/lastfm", headers=headers)).status_code == 204


async def _linked_with(harness: Any, headers: dict[str, str]) -> None:
    for service, token in (("listenbrainz", "lb-alice"), ("lastfm", "approved-alice")):
        response = await harness.client.put(f"/plugins/scrobble/accounts/{service}", json={"token": token},
                                            headers=headers)
        assert response.status_code == 200, response.text


async def test_a_play_goes_to_both_services_once(scrobbling, listenbrainz, lastfm) -> None:
    user_id, headers = await _linked(scrobbling)
    other_id, other_headers = await _user(scrobbling)
    track = await scrobbling.add_track("Blue Train", artist="John Coltrane", album="Blue Train", duration=200.0)
    short = await scrobbling.add_track("Jingle", artist="Ads", duration=20.0)
    body = {"track_id": track, "session": "play-1", "client": "web"}
    start = await scrobbling.client.post("/api/plays", json={**body, "event": "start"}, headers=headers)
    assert start.status_code == 201
    assert await scrobbling.run_task(send_now_playing, user_id, track, "web") == ["lastfm", "listenbrainz"]
    assert listenbrainz.playing_now[0]["track_metadata"]["track_name"] == "Blue Train"
    assert "listened_at" not in listenbrainz.playing_now[0]
    assert lastfm.now_playing[0]["track"] == "Blue Train" and lastfm.now_playing[0]["duration"] == "200"
    for _ in range(2):  # reported twice: scrobbled once
        await scrobbling.client.post("/api/plays", json={**body, "event": "end", "listened": 150}, headers=headers)
    skip = {"track_id": track, "session": "play-2", "event": "end", "listened": 10}
    await scrobbling.client.post("/api/plays", json=skip, headers=headers)
    await scrobbling.client.post("/api/plays", json={"track_id": short, "session": "p3", "event": "end",
                                                     "listened": 20}, headers=headers)
    await scrobbling.client.post("/api/plays", json={**body, "event": "end", "listened": 150}, headers=other_headers)
    assert [(r.service, r.track) for r in await _queued(scrobbling, user_id)] == [
        ("lastfm", "Blue Train"), ("listenbrainz", "Blue Train"), ("listenbrainz", "Jingle"),  # Last.fm: > 30 s only
    ]
    assert await _queued(scrobbling, other_id) == []  # no account: nothing of theirs goes anywhere
    assert await scrobbling.run_task(flush_scrobbles, user_id) == {"sent": 3, "retry": 0, "dropped": 0}
    started = dt.datetime.fromisoformat(start.json()["played_at"])
    jingle, listen = listenbrainz.listens  # oldest first: the jingle started 20 s before its end was reported
    assert listen["listen_type"] == "import" and listen["user"] == "alice_lb"  # two listens: one import
    assert listen["listened_at"] == int(started.timestamp())
    assert listen["track_metadata"]["artist_name"] == "John Coltrane"
    assert listen["track_metadata"]["release_name"] == "Blue Train"
    assert listen["track_metadata"]["additional_info"]["duration_ms"] == 200_000
    assert jingle["track_metadata"]["track_name"] == "Jingle"
    (scrobble,) = lastfm.scrobbles
    assert scrobble["user"] == "alice_fm" and scrobble["timestamp"] == str(int(started.timestamp()))
    assert await _queued(scrobbling, user_id) == []


async def _fill(harness: Any, user_id: int, track: int, count: int, first_entry: int = 1) -> None:
    base = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
    for n in range(count):
        event = PlayRecorded(track_id=track, user_id=user_id, at=base + dt.timedelta(minutes=5 * n),
                             duration_played=150.0, entry_id=first_entry + n)
        await enqueue(harness.ctx, event)


async def test_5xx_and_outages_lose_nothing(scrobbling, listenbrainz, lastfm) -> None:
    user_id, _ = await _linked(scrobbling)
    track = await scrobbling.add_track("So What", artist="Miles Davis", duration=500.0)
    await _fill(scrobbling, user_id, track, 60)
    listenbrainz.status, lastfm.status = 503, 502
    assert await flush(scrobbling.ctx, user_id) == {"sent": 0, "retry": 110, "dropped": 0}  # 60 LB, first 50 FM
    rows = await _queued(scrobbling, user_id)
    assert len(rows) == 120 and {r.attempts for r in rows} == {0, 1}
    assert all(r.next_attempt_at > dt.datetime.now(dt.UTC) for r in rows if r.attempts)
    listenbrainz.status, lastfm.status = None, None
    listenbrainz.down = lastfm.down = True  # then an outage: connections drop
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=31)
    assert (await flush(scrobbling.ctx, user_id, now=later))["sent"] == 0
    assert len(await _queued(scrobbling, user_id)) == 120
    assert max(r.attempts for r in await _queued(scrobbling, user_id)) == 2  # waits longer each time
    listenbrainz.down = lastfm.down = False
    lastfm.calls.clear()
    much_later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert await flush(scrobbling.ctx, user_id, now=much_later) == {"sent": 120, "retry": 0, "dropped": 0}
    assert await _queued(scrobbling, user_id) == []
    assert len(listenbrainz.listens) == 60 and listenbrainz.listens[0]["listen_type"] == "import"
    assert len(lastfm.scrobbles) == 60 and lastfm.calls == ["track.scrobble", "track.scrobble"]  # 50, then 10
    stamps = [int(s["timestamp"]) for s in lastfm.scrobbles]
    assert stamps == sorted(stamps) and len(set(stamps)) == 60  # oldest first, each once


async def test_rate_limits_revoked_sessions_and_refused_listens(scrobbling, listenbrainz, lastfm) -> None:
    user_id, headers = await _linked(scrobbling)
    good = await scrobbling.add_track("Naima", artist="John Coltrane", duration=260.0)
    refused = await scrobbling.add_track("Refused", artist="Someone", duration=100.0)
    await _fill(scrobbling, user_id, good, 2)
    await _fill(scrobbling, user_id, refused, 1, first_entry=10)
    lastfm.error = 29  # rate limit exceeded
    counts = await flush(scrobbling.ctx, user_id)
    assert counts == {"sent": 2, "retry": 3, "dropped": 1}  # ListenBrainz: 2 sent, "Refused" dropped
    assert [x["track_metadata"]["track_name"] for x in listenbrainz.listens] == ["Naima", "Naima"]
    lastfm.error = None
    lastfm.sessions.clear()  # the user revoked the server's access on Last.fm
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    assert (await flush(scrobbling.ctx, user_id, now=later))["sent"] == 0
    listed = (await scrobbling.client.get("/plugins/scrobble/accounts", headers=headers)).json()["accounts"]
    fm = next(a for a in listed if a["service"] == "lastfm")
    assert "re-authenticate" in fm["disabled_reason"] and fm["queued"] == 3  # kept for when it is linked again
    lastfm.auth_tokens["approved-alice"] = "alice_fm"
    await _linked_with(scrobbling, headers)
    assert (await flush(scrobbling.ctx, user_id, now=later))["sent"] == 3
    assert sorted(s["track"] for s in lastfm.scrobbles) == ["Naima", "Naima", "Refused"]


async def test_a_workers_sweep_sends_what_waited(scrobbling, listenbrainz, lastfm) -> None:
    import asyncio

    from sonantica_scrobble.plugin import ScrobblePlugin

    user_id, _ = await _linked(scrobbling, ("listenbrainz",))
    track = await scrobbling.add_track("Giant Steps", artist="John Coltrane", duration=280.0)
    listenbrainz.down = True
    await _fill(scrobbling, user_id, track, 3)
    assert (await flush(scrobbling.ctx, user_id))["retry"] == 3
    async with scrobbling.ctx.session() as session:  # the wait is over
        await session.execute(queue.update().values(next_attempt_at=dt.datetime.now(dt.UTC)))
    listenbrainz.down = False
    sweeper = asyncio.create_task(ScrobblePlugin._sweep(scrobbling.ctx, 0.05))
    try:
        for _ in range(200):  # sent, and then taken off the queue (the sweep does both, in turn)
            if len(listenbrainz.listens) == 3 and await _queued(scrobbling, user_id) == []:
                break
            await asyncio.sleep(0.05)
    finally:
        sweeper.cancel()
    assert len(listenbrainz.listens) == 3 and await _queued(scrobbling, user_id) == []
