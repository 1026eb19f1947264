"""A scripted week of plays for two users gives exactly the expected tops, times, skips and streaks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sonantica_core.listening.periods import PeriodError, parse_range

#: (day of the week 0–6, hour, minute, track, seconds listened): user A's week.
WEEK_A = [
    (0, 10, 0, "a1", 200), (0, 10, 4, "a2", 20),  # a2: a skip (300 s track)
    (1, 9, 0, "a1", 120), (1, 9, 3, "b1", 90),
    (2, 21, 0, "b2", 25), (2, 21, 1, "b2", 35),  # the first b2: a skip (40 s track needs 30)
    (4, 8, 0, "g1", 250),  # 600 s track: four minutes are enough
    (5, 8, 0, "a1", 200),
]
WEEK_B = [(3, 12, 0, "b1", 180), (3, 12, 4, "b1", 180), (3, 12, 8, "b1", 180)]


def _day(k: int) -> dt.datetime:
    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - dt.timedelta(days=6 - k)


async def _play(client: Any, headers: dict[str, str], lib: dict[str, int], n: int, play: tuple) -> None:
    day, hour, minute, track, listened = play
    started = _day(day) + dt.timedelta(hours=hour, minutes=minute)
    response = await client.post("/api/plays", headers=headers, json={
        "track_id": lib[track], "session": f"w-{n}", "event": "end", "listened": listened,
        "started_at": started.isoformat(),
    })
    assert response.status_code == 201, response.text


@pytest.fixture
async def week(client, make_user, lib) -> dict[str, Any]:
    alice, a = await make_user()
    bob, b = await make_user()
    for n, play in enumerate(WEEK_A):
        await _play(client, a, lib, n, play)
    for n, play in enumerate(WEEK_B):
        await _play(client, b, lib, n, play)
    return {"a": a, "b": b, "alice": alice, "bob": bob, "lib": lib}


async def _get(client: Any, path: str, headers: dict[str, str], **params: Any) -> Any:
    response = await client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_tops_of_the_week(client, week) -> None:
    a, lib = week["a"], week["lib"]
    tracks = (await _get(client, "/api/stats/top/tracks", a, period="week"))["items"]
    assert [(t["id"], t["plays"], t["seconds"]) for t in tracks] == [
        (lib["a1"], 3, 520.0), (lib["g1"], 1, 250.0), (lib["b1"], 1, 90.0), (lib["b2"], 1, 35.0),
    ]
    assert tracks[0]["name"] == "Alpha One" and tracks[0]["artist"] == "Alpha"
    artists = (await _get(client, "/api/stats/top/artists", a, period="week"))["items"]
    assert [(x["name"], x["plays"], x["seconds"]) for x in artists] == [
        ("Alpha", 3, 520.0), ("Beta", 2, 125.0), ("Gamma", 1, 250.0),
    ]
    albums = (await _get(client, "/api/stats/top/albums", a, period="week"))["items"]
    assert [(x["name"], x["plays"]) for x in albums] == [("A1", 3), ("B1", 2)]
    genres = (await _get(client, "/api/stats/top/genres", a, period="month", limit=1))["items"]
    assert [(x["name"], x["plays"], x["seconds"]) for x in genres] == [("Jazz", 3, 520.0)]  # Rock: 3 plays, 375 s
    b_tracks = (await _get(client, "/api/stats/top/tracks", week["b"], period="all"))["items"]
    assert [(t["id"], t["plays"]) for t in b_tracks] == [(lib["b1"], 3)]  # only Bob's own plays


async def test_summary_activity_discoveries_streaks(client, week) -> None:
    a = week["a"]
    summary = await _get(client, "/api/stats/summary", a, period="week")
    assert (summary["plays"], summary["skips"], summary["seconds"], summary["tracks"]) == (6, 2, 940.0, 4)
    days = (await _get(client, "/api/stats/activity", a, period="week", by="day"))["buckets"]
    assert [(d["day"], d["plays"]) for d in days] == [
        (_day(k).date().isoformat(), n) for k, n in ((0, 1), (1, 2), (2, 1), (4, 1), (5, 1))
    ]
    hours = (await _get(client, "/api/stats/activity", a, period="week", by="hour"))["buckets"]
    assert [(h["hour"], h["plays"]) for h in hours] == [(8, 2), (9, 2), (10, 1), (21, 1)]
    india = (await _get(client, "/api/stats/activity", a, period="week", by="hour", tz="Asia/Kolkata"))["buckets"]
    assert [(h["hour"], h["plays"]) for h in india] == [(2, 1), (13, 2), (14, 2), (15, 1)]  # +05:30
    found = await _get(client, "/api/stats/discoveries", a, period="week")
    assert found["tracks"] == 4 and found["artist_count"] == 3
    late = await _get(client, "/api/stats/discoveries", a, **{"from": _day(4).date().isoformat(),
                                                                "to": _day(5).date().isoformat()})
    assert late["tracks"] == 1 and [x["name"] for x in late["artists"]] == ["Gamma"]
    streaks = await _get(client, "/api/stats/streaks", a)
    assert streaks["active_days"] == 5
    assert streaks["longest"] == {"start": _day(0).date().isoformat(), "end": _day(2).date().isoformat(), "days": 3}
    assert streaks["current"] == {"start": _day(4).date().isoformat(), "end": _day(5).date().isoformat(), "days": 2}
    ranged = await _get(client, "/api/stats/summary", a, **{"from": _day(1).date().isoformat(),
                                                              "to": _day(1).date().isoformat()})
    assert (ranged["plays"], ranged["skips"], ranged["seconds"]) == (2, 0, 210.0)


async def test_admin_view_shows_totals_and_shared_tracks_only(client, week, admin_headers) -> None:
    lib = week["lib"]
    view = await _get(client, "/api/admin/stats", admin_headers, period="week")
    totals = {u["user_id"]: (u["plays"], u["skips"], u["seconds"]) for u in view["users"]}
    assert totals == {week["alice"].id: (6, 2, 940.0), week["bob"].id: (3, 0, 540.0)}
    assert [(t["id"], t["plays"], t["listeners"]) for t in view["top_tracks"]] == [(lib["b1"], 4, 2)]
    refused = await client.get("/api/admin/stats", headers=week["a"])
    assert refused.status_code == 403


@pytest.mark.parametrize(
    "params",
    [
        {"period": "decade"},
        {"from": "yesterday"},
        {"from": "2026-02-01", "to": "2026-01-01"},
        {"period": "week", "from": "2026-01-01"},
        {"tz": "Mars/Olympus"},
        {"limit": 0},
        {"limit": 101},
    ],
)
async def test_bad_ranges_are_refused(client, user_headers, params) -> None:
    response = await client.get("/api/stats/summary", params=params, headers=user_headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"]


async def test_unknown_kinds_and_anonymous_callers(client, user_headers) -> None:
    assert (await client.get("/api/stats/top/moods", headers=user_headers)).status_code == 404
    assert (await client.get("/api/stats/activity", params={"by": "minute"}, headers=user_headers)).status_code == 422
    for path in ("/api/stats/summary", "/api/stats/top/tracks", "/api/admin/stats"):
        assert (await client.get(path)).status_code == 401


def test_ranges() -> None:
    now = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)
    assert parse_range("week", None, None, now=now).start == now - dt.timedelta(days=7)
    day = parse_range(None, "2026-03-01", "2026-03-01", "Europe/Paris")
    assert day.start.isoformat() == "2026-03-01T00:00:00+01:00" and day.end - day.start == dt.timedelta(days=1)
    with pytest.raises(PeriodError):
        parse_range(None, "2026-03-01T00:00:00+00:00", "2026-03-01T00:00:00+00:00")
