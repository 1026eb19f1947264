"""Checking what the ``register_*`` hooks return before the core uses it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sonantica_core.contract import (
    Analyzer,
    LyricsProvider,
    MetadataProvider,
    Recommender,
    Scanner,
    StemSeparator,
)

if TYPE_CHECKING:
    from sonantica_core.plugins.manager import HookResult

log = logging.getLogger("sonantica.plugins")

#: The provider hooks and the contract type each must return a list of.
PROVIDER_KINDS: dict[str, type] = {
    "register_scanners": Scanner,
    "register_analyzers": Analyzer,
    "register_metadata_providers": MetadataProvider,
    "register_lyrics_providers": LyricsProvider,
    "register_stem_separators": StemSeparator,
    "register_recommenders": Recommender,
}


def collect(hook: str, results: Sequence[HookResult]) -> list[tuple[str, Any]]:
    """``(plugin, provider)`` pairs in plugin order, leaving out (and logging) what is wrong.

    Each item must be an instance of the hook's contract type with a ``name``
    that no earlier provider of the same kind has taken.
    """
    kind = PROVIDER_KINDS[hook]
    taken: dict[str, str] = {}
    found: list[tuple[str, Any]] = []
    for result in results:
        items = result.value
        if items is None:
            continue
        if not isinstance(items, list | tuple):
            log.error("plugin %s: %s must return a list of %s, not %s", result.plugin, hook, kind.__name__,
                      type(items).__name__)
            continue
        for item in items:
            problem = _problem(item, kind, taken)
            if problem:
                log.error("plugin %s: %s: %s; left out", result.plugin, hook, problem)
                continue
            taken[item.name] = result.plugin
            found.append((result.plugin, item))
    return found


def _problem(item: Any, kind: type, taken: dict[str, str]) -> str | None:
    if not isinstance(item, kind):
        return f"{item!r} is not a {kind.__module__}.{kind.__name__}"
    name = getattr(item, "name", "")
    if not isinstance(name, str) or not name:
        return f"{type(item).__name__} has no name"
    if name in taken:
        return f"{kind.__name__} name {name!r} is already used by plugin {taken[name]}"
    return None
