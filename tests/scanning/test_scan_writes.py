"""How a scan writes: per-row foreign-key checks skipped only where the role may, triggers kept."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from sonantica_core.scanning.ingest import Ingestor
from sonantica_core.scanning.reading import read_files
from sonantica_core.scanning.records import TrackRecord
from sonantica_core.scanning.scan import run_scan
from sonantica_core.scanning.walk import walk_root
from sonantica_core.settings import MediaRoot


def _records(library, scanners) -> list[TrackRecord]:
    """The library read into records, in this process."""
    walked = walk_root(MediaRoot("music", library.root), scanners[0].accepts_name)
    batches = read_files(walked.files, scanners, {"music": library.root}, processes=1)
    return [result for batch in batches for result in batch if isinstance(result, TrackRecord)]


async def _scalars(ctx, sql: str) -> list:
    async with ctx.session() as session:
        return list((await session.execute(text(sql))).scalars())


async def _link_counts(ctx) -> tuple[int, int]:
    artists = (await _scalars(ctx, "SELECT count(*) FROM track_artists"))[0]
    genres = (await _scalars(ctx, "SELECT count(*) FROM track_genres"))[0]
    return artists, genres


def _expected_links(records: list[TrackRecord]) -> tuple[int, int]:
    return sum(len(r.track_artists) for r in records), sum(len(r.genres) for r in records)


async def test_library_triggers_fire_in_every_replication_role(scan_ctx) -> None:
    rows = await _scalars(
        scan_ctx,
        "SELECT tgenabled::text FROM pg_trigger WHERE NOT tgisinternal "
        "AND tgrelid::regclass::text IN ('artists', 'albums', 'tracks')",
    )
    assert len(rows) == 11 and set(rows) == {"A"}


async def test_a_scan_feeds_the_vocabulary_and_sort_album(scan_ctx, scanners, library) -> None:
    await run_scan(scan_ctx, scanners)
    titles = await _scalars(scan_ctx, "SELECT title_folded FROM tracks")
    words = set(await _scalars(scan_ctx, "SELECT word FROM search_words"))
    plain = {word for title in titles for word in title.split() if word.isascii() and word.isalpha()}
    plain = {word for word in plain if 3 <= len(word) <= 32}
    assert plain and plain <= words
    wrong_sort = await _scalars(
        scan_ctx,
        "SELECT count(*) FROM tracks JOIN albums ON albums.id = tracks.album_id "
        "WHERE tracks.sort_album <> albums.title_folded",
    )
    assert wrong_sort == [0]


async def test_the_ingest_skips_row_checks_as_superuser_and_turns_them_back_on(scan_ctx, scanners, library) -> None:
    records = await asyncio.to_thread(_records, library, scanners)
    ingestor = Ingestor(None, {})  # type: ignore[arg-type]
    async with scan_ctx.session() as session:
        ingestor.session = session
        await ingestor.ingest(records)
        assert ingestor._may_skip_checks is True
        role = (await session.execute(text("SHOW session_replication_role"))).scalar_one()
        assert role == "origin"  # later statements of the transaction are checked again
    assert await _link_counts(scan_ctx) == _expected_links(records)


@pytest.fixture
async def plain_role(scan_ctx):
    """A role that may write the library but not set session_replication_role."""
    name = f"sonantica_plain_{uuid.uuid4().hex[:8]}"
    async with scan_ctx.session() as session:
        await session.execute(text(f'CREATE ROLE "{name}" NOLOGIN'))
        await session.execute(text(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{name}"'))
        await session.execute(text(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{name}"'))
    try:
        yield name
    finally:
        async with scan_ctx.session() as session:
            await session.execute(text(f'DROP OWNED BY "{name}"'))
            await session.execute(text(f'DROP ROLE "{name}"'))


async def test_a_role_that_may_not_skip_row_checks_writes_with_them(
    scan_ctx, scanners, library, plain_role: str
) -> None:
    records = await asyncio.to_thread(_records, library, scanners)
    ingestor = Ingestor(None, {})  # type: ignore[arg-type]
    async with scan_ctx.session() as session:
        await session.execute(text(f'SET LOCAL ROLE "{plain_role}"'))
        ingestor.session = session
        await ingestor.ingest(records)
        assert ingestor._may_skip_checks is False
    assert await _link_counts(scan_ctx) == _expected_links(records)
    track_id = (await _scalars(scan_ctx, "SELECT min(id) FROM tracks"))[0]
    with pytest.raises(IntegrityError):  # the checks are on: a link to no artist is refused
        async with scan_ctx.session() as session:
            await session.execute(text(f'SET LOCAL ROLE "{plain_role}"'))
            await session.execute(
                text("INSERT INTO track_artists (track_id, artist_id, role, position) VALUES (:t, -1, 'artist', 9)"),
                {"t": track_id},
            )


_SQL_TERMS = (
    "sonantica_text_vector(title_folded, 'A') || sonantica_text_vector(sonantica_fold(artist), 'B')"
    " || sonantica_text_vector(sonantica_fold(composer), 'B')"
)


async def test_search_terms_a_scan_writes_are_the_databases(scan_ctx, scanners, library) -> None:
    await run_scan(scan_ctx, scanners)
    tracks = (await _scalars(scan_ctx, "SELECT count(*) FROM tracks"))[0]
    differ = await _scalars(
        scan_ctx,
        f"SELECT relative_path FROM tracks WHERE search_vector IS DISTINCT FROM ({_SQL_TERMS})"
        " OR sort_artist IS DISTINCT FROM coalesce(sonantica_fold(artist), '')",
    )
    assert tracks > 10 and differ == []
    async with scan_ctx.session() as session:  # read back as PostgreSQL prints them
        rows = (await session.execute(text("SELECT search_vector, search_vector::text FROM tracks"))).all()
    assert [row for row in rows if row[0] != row[1]] == []


async def test_other_writers_get_search_terms_from_the_trigger(scan_ctx, scanners, library) -> None:
    await run_scan(scan_ctx, scanners)
    track_id = (await _scalars(scan_ctx, "SELECT min(id) FROM tracks"))[0]
    async with scan_ctx.session() as session:
        await session.execute(
            text(
                "INSERT INTO tracks (root, relative_path, size, mtime_ns, content_hash, title, title_folded, artist)"
                " VALUES ('music', 'elsewhere.flac', 1, 1, 'x:1', 'Árvore Azul', 'arvore azul', 'Zé Nobody')"
            )
        )
        await session.execute(
            text("UPDATE tracks SET artist = 'Ünïque Pérformer', composer = 'Someone Else' WHERE id = :id"),
            {"id": track_id},
        )
    inserted = await _scalars(
        scan_ctx, "SELECT sort_artist || ' ' || search_vector::text FROM tracks WHERE relative_path = 'elsewhere.flac'"
    )
    assert inserted == ["ze nobody 'arvore':1A 'azul':1A 'nobody':2B 'ze':2B"]
    terms = "search_vector = (" + _SQL_TERMS + ")"
    async with scan_ctx.session() as session:
        row = (
            await session.execute(
                text(f"SELECT sort_artist, {terms}, search_vector::text FROM tracks WHERE id = :i"),
                {"i": track_id},
            )
        ).one()
    assert row[0] == "unique performer" and row[1] is True
    assert "'performer':2B" in row[2] and "'someone':3B" in row[2]
