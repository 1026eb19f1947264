"""Play reports: one entry per play session, time listened, skips, no double counting, bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select, update

from sonantica_core.contract import PlayRecorded, PlayStarted
from sonantica_core.db.playback import PlaybackHistory
from sonantica_core.listening.plays import PlayError, record_scrobble
from sonantica_core.listening.rules import is_skip, seconds_needed
from sonantica_core.plugins import Plugin, hookimpl


def test_the_play_rule() -> None:
    assert seconds_needed(200) == 100  # half the track
    assert seconds_needed(40) == 30  # at least 30 s
    assert seconds_needed(20) == 20  # a short track is heard whole
    assert seconds_needed(600) == 240  # four minutes are enough
    assert seconds_needed(None) == 30
    assert is_skip(29.9, 40, False) and not is_skip(30, 40, False)
    assert not is_skip(None, 200, True) and is_skip(None, 200, False)
    assert not is_skip(19, 20, True) and is_skip(17, 20, True)


async def _entries(core: Any, user_id: int) -> list[PlaybackHistory]:
    async with core.session() as session:
        return list(
            (await session.execute(select(PlaybackHistory).where(PlaybackHistory.user_id == user_id)
                                   .order_by(PlaybackHistory.id))).scalars()
        )


async def test_start_progress_end_make_one_entry(core, client, make_user, lib) -> None:
    user, headers = await make_user()
    track = lib["b1"]  # 180 s
    body = {"track_id": track, "session": "s-1", "client": "tests"}
    first = await client.post("/api/plays", json={**body, "event": "start", "listened": 0}, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["skipped"] and first.json()["ended_at"] is None
    for listened in (30, 75, 60):  # a late progress report cannot shrink the time listened
        response = await client.post("/api/plays", json={**body, "event": "progress", "listened": listened},
                                     headers=headers)
        assert response.status_code == 200 and response.json()["id"] == first.json()["id"]
    assert response.json()["duration_played"] == 75 and response.json()["skipped"]
    end = await client.post("/api/plays", json={**body, "event": "end", "listened": 95}, headers=headers)
    assert end.status_code == 200 and end.json()["duration_played"] == 95
    assert not end.json()["skipped"] and end.json()["ended_at"] is not None
    again = await client.post("/api/plays", json={**body, "event": "end", "listened": 95}, headers=headers)
    assert again.status_code == 200 and again.json() == end.json()  # reported twice: counted once
    (entry,) = await _entries(core, user.id)
    assert entry.duration_played == 95 and not entry.skipped and entry.session_key == "s-1"
    history = (await client.get("/api/history", headers=headers)).json()["history"]
    assert len(history) == 1 and history[0]["skipped"] is False


async def test_skips_are_told_apart_and_time_is_capped(core, client, make_user, lib) -> None:
    user, headers = await make_user()
    skip = await client.post("/api/plays", json={"track_id": lib["a2"], "session": "x", "event": "end",
                                                 "listened": 149}, headers=headers)
    assert skip.status_code == 201 and skip.json()["skipped"]
    play = await client.post("/api/plays", json={"track_id": lib["b2"], "session": "y", "event": "end",
                                                 "listened": 5000, "completed": True}, headers=headers)
    assert play.json()["duration_played"] == 42  # the 40 s track, plus the players' overshoot
    assert not play.json()["skipped"]
    legacy = await client.post("/api/history", json={"track_id": lib["a1"], "duration_played": 12}, headers=headers)
    assert legacy.status_code == 201 and legacy.json()["skipped"]
    assert [e.skipped for e in await _entries(core, user.id)] == [True, False, True]


async def test_sessions_are_per_user_and_per_track(core, client, make_user, lib) -> None:
    alice, alice_headers = await make_user()
    bob, bob_headers = await make_user()
    body = {"track_id": lib["a1"], "session": "same", "event": "end", "listened": 150}
    assert (await client.post("/api/plays", json=body, headers=alice_headers)).status_code == 201
    assert (await client.post("/api/plays", json={**body, "listened": 10}, headers=bob_headers)).status_code == 201
    other_track = await client.post("/api/plays", json={**body, "track_id": lib["b1"]}, headers=alice_headers)
    assert other_track.status_code == 409
    (mine,), (his,) = await _entries(core, alice.id), await _entries(core, bob.id)
    assert mine.duration_played == 150 and not mine.skipped
    assert his.duration_played == 10 and his.skipped
    assert len((await client.get("/api/history", headers=bob_headers)).json()["history"]) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"event": "pause"},
        {"listened": -1},
        {"listened": "long"},
        {"session": "has spaces"},
        {"session": ""},
        {"session": "x" * 101},
        {"track_id": 0},
        {"track_id": 999_999},
        {"started_at": "2999-01-01T00:00:00+00:00"},
        {"started_at": "2020-01-01T00:00:00"},  # no time zone
        {"started_at": "1999-01-01T00:00:00+00:00"},
        {"surprise": 1},
    ],
)
async def test_bad_reports_are_refused_and_record_nothing(core, client, make_user, lib, change) -> None:
    user, headers = await make_user()
    body = {"track_id": lib["a1"], "session": "s", "event": "end", "listened": 100, **change}
    response = await client.post("/api/plays", json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"]
    assert await _entries(core, user.id) == []


async def test_a_body_that_is_not_json_is_refused(client, user_headers) -> None:
    response = await client.post("/api/plays", content=b"{nope", headers={**user_headers,
                                                                          "content-type": "application/json"})
    assert response.status_code == 400
    assert (await client.post("/api/plays", json={"track_id": 1})).status_code == 401


class Listener(Plugin):
    name = "listener"

    def __init__(self) -> None:
        self.events: list[Any] = []

    @hookimpl
    async def on_play_started(self, event: PlayStarted) -> None:
        self.events.append(event)

    @hookimpl
    async def on_play_recorded(self, event: PlayRecorded) -> None:
        self.events.append(event)


async def test_plugins_hear_a_start_and_one_recorded_play(plugin_app) -> None:
    listener = Listener()
    async with plugin_app(listener) as harness:
        track = await harness.add_track("Song", artist="Someone", duration=100.0)
        body = {"track_id": track, "session": "p", "client": "web"}
        for event, listened in (("start", 0), ("progress", 20), ("end", 60), ("end", 60)):
            response = await harness.client.post("/api/plays", json={**body, "event": event, "listened": listened})
            assert response.status_code in (200, 201)
    started, recorded = listener.events
    assert isinstance(started, PlayStarted) and started.track_id == track and started.client == "web"
    assert isinstance(recorded, PlayRecorded) and recorded.duration_played == 60 and not recorded.skipped
    assert recorded.entry_id == started.entry_id


async def test_subsonic_scrobbles_make_one_entry_each(core, make_user, lib) -> None:
    user, _ = await make_user()
    track = lib["b1"]  # 180 s
    opened = await record_scrobble(core, user.id, track, submission=False, client="DSub")
    assert opened.created and opened.entry.ended_at is None
    repeat = await record_scrobble(core, user.id, track, submission=False, client="DSub")
    assert not repeat.created and repeat.entry.id == opened.entry.id
    async with core.session() as session:  # the song started 100 s ago
        await session.execute(update(PlaybackHistory).where(PlaybackHistory.id == opened.entry.id)
                              .values(played_at=func.now() - dt.timedelta(seconds=100)))
    done = await record_scrobble(core, user.id, track, submission=True, client="DSub")
    assert done.entry.id == opened.entry.id and 99 <= done.entry.duration_played <= 110
    assert not done.entry.skipped and done.entry.ended_at is not None
    twice = await record_scrobble(core, user.id, track, submission=True, client="DSub")
    assert twice.entry.id == opened.entry.id  # the same scrobble again, at once
    at = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)
    first = await record_scrobble(core, user.id, lib["a1"], submission=True, at=at, client="DSub")
    second = await record_scrobble(core, user.id, lib["a1"], submission=True, at=at, client="DSub")
    assert first.created and not second.created and first.entry.id == second.entry.id
    assert first.entry.played_at == at and first.entry.duration_played == 200 and not first.entry.skipped
    assert len(await _entries(core, user.id)) == 2
    with pytest.raises(PlayError):
        await record_scrobble(core, user.id, 999_999, submission=True)
