"""Asking the lyrics providers in order."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from sonantica_core.contract import Lyrics, LyricsProvider, TrackRef
from sonantica_core.plugins import manager_of
from sonantica_core.plugins.isolation import run_isolated


def ordered_providers(ctx: Any) -> list[LyricsProvider]:
    """The enabled lyrics providers: those named in ``LYRICS_ORDER`` first, in its order, then the rest."""
    providers = manager_of(ctx).lyrics_providers(ctx)
    order = {name: index for index, name in enumerate(ctx.settings.lyrics_order)}
    ranked = sorted(enumerate(providers), key=lambda item: (order.get(item[1].name, len(order)), item[0]))
    return [provider for _, provider in ranked]


def _has_words(lyrics: Lyrics) -> bool:
    return lyrics.instrumental or bool(lyrics.synced) or bool((lyrics.plain or "").strip())


@dataclass
class ChainResult:
    """What the providers asked said."""

    found: Lyrics | None = None
    provider: str | None = None
    #: (provider, error) of each provider that failed.
    errors: list[tuple[str, str]] = field(default_factory=list)
    #: Providers that were asked.
    asked: list[str] = field(default_factory=list)
    #: True when the chain stopped before a remote provider (it is for a worker to ask).
    remote_left: bool = False


async def ask_chain(ctx: Any, track: TrackRef, *, remote: bool, timeout: float | None = None) -> ChainResult:
    """Ask the providers in order until one finds lyrics.

    ``remote=False`` (the request path) stops at the first provider that asks an outside
    service. A provider that fails is logged, recorded in the result and skipped.
    """
    manager = manager_of(ctx)
    limit = manager.options.hook_timeout if timeout is None else timeout
    result = ChainResult()
    for provider in ordered_providers(ctx):
        if provider.remote and not remote:
            result.remote_left = True
            return result
        result.asked.append(provider.name)
        outcome = await run_isolated(functools.partial(provider.find_lyrics, track), limit)
        if not outcome.ok:
            manager.note_failure(provider, "find_lyrics", outcome)
            result.errors.append((provider.name, outcome.error or "failed"))
            continue
        if isinstance(outcome.value, Lyrics) and _has_words(outcome.value):
            result.found, result.provider = outcome.value, provider.name
            return result
    return result
