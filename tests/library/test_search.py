"""Search: accents and case, prefixes, typos, Japanese and Cyrillic, ranking, upkeep."""

from __future__ import annotations

from typing import Any

import pytest
from librarybuild import Library, LibraryBuilder
from sqlalchemy import text, update

from sonantica_core.db.library import Artist, Track
from sonantica_core.library.maintenance import refresh_search_terms
from sonantica_core.text.folding import fold


async def search(api: Any, q: str, limit: int = 20) -> dict[str, Any]:
    response = await api.get("/api/search", params={"q": q, "limit": limit})
    assert response.status_code == 200, response.text
    return response.json()


def titles(result: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    return (
        [item["name"] for item in result["artists"]],
        [item["title"] for item in result["albums"]],
        [item["title"] for item in result["tracks"]],
    )


BJORK_TRACKS = {"Hunter", "Jóga", "Bachelorette", "Human Behaviour", "Venus as a Boy", "Army of Me"}


@pytest.mark.parametrize("q", ["bjork", "Björk", "BJÖRK", "bjor", "bjrok", "bjöork", "vjork"])
async def test_finds_bjork_by_accents_case_prefix_and_typos(api: Any, library: Library, q: str) -> None:
    result = await search(api, q)
    artists, albums, tracks = titles(result)
    assert artists == ["Björk"]
    assert albums == ["Debut", "Homogenic"]
    assert set(tracks) == BJORK_TRACKS
    typo = fold(q) not in ("bjork", "bjor")
    assert result["corrections"] == ({fold(q): ["bjork"]} if typo else None)


async def test_accent_insensitive_and_sort_names(api: Any, library: Library) -> None:
    for q in ("sonantica", "Sonántica", "SONANTICA"):
        artists, albums, tracks = titles(await search(api, q))
        assert artists == ["Sonántica Ensemble"]
        assert albums == ["Now That's Sonántica"]
        assert tracks == ["Loose End"]
    assert titles(await search(api, "sakamoto"))[0] == ["坂本龍一"]  # by its sort name
    assert titles(await search(api, "tchaikovsky"))[0] == ["Пётр Чайковский"]


async def test_prefixes_and_composers(api: Any, library: Library) -> None:
    artists, albums, tracks = titles(await search(api, "beeth"))
    assert artists == ["Ludwig van Beethoven"]
    assert albums == []
    assert set(tracks) == {"Allegro ma non troppo", "Molto vivace", "Presto – Allegro assai"}
    result = await search(api, "beethovn")
    assert result["corrections"] == {"beethovn": ["beethoven"]}
    assert titles(result)[0] == ["Ludwig van Beethoven"]


async def test_japanese(api: Any, library: Library) -> None:
    for q in ("坂本", "龍一", "坂本龍一", "本龍"):
        artists, albums, tracks = titles(await search(api, q))
        assert artists == ["坂本龍一"], q
        assert albums == ["音楽図鑑"], q
        assert set(tracks) == {"Tibetan Dance", "羽の林で"}, q
    assert titles(await search(api, "羽"))[2] == ["羽の林で"]
    assert titles(await search(api, "音楽"))[1] == ["音楽図鑑"]
    assert titles(await search(api, "坂田")) == ([], [], [])


async def test_cyrillic(api: Any, library: Library) -> None:
    for q in ("чайковский", "Чайковский", "ЧАЙКОВСКИЙ", "чайк", "пётр", "петр", "ПЁТР ЧАЙКОВСКИЙ"):
        artists, albums, tracks = titles(await search(api, q))
        assert artists == ["Пётр Чайковский"], q
        assert albums == ["Лебединое озеро"], q
        assert set(tracks) == {"Вальс", "Сцена у озера"}, q
    assert titles(await search(api, "озеро"))[1:] == (["Лебединое озеро"], ["Сцена у озера"])
    assert titles(await search(api, "чайковскй"))[0] == ["Пётр Чайковский"]  # typo


async def test_every_word_must_match(api: Any, library: Library) -> None:
    assert titles(await search(api, "bjork hunter"))[2] == ["Hunter"]
    assert titles(await search(api, "hunter bjork"))[2] == ["Hunter"]
    assert titles(await search(api, "bjork presto")) == ([], [], [])
    assert titles(await search(api, "royal presto"))[2] == ["Presto – Allegro assai"]


async def test_ranking(api: Any, library: Library, core: Any) -> None:
    async with core.session() as session:
        b = LibraryBuilder(session, clock=200)
        love = await b.artist("Love")
        other = await b.artist("Someone Else")
        for title in ("Lovely Day", "Endless Love", "Love Song", "Love"):
            await b.track(title, artists=[other], artist="Someone Else")
        await b.track("Alone Again Or", artists=[love], artist="Love")
    artists, _, tracks = titles(await search(api, "love"))
    assert artists == ["Love"]
    # the title equal to the query, then titles starting with it (shorter first), then other
    # title matches, then tracks that match by their artist only
    assert tracks == ["Love", "Love Song", "Lovely Day", "Endless Love", "Alone Again Or"]
    assert titles(await search(api, "love", limit=2))[2] == ["Love", "Love Song"]


async def test_nothing_found_and_blank_queries(api: Any, library: Library) -> None:
    assert await search(api, "zzzzqqqq") == {
        "query": "zzzzqqqq",
        "artists": [],
        "albums": [],
        "tracks": [],
        "corrections": None,
    }
    assert titles(await search(api, "!!! ???")) == ([], [], [])
    assert titles(await search(api, "ghost"))[2] == []  # the removed track


async def test_search_follows_renames_and_new_rows(api: Any, library: Library, core: Any) -> None:
    async with core.session() as session:
        await session.execute(
            update(Artist)
            .where(Artist.id == library.artists["ensemble"])
            .values(name="Ørkestra Nuevo", name_folded=fold("Ørkestra Nuevo"))
        )
        await session.execute(update(Track).where(Track.id == library.tracks["loose"]).values(artist="Ørkestra Nuevo"))
        b = LibraryBuilder(session, clock=300)
        await b.track("Zephyrine", artists=[library.artists["ensemble"]], artist="Ørkestra Nuevo")
    assert titles(await search(api, "orkestra"))[0] == ["Ørkestra Nuevo"]
    assert set(titles(await search(api, "orkestra"))[2]) == {"Loose End", "Zephyrine"}
    assert titles(await search(api, "orkesrta"))[0] == ["Ørkestra Nuevo"]  # new words are in the vocabulary
    assert titles(await search(api, "zephyrin"))[2] == ["Zephyrine"]
    assert titles(await search(api, "zepyhrine"))[2] == ["Zephyrine"]
    assert titles(await search(api, "sonantica ensemble"))[0] == []


async def sort_album_of(session: Any, track_id: int) -> str:
    return (await session.execute(text("SELECT sort_album FROM tracks WHERE id = :id"), {"id": track_id})).scalar_one()


async def test_vocabulary_and_sort_album_are_kept_by_triggers(core: Any, library: Library) -> None:
    async with core.session() as session:
        words = set((await session.execute(text("SELECT word FROM search_words"))).scalars())
        assert {"bjork", "homogenic", "hunter", "beethoven", "чаиковскии", "петр"} <= words
        assert not any(len(word) < 3 or word.isdigit() for word in words)
        assert "坂本" not in words  # dense-script pairs are matched exactly, not corrected
        await session.execute(
            text("UPDATE albums SET title = 'Homogénic (Live)', title_folded = 'homogenic (live)' WHERE id = :id"),
            {"id": library.albums["homogenic"]},
        )
        assert await sort_album_of(session, library.tracks["hunter"]) == "homogenic (live)"
        assert "live" in set((await session.execute(text("SELECT word FROM search_words"))).scalars())


async def test_refresh_search_terms(core: Any, library: Library) -> None:
    async with core.session() as session:
        # Triggers off, as a restore with pg_restore --disable-triggers has them (the library's
        # own triggers fire in every replication role: migration 0005).
        await session.execute(text("ALTER TABLE tracks DISABLE TRIGGER USER"))
        await session.execute(
            text("UPDATE tracks SET sort_album = 'x', title = 'Quixotic', title_folded = 'quixotic' WHERE id = :id"),
            {"id": library.tracks["hunter"]},
        )
    async with core.session() as session:
        assert "quixotic" not in set((await session.execute(text("SELECT word FROM search_words"))).scalars())
        await refresh_search_terms(session, track_ids=[library.tracks["hunter"]])
        assert await sort_album_of(session, library.tracks["hunter"]) == "homogenic"
        assert "quixotic" in set((await session.execute(text("SELECT word FROM search_words"))).scalars())
        await session.execute(text("INSERT INTO search_words (word) VALUES ('obsolete')"))
        await refresh_search_terms(session)  # everything: the vocabulary is rebuilt
        words = list((await session.execute(text("SELECT word FROM search_words"))).scalars())
        assert "obsolete" not in words and "quixotic" in words and len(words) == len(set(words))
        await refresh_search_terms(session, album_ids=[library.albums["debut"]], artist_ids=[library.artists["bjork"]])
