"""Stars, ratings, bookmarks and saved play queues of the Subsonic API.

Revision ID: subsonic_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "subsonic_0001"
down_revision = None
branch_labels = None
depends_on = None


def _user() -> sa.Column:
    return sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


def upgrade() -> None:
    for name in ("subsonic_stars", "subsonic_ratings"):
        extra = (
            [sa.Column("starred_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())]
            if name == "subsonic_stars"
            else [sa.Column("rating", sa.SmallInteger(), nullable=False)]
        )
        checks = [sa.CheckConstraint("kind IN ('tr', 'al', 'ar')", name=f"ck_{name}_kind")]
        if name == "subsonic_ratings":
            checks.append(sa.CheckConstraint("rating BETWEEN 1 AND 5", name="ck_subsonic_ratings_rating"))
        op.create_table(
            name,
            _user(),
            sa.Column("kind", sa.String(2), primary_key=True),
            sa.Column("item_id", sa.BigInteger(), primary_key=True),
            *extra,
            *checks,
        )
    op.create_table(
        "subsonic_bookmarks",
        _user(),
        sa.Column("track_id", sa.BigInteger(), sa.ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position_ms", sa.BigInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "subsonic_play_queues",
        _user(),
        sa.Column("track_ids", postgresql.ARRAY(sa.BigInteger()), nullable=False),
        sa.Column("current_index", sa.Integer(), nullable=True),
        sa.Column("position_ms", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("changed_by", sa.String(100), nullable=False, server_default=""),
    )


def downgrade() -> None:
    for name in ("subsonic_play_queues", "subsonic_bookmarks", "subsonic_ratings", "subsonic_stars"):
        op.drop_table(name)
