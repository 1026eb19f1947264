"""The plugin system: manifests, loading, statuses and calling plugins safely.

What a plugin author imports::

    from sonantica_core.plugins import Plugin, PluginConfig, PluginCommand, hookimpl

and, for routes, the ``{name:id}`` path convertor (:class:`IdConvertor`, registered by importing
this package): ``Route("/lyrics/{track_id:id}", ...)`` gives the endpoint an ``int`` from 1 to
:data:`MAX_ID`, and answers any other segment with 404 before the endpoint runs.

What the core uses: :func:`load_plugins`, :class:`PluginManager` (``call_each``,
``call_first``, ``notify``, the provider lists) and :func:`manager_of`.
The hooks themselves are specified in :mod:`sonantica_core.hookspecs`.
"""

from sonantica_core.plugins.commands import PluginCommand
from sonantica_core.plugins.config import PluginOptions
from sonantica_core.plugins.discovery import ENTRY_POINT_GROUP, Candidate
from sonantica_core.plugins.ids import MAX_ID, IdConvertor
from sonantica_core.plugins.loader import load_plugins
from sonantica_core.plugins.manager import HookResult, PluginManager, manager_of
from sonantica_core.plugins.manifest import Plugin, PluginConfig, hookimpl
from sonantica_core.plugins.status import PluginRecord, PluginStatus, Process
from sonantica_core.plugins.tracks import track_ref

__all__ = [
    "ENTRY_POINT_GROUP",
    "MAX_ID",
    "Candidate",
    "HookResult",
    "IdConvertor",
    "Plugin",
    "PluginCommand",
    "PluginConfig",
    "PluginManager",
    "PluginOptions",
    "PluginRecord",
    "PluginStatus",
    "Process",
    "hookimpl",
    "load_plugins",
    "manager_of",
    "track_ref",
]
