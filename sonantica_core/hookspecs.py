"""The plugin contract: every hook a Sonántica plugin can implement.

This file is the reference for plugin authors (``docs/plugins.md`` documents
exactly these hooks, and a test keeps the two in sync). A plugin implements a
hook with a method of the same name marked ``@hookimpl``::

    from sonantica_core.plugins import Plugin, hookimpl

    class Lyrics(Plugin):
        name = "mylyrics"

        @hookimpl
        def register_lyrics_providers(self, ctx):
            return [MyLyricsProvider(ctx.plugin_config(self.name))]

An implementation may accept fewer arguments than the specification (pluggy
passes only those it names), so new arguments never break existing plugins.

The core never calls these hooks through ``pm.hook.x()``: it calls each
plugin's implementation itself, in the order set in ``plugins.toml``, inside a
``try``/``except`` per plugin, with a time limit where the caller is waiting
(see :mod:`sonantica_core.plugins.manager`). A plugin whose implementation
raises is logged with its name; the other plugins' results are kept.

Typed data crossing the contract lives in :mod:`sonantica_core.contract`,
whose ``CONTRACT_VERSION`` plugins check through their ``api`` range.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from pluggy import HookspecMarker

from sonantica_core.contract import (
    AnalysisReady,
    Analyzer,
    LyricsProvider,
    MetadataProvider,
    PlayRecorded,
    PlayStarted,
    Recommender,
    Scanner,
    StemSeparator,
    TracksChanged,
)

if TYPE_CHECKING:
    from starlette.routing import BaseRoute

    from sonantica_core.context import CoreContext
    from sonantica_core.plugins.commands import PluginCommand
    from sonantica_core.plugins.manifest import PluginConfig
    from sonantica_core.plugins.status import Process

hookspec = HookspecMarker("sonantica")


# --------------------------------------------------------------------------
# Providers: objects the core calls for the work that understands music
# --------------------------------------------------------------------------


@hookspec
def register_scanners(ctx: CoreContext) -> Sequence[Scanner]:
    """Return the :class:`~sonantica_core.contract.Scanner` objects this plugin offers.

    Receives the process's core context. Returns a list (empty: none).
    Every plugin's result is kept; no first result wins: the scan hands each file
    to the first scanner, in plugin order, whose ``accepts()`` is true.
    Called once per process, when a scan first needs the scanners.
    Runs in: worker (the scan task). Scanners are sent to reader processes, so
    they must be picklable.

    .. versionadded:: 1.0
    """


@hookspec
def register_analyzers(ctx: CoreContext) -> Sequence[Analyzer]:
    """Return the :class:`~sonantica_core.contract.Analyzer` objects this plugin offers.

    Receives the process's core context. Returns a list (empty: none).
    Every plugin's result is kept; no first result wins: each analyzer runs on
    every track. Analyzer names must be unique across plugins (a duplicate is
    logged and left out).
    Called once per process, when the analysis task first needs them.
    Runs in: worker (the analysis task).

    .. versionadded:: 1.0
    """


@hookspec
def register_metadata_providers(ctx: CoreContext) -> Sequence[MetadataProvider]:
    """Return the :class:`~sonantica_core.contract.MetadataProvider` objects this plugin offers.

    Receives the process's core context. Returns a list (empty: none).
    Every plugin's result is kept; no first result wins: the enrichment task
    (after a scan, ``POST /api/albums/{id}/enrich``, ``sonantica enrich``) asks every
    provider about an album (``enrich_album``, else ``enrich_track`` per track) and
    stores all their values with their source; candidates are kept, not applied;
    a provider that raises is recorded as failed for the album.
    Called once per process. Runs in: worker (the ``core:enrich-album`` task).

    .. versionadded:: 1.0
    """


@hookspec
def register_lyrics_providers(ctx: CoreContext) -> Sequence[LyricsProvider]:
    """Return the :class:`~sonantica_core.contract.LyricsProvider` objects this plugin offers.

    Receives the process's core context. Returns a list (empty: none).
    Every plugin's result is kept; when lyrics are wanted the providers are
    asked in the order of ``LYRICS_ORDER`` (then plugin order) and the first one
    that finds lyrics wins; the answer is cached until the track changes.
    Called once per process. Runs in: web (providers with ``remote = False``, on
    the request path) and worker (``remote = True`` ones, the ``core:lyrics`` task).

    .. versionadded:: 1.0
    """


@hookspec
def register_stem_separators(ctx: CoreContext) -> Sequence[StemSeparator]:
    """Return the :class:`~sonantica_core.contract.StemSeparator` objects this plugin offers.

    Receives the process's core context. Returns a list (empty: none).
    Every plugin's result is kept; a request names the separator to use, or the
    first one in plugin order is used. A separator that cannot run here (no model
    weights, a missing library) is better left out of the list, with the reason
    raised from the plugin's ``validate_environment`` or ``startup``, so its status says why.

    The core does the rest (``sonantica_core.stems``): it decodes the track once,
    converts it to the separator's ``sample_rate`` and ``channels``, calls
    ``separate(chunk)`` with chunks of ``chunk_seconds`` overlapping by
    ``overlap_seconds``, cross-fades neighbouring outputs, and writes one FLAC file
    per stem under ``DATA_DIR/stems`` (never in a media folder).
    Called once per process. Runs in: worker (separation is requested, then queued);
    the web process reads the declarations (names, stems, quality) to answer listings.

    .. versionadded:: 1.0
    """


@hookspec
def register_recommenders(ctx: CoreContext) -> Sequence[Recommender]:
    """Return the :class:`~sonantica_core.contract.Recommender` objects this plugin offers.

    Receives the process's core context. Returns a list (empty: none).
    Every plugin's result is kept; a request names the recommender to use, or
    the first in plugin order answers. ``recommend()`` is awaited on the request
    path under the ``hook_timeout`` of ``plugins.toml``: a slow recommender is
    logged and skipped.
    Called once per process. Runs in: web (fast queries) or worker (precomputation).

    .. versionadded:: 1.0
    """


# --------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------


@hookspec
def register_routes(ctx: CoreContext) -> Sequence[BaseRoute]:
    """Return Starlette routes, mounted under ``/plugins/<name>/``.

    Receives the web process's core context (close over it in your endpoints).
    Returns routes with paths relative to the plugin's prefix:
    ``Route("/lyrics/{track_id:id}", ...)`` answers ``/plugins/lrclib/lyrics/42`` (``{name:id}``
    is the plugin kit's :class:`~sonantica_core.plugins.IdConvertor`: database ids only).
    No first result wins: every plugin's routes are kept (each under its own
    prefix, so none can shadow another's or the core's). An endpoint that raises answers a JSON 500 that
    names the plugin. The core's authentication applies to these routes.
    Called once, when the app is built. Runs in: web.

    .. versionadded:: 1.0
    """


@hookspec
def register_owned_routes(ctx: CoreContext) -> Mapping[str, Sequence[BaseRoute]]:
    """Return routes for the well-known paths this plugin declared in ``owned_paths``.

    Receives the web process's core context. Returns ``{path: routes}`` where each
    ``path`` is one of the plugin's ``owned_paths`` (e.g. ``"/rest"`` for the
    Subsonic API) and the routes are relative to it. A path the plugin did not
    declare, or one that clashes with a core route or another plugin's path,
    refuses the plugin at start-up (status ``start error``).
    No first result wins: every plugin's paths are served. Called once, when the
    app is built. Runs in: web.

    .. versionadded:: 1.0
    """


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


@hookspec
def register_commands() -> Sequence[PluginCommand]:
    """Return :class:`~sonantica_core.plugins.PluginCommand` objects: extra ``sonantica`` sub-commands.

    Receives nothing. Returns a list; each command is offered as
    ``sonantica <plugin> <command>`` and, when run, gets an open core context
    (with this plugin's validated configuration and a task broker to queue work).
    No first result wins: every plugin's commands are offered (under its own name).
    Called when the command line is parsed.
    Runs in: the ``sonantica`` command (CLI process).

    .. versionadded:: 1.0
    """


# --------------------------------------------------------------------------
# Life cycle
# --------------------------------------------------------------------------


@hookspec
def startup(ctx: CoreContext, process: Process) -> None:
    """Prepare the plugin in a starting process: open clients, warm caches.

    Receives the core context and which process starts (``"web"``, ``"worker"``
    or ``"cli"``). Returns nothing; may be ``async``. No first result: every
    plugin's implementation runs, in plugin order, each under ``startup_timeout``. One that
    raises or times out puts its plugin in status ``start error``: it is left out
    (its routes answer 503) and the process starts without it.
    Runs in: web, worker and CLI commands.

    .. versionadded:: 1.0
    """


@hookspec
def shutdown(ctx: CoreContext, process: Process) -> None:
    """Release what :func:`startup` opened, in a stopping process.

    Receives the core context and the process kind. Returns nothing; may be
    ``async``. No first result: every started plugin's implementation runs, in
    reverse plugin order; errors are logged and the others still run.
    Runs in: web, worker and CLI commands.

    .. versionadded:: 1.0
    """


# --------------------------------------------------------------------------
# Configuration and schema
# --------------------------------------------------------------------------


@hookspec
def config_schema() -> type[PluginConfig]:
    """Return the pydantic model of this plugin's ``[plugins.<name>]`` section.

    Receives nothing. Returns a subclass of
    :class:`~sonantica_core.plugins.PluginConfig` (which forbids unknown keys).
    The core asks each plugin for its own schema only; there is no first or
    combined result. :class:`~sonantica_core.plugins.Plugin` implements it from
    its ``Config`` attribute, so most plugins just set ``Config``. A value the
    model refuses puts the plugin in status ``config error`` with the key and
    the reason on one line. Called at load time. Runs in: every process.

    .. versionadded:: 1.0
    """


@hookspec
def migrations_package() -> str | None:
    """Return the importable package holding this plugin's Alembic revisions, or None.

    Receives nothing. Returns a dotted package name (``"sonantica_lrclib.migrations"``)
    whose directory holds revision files; they form the plugin's own lineage,
    recorded in ``alembic_version_<name>`` and applied by ``sonantica migrate``
    after the core's. The core asks each plugin for its own package only; there is
    no first or combined result.
    :class:`~sonantica_core.plugins.Plugin` implements it from its ``migrations``
    attribute. Called at load time. Runs in: ``sonantica migrate`` and ``serve``.

    .. versionadded:: 1.0
    """


# --------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------


@hookspec
def on_tracks_changed(ctx: CoreContext, event: TracksChanged) -> None:
    """React to tracks added, changed, moved or removed by a scan.

    Receives the core context and a :class:`~sonantica_core.contract.TracksChanged`
    with the ids in each group (batched: one event per batch of a scan).
    Returns nothing; may be ``async``. No first result: every plugin's
    implementation runs, in plugin order; one that raises or overruns its time
    limit (``hook_timeout``) is logged and the others still run.
    Runs in: worker (the scan task). Queue heavy work as a task.

    .. versionadded:: 1.0
    """


@hookspec
def on_analysis_ready(ctx: CoreContext, event: AnalysisReady) -> None:
    """React to the analysis of a track being stored.

    Receives the core context and an :class:`~sonantica_core.contract.AnalysisReady`
    naming the track and the analyzers whose results were stored.
    Returns nothing; may be ``async``. No first result: every plugin's
    implementation runs, isolated and time-limited as for :func:`on_tracks_changed`.
    Runs in: worker (the analysis task).

    .. versionadded:: 1.0
    """


@hookspec
def on_play_recorded(ctx: CoreContext, event: PlayRecorded) -> None:
    """React to a play being added to a user's history (scrobbling, statistics).

    Receives the core context and a :class:`~sonantica_core.contract.PlayRecorded`: once per
    play when it ends, however often a client reported it; ``event.skipped`` tells a skip
    (under the play rule) from a play, ``event.at`` is when the play started.
    Returns nothing; should be ``async``. No first result: every plugin's
    implementation runs, on the request path: each is limited to ``hook_timeout`` seconds, and one
    that is slower is logged and abandoned while the request proceeds.
    Runs in: web.

    .. versionadded:: 1.0
    """


@hookspec
def on_play_started(ctx: CoreContext, event: PlayStarted) -> None:
    """React to a user starting to play a track ("now playing" for scrobblers).

    Receives the core context and a :class:`~sonantica_core.contract.PlayStarted` (the first
    report of a play). Returns nothing; should be ``async``. No first result: every plugin's
    implementation runs on the request path, each limited to ``hook_timeout`` seconds.
    Runs in: web.

    .. versionadded:: 1.0
    """
