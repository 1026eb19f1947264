"""Feature indexes: ``track_audio_features (bpm, track_id)`` for tempo listings in keyset order.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_track_audio_features_bpm_track_id", "track_audio_features", ["bpm", "track_id"])


def downgrade() -> None:
    op.drop_index("ix_track_audio_features_bpm_track_id", table_name="track_audio_features")
