"""What metadata providers found: values per album and artist (tracks use ``track_metadata``), and runs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sonantica_core.db.base import Base, utcnow_column


class AlbumMetadata(Base):
    """A fact about an album, with its source (``musicbrainz``, ...)."""

    __tablename__ = "album_metadata"
    __table_args__ = (UniqueConstraint("album_id", "key", "source"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), index=True, nullable=False)
    key: Mapped[str] = mapped_column(String(100), nullable=False)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    source: Mapped[str] = mapped_column(String(100), nullable=False)
    updated_at: Mapped[dt.datetime] = utcnow_column(onupdate=True)


class ArtistMetadata(Base):
    """A fact about an artist (sort name, type ...), with its source."""

    __tablename__ = "artist_metadata"
    __table_args__ = (UniqueConstraint("artist_id", "key", "source"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    artist_id: Mapped[int] = mapped_column(ForeignKey("artists.id", ondelete="CASCADE"), index=True, nullable=False)
    key: Mapped[str] = mapped_column(String(100), nullable=False)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    source: Mapped[str] = mapped_column(String(100), nullable=False)
    updated_at: Mapped[dt.datetime] = utcnow_column(onupdate=True)


class EnrichmentRun(Base):
    """The last time a provider was asked about an album: matched, candidate, no match or failed."""

    __tablename__ = "enrichment_runs"
    __table_args__ = (UniqueConstraint("album_id", "provider"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), index=True, nullable=False)
    provider: Mapped[str] = mapped_column(String(100), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)  # matched, candidate, no match, failed
    score: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    #: JSON list of values below the threshold (``{entity, entity_id, key, value, score}``), not applied.
    candidates: Mapped[str | None] = mapped_column(Text)
    ran_at: Mapped[dt.datetime] = utcnow_column(onupdate=True)
