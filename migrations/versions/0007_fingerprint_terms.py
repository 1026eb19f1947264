"""``track_fingerprints.terms``: the index terms duplicates are found by; ``coarse`` goes.

``coarse`` summed the first eight sub-fingerprints, so two files of one recording that start
a few milliseconds apart never shared it, and nothing read it. ``terms`` holds the distinct
sub-fingerprints chosen by value (:func:`sonantica_core.analysis.duplicates.fingerprint_terms`),
as little-endian uint32. Rows from before are given theirs by the duplicate report's task.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("track_fingerprints", sa.Column("terms", sa.LargeBinary(), nullable=True))
    op.drop_index("ix_track_fingerprints_coarse", table_name="track_fingerprints")
    op.drop_column("track_fingerprints", "coarse")


def downgrade() -> None:
    op.add_column("track_fingerprints", sa.Column("coarse", sa.BigInteger(), nullable=True))
    op.create_index("ix_track_fingerprints_coarse", "track_fingerprints", ["coarse"], unique=False)
    op.drop_column("track_fingerprints", "terms")
