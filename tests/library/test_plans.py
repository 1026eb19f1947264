"""Every ordering of every listing is served by an index: the page query never sorts the
library, so the last page costs what the first does. Checked with EXPLAIN, with sorting
made as unattractive to the planner as PostgreSQL allows (a tiny test library would
otherwise be sorted in memory, which is right for it and proves nothing)."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

import pytest
from librarybuild import Library
from sqlalchemy import Select, select, text

from sonantica_core.library import albums, artists, genres, tracks
from sonantica_core.library.keyset import Ordering, key_columns, phase_query

SAMPLE_KEYS = {"text": "m", "int": 3, "float": 100.0, "datetime": dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC)}


async def plan(core: Any, statement: Select[Any]) -> str:
    sql = str(statement.compile(compile_kwargs={"literal_binds": True}, dialect=core.engine.dialect))
    async with core.engine.connect() as conn:
        await conn.execute(text("SET LOCAL enable_sort = off"))
        await conn.execute(text("SET LOCAL enable_seqscan = off"))
        await conn.execute(text("SET LOCAL enable_bitmapscan = off"))
        rows = (await conn.exec_driver_sql("EXPLAIN " + sql)).scalars().all()
    return "\n".join(rows)


def assert_indexed(explained: str, index: str) -> None:
    sorts = [line for line in explained.splitlines() if re.match(r"^\s*(->\s+)?Sort\s+\(", line)]
    assert sorts == [], explained
    assert index in explained, explained


def pages(base: Select[Any], ordering: Ordering, kinds: tuple[str, ...]) -> list[Select[Any]]:
    after = tuple(SAMPLE_KEYS[kind] for kind in kinds)
    return [
        phase_query(base, ordering, descending, 1, position, 101)
        for descending, position in itertools.product((False, True), (None, after))
    ]


@pytest.mark.parametrize(
    ("sort", "index"),
    [
        ("title", "ix_tracks_sort_title"),
        ("artist", "ix_tracks_sort_artist"),
        ("album", "ix_tracks_sort_album"),
        ("year", "ix_tracks_sort_year"),
        ("added", "ix_tracks_sort_added"),
        ("duration", "ix_tracks_sort_duration"),
        ("bpm", "ix_track_audio_features_bpm"),
    ],
)
async def test_track_orderings_use_their_index(core: Any, library: Library, sort: str, index: str) -> None:
    base, ordering = tracks.page_source(sort)
    for statement in pages(base, ordering, ordering.kinds):
        assert_indexed(await plan(core, statement), index)
    if ordering.nullable:  # the rows without a value, by id
        nulls = phase_query(base, ordering, False, 2, (5,), 101)
        assert_indexed(await plan(core, nulls), "ix_tracks_present")


@pytest.mark.parametrize(
    ("sort", "index"),
    [
        ("title", "ix_albums_sort_title"),
        ("artist", "ix_albums_sort_artist"),
        ("year", "ix_albums_sort_year"),
        ("added", "ix_albums_sort_added"),
    ],
)
async def test_album_orderings_use_their_index(core: Any, library: Library, sort: str, index: str) -> None:
    ordering = albums.ORDERINGS[sort]
    base = albums.page_source(sort)
    for statement in pages(base, ordering, ordering.kinds):
        assert_indexed(await plan(core, statement), index)


async def test_artist_and_genre_orderings_use_their_index(core: Any, library: Library) -> None:
    ordering = artists.ORDERINGS["name"]
    for statement in pages(artists.page_source("name", "any"), ordering, ordering.kinds):
        assert_indexed(await plan(core, statement), "ix_artists_sort")
    ordering = genres.ORDERINGS["name"]
    base = select(genres.G.id.label("id"), *key_columns(ordering)).select_from(genres.LISTED)
    for statement in pages(base, ordering, ordering.kinds):
        assert_indexed(await plan(core, statement), "uq_genres_name_folded")
