"""What users do with the library: playlists, play history, downloads."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sonantica_core.db.base import Base, utcnow_column


class Playlist(Base):
    __tablename__ = "playlists"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    created_at: Mapped[dt.datetime] = utcnow_column()
    updated_at: Mapped[dt.datetime] = utcnow_column(onupdate=True)


class PlaylistTrack(Base):
    """An entry of a playlist; a track may appear more than once."""

    __tablename__ = "playlist_tracks"

    playlist_id: Mapped[int] = mapped_column(ForeignKey("playlists.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True, nullable=False)
    added_at: Mapped[dt.datetime] = utcnow_column()


class PlaybackHistory(Base):
    __tablename__ = "playback_history"
    """One play: a client's start, progress and end reports of one ``session_key`` update one row.

    ``played_at`` is when the play started, ``duration_played`` the seconds really listened,
    ``skipped`` whether that was under the play rule (:mod:`sonantica_core.listening.rules`).
    """

    __table_args__ = (
        Index(
            "ix_playback_history_user_time", "user_id", "played_at",
            postgresql_include=["track_id", "duration_played", "skipped"],
        ),
        Index("ix_playback_history_user_track", "user_id", "track_id", "played_at", postgresql_include=["skipped"]),
        Index(
            "ix_playback_history_time", "played_at",
            postgresql_include=["user_id", "track_id", "duration_played", "skipped"],
        ),
        Index(
            "ux_playback_history_session", "user_id", "session_key", unique=True,
            postgresql_where=text("session_key IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True, nullable=False)
    played_at: Mapped[dt.datetime] = utcnow_column()
    duration_played: Mapped[float | None] = mapped_column(Float)
    completed: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    client: Mapped[str | None] = mapped_column(String(100))
    session_key: Mapped[str | None] = mapped_column(String(100))
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    skipped: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")


class PersonalMix(Base):
    """A user's generated playlist of one kind, when it was made, and why each track is in it."""

    __tablename__ = "personal_mixes"
    __table_args__ = (
        CheckConstraint("kind IN ('on-repeat', 'forgotten-favourites', 'discover')", name="kind"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    playlist_id: Mapped[int] = mapped_column(
        ForeignKey("playlists.id", ondelete="CASCADE"), index=True, unique=True, nullable=False
    )
    generated_at: Mapped[dt.datetime] = utcnow_column()
    method: Mapped[str] = mapped_column(Text, nullable=False)
    #: track id (as text) → why it is in the mix.
    reasons: Mapped[dict[str, str]] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))


class Download(Base):
    __tablename__ = "downloads"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True, nullable=False)
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
    quality: Mapped[str] = mapped_column(String(32), nullable=False, server_default="original")
    downloaded_at: Mapped[dt.datetime] = utcnow_column()
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    bytes_sent: Mapped[int | None] = mapped_column(BigInteger)
    client: Mapped[str | None] = mapped_column(String(100))
    #: What the link opens: ``track``, ``album`` or ``playlist`` (migration 0008).
    kind: Mapped[str] = mapped_column(String(16), nullable=False, server_default="track")
    album_id: Mapped[int | None] = mapped_column(ForeignKey("albums.id", ondelete="CASCADE"))
    playlist_id: Mapped[int | None] = mapped_column(ForeignKey("playlists.id", ondelete="CASCADE"))
    #: The output asked for (None: the originals), its kbit/s.
    format: Mapped[str | None] = mapped_column(String(16))
    bitrate: Mapped[int | None] = mapped_column(Integer)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
