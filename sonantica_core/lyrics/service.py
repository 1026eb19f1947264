"""A track's lyrics, answered from the cache, the local providers, or a queued lookup."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Literal

from sonantica_core.contract import Lyrics
from sonantica_core.library.refs import TrackFacts, track_facts
from sonantica_core.lyrics.chain import ChainResult, ask_chain, ordered_providers
from sonantica_core.lyrics.shape import lyrics_document, none_document
from sonantica_core.tasks import Priority, current_context, send, task
from sonantica_core.text.lrc import looks_like_lrc, read_lrc

#: Seconds a cached answer is kept: lyrics found, none found, none found while a provider failed.
FOUND_TTL = 30 * 86400
NONE_TTL = 7 * 86400
FAILED_TTL = 600


def _key(track_id: int) -> str:
    return f"sonantica:lyrics:{track_id}"


@dataclass(frozen=True, slots=True)
class LyricsAnswer:
    """``found``, ``none`` (no provider had any) or ``queued`` (a worker asks outside services)."""

    status: Literal["found", "none", "queued"]
    document: dict[str, Any]


def _version(facts: TrackFacts) -> str:
    return facts.updated_at.isoformat()


async def cached_document(ctx: Any, facts: TrackFacts) -> dict[str, Any] | None:
    """The cached answer for the track as it is now (a changed track's answer is stale)."""
    raw = await ctx.redis.get(_key(facts.ref.id))
    if raw is None:
        return None
    document = json.loads(raw)
    return document if document.get("version") == _version(facts) else None


#: The source of the last resort: the lyrics the scanner read from the file's tags.
TAGS_SOURCE = "tags"


def tag_lyrics(facts: TrackFacts) -> Lyrics | None:
    """The scanner's tag lyrics as :class:`Lyrics`, for when no provider found any."""
    text = (facts.tag_lyrics or "").strip()
    if not text:
        return None
    if looks_like_lrc(text):
        document = read_lrc(text)
        return Lyrics(source=TAGS_SOURCE, plain=document.plain() or None, synced=document.lines,
                      language=document.language, notes=document.notes)
    return Lyrics(source=TAGS_SOURCE, plain=text)


async def store_result(ctx: Any, facts: TrackFacts, result: ChainResult, *, complete: bool) -> dict[str, Any]:
    """Keep what the chain found (or that nothing was, when every provider was asked).

    When every provider was asked and none found lyrics, the scanner's tag lyrics answer.
    """
    if result.found is None and complete:
        fallback = tag_lyrics(facts)
        if fallback is not None:
            result.found, result.provider = fallback, TAGS_SOURCE
    if result.found is not None:
        document, ttl = lyrics_document(result.found, result.provider or "", facts.ref), FOUND_TTL
    else:
        document, ttl = none_document(), (FAILED_TTL if result.errors else NONE_TTL)
    document.update(
        track_id=facts.ref.id,
        version=_version(facts),
        asked=result.asked,
        errors=[{"provider": name, "error": error} for name, error in result.errors],
        fetched_at=dt.datetime.now(dt.UTC).isoformat(),
    )
    if result.found is not None or complete:
        await ctx.redis.set(_key(facts.ref.id), json.dumps(document), ex=ttl)
    return document


async def lyrics_for(ctx: Any, track_id: int, *, queue: bool = True) -> LyricsAnswer | None:
    """The lyrics of present track ``track_id`` (None: no such track).

    Local providers are asked here, in order; when none found lyrics and a remote one
    is next, a worker task is queued (once) and the answer is ``queued``.
    """
    facts = await track_facts(ctx, track_id)
    if facts is None:
        return None
    document = await cached_document(ctx, facts)
    if document is None:
        result = await ask_chain(ctx, facts.ref, remote=False)
        document = await store_result(ctx, facts, result, complete=not result.remote_left)
        if result.found is None and result.remote_left:
            if queue and await ctx.redis.set(f"{_key(track_id)}:queued", "1", nx=True, ex=60):
                await send(find_lyrics_task, track_id, priority=Priority.HIGH)
            return LyricsAnswer("queued", document | {"status": "queued"})
    return LyricsAnswer(document["status"], document)


async def find_lyrics_everywhere(ctx: Any, track_id: int) -> dict[str, Any] | None:
    """Ask every provider, outside services included (in a worker), and keep the answer."""
    facts = await track_facts(ctx, track_id)
    if facts is None:
        return None
    result = await ask_chain(ctx, facts.ref, remote=True, timeout=REMOTE_TIMEOUT)
    try:
        return await store_result(ctx, facts, result, complete=True)
    finally:
        await ctx.redis.delete(f"{_key(track_id)}:queued")


#: Seconds a provider may take in a worker (outside services wait for their turn).
REMOTE_TIMEOUT = 120.0


@task("core:lyrics", priority=Priority.HIGH)
async def find_lyrics_task(track_id: int) -> str | None:
    """Ask every lyrics provider for ``track_id`` (in a worker) and cache the answer; returns its status."""
    document = await find_lyrics_everywhere(current_context(), track_id)
    return document["status"] if document is not None else None


async def forget_lyrics(ctx: Any, track_id: int) -> bool:
    """Drop the cached answer, so the providers are asked again; True if there was one."""
    return bool(await ctx.redis.delete(_key(track_id)))


def provider_names(ctx: Any) -> list[str]:
    """The providers in the order they are asked."""
    return [provider.name for provider in ordered_providers(ctx)]
