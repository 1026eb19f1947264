"""Keeping the search and sort columns right: normally nothing to do.

Whoever writes the library (the scanner, a metadata plugin, a test) only writes the
ordinary columns, with ``fold()`` in the ``*_folded`` ones. The database does the rest
(migration 0002):

* generated columns: ``artists.sort_key`` / ``search_vector``, ``albums.sort_artist`` /
  ``search_vector``, ``tracks.album_rank`` / ``sort_position``;
* ``tracks.sort_artist`` / ``search_vector``: the scanner writes them (migration 0006,
  :mod:`sonantica_core.text.tsvector`); for any other writer a trigger makes them
  from the same expressions, on insert and when title, artist or composer change;
* triggers: ``tracks.sort_album`` follows its album's title; new words go into
  ``search_words`` (the vocabulary of typo-tolerant search).

:func:`refresh_search_terms` re-derives what the triggers keep (and the scanner writes), for
rows written while triggers were disabled (``ALTER TABLE ... DISABLE TRIGGER``, as
``pg_restore --disable-triggers`` does; they are ``ENABLE ALWAYS``, so a replication role does
not stop them), and with no ids rebuilds the vocabulary from scratch, which also forgets words
no longer in the library.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_SORT_ALBUM = text(
    "UPDATE tracks SET sort_album = coalesce(albums.title_folded, '') "
    "FROM tracks AS t LEFT JOIN albums ON albums.id = t.album_id "
    "WHERE tracks.id = t.id AND tracks.sort_album IS DISTINCT FROM coalesce(albums.title_folded, '') "
    "AND (CAST(:ids AS bigint[]) IS NULL OR tracks.id = ANY(CAST(:ids AS bigint[])))"
)
_TRACK_SORT_ARTIST = "coalesce(sonantica_fold(artist), '')"
_TRACK_VECTOR = (
    "sonantica_text_vector(title_folded, 'A') || sonantica_text_vector(sonantica_fold(artist), 'B')"
    " || sonantica_text_vector(sonantica_fold(composer), 'B')"
)
_TRACK_TERMS = text(
    f"UPDATE tracks SET sort_artist = {_TRACK_SORT_ARTIST}, search_vector = {_TRACK_VECTOR} "
    f"WHERE (sort_artist IS DISTINCT FROM {_TRACK_SORT_ARTIST} OR search_vector IS DISTINCT FROM ({_TRACK_VECTOR})) "
    "AND (CAST(:ids AS bigint[]) IS NULL OR tracks.id = ANY(CAST(:ids AS bigint[])))"
)
_WORDS = (
    "INSERT INTO search_words (word) "
    "SELECT DISTINCT lexeme FROM {table}, unnest(tsvector_to_array({table}.search_vector)) AS lexeme "
    "WHERE {table}.id = ANY(CAST(:ids AS bigint[])) AND sonantica_is_vocabulary(lexeme) "
    "AND NOT EXISTS (SELECT 1 FROM search_words AS known WHERE known.word = lexeme) ORDER BY lexeme"
)
_REBUILD = (
    "DELETE FROM search_words",
    "INSERT INTO search_words (word) SELECT DISTINCT lexeme FROM ("
    " SELECT unnest(tsvector_to_array(search_vector)) AS lexeme FROM artists"
    " UNION SELECT unnest(tsvector_to_array(search_vector)) FROM albums"
    " UNION SELECT unnest(tsvector_to_array(search_vector)) FROM tracks WHERE removed_at IS NULL) AS words "
    "WHERE sonantica_is_vocabulary(lexeme) ORDER BY lexeme",
)


async def refresh_search_terms(
    session: AsyncSession,
    *,
    track_ids: Iterable[int] | None = None,
    album_ids: Iterable[int] | None = None,
    artist_ids: Iterable[int] | None = None,
) -> None:
    """Re-derive the trigger-kept search and sort data of the given rows (all rows, and a
    fresh vocabulary, when no ids are given). Not needed after ordinary writes."""
    if track_ids is None and album_ids is None and artist_ids is None:
        await session.execute(_SORT_ALBUM, {"ids": None})
        await session.execute(_TRACK_TERMS, {"ids": None})
        for statement in _REBUILD:
            await session.execute(text(statement))
        return
    if track_ids is not None:
        ids = list(track_ids)
        await session.execute(_SORT_ALBUM, {"ids": ids})
        await session.execute(_TRACK_TERMS, {"ids": ids})
        await session.execute(text(_WORDS.format(table="tracks")), {"ids": ids})
    if album_ids is not None:
        ids = list(album_ids)
        await session.execute(
            text(
                "UPDATE tracks SET sort_album = albums.title_folded FROM albums "
                "WHERE albums.id = tracks.album_id AND albums.id = ANY(CAST(:ids AS bigint[])) "
                "AND tracks.sort_album IS DISTINCT FROM albums.title_folded"
            ),
            {"ids": ids},
        )
        await session.execute(text(_WORDS.format(table="albums")), {"ids": ids})
    if artist_ids is not None:
        await session.execute(text(_WORDS.format(table="artists")), {"ids": list(artist_ids)})
