"""Finding installed plugins: the ``sonantica.plugins`` entry points, and plugins registered in-process."""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: The entry-point group a plugin distribution declares itself in.
ENTRY_POINT_GROUP = "sonantica.plugins"

_registered: dict[str, Any] = {}


@dataclass(frozen=True, slots=True)
class Candidate:
    """An installed plugin before it is imported: its name, where it comes from, how to load it."""

    name: str
    load: Callable[[], Any]
    version: str = ""
    distribution: str | None = None
    #: Where the plugin object lives, for messages (``"sonantica_lrclib.plugin:plugin"``).
    source: str = ""

    @classmethod
    def from_entry_point(cls, entry_point: importlib.metadata.EntryPoint) -> Candidate:
        dist = entry_point.dist
        return cls(
            name=entry_point.name,
            load=entry_point.load,
            version=dist.version if dist is not None else "",
            distribution=dist.metadata["Name"] if dist is not None else None,
            source=entry_point.value,
        )

    @classmethod
    def from_object(cls, plugin: Any) -> Candidate:
        """A plugin object (or class) handed over in-process, as tests and embedders do."""
        name = getattr(plugin, "name", "") or ""
        module = getattr(plugin, "__module__", None) or type(plugin).__module__
        return cls(name=name, load=lambda: plugin, version=getattr(plugin, "version", "") or "", source=module)


def register_plugin_object(plugin: Any) -> None:
    """Make ``plugin`` count as installed in this process (it then needs a section in plugins.toml)."""
    candidate = Candidate.from_object(plugin)
    _registered[candidate.name] = plugin


def unregister_plugin_object(name: str) -> None:
    _registered.pop(name, None)


def discover() -> list[Candidate]:
    """Every installed plugin, read fresh from the installed distributions' metadata.

    Plugins registered in-process replace installed ones of the same name.
    Two distributions declaring the same name are both returned; the loader
    refuses that name.
    """
    importlib.invalidate_caches()
    found = [
        Candidate.from_entry_point(entry_point)
        for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
        if entry_point.name not in _registered
    ]
    found.extend(Candidate.from_object(plugin) for plugin in _registered.values())
    return _unique_distributions(found)


def _unique_distributions(candidates: list[Candidate]) -> list[Candidate]:
    """Drop exact duplicates (one distribution seen twice on ``sys.path``)."""
    seen: set[tuple[str, str | None, str]] = set()
    unique = []
    for candidate in candidates:
        key = (candidate.name, candidate.distribution, candidate.source)
        if key not in seen:
            seen.add(key)
            unique.append(candidate)
    return unique


def install_hint(name: str) -> str:
    """The command that installs the plugin called ``name``, by the naming convention."""
    return f"pip install sonantica-{name.replace('_', '-')}"
