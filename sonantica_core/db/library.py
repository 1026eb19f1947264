"""The library: artists, albums, tracks, genres, and what scans found wrong."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from sonantica_core.db.base import Base, utcnow_column


class Artist(Base):
    __tablename__ = "artists"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    #: Identity used to merge: "mbid:<uuid>" when known, else "name:<folded name>".
    key: Mapped[str] = mapped_column(Text, unique=True, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    sort_name: Mapped[str | None] = mapped_column(Text)
    #: Case- and accent-folded name, for search and sorting.
    name_folded: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    musicbrainz_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[dt.datetime] = utcnow_column()


class Album(Base):
    __tablename__ = "albums"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    #: Grouping key: "mbid:<release id>", else "artist:<album artist key>|<folded title>",
    #: else "va:<folded title>" for compilations.
    key: Mapped[str] = mapped_column(Text, unique=True, nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    title_folded: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    album_artist: Mapped[str | None] = mapped_column(Text)  # display string as written
    album_artist_id: Mapped[int | None] = mapped_column(ForeignKey("artists.id", ondelete="SET NULL"), index=True)
    compilation: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    year: Mapped[int | None] = mapped_column(SmallInteger)
    date: Mapped[str | None] = mapped_column(String(32))
    original_date: Mapped[str | None] = mapped_column(String(32))
    disc_total: Mapped[int | None] = mapped_column(SmallInteger)
    musicbrainz_release_id: Mapped[str | None] = mapped_column(String(36))
    musicbrainz_release_group_id: Mapped[str | None] = mapped_column(String(36))
    #: Content hash of the cover image in the derived-data directory.
    cover_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = utcnow_column()
    updated_at: Mapped[dt.datetime] = utcnow_column(onupdate=True)


class AlbumArtist(Base):
    __tablename__ = "album_artists"

    album_id: Mapped[int] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"), primary_key=True)
    artist_id: Mapped[int] = mapped_column(ForeignKey("artists.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="0")


class Track(Base):
    """One audio file. Its id follows the audio (``content_hash``), not the path."""

    __tablename__ = "tracks"
    __table_args__ = (
        UniqueConstraint("root", "relative_path"),
        Index("ix_tracks_album_order", "album_id", "disc_number", "track_number", "id"),
        Index("ix_tracks_present", "id", postgresql_where=text("removed_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    root: Mapped[str] = mapped_column(String(64), nullable=False)
    relative_path: Mapped[str] = mapped_column(Text, nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    mtime_ns: Mapped[int] = mapped_column(BigInteger, nullable=False)
    content_hash: Mapped[str] = mapped_column(String(80), nullable=False, index=True)
    container: Mapped[str | None] = mapped_column(String(16))
    codec: Mapped[str | None] = mapped_column(String(16))
    sample_rate: Mapped[int | None] = mapped_column(Integer)
    bit_depth: Mapped[int | None] = mapped_column(SmallInteger)
    channels: Mapped[int | None] = mapped_column(SmallInteger)
    bitrate: Mapped[int | None] = mapped_column(Integer)
    duration: Mapped[float | None] = mapped_column(Float)
    lossless: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")

    title: Mapped[str] = mapped_column(Text, nullable=False)
    title_folded: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    artist: Mapped[str | None] = mapped_column(Text)  # display string as written
    album_id: Mapped[int | None] = mapped_column(ForeignKey("albums.id", ondelete="SET NULL"))
    track_number: Mapped[int | None] = mapped_column(SmallInteger)
    track_total: Mapped[int | None] = mapped_column(SmallInteger)
    disc_number: Mapped[int | None] = mapped_column(SmallInteger)
    disc_total: Mapped[int | None] = mapped_column(SmallInteger)
    date: Mapped[str | None] = mapped_column(String(32))
    original_date: Mapped[str | None] = mapped_column(String(32))
    year: Mapped[int | None] = mapped_column(SmallInteger, index=True)
    composer: Mapped[str | None] = mapped_column(Text)
    label: Mapped[str | None] = mapped_column(Text)
    isrc: Mapped[str | None] = mapped_column(String(16))
    musicbrainz_track_id: Mapped[str | None] = mapped_column(String(36))
    musicbrainz_recording_id: Mapped[str | None] = mapped_column(String(36))
    lyrics: Mapped[str | None] = mapped_column(Text)
    tag_track_gain: Mapped[float | None] = mapped_column(Float)
    tag_track_peak: Mapped[float | None] = mapped_column(Float)
    tag_album_gain: Mapped[float | None] = mapped_column(Float)
    tag_album_peak: Mapped[float | None] = mapped_column(Float)
    #: Title/artist/album were guessed from the path: the file has no tags.
    tags_guessed: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    cover_hash: Mapped[str | None] = mapped_column(String(64))

    added_at: Mapped[dt.datetime] = utcnow_column()
    updated_at: Mapped[dt.datetime] = utcnow_column(onupdate=True)
    #: Set when the file disappeared; the row (and its history) stays, hidden from
    #: the library, and comes back with the same id if the audio reappears.
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class TrackArtist(Base):
    __tablename__ = "track_artists"

    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True)
    artist_id: Mapped[int] = mapped_column(ForeignKey("artists.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True, server_default="artist")  # artist, composer
    position: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="0")


class Genre(Base):
    __tablename__ = "genres"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    name_folded: Mapped[str] = mapped_column(Text, unique=True, nullable=False)


class TrackGenre(Base):
    __tablename__ = "track_genres"

    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True)
    genre_id: Mapped[int] = mapped_column(ForeignKey("genres.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="0")


class ScanRun(Base):
    __tablename__ = "scan_runs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    status: Mapped[str] = mapped_column(
        String(16), nullable=False, server_default="queued"
    )  # queued running done failed
    started_at: Mapped[dt.datetime] = utcnow_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    files_seen: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    files_read: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    added: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    changed: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    moved: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    removed: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    problems: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)


class ScanProblemRow(Base):
    """A file the last scan could not read, with the reason. Cleared when it reads."""

    __tablename__ = "scan_problems"
    __table_args__ = (UniqueConstraint("root", "relative_path"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    root: Mapped[str] = mapped_column(String(64), nullable=False)
    relative_path: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    size: Mapped[int | None] = mapped_column(BigInteger)
    mtime_ns: Mapped[int | None] = mapped_column(BigInteger)
    first_seen_at: Mapped[dt.datetime] = utcnow_column()
    last_seen_at: Mapped[dt.datetime] = utcnow_column(onupdate=True)
