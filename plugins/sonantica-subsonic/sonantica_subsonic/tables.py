"""The plugin's own tables: stars, ratings, bookmarks and saved play queues, per user.

Stars and ratings apply to songs, albums and artists (``kind`` is the id prefix: ``tr``,
``al``, ``ar``); ``item_id`` is the library's id. Rows of removed items are dropped with
the user (``users.id`` cascade) and otherwise kept: a track that comes back after a rescan
keeps its id, so it keeps its star.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY

metadata = MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

stars = Table(
    "subsonic_stars",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(2), primary_key=True),
    Column("item_id", BigInteger, primary_key=True),
    Column("starred_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("kind IN ('tr', 'al', 'ar')", name="kind"),
)

ratings = Table(
    "subsonic_ratings",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(2), primary_key=True),
    Column("item_id", BigInteger, primary_key=True),
    Column("rating", SmallInteger, nullable=False),
    CheckConstraint("kind IN ('tr', 'al', 'ar')", name="kind"),
    CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
)

bookmarks = Table(
    "subsonic_bookmarks",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("track_id", BigInteger, ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True),
    Column("position_ms", BigInteger, nullable=False),
    Column("comment", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

play_queues = Table(
    "subsonic_play_queues",
    metadata,
    Column("user_id", BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("track_ids", ARRAY(BigInteger), nullable=False),
    Column("current_index", Integer),
    Column("position_ms", BigInteger, nullable=False, server_default="0"),
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("changed_by", String(100), nullable=False, server_default=""),
)
