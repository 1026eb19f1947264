"""Linked scrobbling accounts (tokens sealed) and the queue of scrobbles to send.

Revision ID: scrobble_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "scrobble_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scrobble_accounts",
        sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("service", sa.String(16), primary_key=True),
        sa.Column("username", sa.String(200), nullable=True),
        sa.Column("token_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("service IN ('listenbrainz', 'lastfm')", name="ck_scrobble_accounts_service"),
    )
    op.create_table(
        "scrobble_queue",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("service", sa.String(16), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("listened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("artist", sa.Text(), nullable=False),
        sa.Column("track", sa.Text(), nullable=False),
        sa.Column("album", sa.Text(), nullable=True),
        sa.Column("duration", sa.Float(), nullable=True),
        sa.Column("client", sa.String(100), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.UniqueConstraint("service", "user_id", "entry_id", name="uq_scrobble_queue_entry"),
    )
    op.create_index("ix_scrobble_queue_due", "scrobble_queue", ["next_attempt_at"])
    op.create_index("ix_scrobble_queue_user", "scrobble_queue", ["user_id", "service", "listened_at"])


def downgrade() -> None:
    op.drop_table("scrobble_queue")
    op.drop_table("scrobble_accounts")
