"""The ``lrclib_lyrics`` table: what LRCLIB said about each track, found or not.

The table belongs to this plugin (its own migrations, its own version table);
it refers to the core only through ``tracks.id``, and disappears with the track.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    MetaData,
    Table,
    Text,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import insert

from sonantica_lrclib.client import LrclibRecord

metadata = MetaData(naming_convention={"pk": "pk_%(table_name)s", "fk": "fk_%(table_name)s_%(column_0_name)s"})

lyrics_table = Table(
    "lrclib_lyrics",
    metadata,
    Column("track_id", BigInteger, ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True),
    Column("found", Boolean, nullable=False),
    Column("lrclib_id", BigInteger),
    Column("instrumental", Boolean, nullable=False, server_default="false"),
    Column("plain", Text),
    Column("synced", Text),
    Column("fetched_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


@dataclass(frozen=True, slots=True)
class CachedLyrics:
    """One row of ``lrclib_lyrics``."""

    track_id: int
    found: bool
    lrclib_id: int | None
    instrumental: bool
    plain: str | None
    synced: str | None
    fetched_at: dt.datetime

    def is_settled(self, retry_missing_after_days: float, now: dt.datetime | None = None) -> bool:
        """True when there is no point asking LRCLIB again yet."""
        if self.found:
            return True
        age = (now or dt.datetime.now(dt.UTC)) - self.fetched_at
        return age < dt.timedelta(days=retry_missing_after_days)


async def cached_lyrics(ctx: Any, track_id: int) -> CachedLyrics | None:
    """The cached answer for ``track_id``, if LRCLIB was asked before."""
    async with ctx.session() as session:
        query = select(lyrics_table).where(lyrics_table.c.track_id == track_id)
        row = (await session.execute(query)).mappings().first()
    return CachedLyrics(**row) if row is not None else None


async def save_lyrics(ctx: Any, track_id: int, record: LrclibRecord | None) -> None:
    """Remember what LRCLIB said (``None``: it does not know the track)."""
    values = {
        "track_id": track_id,
        "found": record is not None,
        "lrclib_id": record.id if record else None,
        "instrumental": record.instrumental if record else False,
        "plain": record.plain if record else None,
        "synced": record.synced if record else None,
        "fetched_at": func.now(),
    }
    statement = insert(lyrics_table).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[lyrics_table.c.track_id],
        set_={key: statement.excluded[key] for key in values if key != "track_id"},
    )
    async with ctx.session() as session:
        await session.execute(statement)
