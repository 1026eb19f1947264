"""Per-process cache of the read-only library answers (lists, details, search, genres).

Key: the route path and its query string, normalised (parameters sorted by name, values of
one name kept in their order, re-encoded). The answers do not depend on who asks (the
access middleware has already decided whether they may ask), so the key holds no user.
Value: the encoded JSON and its headers (``Link``). Bounded by bytes, least recently used
goes first.

Staleness: the library has a *generation* number in Redis
(:data:`sonantica_core.bus.library.GENERATION_KEY`). Whatever changes what these answers
show (a scan that changed tracks or covers, analysis results such as tempo and key)
announces it with :func:`sonantica_core.bus.library.library_changed`, which increments it
and announces it on the invalidation bus (``library`` messages): every process drops its
cache at once. As a safety net each process also reads the generation at most every
:data:`CHECK_INTERVAL` seconds, in the background (never a Redis round trip on a
request's path), and stops caching while it cannot read it. An answer computed while the
generation changed is not kept.

Each cached answer carries ``ETag: "<generation>-<key hash>"``; ``If-None-Match`` with it
answers 304 without touching the database.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from sonantica_core.bus.invalidation import get_bus
from sonantica_core.bus.library import GENERATION_KEY
from sonantica_core.http.util import core
from sonantica_core.library.genres import GenreStats

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext

log = logging.getLogger("sonantica.responsecache")

CHECK_INTERVAL = 2.0
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
CACHE_CONTROL = "private, no-cache"
_KEPT_HEADERS = ("link",)

Endpoint = Callable[[Request], Awaitable[Response]]


class ResponseCache:
    """key → (body, headers, etag), LRU by bytes, valid for one library generation."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[str, tuple[bytes, dict[str, str], str]] = OrderedDict()
        #: The library generation the entries belong to; None: unknown (nothing is cached).
        self.generation: int | None = None
        self.checked_at = float("-inf")
        self._checking: asyncio.Task[None] | None = None
        self._first_read: asyncio.Task[None] | None = None
        #: Called with no argument each time the cache is dropped (other derived caches).
        self.on_clear: list[Callable[[], None]] = []
        self.hits = self.misses = 0
        #: (generation, key) → the answer being computed for it, shared by those asking meanwhile
        #: (a page every client asks for at once after a change is computed once).
        self.in_flight: dict[tuple[int, str], asyncio.Future[tuple[bytes, dict[str, str]] | None]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
        self.size = 0
        for callback in self.on_clear:
            try:
                callback()
            except Exception:
                log.exception("response cache clear callback failed")

    def set_generation(self, generation: int | None) -> None:
        """Adopt ``generation``; drop everything when it differs from the one held."""
        if generation != self.generation:
            self.clear()
            self.generation = generation

    def get(self, key: str) -> tuple[bytes, dict[str, str], str] | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: str, generation: int, body: bytes, headers: dict[str, str], etag: str) -> None:
        """Keep an answer computed under ``generation`` (ignored if that is no longer current)."""
        if generation != self.generation or len(body) > self.max_bytes // 8:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self.size -= len(old[0])
        self._entries[key] = (body, headers, etag)
        self.size += len(body)
        while self.size > self.max_bytes and self._entries:
            _, (dropped, _, _) = self._entries.popitem(last=False)
            self.size -= len(dropped)

    def apply_message(self, message: dict[str, Any]) -> None:
        """A ``library`` message of the invalidation bus."""
        try:
            generation = int(message["generation"])
        except (KeyError, TypeError, ValueError):
            self.set_generation(None)  # unknown: stop caching until the next check
            self.checked_at = float("-inf")
            return
        if self.generation is None or generation > self.generation:
            self.set_generation(generation)

    async def refresh(self, ctx: CoreContext) -> None:
        """Read the generation from Redis; an error stops caching until a read succeeds."""
        self.checked_at = time.monotonic()
        try:
            raw = await ctx.redis.get(GENERATION_KEY)
        except Exception as exc:
            log.warning("could not read the library generation (not caching answers): %s", exc)
            self.set_generation(None)
            return
        self.set_generation(int(raw) if raw is not None else 0)

    async def usable_generation(self, ctx: CoreContext) -> int | None:
        """The generation answers are kept under now, None when unknown (then nothing is cached).

        The process's first request reads it from Redis, and requests arriving meanwhile wait
        for that one read rather than answering uncached; later ones never wait
        (:meth:`maybe_check`)."""
        if self.checked_at == float("-inf") and self._first_read is None:
            self._first_read = asyncio.get_running_loop().create_task(self.refresh(ctx))
        if self._first_read is not None and not self._first_read.done():
            await asyncio.shield(self._first_read)
        else:
            self.maybe_check(ctx)
        return self.generation

    def maybe_check(self, ctx: CoreContext) -> None:
        """Start a background read of the generation if the last one is older than CHECK_INTERVAL."""
        if time.monotonic() - self.checked_at < CHECK_INTERVAL:
            return
        if self._checking is not None and not self._checking.done():
            return
        self.checked_at = time.monotonic()
        self._checking = asyncio.get_running_loop().create_task(self.refresh(ctx))


