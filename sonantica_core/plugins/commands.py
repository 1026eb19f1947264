"""Plugins' ``sonantica`` sub-commands: ``sonantica <plugin> <command> ...``.

A plugin returns :class:`PluginCommand` objects from ``register_commands``;
the command line offers them when the plugin is installed and enabled. When
one runs, the core opens the services and a context (with the plugin's
configuration and a task broker), starts the plugins, awaits ``run(ctx, args)``,
and closes everything again.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext

log = logging.getLogger("sonantica.plugins")


@dataclass(frozen=True, slots=True)
class PluginCommand:
    """One sub-command a plugin adds.

    * ``name``: the word after the plugin's name (``fetch`` in ``sonantica lrclib fetch``).
    * ``help``: one line for ``--help``.
    * ``run``: ``async def run(ctx, args) -> int | None``; the exit status (None is 0).
    * ``arguments``: adds the command's own arguments to its ``argparse`` parser.
    """

    name: str
    help: str
    run: Callable[[CoreContext, argparse.Namespace], Awaitable[int | None]]
    arguments: Callable[[argparse.ArgumentParser], None] | None = None
