"""The plugin's tables (its own metadata; created by its migrations)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

accounts = sa.Table(
    "scrobble_accounts", metadata,
    sa.Column("user_id", sa.BigInteger, primary_key=True),
    sa.Column("service", sa.String(16), primary_key=True),
    sa.Column("username", sa.String(200)),
    sa.Column("token_sealed", sa.LargeBinary, nullable=False),
    sa.Column("linked_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    sa.Column("disabled_reason", sa.Text),
)

queue = sa.Table(
    "scrobble_queue", metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("user_id", sa.BigInteger, nullable=False),
    sa.Column("service", sa.String(16), nullable=False),
    sa.Column("entry_id", sa.BigInteger, nullable=False),
    sa.Column("listened_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("artist", sa.Text, nullable=False),
    sa.Column("track", sa.Text, nullable=False),
    sa.Column("album", sa.Text),
    sa.Column("duration", sa.Float),
    sa.Column("client", sa.String(100)),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    sa.Column("last_error", sa.Text),
)
