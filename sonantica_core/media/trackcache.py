"""The per-process cache of where tracks are: id → root, relative path, size, mtime, hash.

The stream route asks it on every request; a hit is a dictionary lookup, a miss
one indexed query (``tracks`` by primary key, removed tracks excluded). Entries
also remember the file as last checked by :mod:`sonantica_core.media.storage` and the
ETag, so a steady stream of seeks costs one ``stat`` and no path resolution.

Invalidation (a rescan changed, moved or removed tracks)::

    await invalidate_track(ctx, track_id)    # or invalidate_tracks(ctx, ids)
    await invalidate_all(ctx)

Each drops the entries in this process at once and publishes a ``track`` message
on the invalidation bus, which other processes apply in the background; an
entry also lives at most ``ttl`` seconds, and a process that lost its Redis
connection clears its cache when it comes back.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from sonantica_core import streaming
from sonantica_core.bus.invalidation import get_bus
from sonantica_core.db.autocommit import autocommit
from sonantica_core.db.library import Track
from sonantica_core.media.storage import ResolvedFile

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext

DEFAULT_TTL = 600.0
DEFAULT_SIZE = 8192


@dataclass(slots=True)
class TrackLocation:
    """Where a track's file is, as the library knows it, plus what streaming learned."""

    id: int
    root: str
    relative_path: str
    size: int
    mtime_ns: int
    content_hash: str
    loaded_at: float = field(default_factory=time.monotonic)
    #: The file as last checked inside its root (None until first streamed).
    checked: ResolvedFile | None = None
    #: (size, mtime_ns) → ETag of the last version served.
    etag_key: tuple[int, int] | None = None
    etag: str | None = None
    #: Whether the stream-start hook ran for this entry.
    announced: bool = False

    def etag_for(self, size: int, mtime_ns: int) -> str:
        """The ETag of the version (size, mtime) on disk now; content-addressed when the
        library's hash describes exactly that version."""
        key = (size, mtime_ns)
        if self.etag_key != key or self.etag is None:
            same = key == (self.size, self.mtime_ns)
            self.etag = streaming.make_etag(size, mtime_ns, self.content_hash if same else None)
            self.etag_key = key
        return self.etag

    @property
    def file_name(self) -> str:
        return self.relative_path.rsplit("/", 1)[-1]


class TrackCache:
    """A bounded LRU of :class:`TrackLocation` with a time limit per entry."""

    def __init__(self, ttl: float = DEFAULT_TTL, size: int = DEFAULT_SIZE) -> None:
        self.ttl = ttl
        self._size = size
        self._entries: OrderedDict[int, TrackLocation] = OrderedDict()
        #: Database lookups made (for tests and benchmarks).
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, track_id: int) -> TrackLocation | None:
        entry = self._entries.get(track_id)
        if entry is None:
            return None
        if time.monotonic() - entry.loaded_at > self.ttl:
            del self._entries[track_id]
            return None
        self._entries.move_to_end(track_id)
        return entry

    def put(self, entry: TrackLocation) -> None:
        self._entries[entry.id] = entry
        self._entries.move_to_end(entry.id)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    async def lookup(self, ctx: CoreContext, track_id: int) -> TrackLocation | None:
        """The track's location, from the cache or one query; None if absent or removed."""
        entry = self.get(track_id)
        if entry is not None:
            return entry
        self.misses += 1
        query = select(
            Track.root, Track.relative_path, Track.size, Track.mtime_ns, Track.content_hash
        ).where(Track.id == track_id, Track.removed_at.is_(None))
        async with autocommit(ctx.engine) as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        entry = TrackLocation(track_id, row[0], row[1], row[2], row[3], row[4])
        self.put(entry)
        return entry

    def invalidate(self, track_ids: Iterable[int]) -> None:
        for track_id in track_ids:
            entry = self._entries.pop(track_id, None)
            if entry is not None and entry.checked is not None:
                streaming.invalidate(entry.checked.path)

    def clear(self, descriptors: bool = True) -> None:
        """Forget every entry (and, with ``descriptors``, their cached open files)."""
        if descriptors:
            for entry in self._entries.values():
                if entry.checked is not None:
                    streaming.invalidate(entry.checked.path)
        self._entries.clear()

    def apply_message(self, message: dict[str, Any]) -> None:
        """Apply a ``track`` message from the invalidation bus."""
        if message.get("all"):
            self.clear()
        else:
            self.invalidate(int(i) for i in message.get("ids", ()))


def get_track_cache(ctx: CoreContext) -> TrackCache:
    """This process's track cache (created, and subscribed to the bus, on first use)."""
    cache = ctx.services.track_cache
    if cache is None:
        cache = ctx.services.track_cache = TrackCache()
        bus = get_bus(ctx)
        bus.on("track", cache.apply_message)

        async def resync(reconnected: bool) -> None:
            if reconnected:
                cache.clear(descriptors=False)

        bus.on_resync(resync)
    return cache


async def invalidate_tracks(ctx: CoreContext, track_ids: Iterable[int]) -> None:
    """Forget these tracks' locations here and in every other process."""
    ids = sorted({int(i) for i in track_ids})
    if ids:
        await get_bus(ctx).publish("track", ids=ids)


async def invalidate_track(ctx: CoreContext, track_id: int) -> None:
    """Forget one track's location here and in every other process."""
    await invalidate_tracks(ctx, (track_id,))


async def invalidate_all(ctx: CoreContext) -> None:
    """Forget every track location here and in every other process (e.g. a root was renamed)."""
    await get_bus(ctx).publish("track", all=True)
