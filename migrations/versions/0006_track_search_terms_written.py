"""``tracks.search_vector`` and ``tracks.sort_artist`` written by the scanner, kept by a trigger.

In migration 0002 both are generated columns: the database folds the artist and cuts
title, artist and composer into lexemes with regular expressions for every track
written, half of its work in an initial scan. The scanner's reader processes now build
the same values (:mod:`sonantica_core.text.tsvector`) and write them. For every other
writer nothing changes: a row inserted without them, or updated in its title, artist or
composer, gets them from the very expressions of 0002, in a trigger (``ENABLE ALWAYS``,
like the library's other triggers since 0005).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from sonantica_core.db.migrate import earlier_revision

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _search() -> ModuleType:
    """Migration 0002, for its expressions."""
    return earlier_revision(Path(__file__).with_name("0002_search.py"))


SORT_ARTIST = "coalesce(sonantica_fold(artist), '')"
#: The columns the two values are made of.
SOURCES = ("title_folded", "artist", "composer")


def _on_new(expression: str) -> str:
    """``expression`` over the trigger's NEW row."""
    for column in SOURCES:
        expression = expression.replace(f"({column})", f"(NEW.{column})").replace(f"({column},", f"(NEW.{column},")
    return expression


def _function() -> str:
    return (
        "CREATE OR REPLACE FUNCTION sonantica_track_search_terms() RETURNS trigger LANGUAGE plpgsql AS $fn$ "
        f"BEGIN NEW.sort_artist := {_on_new(SORT_ARTIST)}; "
        f"NEW.search_vector := {_on_new(_search().TRACK_VECTOR)}; RETURN NEW; END $fn$"
    )


TRIGGERS = (
    "CREATE TRIGGER tracks_search_terms BEFORE INSERT ON tracks FOR EACH ROW "
    "WHEN (NEW.search_vector IS NULL OR NEW.sort_artist IS NULL) EXECUTE FUNCTION sonantica_track_search_terms()",
    "CREATE TRIGGER tracks_search_terms_changed BEFORE UPDATE OF title_folded, artist, composer ON tracks "
    "FOR EACH ROW WHEN (OLD.title_folded IS DISTINCT FROM NEW.title_folded OR OLD.artist IS DISTINCT FROM NEW.artist "
    "OR OLD.composer IS DISTINCT FROM NEW.composer) EXECUTE FUNCTION sonantica_track_search_terms()",
    "ALTER TABLE tracks ENABLE ALWAYS TRIGGER tracks_search_terms",
    "ALTER TABLE tracks ENABLE ALWAYS TRIGGER tracks_search_terms_changed",
)


def _execute(sql: str) -> None:
    op.get_bind().exec_driver_sql(sql)


def upgrade() -> None:
    _execute("ALTER TABLE tracks ALTER COLUMN search_vector DROP EXPRESSION, ALTER COLUMN sort_artist DROP EXPRESSION")
    _execute(_function())
    for statement in TRIGGERS:
        _execute(statement)


def downgrade() -> None:
    search = _search()
    _execute("DROP TRIGGER IF EXISTS tracks_search_terms_changed ON tracks")
    _execute("DROP TRIGGER IF EXISTS tracks_search_terms ON tracks")
    _execute("DROP FUNCTION IF EXISTS sonantica_track_search_terms()")
    # A column cannot become generated again: both are made anew, with the indexes on them.
    op.drop_column("tracks", "search_vector")
    op.drop_column("tracks", "sort_artist")
    op.add_column(
        "tracks", sa.Column("sort_artist", sa.Text(), sa.Computed(SORT_ARTIST, persisted=True), nullable=False)
    )
    op.add_column(
        "tracks",
        sa.Column(
            "search_vector", postgresql.TSVECTOR(), sa.Computed(search.TRACK_VECTOR, persisted=True), nullable=False
        ),
    )
    op.create_index(
        "ix_tracks_sort_artist",
        "tracks",
        ["sort_artist", "sort_album", "album_rank", "sort_position", "id"],
        postgresql_where=search.PRESENT,
    )
    op.create_index("ix_tracks_search", "tracks", ["search_vector"], postgresql_using="gin")
