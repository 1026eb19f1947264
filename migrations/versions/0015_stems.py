"""Stems on demand: ``track_stems``, one row per separation of a track and per mix of it.

``mix`` is ``''`` for the separation (its stems) and the mix's key for a mix rendered from
it; ``state`` is queued, running, ready or failed; ``bytes`` and ``last_used_at`` drive
eviction (``STEMS_TTL_DAYS``, ``STEMS_MAX_BYTES``). The files live under ``DATA_DIR/stems``.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "track_stems",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("track_id", sa.BigInteger(), sa.ForeignKey("tracks.id", ondelete="CASCADE"), nullable=False),
        sa.Column("separator", sa.String(100), nullable=False),
        sa.Column("mix", sa.String(400), server_default="", nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("quality", sa.String(32), server_default="", nullable=False),
        sa.Column("sample_rate", sa.Integer(), nullable=True),
        sa.Column("stems", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("bytes", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.UniqueConstraint("track_id", "separator", "mix", name="uq_track_stems_track_id_separator_mix"),
    )
    op.create_index("ix_track_stems_state_last_used_at", "track_stems", ["state", "last_used_at"])


def downgrade() -> None:
    op.drop_index("ix_track_stems_state_last_used_at", table_name="track_stems")
    op.drop_table("track_stems")
