"""The active separators of this process (from the plugins) and how clients see them."""

from __future__ import annotations

import logging
from typing import Any

from sonantica_core.context import CoreContext
from sonantica_core.contract import StemSeparator
from sonantica_core.stems.errors import UnknownSeparator
from sonantica_core.stems.files import NAME_PATTERN

log = logging.getLogger("sonantica.stems")


def active_separators(ctx: CoreContext) -> list[StemSeparator]:
    """Separators of the active plugins, in plugin order; names and stems that cannot name files are left out."""
    from sonantica_core.plugins import manager_of

    usable = []
    for separator in manager_of(ctx).stem_separators(ctx):
        bad = [n for n in (separator.name, *separator.stems) if not NAME_PATTERN.match(n)]
        if bad or not separator.stems:
            log.error("stem separator %r left out: %s", separator.name,
                      f"{bad[0]!r} is not a lower-case name" if bad else "it declares no stems")
            continue
        usable.append(separator)
    return usable


def find_separator(ctx: CoreContext, name: str | None) -> StemSeparator:
    """The separator called ``name``, or the first one; :class:`UnknownSeparator` if there is none."""
    separators = active_separators(ctx)
    if not separators:
        raise UnknownSeparator("no stem separator is active; enable one in plugins.toml (e.g. [plugins.dspstems])")
    if name is None:
        return separators[0]
    for separator in separators:
        if separator.name == name:
            return separator
    names = ", ".join(s.name for s in separators)
    raise UnknownSeparator(f"no active stem separator {name!r}; active: {names}")


def describe(separator: StemSeparator) -> dict[str, Any]:
    """What a client is told of a separator."""
    return {
        "name": separator.name,
        "version": separator.version,
        "stems": list(separator.stems),
        "quality": str(separator.quality),
        "needs_gpu": bool(separator.needs_gpu),
        "sample_rate": int(separator.sample_rate),
        "channels": int(separator.channels),
    }
