"""Cheaper writes of tracks: ``sort_album`` from the writer, faster search functions.

* ``tracks.sort_album``: the trigger of 0002 looked the album up for every inserted row
  and every update naming ``album_id``: a third of the database's work in an initial
  scan. The scanner now writes ``sort_album`` itself (it knows each album's folded
  title), so the trigger runs only for rows inserted with an album and no
  ``sort_album``, and for updates that change ``album_id`` without changing
  ``sort_album``. Other writers that leave the column out are served as before;
  ``albums_retitled`` still follows album titles.
* ``sonantica_tokens`` becomes PL/pgSQL with the very same expression: as a strict SQL
  function with a CASE it could not be inlined, and PostgreSQL started an executor for
  every call (three per track, in the generated search vector). PL/pgSQL evaluates the
  expression directly.
* ``sonantica_is_vocabulary`` is no longer STRICT, so it is inlined into the vocabulary
  triggers' queries (it gives the same answers: NULL and false both leave a word out).
* ``sonantica_fold`` takes a short cut for ASCII text, where decomposition, accent
  stripping, the letter maps and recomposition change nothing: lower case and single
  spaces only. Not STRICT either (NULL still gives NULL), so it is still inlined.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from alembic import op

from sonantica_core.db.migrate import earlier_revision

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _search() -> ModuleType:
    """Migration 0002, for its original functions."""
    return earlier_revision(Path(__file__).with_name("0002_search.py"))


def _original(name: str) -> str:
    return next(sql for sql in _search().FUNCTIONS if f"FUNCTION {name}(" in sql)


def _tokens_plpgsql() -> str:
    original = _original("sonantica_tokens")
    body = original.split("$fn$")[1].strip()
    assert body.startswith("SELECT ")
    return (
        "CREATE OR REPLACE FUNCTION sonantica_tokens(folded text) RETURNS text "
        f"LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$ BEGIN RETURN {body[len('SELECT '):]}; END $fn$"
    )


def _vocabulary_inlinable() -> str:
    original = _original("sonantica_is_vocabulary")
    assert "IMMUTABLE STRICT PARALLEL SAFE" in original
    return original.replace("IMMUTABLE STRICT PARALLEL SAFE", "IMMUTABLE PARALLEL SAFE")


def _fold_with_ascii_short_cut() -> str:
    search = _search()
    ascii_only = search.q("^[\\u0001-\\u007f]*$")
    short = f"btrim(regexp_replace(lower(value), {search.q(search.SPACE_CLASS + '+')}, ' ', 'g'), ' ')"
    return (
        "CREATE OR REPLACE FUNCTION sonantica_fold(value text) RETURNS text "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$ "
        f"SELECT CASE WHEN value ~ {ascii_only} THEN {short} ELSE {search._fold_sql()} END $fn$"
    )


def _execute(sql: str) -> None:
    op.get_bind().exec_driver_sql(sql)


def upgrade() -> None:
    _execute("DROP TRIGGER IF EXISTS tracks_sort_album ON tracks")
    _execute(
        "CREATE TRIGGER tracks_sort_album BEFORE INSERT ON tracks FOR EACH ROW "
        "WHEN (NEW.album_id IS NOT NULL AND NEW.sort_album = '') "
        "EXECUTE FUNCTION sonantica_track_sort_album()"
    )
    _execute(
        "CREATE TRIGGER tracks_sort_album_moved BEFORE UPDATE OF album_id ON tracks FOR EACH ROW "
        "WHEN (NEW.album_id IS DISTINCT FROM OLD.album_id AND NEW.sort_album IS NOT DISTINCT FROM OLD.sort_album) "
        "EXECUTE FUNCTION sonantica_track_sort_album()"
    )
    _execute(_tokens_plpgsql())
    _execute(_vocabulary_inlinable())
    _execute(_fold_with_ascii_short_cut())


def downgrade() -> None:
    _execute(_original("sonantica_fold"))
    _execute(_original("sonantica_is_vocabulary"))
    _execute(_original("sonantica_tokens"))
    _execute("DROP TRIGGER IF EXISTS tracks_sort_album_moved ON tracks")
    _execute("DROP TRIGGER IF EXISTS tracks_sort_album ON tracks")
    _execute(
        "CREATE TRIGGER tracks_sort_album BEFORE INSERT OR UPDATE OF album_id ON tracks "
        "FOR EACH ROW EXECUTE FUNCTION sonantica_track_sort_album()"
    )
