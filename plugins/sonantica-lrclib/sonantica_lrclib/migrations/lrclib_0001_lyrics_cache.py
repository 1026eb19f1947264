"""The LRCLIB lyrics cache.

Revision ID: lrclib_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "lrclib_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lrclib_lyrics",
        sa.Column("track_id", sa.BigInteger(), nullable=False),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.Column("lrclib_id", sa.BigInteger(), nullable=True),
        sa.Column("instrumental", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("plain", sa.Text(), nullable=True),
        sa.Column("synced", sa.Text(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name="fk_lrclib_lyrics_track_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("track_id", name="pk_lrclib_lyrics"),
    )


def downgrade() -> None:
    op.drop_table("lrclib_lyrics")
