"""Listings: exact orders for every sort, pages without duplicates or gaps, and filters."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from librarybuild import EPOCH, Library, walk_pages

TRACK_ORDERS = {
    "title": [
        "allegro",
        "army",
        "bachelorette",
        "human",
        "hunter",
        "joga",
        "loose",
        "molto",
        "presto",
        "tibetan",
        "venus",
        "yesterday",
        "waltz",
        "scene",
        "hane",
    ],
    "artist": [
        "human",
        "venus",
        "hunter",
        "joga",
        "bachelorette",
        "army",
        "allegro",
        "molto",
        "presto",
        "loose",
        "yesterday",
        "scene",
        "waltz",
        "tibetan",
        "hane",
    ],
    "album": [
        "loose",
        "human",
        "venus",
        "hunter",
        "joga",
        "bachelorette",
        "army",
        "yesterday",
        "allegro",
        "molto",
        "presto",
        "scene",
        "waltz",
        "tibetan",
        "hane",
    ],
    "year": [
        "tibetan",
        "hane",
        "presto",
        "allegro",
        "molto",
        "human",
        "venus",
        "hunter",
        "joga",
        "bachelorette",
        "army",
        "yesterday",
        "waltz",
        "scene",
        "loose",
    ],
    "added": [
        "hunter",
        "joga",
        "bachelorette",
        "human",
        "venus",
        "presto",
        "allegro",
        "molto",
        "tibetan",
        "hane",
        "waltz",
        "scene",
        "army",
        "yesterday",
        "loose",
    ],
    "duration": [
        "yesterday",
        "scene",
        "army",
        "human",
        "hunter",
        "venus",
        "hane",
        "joga",
        "tibetan",
        "bachelorette",
        "waltz",
        "molto",
        "allegro",
        "presto",
        "loose",
    ],
    "bpm": [
        "allegro",
        "joga",
        "hunter",
        "venus",
        "army",
        "tibetan",
        "human",
        "bachelorette",
        "presto",
        "molto",
        "hane",
        "waltz",
        "scene",
        "yesterday",
        "loose",
    ],
}
#: Sorts whose values may be missing: those tracks come last in both directions.
MISSING_LAST = {"year": 3, "duration": 1, "bpm": 7}


def names(library: Library, items: list[dict[str, Any]], kind: str = "tracks") -> list[str]:
    by_id = {value: key for key, value in getattr(library, kind).items()}
    return [by_id[item["id"]] for item in items]


def descending(order: list[str], missing: int) -> list[str]:
    """The descending order of an ascending one whose last ``missing`` have no value."""
    present, absent = order[: len(order) - missing], order[len(order) - missing :]
    return list(reversed(present)) + list(reversed(absent))


async def listing(api: Any, url: str) -> list[dict[str, Any]]:
    response = await api.get(url)
    assert response.status_code == 200, response.text
    return response.json()["items"]


@pytest.mark.parametrize("sort", list(TRACK_ORDERS))
async def test_track_orders(api: Any, library: Library, sort: str) -> None:
    ascending = TRACK_ORDERS[sort]
    assert names(library, await listing(api, f"/api/library/tracks?sort={sort}")) == ascending
    expected = descending(ascending, MISSING_LAST.get(sort, 0))
    if sort in ("album", "artist"):  # equal titles keep their id order reversed too: same thing here
        expected = list(reversed(ascending))
    assert names(library, await listing(api, f"/api/library/tracks?sort={sort}&order=desc")) == expected


async def test_every_sort_pages_without_duplicates_or_gaps(api: Any, library: Library) -> None:
    everything = set(library.tracks.values()) - {library.tracks["ghost"]}
    for sort, order in itertools.product(TRACK_ORDERS, ("asc", "desc")):
        whole = [item["id"] for item in await listing(api, f"/api/library/tracks?sort={sort}&order={order}&limit=500")]
        assert set(whole) == everything and len(whole) == len(everything)
        for limit in (1, 2, 4, 7):
            pages = await walk_pages(api, f"/api/library/tracks?sort={sort}&order={order}", limit)
            assert [item["id"] for item in pages] == whole, (sort, order, limit)


async def test_pages_of_albums_artists_and_genres(api: Any, library: Library) -> None:
    for url in (
        "/api/library/albums?sort=title",
        "/api/library/albums?sort=artist&order=desc",
        "/api/library/albums?sort=year",
        "/api/library/albums?sort=year&order=desc",
        "/api/library/albums?sort=added",
        "/api/library/artists",
        "/api/library/artists?order=desc",
        "/api/library/genres",
        "/api/library/genres?order=desc",
    ):
        whole = await listing(api, f"{url}&limit=500" if "?" in url else f"{url}?limit=500")
        for limit in (1, 3):
            assert await walk_pages(api, url, limit) == whole, (url, limit)


async def test_next_link_keeps_filters_and_order(api: Any, library: Library) -> None:
    artist = library.artists["bjork"]
    response = await api.get(f"/api/library/tracks?artist={artist}&sort=year&order=desc&limit=2")
    body = response.json()
    assert body["limit"] == 2 and len(body["items"]) == 2
    assert body["next"].startswith(f"/api/library/tracks?artist={artist}&sort=year&order=desc&limit=2&cursor=")
    rest = await walk_pages(api, body["next"].replace("&limit=2", ""), 2)
    assert names(library, body["items"] + rest) == ["army", "bachelorette", "joga", "hunter", "venus", "human"]


async def test_track_filters(api: Any, library: Library) -> None:
    ar, al, g = library.artists, library.albums, library.genres

    async def found(query: str) -> set[str]:
        return set(names(library, await listing(api, f"/api/library/tracks?{query}&limit=500")))

    bjork = {"hunter", "joga", "bachelorette", "human", "venus", "army"}
    assert await found(f"artist={ar['bjork']}") == bjork
    assert await found(f"composer={ar['beethoven']}") == {"presto", "allegro", "molto"}
    assert await found(f"artist={ar['beethoven']}") == set()
    assert names(library, await listing(api, f"/api/library/tracks?album={al['ninth']}&sort=album")) == [
        "allegro",
        "molto",
        "presto",
    ]
    assert await found("genre=pop") == await found("genre=POP") == {"joga", "human", "venus"}
    assert await found(f"genre={g['classical']}") == {"presto", "allegro", "molto", "waltz", "scene"}
    assert await found("genre=polka") == set()
    assert await found("year_from=1990&year_to=1997") == {
        "presto",
        "allegro",
        "molto",
        "human",
        "venus",
        "hunter",
        "joga",
        "bachelorette",
    }
    assert await found("year_from=2000") == {"army", "yesterday"}
    assert await found("format=mp3") == {"human", "venus", "yesterday"}
    assert await found("format=M4A") == await found("format=alac") == {"tibetan", "hane"}
    assert await found("lossless=false") == {"human", "venus", "yesterday", "waltz", "scene"}
    assert await found("lossless=true&artist=" + str(ar["bjork"])) == {"hunter", "joga", "bachelorette", "army"}
    since = (EPOCH + dt.timedelta(hours=18)).isoformat().replace("+00:00", "Z")  # when "waltz" was added
    assert await found(f"added_since={since}") == {"waltz", "scene", "army", "yesterday", "loose"}
    assert await found("added_since=2024-01-02") == set()
    assert await found("bpm_min=100&bpm_max=120") == {"venus", "army", "tibetan", "human"}
    assert await found("key=8A") == await found("key=A%20minor") == await found("key=am") == {"hunter", "army"}
    assert await found("compatible_with=8A") == {"hunter", "joga", "bachelorette", "venus", "army"}
    assert await found("compatible_with=A%20minor&bpm_min=95") == {"bachelorette", "venus", "army"}


async def test_album_listing(api: Any, library: Library) -> None:
    assert names(library, await listing(api, "/api/library/albums"), "albums") == [
        "debut",
        "homogenic",
        "now",
        "ninth",
        "swan",
        "ongaku",
    ]
    assert names(library, await listing(api, "/api/library/albums?sort=year"), "albums") == [
        "ongaku",
        "ninth",
        "debut",
        "homogenic",
        "now",
        "swan",
    ]
    assert names(library, await listing(api, "/api/library/albums?sort=artist"), "albums") == [
        "debut",
        "homogenic",
        "ninth",
        "now",
        "swan",
        "ongaku",
    ]
    assert names(library, await listing(api, f"/api/library/albums?artist={library.artists['bjork']}"), "albums") == [
        "debut",
        "homogenic",
    ]
    assert names(library, await listing(api, "/api/library/albums?compilation=true"), "albums") == ["now"]
    assert names(library, await listing(api, "/api/library/albums?genre=classical"), "albums") == ["ninth", "swan"]
    assert names(library, await listing(api, "/api/library/albums?year_from=1993&year_to=2005"), "albums") == [
        "debut",
        "homogenic",
        "now",
    ]
    homogenic = (await listing(api, "/api/library/albums?year_from=1997&year_to=1997"))[0]
    assert homogenic == {
        "id": library.albums["homogenic"],
        "title": "Homogenic",
        "artist": "Björk",
        "artists": [{"id": library.artists["bjork"], "name": "Björk"}],
        "compilation": False,
        "year": 1997,
        "date": "1997",
        "disc_total": None,
        "track_count": 3,  # the removed track is not counted
        "duration": 872.5,
        "lossless": True,
        "added_at": "2024-01-01T01:00:00+00:00",
        "links": {
            "self": f"/api/library/albums/{homogenic['id']}",
            "cover": f"/api/covers/{homogenic['id']}?v={'ab' * 6}",
            "tracks": f"/api/library/tracks?album={homogenic['id']}&sort=album",
            "artist": f"/api/library/artists/{library.artists['bjork']}",
        },
    }


async def test_artist_and_genre_listing(api: Any, library: Library) -> None:
    assert names(library, await listing(api, "/api/library/artists"), "artists") == [
        "beatles",
        "beethoven",
        "bjork",
        "orchestra",
        "sakamoto",
        "ensemble",
        "tchaikovsky",
    ]
    assert names(library, await listing(api, "/api/library/artists?role=composer"), "artists") == ["beethoven"]
    assert names(library, await listing(api, "/api/library/artists?role=album_artist"), "artists") == [
        "bjork",
        "orchestra",
        "sakamoto",
        "tchaikovsky",
    ]
    assert names(library, await listing(api, "/api/library/artists?genre=rock"), "artists") == ["beatles"]
    bjork = next(item for item in await listing(api, "/api/library/artists") if item["name"] == "Björk")
    assert (bjork["album_count"], bjork["track_count"]) == (2, 6)
    genres = await listing(api, "/api/library/genres")
    assert [(g["name"], g["track_count"], g["album_count"]) for g in genres] == [
        ("Classical", 5, 2),
        ("Electronic", 6, 3),
        ("Pop", 3, 2),
        ("Rock", 1, 1),
    ]
    assert genres[0]["links"] == {
        "tracks": f"/api/library/tracks?genre={genres[0]['id']}",
        "albums": f"/api/library/albums?genre={genres[0]['id']}",
    }


async def test_removed_tracks_leave_the_library(api: Any, library: Library, core: Any) -> None:
    from librarybuild import LibraryBuilder

    async with core.session() as session:
        builder = LibraryBuilder(session, clock=100)
        gone = await builder.artist("Vanished Artist")
        album = await builder.album("Vanished Album", [gone], artist_name="Vanished Artist")
        await builder.track("Vanished Song", album=album, artists=[gone], genres=["Polka"], removed=True)
    assert "Vanished Artist" not in [a["name"] for a in await listing(api, "/api/library/artists?limit=500")]
    assert "Vanished Album" not in [a["title"] for a in await listing(api, "/api/library/albums?limit=500")]
    assert "Polka" not in [g["name"] for g in await listing(api, "/api/library/genres")]
    assert (await api.get(f"/api/library/artists/{gone}")).status_code == 404
    assert (await api.get(f"/api/library/albums/{album}")).status_code == 404
