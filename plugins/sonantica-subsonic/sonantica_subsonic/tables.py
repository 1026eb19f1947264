"""The plugin's own tables (bookmarks and saved play queues, per user), and the core's stars
and ratings as Subsonic reads them.

Stars and ratings are the core's (:mod:`sonantica_core.library.userdata`), for songs, albums
and artists; here they are selectables with ``kind`` the id prefix (``tr``, ``al``, ``ar``) and
``item_id`` the library's id, so queries join them as they would a table.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY

from sonantica_core.db.userdata import AlbumAnnotation, ArtistAnnotation, TrackAnnotation

metadata = MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

def _marks(column: str) -> Any:
    """Every user's marks of songs, albums and artists that have ``column`` (``starred_at`` or
    ``rating``), as (user_id, kind, item_id, starred_at, rating) with Subsonic's kinds."""
    arms = []
    for kind, model, item in (
        ("tr", TrackAnnotation, TrackAnnotation.track_id),
        ("al", AlbumAnnotation, AlbumAnnotation.album_id),
        ("ar", ArtistAnnotation, ArtistAnnotation.artist_id),
    ):
        arms.append(
            select(
                model.user_id.label("user_id"),
                literal(kind, String(2)).label("kind"),
                item.label("item_id"),
                model.starred_at.label("starred_at"),
                model.rating.label("rating"),
            ).where(getattr(model, column).is_not(None))
        )
    return union_all(*arms).subquery(f"subsonic_{column}")


#: Stars, read from the core's marks (``track_annotations``, …): the web player and the API
#: see what an app starred, smart playlists use it, and the other way round. Written through
#: :mod:`sonantica_core.library.userdata`.
stars = _marks("starred_at")
#: Ratings (1–5), likewise.
ratings = _marks("rating")

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
