"""Sound similarity: model versions and raw vectors of embeddings, per-model library statistics.

* ``track_embeddings.model_version``: the version of the model that made the vector.
* ``track_embeddings.raw_vector``: for models the core standardises over the library
  (hand-made descriptors), the vector as the analyzer made it; ``vector`` then holds its
  z-scores (``(raw - mean) / std``), which the model's HNSW index covers.
* ``embedding_stats``: per model, the mean and spread of the raw vectors that the stored
  z-scores were computed with, and over how many tracks.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import pgvector.sqlalchemy
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "track_embeddings", sa.Column("model_version", sa.String(50), server_default="1", nullable=False)
    )
    op.add_column("track_embeddings", sa.Column("raw_vector", pgvector.sqlalchemy.vector.VECTOR(), nullable=True))
    op.create_table(
        "embedding_stats",
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("dimension", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("mean", pgvector.sqlalchemy.vector.VECTOR(), nullable=False),
        sa.Column("std", pgvector.sqlalchemy.vector.VECTOR(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("model", name="pk_embedding_stats"),
    )


def downgrade() -> None:
    op.drop_table("embedding_stats")
    op.drop_column("track_embeddings", "raw_vector")
    op.drop_column("track_embeddings", "model_version")
