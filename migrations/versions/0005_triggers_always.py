"""The library's own triggers fire in every replication role.

The scan copies new tracks and their link rows with ``session_replication_role =
replica`` (see :mod:`sonantica_core.scanning.ingest`): that skips the per-row
foreign-key checks, whose ids the scan has just been given by the database. The
triggers that keep the search vocabulary and ``tracks.sort_album`` must still
fire for those rows, so they become ``ENABLE ALWAYS``.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: (table, trigger) of every trigger migrations 0002 and 0004 created.
TRIGGERS: tuple[tuple[str, str], ...] = (
    ("artists", "artists_words_inserted"),
    ("artists", "artists_words_updated"),
    ("albums", "albums_words_inserted"),
    ("albums", "albums_words_updated"),
    ("albums", "albums_retitled"),
    ("tracks", "tracks_words_inserted"),
    ("tracks", "tracks_words_updated"),
    ("tracks", "tracks_sort_album"),
    ("tracks", "tracks_sort_album_moved"),
)


def upgrade() -> None:
    for table, trigger in TRIGGERS:
        op.get_bind().exec_driver_sql(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {trigger}")


def downgrade() -> None:
    for table, trigger in TRIGGERS:
        op.get_bind().exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")
