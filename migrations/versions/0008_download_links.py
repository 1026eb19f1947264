"""``downloads`` become links: of a track, an album or a playlist, original or transcoded, revocable.

A row is still written for every ``?download=1`` of a track (``kind = 'track'``, no expiry); rows
made by ``POST /api/downloads`` carry what they open (``kind`` and its id), the output
(``format``/``bitrate``; none: the originals), an expiry and, once revoked, ``revoked_at``.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("downloads", "track_id", existing_type=sa.BigInteger(), nullable=True)
    op.add_column("downloads", sa.Column("kind", sa.String(16), nullable=False, server_default="track"))
    op.add_column(
        "downloads",
        sa.Column("album_id", sa.BigInteger(), sa.ForeignKey("albums.id", ondelete="CASCADE"), nullable=True),
    )
    op.add_column(
        "downloads",
        sa.Column("playlist_id", sa.BigInteger(), sa.ForeignKey("playlists.id", ondelete="CASCADE"), nullable=True),
    )
    op.add_column("downloads", sa.Column("format", sa.String(16), nullable=True))
    op.add_column("downloads", sa.Column("bitrate", sa.Integer(), nullable=True))
    op.add_column("downloads", sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM downloads WHERE track_id IS NULL")
    for column in ("revoked_at", "bitrate", "format", "playlist_id", "album_id", "kind"):
        op.drop_column("downloads", column)
    op.alter_column("downloads", "track_id", existing_type=sa.BigInteger(), nullable=False)