def get_response_cache(ctx: CoreContext) -> ResponseCache:
    """This process's response cache (created, and subscribed to the bus, on first use)."""
    cache = ctx.services.response_cache
    if cache is None:
        cache = ctx.services.response_cache = ResponseCache()
        cache.on_clear.append(lambda: genre_stats(ctx).clear())
        bus = get_bus(ctx)
        bus.on("library", cache.apply_message)

        async def resync(reconnected: bool) -> None:
            if reconnected:  # messages may have been missed while cut off
                cache.set_generation(None)
            await cache.refresh(ctx)

        bus.on_resync(resync)
    return cache


def genre_stats(ctx: CoreContext) -> GenreStats:
    """This process's genre counts (dropped with the response cache)."""
    stats = ctx.services.genre_stats
    if stats is None:
        stats = ctx.services.genre_stats = GenreStats()
    return stats


_KEYS: dict[tuple[str, str, bytes], str] = {}
_KEYS_SIZE = 4096


def cache_key(request: Request) -> str:
    """Path plus the query string, parameters sorted by name (a name's values keep their order).

    Remembered for the last few thousand distinct requests: clients repeat their URLs."""
    scope = request.scope
    raw = (scope.get("root_path", ""), scope["path"], scope.get("query_string", b""))
    key = _KEYS.get(raw)
    if key is None:
        items = sorted(request.query_params.multi_items(), key=lambda item: item[0])
        query = urlencode(items)
        key = f"{request.url.path}?{query}" if query else request.url.path
        if len(_KEYS) >= _KEYS_SIZE:
            del _KEYS[next(iter(_KEYS))]
        _KEYS[raw] = key
    return key


def make_etag(generation: int, key: str) -> str:
    digest = hashlib.blake2b(key.encode(), digest_size=10).hexdigest()
    return f'"{generation}-{digest}"'


def _matches(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag in candidates or "*" in candidates


def _answer(request: Request, body: bytes, headers: dict[str, str], etag: str) -> Response:
    full = {**headers, "ETag": etag, "Cache-Control": CACHE_CONTROL}
    if _matches(request, etag):
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": CACHE_CONTROL})
    return Response(body, headers=full, media_type="application/json")


def cached(endpoint: Endpoint, *, bypass: Callable[[Request], bool] | None = None) -> Endpoint:
    """Serve ``endpoint``'s 200 answers from the response cache (keeps its OpenAPI description).

    ``bypass(request)`` true: a request whose answer depends on who asks; never cached."""

    @functools.wraps(endpoint)
    async def wrapper(request: Request) -> Response:
        if bypass is not None and bypass(request):
            response = await endpoint(request)
            response.headers["Cache-Control"] = "private, no-store"
            return response
        ctx = core(request)
        cache = get_response_cache(ctx)
        generation = await cache.usable_generation(ctx)
        if generation is None:  # generation unknown: no caching, no ETag
            return await endpoint(request)
        key = cache_key(request)
        etag = make_etag(generation, key)
        entry = cache.get(key)
        if entry is not None:
            cache.hits += 1
            return _answer(request, entry[0], entry[1], etag)
        if _matches(request, etag):
            return Response(status_code=304, headers={"ETag": etag, "Cache-Control": CACHE_CONTROL})
        flight = (generation, key)
        computing = cache.in_flight.get(flight)
        if computing is not None:  # the same answer is being computed: share it
            shared = await asyncio.shield(computing)
            if shared is not None:
                cache.hits += 1
                return _answer(request, shared[0], shared[1], etag)
            return await endpoint(request)  # not cacheable after all (an error, say): our own answer
        cache.misses += 1
        computing = cache.in_flight[flight] = asyncio.get_running_loop().create_future()
        outcome: tuple[bytes, dict[str, str]] | None = None
        try:
            response = await endpoint(request)
            if response.status_code != 200:
                return response
            body = bytes(response.body)
            headers = {name: value for name, value in response.headers.items() if name in _KEPT_HEADERS}
            outcome = (body, headers)
        finally:
            del cache.in_flight[flight]
            computing.set_result(outcome)
        cache.put(key, generation, body, headers, etag)
        return _answer(request, body, headers, etag)

    return wrapper
