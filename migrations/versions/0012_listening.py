"""Listening: one history entry per play session, skips, stats indexes, personal mixes.

* ``playback_history.session_key``: the client's id of one play; start, progress and end
  reports with the same key update one entry (unique per user), so a report sent twice
  counts once. ``ended_at``: when the play ended (null while it goes on). ``skipped``: the
  time listened was under the play rule (:mod:`sonantica_core.listening.rules`).
* Indexes for the statistics: the user's plays by time carry the columns the statistics
  read (index-only scans), plays by user and track (first and last plays), and plays by
  time across users (the admin view).
* ``personal_mixes``: each user's generated playlists ("on repeat", "forgotten
  favourites", "discover"), when they were made, and why each track is there.

Revision ID: 0012
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("playback_history", sa.Column("session_key", sa.String(100), nullable=True))
    op.add_column("playback_history", sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("playback_history", sa.Column("skipped", sa.Boolean(), server_default="false", nullable=False))
    op.execute("UPDATE playback_history SET ended_at = played_at")
    op.create_index(
        "ux_playback_history_session", "playback_history", ["user_id", "session_key"], unique=True,
        postgresql_where=sa.text("session_key IS NOT NULL"),
    )
    op.drop_index("ix_playback_history_user_time", table_name="playback_history")
    op.create_index(
        "ix_playback_history_user_time", "playback_history", ["user_id", "played_at"],
        postgresql_include=["track_id", "duration_played", "skipped"],
    )
    # replaces 0010's index on the same columns with one that covers ``skipped`` too
    op.drop_index("ix_playback_history_user_track_time", table_name="playback_history")
    op.create_index(
        "ix_playback_history_user_track", "playback_history", ["user_id", "track_id", "played_at"],
        postgresql_include=["skipped"],
    )
    op.create_index(
        "ix_playback_history_time", "playback_history", ["played_at"],
        postgresql_include=["user_id", "track_id", "duration_played", "skipped"],
    )
    op.create_table(
        "personal_mixes",
        sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("playlist_id", sa.BigInteger(), sa.ForeignKey("playlists.id", ondelete="CASCADE"), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("reasons", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "kind", name="pk_personal_mixes"),
        sa.CheckConstraint("kind IN ('on-repeat', 'forgotten-favourites', 'discover')", name="ck_personal_mixes_kind"),
    )
    op.create_index("ix_personal_mixes_playlist_id", "personal_mixes", ["playlist_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_personal_mixes_playlist_id", table_name="personal_mixes")
    op.drop_table("personal_mixes")
    op.drop_index("ix_playback_history_time", table_name="playback_history")
    op.drop_index("ix_playback_history_user_track", table_name="playback_history")
    op.create_index("ix_playback_history_user_track_time", "playback_history", ["user_id", "track_id", "played_at"])
    op.drop_index("ix_playback_history_user_time", table_name="playback_history")
    op.create_index("ix_playback_history_user_time", "playback_history", ["user_id", "played_at"])
    op.drop_index("ux_playback_history_session", table_name="playback_history")
    op.drop_column("playback_history", "skipped")
    op.drop_column("playback_history", "ended_at")
    op.drop_column("playback_history", "session_key")
