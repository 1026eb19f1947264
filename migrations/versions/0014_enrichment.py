"""Enrichment: what metadata providers found about albums and artists, and each provider's last run.

* ``album_metadata`` / ``artist_metadata``: key, value and source per album / artist (track
  values go to the existing ``track_metadata``), unique per key and source.
* ``enrichment_runs``: per album and provider, the last outcome (``matched``, ``candidate``,
  ``no match``, ``failed``), its score, the error, and the candidates below the threshold.

Revision ID: 0014
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None


def _values_table(name: str, owner: str, owner_table: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(owner, sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint([owner], [f"{owner_table}.id"], name=f"fk_{name}_{owner}_{owner_table}",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
        sa.UniqueConstraint(owner, "key", "source", name=f"uq_{name}_{owner}_key_source"),
    )
    op.create_index(f"ix_{name}_{owner}", name, [owner], unique=False)


def upgrade() -> None:
    _values_table("album_metadata", "album_id", "albums")
    _values_table("artist_metadata", "artist_id", "artists")
    op.create_table(
        "enrichment_runs",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("album_id", sa.BigInteger(), nullable=False),
        sa.Column("provider", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("candidates", sa.Text(), nullable=True),
        sa.Column("ran_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["album_id"], ["albums.id"], name="fk_enrichment_runs_album_id_albums",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_enrichment_runs"),
        sa.UniqueConstraint("album_id", "provider", name="uq_enrichment_runs_album_id_provider"),
    )
    op.create_index("ix_enrichment_runs_album_id", "enrichment_runs", ["album_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_enrichment_runs_album_id", table_name="enrichment_runs")
    op.drop_table("enrichment_runs")
    for name, owner in (("artist_metadata", "artist_id"), ("album_metadata", "album_id")):
        op.drop_index(f"ix_{name}_{owner}", table_name=name)
        op.drop_table(name)
