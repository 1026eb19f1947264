"""What each user says about the library: stars and ratings of tracks, albums and artists,
and smart playlists (stored rules, evaluated live)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sonantica_core.db.base import Base, utcnow_column

#: The kinds of item a user can star or rate, with the table each one's marks live in.
KINDS = ("track", "album", "artist")


def _annotation_args(table: str, item: str) -> tuple[Any, ...]:
    return (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
        CheckConstraint("starred_at IS NOT NULL OR rating IS NOT NULL", name="something"),
        Index(f"ix_{table}_starred", "user_id", "starred_at", item, postgresql_where=text("starred_at IS NOT NULL")),
        Index(f"ix_{table}_rating", "user_id", "rating", item, postgresql_where=text("rating IS NOT NULL")),
        Index(f"ix_{table}_{item}", item),
    )


class TrackAnnotation(Base):
    """A user's star (with its time) and rating (1–5) of a track; no row: neither."""

    __tablename__ = "track_annotations"
    __table_args__ = _annotation_args("track_annotations", "track_id")

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True)
    starred_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    updated_at: Mapped[dt.datetime] = utcnow_column(onupdate=True)


class AlbumAnnotation(Base):
    """A user's star and rating of an album."""

    __tablename__ = "album_annotations"
    __table_args__ = _annotation_args("album_annotations", "album_id")

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), primary_key=True)
    starred_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    updated_at: Mapped[dt.datetime] = utcnow_column(onupdate=True)


class ArtistAnnotation(Base):
    """A user's star and rating of an artist."""

    __tablename__ = "artist_annotations"
    __table_args__ = _annotation_args("artist_annotations", "artist_id")

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    artist_id: Mapped[int] = mapped_column(ForeignKey("artists.id", ondelete="CASCADE"), primary_key=True)
    starred_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    updated_at: Mapped[dt.datetime] = utcnow_column(onupdate=True)


class SmartPlaylist(Base):
    """A user's playlist written as rules (see :mod:`sonantica_core.library.rules`); its
    tracks are whatever matches when it is read."""

    __tablename__ = "smart_playlists"
    __table_args__ = (
        CheckConstraint("sort_order IN ('asc', 'desc')", name="sort_order"),
        CheckConstraint("track_limit IS NULL OR track_limit > 0", name="track_limit"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    #: The rule tree, as validated: ``{"all"|"any": [...]}`` of conditions ``{"field", "op", "value"}``.
    rules: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    sort: Mapped[str] = mapped_column(String(32), nullable=False, server_default="title")
    sort_order: Mapped[str] = mapped_column(String(4), nullable=False, server_default="asc")
    track_limit: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = utcnow_column()
    updated_at: Mapped[dt.datetime] = utcnow_column(onupdate=True)


ANNOTATIONS: dict[str, type[Base]] = {"track": TrackAnnotation, "album": AlbumAnnotation, "artist": ArtistAnnotation}
