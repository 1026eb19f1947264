"""Stars and ratings of tracks, albums and artists per user; smart playlists; the indexes
their rules and filters are answered from.

Revision ID: 0010
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None

_ANNOTATED = (
    ("track_annotations", "track_id", "tracks"),
    ("album_annotations", "album_id", "albums"),
    ("artist_annotations", "artist_id", "artists"),
)
_FEATURE_INDEXES = (
    ("ix_track_audio_features_energy", ["energy"]),
    ("ix_track_audio_features_danceability", ["danceability"]),
    ("ix_track_audio_features_loudness_lufs", ["loudness_lufs"]),
    ("ix_track_audio_features_mode_bpm", ["mode", "bpm"]),
)


def upgrade() -> None:
    for table, item, target in _ANNOTATED:
        op.create_table(
            table,
            sa.Column("user_id", sa.BigInteger(), nullable=False),
            sa.Column(item, sa.BigInteger(), nullable=False),
            sa.Column("starred_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("rating", sa.SmallInteger(), nullable=True),
            sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
            sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f(f"ck_{table}_rating")),
            sa.CheckConstraint("starred_at IS NOT NULL OR rating IS NOT NULL", name=op.f(f"ck_{table}_something")),
            sa.ForeignKeyConstraint(
                ["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"), ondelete="CASCADE"
            ),
            sa.ForeignKeyConstraint(
                [item], [f"{target}.id"], name=op.f(f"fk_{table}_{item}_{target}"), ondelete="CASCADE"
            ),
            sa.PrimaryKeyConstraint("user_id", item, name=op.f(f"pk_{table}")),
        )
        op.create_index(
            f"ix_{table}_starred",
            table,
            ["user_id", "starred_at", item],
            postgresql_where=sa.text("starred_at IS NOT NULL"),
        )
        op.create_index(
            f"ix_{table}_rating", table, ["user_id", "rating", item], postgresql_where=sa.text("rating IS NOT NULL")
        )
        op.create_index(f"ix_{table}_{item}", table, [item])
    op.create_table(
        "smart_playlists",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("rules", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("sort", sa.String(length=32), server_default="title", nullable=False),
        sa.Column("sort_order", sa.String(length=4), server_default="asc", nullable=False),
        sa.Column("track_limit", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("sort_order IN ('asc', 'desc')", name=op.f("ck_smart_playlists_sort_order")),
        sa.CheckConstraint("track_limit IS NULL OR track_limit > 0", name=op.f("ck_smart_playlists_track_limit")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_smart_playlists_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_smart_playlists")),
    )
    op.create_index(op.f("ix_smart_playlists_user_id"), "smart_playlists", ["user_id"])
    for name, columns in _FEATURE_INDEXES:
        op.create_index(name, "track_audio_features", columns)
    op.create_index("ix_playback_history_user_track_time", "playback_history", ["user_id", "track_id", "played_at"])


def downgrade() -> None:
    op.drop_index("ix_playback_history_user_track_time", table_name="playback_history")
    for name, _ in _FEATURE_INDEXES:
        op.drop_index(name, table_name="track_audio_features")
    op.drop_table("smart_playlists")
    for table, _, _ in _ANNOTATED:
        op.drop_table(table)
