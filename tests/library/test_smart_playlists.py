"""Smart playlists: rules over analysis, tags, plays and marks, evaluated live, per user."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from librarybuild import LibraryBuilder
from sqlalchemy import insert, update

from sonantica_core.db.analysis import TrackAudioFeatures, TrackEmbedding
from sonantica_core.db.playback import PlaybackHistory

RUNNING = {
    "all": [{"field": "bpm", "op": "between", "value": [120, 140]}, {"field": "mode", "op": "is", "value": "minor"}]
}
#: title → (bpm, mode, Camelot, energy, genre, year)
TRACKS = {
    "Fast Minor": (128.0, "minor", "8A", 0.9, "Techno", 2019),
    "Edge Low": (120.0, "minor", "5A", 0.7, "House", 2001),
    "Edge High": (140.0, "minor", "9A", 0.8, "Techno", 2022),
    "Fast Major": (130.0, "major", "8B", 0.95, "House", 2020),
    "Too Fast": (141.0, "minor", "8A", 0.99, "Drum & Bass", 2015),
    "Slow Minor": (80.0, "minor", "1A", 0.2, "Ambient", 1995),
    "Café Noir": (None, None, None, None, "Jazz", 1959),
}


@pytest.fixture
async def songs(core: Any) -> dict[str, int]:
    async with core.session() as session:
        b = LibraryBuilder(session)
        artist = await b.artist("Sigur Rós")
        ids = {}
        for title, (bpm, mode, key, energy, genre, year) in TRACKS.items():
            ids[title] = await b.track(
                title,
                artists=[artist],
                artist="Sigur Rós",
                genres=[genre],
                year=year,
                fmt="mp3" if title == "Fast Major" else "flac",
            )
            if bpm is not None:
                await session.execute(
                    insert(TrackAudioFeatures).values(
                        track_id=ids[title], bpm=bpm, mode=mode, camelot_key=key, energy=energy
                    )
                )
    return ids


async def _titles(client: Any, headers: dict[str, str], rules: dict[str, Any], **extra: Any) -> list[str]:
    created = await client.post("/api/smart-playlists", json={"name": "t", "rules": rules, **extra}, headers=headers)
    assert created.status_code == 201, created.text
    answer = await client.get(f"/api/smart-playlists/{created.json()['id']}/tracks?limit=500", headers=headers)
    assert answer.status_code == 200, answer.text
    return [item["title"] for item in answer.json()["items"]]


async def test_tempo_and_minor_key_follow_the_analysis(client: Any, core: Any, songs: Any, user_headers: Any) -> None:
    created = await client.post(
        "/api/smart-playlists", json={"name": "Running", "rules": RUNNING, "sort": "bpm"}, headers=user_headers
    )
    assert created.status_code == 201, created.text
    playlist = created.json()
    assert playlist["rules"] == RUNNING and playlist["sort"] == "bpm" and playlist["limit"] is None
    tracks_url = f"/api/smart-playlists/{playlist['id']}/tracks"

    async def titles() -> list[str]:
        return [item["title"] for item in (await client.get(tracks_url, headers=user_headers)).json()["items"]]

    assert await titles() == ["Edge Low", "Fast Minor", "Edge High"]
    shown = (await client.get(f"/api/smart-playlists/{playlist['id']}", headers=user_headers)).json()
    assert shown["track_count"] == 3 and shown["duration"] == 600.0
    # New analysis results: the playlist follows them without being saved again.
    async with core.session() as session:
        await session.execute(
            insert(TrackAudioFeatures).values(track_id=songs["Café Noir"], bpm=125.0, mode="minor", camelot_key="4A")
        )
        await session.execute(
            update(TrackAudioFeatures)
            .where(TrackAudioFeatures.track_id == songs["Edge High"])
            .values(mode="major", camelot_key="9B")
        )
    assert await titles() == ["Edge Low", "Café Noir", "Fast Minor"]


async def test_nested_groups_and_every_kind_of_field(client: Any, core: Any, songs: Any, make_user: Any) -> None:
    user, me = await make_user()
    _, other = await make_user()
    h = me
    nested = {
        "any": [
            {"all": [{"field": "genre", "op": "is", "value": "techno"}, {"field": "year", "op": "gte", "value": 2020}]},
            {"field": "title", "op": "contains", "value": "cafe"},
        ]
    }
    assert sorted(await _titles(client, h, nested)) == ["Café Noir", "Edge High"]
    assert await _titles(
        client, h, {"all": [{"field": "key", "op": "compatible", "value": "A minor"}]}, sort="title"
    ) == ["Edge High", "Fast Major", "Fast Minor", "Too Fast"]
    assert await _titles(
        client,
        h,
        {"all": [{"field": "camelot", "op": "is", "value": "8A"}, {"field": "energy", "op": "lt", "value": 0.95}]},
    ) == ["Fast Minor"]
    assert await _titles(
        client,
        h,
        {
            "all": [
                {"field": "artist", "op": "starts_with", "value": "sigur ros"},
                {"field": "genre", "op": "not_contains", "value": "o"},
            ]
        },
        sort="year",
        order="desc",
    ) == ["Too Fast", "Slow Minor", "Café Noir"]
    assert await _titles(client, h, {"all": [{"field": "lossless", "op": "is", "value": False}]}) == ["Fast Major"]
    assert (
        len(
            await _titles(
                client,
                h,
                {
                    "all": [
                        {"field": "added", "op": "after", "value": "2023-12-31"},
                        {"field": "duration", "op": "is", "value": 200},
                    ]
                },
            )
        )
        == 7
    )
    assert await _titles(client, h, {"all": [{"field": "added", "op": "in_the_last", "value": 30}]}) == []
    # Plays and last play are each user's own.
    now = dt.datetime.now(dt.UTC)
    async with core.session() as session:
        plays = [(songs["Slow Minor"], now - dt.timedelta(days=1))] * 3 + [
            (songs["Edge Low"], now - dt.timedelta(days=90))
        ]
        await session.execute(
            insert(PlaybackHistory), [{"user_id": user.id, "track_id": track, "played_at": at} for track, at in plays]
        )
    played = {"all": [{"field": "plays", "op": "gte", "value": 1}]}
    assert await _titles(client, h, played, sort="plays", order="desc") == ["Slow Minor", "Edge Low"]
    assert await _titles(client, other, played) == []
    assert await _titles(client, h, {"all": [{"field": "last_played", "op": "in_the_last", "value": 7}]}) == [
        "Slow Minor"
    ]
    forgotten = {
        "all": [
            {"field": "last_played", "op": "not_in_the_last", "value": 30},
            {"field": "genre", "op": "is", "value": "House"},
        ]
    }
    assert await _titles(client, h, forgotten) == ["Edge Low", "Fast Major"]  # never played counts too
    # Stars and ratings.
    await client.put(f"/api/tracks/{songs['Too Fast']}/star", headers=h)
    await client.put(f"/api/tracks/{songs['Edge Low']}/rating", json={"rating": 4}, headers=h)
    assert await _titles(client, h, {"all": [{"field": "starred", "op": "is", "value": True}]}) == ["Too Fast"]
    assert await _titles(client, other, {"all": [{"field": "starred", "op": "is", "value": True}]}) == []
    assert await _titles(
        client,
        h,
        {"any": [{"field": "rating", "op": "gt", "value": 3}, {"field": "starred", "op": "is", "value": True}]},
        sort="rating",
        order="desc",
    ) == ["Edge Low", "Too Fast"]


async def test_sounds_like_a_track(client: Any, core: Any, songs: Any, user_headers: Any) -> None:
    vectors = {
        "Fast Minor": [1.0, 0.0, 0.0],
        "Edge High": [0.95, 0.1, 0.0],
        "Too Fast": [0.7, 0.7, 0.0],
        "Slow Minor": [0.0, 0.0, 1.0],
    }
    async with core.session() as session:
        await session.execute(
            insert(TrackEmbedding),
            [
                {"track_id": songs[t], "model": "test-descriptor", "source": "tests", "dimension": 3, "vector": v}
                for t, v in vectors.items()
            ],
        )
    rule = {"all": [{"field": "sounds_like", "op": "is", "value": {"track": songs["Fast Minor"], "threshold": 0.9}}]}
    assert sorted(await _titles(client, user_headers, rule)) == ["Edge High", "Fast Minor"]
    rule["all"][0]["value"]["threshold"] = 0.6
    assert sorted(await _titles(client, user_headers, rule)) == ["Edge High", "Fast Minor", "Too Fast"]
    rule["all"][0]["value"]["model"] = "another-model"
    assert await _titles(client, user_headers, rule) == []


async def test_pages_limit_and_preview(client: Any, songs: Any, user_headers: Any) -> None:
    every = {"all": []}
    created = (
        await client.post(
            "/api/smart-playlists",
            json={"name": "Top 5 energy", "rules": every, "sort": "energy", "order": "desc", "limit": 5},
            headers=user_headers,
        )
    ).json()
    url = f"/api/smart-playlists/{created['id']}/tracks?limit=2"
    seen: list[str] = []
    while url:
        page = (await client.get(url, headers=user_headers)).json()
        seen += [item["title"] for item in page["items"]]
        url = page["next"]
    assert seen == ["Too Fast", "Fast Major", "Fast Minor", "Edge High", "Edge Low"]
    preview = await client.post("/api/smart-playlists/preview", json={"rules": RUNNING}, headers=user_headers)
    assert preview.json() == {"track_count": 3, "duration": 600.0}
    limited = await client.post("/api/smart-playlists/preview", json={"rules": every, "limit": 4}, headers=user_headers)
    assert limited.json()["track_count"] == 4
    shuffled = await _titles(client, user_headers, every, sort="random")
    assert sorted(shuffled) == sorted(TRACKS) and shuffled == await _titles(client, user_headers, every, sort="random")
    bad = await client.get(f"/api/smart-playlists/{created['id']}/tracks?cursor=nonsense", headers=user_headers)
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"name": "x", "rules": {"all": [{"field": "tempo", "op": "gt", "value": 1}]}}, "/rules/all/0/field"),
        ({"name": "x", "rules": {"all": [{"field": "bpm", "op": "gt", "value": "fast"}]}}, "/rules/all/0/value"),
        ({"name": "x", "rules": {"all": [{"field": "bpm", "op": "contains", "value": 1}]}}, "/rules/all/0/op"),
        (
            {"name": "x", "rules": {"any": [{"all": [{"field": "year", "op": "between", "value": [2000, 1990]}]}]}},
            "/rules/any/0/all/0/value",
        ),
        ({"name": "x", "rules": {"all": [{"field": "year", "op": "is", "value": 1990.5}]}}, "/rules/all/0/value"),
        ({"name": "x", "rules": {"all": [{"field": "key", "op": "is", "value": "H minor"}]}}, "/rules/all/0/value"),
        ({"name": "x", "rules": {"all": [{"field": "starred", "op": "is", "value": "yes"}]}}, "/rules/all/0/value"),
        (
            {"name": "x", "rules": {"all": [{"field": "added", "op": "before", "value": "last week"}]}},
            "/rules/all/0/value",
        ),
        (
            {
                "name": "x",
                "rules": {"all": [{"field": "sounds_like", "op": "is", "value": {"track": 1, "threshold": 2}}]},
            },
            "/rules/all/0/value/threshold",
        ),
        ({"name": "x", "rules": {"all": [{"field": "bpm", "op": "gt", "value": 1, "extra": 1}]}}, "/rules/all/0/extra"),
        ({"name": "x", "rules": {"all": "bpm > 1"}}, "/rules/all"),
        ({"name": "x", "rules": [1]}, "/rules"),
        ({"name": "x", "rules": {"all": []}, "sort": "loudest"}, "/sort"),
        ({"name": "x", "rules": {"all": []}, "limit": 0}, "/limit"),
        ({"name": "", "rules": {"all": []}}, "/name"),
        ({"name": "x", "rules": {"all": []}, "colour": "red"}, "/colour"),
    ],
)
async def test_bad_rules_point_at_the_problem_and_store_nothing(
    client: Any, user_headers: Any, body: Any, pointer: str
) -> None:
    answer = await client.post("/api/smart-playlists", json=body, headers=user_headers)
    assert answer.status_code == 422, answer.text
    assert pointer in [problem["pointer"] for problem in answer.json()["error"]["details"]]
    assert (await client.get("/api/smart-playlists", headers=user_headers)).json() == {"smart_playlists": []}


async def test_each_users_own(client: Any, songs: Any, make_user: Any) -> None:
    _, alice = await make_user()
    _, bob = await make_user()
    created = (await client.post("/api/smart-playlists", json={"name": "Mine", "rules": RUNNING}, headers=alice)).json()
    pid = created["id"]
    for method, path in (("GET", ""), ("GET", "/tracks"), ("DELETE", ""), ("PATCH", "")):
        answer = await client.request(method, f"/api/smart-playlists/{pid}{path}", json={"name": "x"}, headers=bob)
        assert answer.status_code == 404, (method, path)
    assert (await client.get("/api/smart-playlists", headers=bob)).json() == {"smart_playlists": []}
    renamed = await client.patch(f"/api/smart-playlists/{pid}", json={"name": "Running", "limit": 2}, headers=alice)
    assert renamed.json()["name"] == "Running" and renamed.json()["rules"] == RUNNING
    bad = await client.patch(f"/api/smart-playlists/{pid}", json={"rules": {"all": [{"field": "x"}]}}, headers=alice)
    assert bad.status_code == 422
    assert (await client.get(f"/api/smart-playlists/{pid}", headers=alice)).json()["track_count"] == 2
    assert (await client.delete(f"/api/smart-playlists/{pid}", headers=alice)).status_code == 204
    assert (await client.get(f"/api/smart-playlists/{pid}", headers=alice)).status_code == 404


NSP_FILES = [
    # As Navidrome's documentation writes them.
    (
        {
            "name": "Recently Played",
            "comment": "Recently played tracks",
            "all": [{"inTheLast": {"lastPlayed": 30}}],
            "sort": "lastPlayed",
            "order": "desc",
            "limit": 100,
        },
        {"all": [{"field": "last_played", "op": "in_the_last", "value": 30}]},
        ("last_played", "desc", 100),
    ),
    (
        {
            "name": "80's Top Songs",
            "all": [{"any": [{"is": {"loved": True}}, {"gt": {"rating": 3}}]}, {"inTheRange": {"year": [1981, 1990]}}],
            "sort": "year",
            "order": "desc",
            "limit": 25,
        },
        {
            "all": [
                {"any": [{"field": "starred", "op": "is", "value": True}, {"field": "rating", "op": "gt", "value": 3}]},
                {"field": "year", "op": "between", "value": [1981, 1990]},
            ]
        },
        ("year", "desc", 25),
    ),
    (
        {"name": "Favourites", "all": [{"is": {"loved": True}}], "sort": "dateLoved", "order": "desc"},
        {"all": [{"field": "starred", "op": "is", "value": True}]},
        ("starred", "desc", None),
    ),
    ({"name": "Techno not live", "any": [{"contains": {"genre": "techno"}}], "all_": None}, None, None),
    (
        {
            "name": "Random House",
            "all": [
                {"is": {"genre": "House"}},
                {"notContains": {"title": "live"}},
                {"gt": {"dateAdded": "2020-01-01"}},
                {"lt": {"playCount": 5}},
            ],
            "sort": "random",
            "limit": 50,
        },
        {
            "all": [
                {"field": "genre", "op": "is", "value": "House"},
                {"field": "title", "op": "not_contains", "value": "live"},
                {"field": "added", "op": "after", "value": "2020-01-01T00:00:00+00:00"},
                {"field": "plays", "op": "lt", "value": 5},
            ]
        },
        ("random", "asc", 50),
    ),
]


async def test_navidrome_smart_playlist_files(client: Any, songs: Any, user_headers: Any) -> None:
    for document, rules, shape in NSP_FILES:
        answer = await client.post("/api/smart-playlists/import", json=document, headers=user_headers)
        if rules is None:
            assert answer.status_code == 422 and answer.json()["error"]["details"][0]["pointer"] == "/all_"
            continue
        assert answer.status_code == 201, answer.text
        body = answer.json()
        assert body["name"] == document["name"] and body["rules"] == rules
        assert (body["sort"], body["order"], body["limit"]) == shape
    house = (await client.get("/api/smart-playlists", headers=user_headers)).json()["smart_playlists"]
    random_house = next(p for p in house if p["name"] == "Random House")
    tracks = (await client.get(f"/api/smart-playlists/{random_house['id']}/tracks", headers=user_headers)).json()
    assert sorted(item["title"] for item in tracks["items"]) == ["Edge Low", "Fast Major"]


@pytest.mark.parametrize(
    ("document", "pointer"),
    [
        ({"name": "x", "all": [{"is": {"filepath": "a"}}]}, "/all/0/is/filepath"),
        ({"name": "x", "all": [{"inPlaylist": {"id": "abc"}}]}, "/all/0/inPlaylist"),
        ({"name": "x", "all": [{"gt": {"year": "nineteen"}}]}, "/all/0/gt/year"),
        ({"name": "x", "any": [{"all": [{"inTheRange": {"year": [1990]}}]}]}, "/any/0/all/0/inTheRange/year"),
        ({"name": "x", "all": [{"inTheLast": {"lastPlayed": "a month"}}]}, "/all/0/inTheLast/lastPlayed"),
        ({"name": "x", "all": [], "sort": "filepath"}, "/sort"),
        ({"all": []}, "/name"),
    ],
)
async def test_nsp_problems_point_into_the_file(client: Any, user_headers: Any, document: Any, pointer: str) -> None:
    answer = await client.post("/api/smart-playlists/import", json=document, headers=user_headers)
    assert answer.status_code == 422, answer.text
    assert pointer in [problem["pointer"] for problem in answer.json()["error"]["details"]]
    assert (await client.get("/api/smart-playlists", headers=user_headers)).json() == {"smart_playlists": []}


async def test_rules_are_answered_from_indexes(core: Any, songs: Any, make_user: Any) -> None:
    """With scans made as unattractive as PostgreSQL allows (the test library is tiny), the
    rules' plans use the indexes of migration 0010."""
    from sqlalchemy import text

    from sonantica_core.library import smartlists
    from sonantica_core.library.rules import check_rules

    user, _ = await make_user()

    async def plan(rules: dict[str, Any], sort: str = "title") -> str:
        definition = smartlists.Definition(user_id=user.id, rules=check_rules(rules), sort=sort)
        base, key, _ = smartlists.matching(definition)
        sql = str(
            base.order_by(key, "id")
            .limit(101)
            .compile(dialect=core.engine.dialect, compile_kwargs={"literal_binds": True})
        )
        async with core.engine.connect() as conn:
            for setting in ("enable_seqscan", "enable_sort"):
                await conn.execute(text(f"SET LOCAL {setting} = off"))
            return "\n".join((await conn.exec_driver_sql("EXPLAIN " + sql)).scalars().all())

    assert "ix_track_audio_features_mode_bpm" in await plan(
        RUNNING, sort="bpm"
    ) or "ix_tracks_sort_title" in await plan(RUNNING)
    energetic = await plan({"all": [{"field": "energy", "op": "gt", "value": 0.9}]}, sort="energy")
    assert "Seq Scan on track" not in energetic, energetic
    assert "ix_playback_history_user_track" in await plan({"all": [{"field": "plays", "op": "gte", "value": 1}]})
    assert "ix_track_annotations" in await plan({"all": [{"field": "starred", "op": "is", "value": True}]}) or (
        "pk_track_annotations" in await plan({"all": [{"field": "starred", "op": "is", "value": True}]})
    )
