"""Cached answers: browsing calls served from the core's per-process response cache.

A cached answer is valid for one library generation (the core drops them all when the library
changes) and one *user-data version*: the core's counter per user
(:func:`sonantica_core.library.userdata.data_version`), raised by every call here that changes
what that user's answers show (stars, ratings, scrobbles, bookmarks, the play queue), by the
core's own star and rating routes, and by plays recorded anywhere (the ``on_play_recorded``
hook). The key holds the user, the version, the format, the method and its parameters without
the credentials, so users never see each other's answers. Calls that answer something else every time (random lists, now
playing, scan status) and playlists (others' public ones change under a user) are not cached.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from sonantica_core.context import CoreContext
from sonantica_core.http.responsecache import get_response_cache
from sonantica_core.library import userdata

#: Parameters that identify the caller or the client, not the question.
NOT_THE_QUESTION = frozenset({"u", "p", "t", "s", "apiKey", "c", "v", "f", "_", "callback"})


async def user_version(ctx: CoreContext, user_id: int) -> int:
    return await userdata.data_version(ctx, user_id)


async def user_data_changed(ctx: CoreContext, user_id: int) -> None:
    """Answers cached for ``user_id`` are out of date."""
    await userdata.data_changed(ctx, user_id)


def answer_key(user_id: int, version: int, fmt: str, method: str, pairs: list[tuple[str, str]]) -> str:
    question = urlencode(sorted((k, v) for k, v in pairs if k not in NOT_THE_QUESTION))
    digest = hashlib.blake2b(question.encode(), digest_size=16).hexdigest()
    return f"subsonic|{user_id}|{version}|{fmt}|{method}|{digest}"


async def cached_body(ctx: CoreContext, key: str) -> tuple[bytes | None, int | None]:
    """The cached body of ``key`` (or None) and the generation a new one would be kept under."""
    cache = get_response_cache(ctx)
    generation = await cache.usable_generation(ctx)
    if generation is None:
        return None, None
    entry = cache.get(key)
    return (entry[0] if entry is not None else None), generation


def keep(ctx: CoreContext, key: str, generation: int, body: bytes, media_type: str) -> None:
    get_response_cache(ctx).put(key, generation, body, {"content-type": media_type}, "")
