"""Stems made on request: one row per separation of a track by a separator, and per mix of it.

* ``mix`` is ``""`` for the separation itself (its stems, one FLAC file each) and the mix's
  key (its gains, e.g. ``"bass=1,drums=1,other=1,vocals=0"``) for a mix rendered from it.
* ``state``: ``queued`` → ``running`` → ``ready`` or ``failed``. Only a ``ready`` row's
  files are served; a row left ``running`` by a worker that died is reported as
  ``interrupted`` (its run lock has expired) and made again when asked for or redelivered.
* ``stems``: ``{stem: bytes}`` of the files; ``bytes`` their sum (the quota counts it).
* ``last_used_at``: the last stream of any of its files (eviction reads it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from sonantica_core.db.base import Base, utcnow_column


class TrackStems(Base):
    """A separation of one track by one separator (``mix == ""``), or a mix made from one."""

    __tablename__ = "track_stems"
    __table_args__ = (
        UniqueConstraint("track_id", "separator", "mix"),
        Index("ix_track_stems_state_last_used_at", "state", "last_used_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), nullable=False)
    separator: Mapped[str] = mapped_column(String(100), nullable=False)
    mix: Mapped[str] = mapped_column(String(400), nullable=False, server_default="")
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    quality: Mapped[str] = mapped_column(String(32), nullable=False, server_default="")
    sample_rate: Mapped[int | None] = mapped_column(Integer)
    stems: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    bytes: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    requested_at: Mapped[dt.datetime] = utcnow_column()
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime] = utcnow_column()
