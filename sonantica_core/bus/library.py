""""The library changed": one call that every cache, client and plugin hears.

Whatever changes what the library shows calls :func:`library_changed` once with a
:class:`LibraryChange`: a scan (tracks added, changed, moved, removed) or an analysis
(new tempo, key, loudness for a track). That call

1. tells every process to forget the locations of moved, changed and removed tracks
   (``track`` messages on the invalidation bus: the track caches of the stream route);
2. starts a new *library generation* (a counter in Redis, announced as a ``library``
   message): every process's response cache drops its answers. Changes that come one
   track at a time (analysis results) share one generation per :data:`COALESCE_SECONDS`;
3. publishes :class:`~sonantica_core.contract.TracksChanged` for scan changes on the event
   stream and to plugins' event hooks (:func:`sonantica_core.bus.notify.emit`);
4. runs this process's subscribers (:func:`on_library_changed`), each isolated: one that
   fails is logged and the others still run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sonantica_core.bus.invalidation import get_bus
from sonantica_core.bus.notify import emit
from sonantica_core.contract import TracksChanged

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext

log = logging.getLogger("sonantica.library")

#: The Redis key of the library generation.
GENERATION_KEY = "sonantica:library:generation"
#: Seconds between generation bumps coming from a stream of small changes (analysis results).
COALESCE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class LibraryChange:
    """Track ids by what happened to them."""

    added: tuple[int, ...] = ()
    #: Tags, covers or audio changed (the file is still where it was).
    changed: tuple[int, ...] = ()
    moved: tuple[int, ...] = ()
    removed: tuple[int, ...] = ()
    #: The audio of a file changed under the same tags (a re-encode, a repaired file).
    audio_changed: tuple[int, ...] = ()
    #: New analysis results (tempo, key, loudness ...).
    analysed: tuple[int, ...] = ()
    #: Stems of these tracks became ready or were deleted (the track's details show them).
    stems: tuple[int, ...] = ()

    @property
    def relocated(self) -> tuple[int, ...]:
        """Tracks whose file (path, size or contents) may differ from what a cache holds."""
        return tuple(sorted({*self.moved, *self.changed, *self.removed}))

    @property
    def from_scan(self) -> bool:
        return bool(self.added or self.changed or self.moved or self.removed or self.audio_changed)

    def __bool__(self) -> bool:
        return self.from_scan or bool(self.analysed) or bool(self.stems)


#: ``listener(ctx, change)``: an in-process subscriber.
LibraryListener = Callable[["CoreContext", LibraryChange], Awaitable[None]]


def on_library_changed(ctx: CoreContext, listener: LibraryListener) -> None:
    """Call ``listener(ctx, change)`` after each change announced in this process."""
    ctx.services.library_listeners.append(listener)


async def library_changed(ctx: CoreContext, change: LibraryChange) -> None:
    """Announce ``change`` (see the module docstring); never raises for a listener's failure."""
    if not change:
        return
    if change.relocated:
        await get_bus(ctx).publish("track", ids=list(change.relocated))
    if change.from_scan:
        await bump_generation(ctx)
        if change.added or change.changed or change.moved or change.removed:
            await emit(ctx, TracksChanged(added=change.added, changed=change.changed, moved=change.moved,
                                          removed=change.removed))
    else:
        await bumps_of(ctx).soon(ctx)
    for listener in list(ctx.services.library_listeners):
        try:
            await listener(ctx, change)
        except Exception:
            log.exception("a library listener failed")


async def bump_generation(ctx: CoreContext) -> int | None:
    """A new library generation here and in every other process; None when Redis failed
    (then this process's answers stop being cached until it can read the generation again)."""
    bus = get_bus(ctx)
    try:
        generation = int(await ctx.redis.incr(GENERATION_KEY))
    except Exception as exc:
        log.warning("could not bump the library generation: %s", exc)
        bus.apply({"kind": "library", "generation": None})
        return None
    await bus.publish("library", generation=generation)
    return generation


class GenerationBumps:
    """Coalesces bumps: the first of a window is made at once, later ones share one at its end
    (the last change is never left unannounced)."""

    def __init__(self, window: float | None = None) -> None:
        #: Seconds per window; None: :data:`COALESCE_SECONDS`.
        self.window = window
        self.last = float("-inf")
        self.pending: asyncio.Future[None] | None = None

    async def soon(self, ctx: CoreContext) -> None:
        window = COALESCE_SECONDS if self.window is None else self.window
        now = time.monotonic()
        if now - self.last >= window and self.pending is None:
            self.last = now
            await bump_generation(ctx)
            return
        if self.pending is not None:
            return

        async def later() -> None:
            try:
                await asyncio.sleep(max(0.0, self.last + window - time.monotonic()))
                self.last = time.monotonic()
                await bump_generation(ctx)
            finally:
                self.pending = None

        self.pending = asyncio.ensure_future(later())

    async def flush(self, timeout: float = 10.0) -> None:
        """Wait for the bump still pending (a worker announces its last results before leaving)."""
        if self.pending is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self.pending), timeout)


def bumps_of(ctx: CoreContext) -> GenerationBumps:
    """This process's coalescing of generation bumps."""
    bumps = ctx.services.generation_bumps
    if bumps is None:
        bumps = ctx.services.generation_bumps = GenerationBumps()
    return bumps
