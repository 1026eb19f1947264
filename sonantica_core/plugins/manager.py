"""The plugin manager: which plugins a process has, and calling them safely.

pluggy registers the plugins and checks their hook signatures; the manager
calls each plugin's implementation itself, in ``plugins.toml`` order, through
:mod:`~sonantica_core.plugins.isolation`. Core code uses:

* :meth:`PluginManager.call_each` / :meth:`call_each_sync`: every plugin's result;
* :meth:`PluginManager.call_first`: the first plugin's non-None result;
* :meth:`PluginManager.notify`: an event to every plugin;
* the provider lists (:meth:`scanners`, :meth:`analyzers`, ...) and
  :meth:`ask_first` / :meth:`ask_each` to call provider objects.

Never ``manager.pm.hook.x()`` where one plugin must not break the others.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import pluggy

from sonantica_core import hookspecs
from sonantica_core.contract import AnalysisReady, Event, PlayRecorded, PlayStarted, TracksChanged
from sonantica_core.errors import ConfigError
from sonantica_core.plugins import providers as provider_lists
from sonantica_core.plugins.config import PluginOptions
from sonantica_core.plugins.isolation import Outcome, run_isolated, run_isolated_sync
from sonantica_core.plugins.manifest import overridden_hooks
from sonantica_core.plugins.status import PluginRecord, PluginStatus, Process
from sonantica_core.plugins.summary import log_summary

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext
    from sonantica_core.contract import (
        Analyzer,
        LyricsProvider,
        MetadataProvider,
        Recommender,
        Scanner,
        StemSeparator,
    )

log = logging.getLogger("sonantica.plugins")

T = TypeVar("T")

#: Which hook each event type is delivered through.
EVENT_HOOKS: dict[type[Event], str] = {
    TracksChanged: "on_tracks_changed",
    AnalysisReady: "on_analysis_ready",
    PlayRecorded: "on_play_recorded",
    PlayStarted: "on_play_started",
}



@dataclass(frozen=True, slots=True)
class HookResult:
    """One plugin's answer to a hook call."""

    plugin: str
    value: Any


class PluginManager:
    """The plugins of one process (web, worker or CLI) and their statuses."""

    def __init__(self, options: PluginOptions | None = None, process: Process = "web") -> None:
        self.options = options or PluginOptions()
        self.process: Process = process
        self.pm = pluggy.PluginManager("sonantica")
        self.pm.add_hookspecs(hookspecs)
        self.records: dict[str, PluginRecord] = {}
        self._providers: dict[str, list[Any]] = {}
        self._owners: dict[int, str] = {}
        self._ctx: CoreContext | None = None

    # -- inventory ---------------------------------------------------------

    def add(self, record: PluginRecord) -> None:
        self.records[record.name] = record

    def record(self, name: str) -> PluginRecord | None:
        return self.records.get(name)

    def all(self) -> list[PluginRecord]:
        """Every plugin known to this process (installed or enabled), in plugin order."""
        return sorted(self.records.values(), key=lambda record: record.sort_key)

    def active(self) -> list[PluginRecord]:
        """The enabled plugins that loaded (and, once started, started), in plugin order."""
        return [record for record in self.all() if record.status is PluginStatus.ENABLED]

    def is_active(self, name: str) -> bool:
        record = self.records.get(name)
        return record is not None and record.status is PluginStatus.ENABLED

    def failed(self) -> list[PluginRecord]:
        return [record for record in self.all() if record.status.failed]

    # -- registration (used by the loader) -----------------------------------

    def register(self, record: PluginRecord) -> None:
        """Register the record's plugin with pluggy; raise if a hook is unknown or mis-declared."""
        self.pm.register(record.plugin, name=record.name)
        callers = self.pm.get_hookcallers(record.plugin) or []
        unknown = sorted(caller.name for caller in callers if not caller.has_spec())
        if unknown:
            self.pm.unregister(name=record.name)
            raise pluggy.PluginValidationError(
                record.plugin, f"@hookimpl on {', '.join(unknown)}, which is not a hook (see sonantica_core.hookspecs)"
            )
        record.hooks = overridden_hooks(record.plugin, [caller.name for caller in callers])

    def leave_out(self, name: str, status: PluginStatus, error: str, traceback: str | None = None) -> None:
        """Give the plugin a failure status and stop calling it."""
        record = self.records[name]
        record.fail(status, error, traceback)
        if self.pm.has_plugin(name):
            self.pm.unregister(name=name)
        self._providers.clear()

    # -- calling hooks -------------------------------------------------------

    def _impls(self, hook: str) -> list[Any]:
        caller = getattr(self.pm.hook, hook)
        impls = [impl for impl in caller.get_hookimpls() if self.is_active(impl.plugin_name)]
        return sorted(impls, key=lambda impl: self.records[impl.plugin_name].sort_key)

    @staticmethod
    def _bind(impl: Any, kwargs: dict[str, Any]) -> Callable[[], Any]:
        """The call of ``impl`` with the arguments it asks for (pluggy's opt-in arguments)."""
        wanted = {name: kwargs[name] for name in (*impl.argnames, *impl.kwargnames) if name in kwargs}
        return functools.partial(impl.function, **wanted)

    def note_failure(self, provider: Any, what: str, outcome: Outcome) -> None:
        """Log and count a failed call of a provider object the caller made itself (through ``run_isolated``)."""
        self._note(self.plugin_of(provider), f"{what} ({getattr(provider, 'name', '?')})", outcome)

    def _note(self, plugin: str, what: str, outcome: Outcome) -> None:
        """Log a failed call with the plugin's name and count it against the plugin."""
        record = self.records.get(plugin)
        if record is not None:
            record.hook_failures += 1
            record.error = f"{what}: {outcome.error}"
        if outcome.timed_out:
            log.warning("plugin %s: %s %s", plugin, what, outcome.error)
        else:
            log.error("plugin %s: %s failed: %s\n%s", plugin, what, outcome.error, outcome.traceback or "")

    def call_each_sync(self, hook: str, **kwargs: Any) -> list[HookResult]:
        """Call a synchronous hook on every active plugin; failures are logged and skipped."""
        results = []
        for impl in self._impls(hook):
            outcome = run_isolated_sync(self._bind(impl, kwargs))
            if outcome.ok:
                results.append(HookResult(impl.plugin_name, outcome.value))
            else:
                self._note(impl.plugin_name, hook, outcome)
        return results

    async def call_each(self, hook: str, *, timeout: float | None = None, **kwargs: Any) -> list[HookResult]:
        """Call a hook (sync or async) on every active plugin, one after the other.

        Each implementation gets ``timeout`` seconds (None: no limit); one that
        raises or overruns is logged and skipped, and the others' results kept.
        """
        results = []
        for impl in self._impls(hook):
            outcome = await run_isolated(self._bind(impl, kwargs), timeout)
            if outcome.ok:
                results.append(HookResult(impl.plugin_name, outcome.value))
            else:
                self._note(impl.plugin_name, hook, outcome)
        return results

    async def call_first(self, hook: str, *, timeout: float | None = None, **kwargs: Any) -> HookResult | None:
        """The first non-None result, awaiting implementations one at a time in plugin order.

        (pluggy's ``firstresult`` cannot do this for ``async`` implementations:
        a coroutine object is never None.)
        """
        for impl in self._impls(hook):
            outcome = await run_isolated(self._bind(impl, kwargs), timeout)
            if not outcome.ok:
                self._note(impl.plugin_name, hook, outcome)
            elif outcome.value is not None:
                return HookResult(impl.plugin_name, outcome.value)
        return None

    def call_plugin(self, name: str, hook: str, **kwargs: Any) -> Any:
        """Call one plugin's own implementation of ``hook`` (None if it has none); exceptions propagate."""
        plugin = self.pm.get_plugin(name)
        caller = getattr(self.pm.hook, hook)
        for impl in caller.get_hookimpls():
            if impl.plugin is plugin:
                return self._bind(impl, kwargs)()
        return None

    async def notify(self, ctx: CoreContext, event: Event, *, timeout: float | None = None) -> list[HookResult]:
        """Deliver ``event`` to every active plugin through its ``on_*`` hook, time-limited."""
        hook = EVENT_HOOKS.get(type(event))
        if hook is None:
            raise TypeError(f"{type(event).__name__} is not delivered to plugins")
        limit = self.options.hook_timeout if timeout is None else timeout
        return await self.call_each(hook, timeout=limit, ctx=ctx, event=event)

    # -- providers -------------------------------------------------------------

    def providers(self, hook: str, ctx: CoreContext | None = None) -> list[Any]:
        """The provider objects every active plugin returns from ``hook`` (asked once per process).

        ``ctx`` defaults to the context the manager is attached to.
        """
        if hook not in self._providers:
            context = ctx if ctx is not None else self._ctx
            if context is None:
                raise RuntimeError("the plugin manager is not attached to a core context yet")
            found = provider_lists.collect(hook, self.call_each_sync(hook, ctx=context))
            self._owners.update({id(provider): plugin for plugin, provider in found})
            self._providers[hook] = [provider for _, provider in found]
        return list(self._providers[hook])

    def scanners(self, ctx: CoreContext | None = None) -> list[Scanner]:
        """Scanners of the active plugins, in plugin order (for the scan task)."""
        return self.providers("register_scanners", ctx)

    def analyzers(self, ctx: CoreContext | None = None) -> list[Analyzer]:
        """Analyzers of the active plugins, in plugin order, names unique (for the analysis task)."""
        return self.providers("register_analyzers", ctx)

    def metadata_providers(self, ctx: CoreContext | None = None) -> list[MetadataProvider]:
        return self.providers("register_metadata_providers", ctx)

    def lyrics_providers(self, ctx: CoreContext | None = None) -> list[LyricsProvider]:
        return self.providers("register_lyrics_providers", ctx)

    def stem_separators(self, ctx: CoreContext | None = None) -> list[StemSeparator]:
        return self.providers("register_stem_separators", ctx)

    def recommenders(self, ctx: CoreContext | None = None) -> list[Recommender]:
        return self.providers("register_recommenders", ctx)

    def plugin_of(self, provider: Any) -> str:
        """The name of the plugin that registered ``provider``."""
        return self._owners.get(id(provider), getattr(provider, "name", "") or type(provider).__name__)

    async def ask_first(
        self,
        providers: Sequence[T],
        call: Callable[[T], Awaitable[Any] | Any],
        *,
        timeout: float | None = None,
        what: str = "provider call",
    ) -> tuple[T, Any] | None:
        """Ask providers in order; return the first ``(provider, answer)`` that is not None.

        A provider that raises or overruns ``timeout`` (default: ``hook_timeout``) is logged and skipped.
        """
        limit = self.options.hook_timeout if timeout is None else timeout
        for provider in providers:
            outcome = await run_isolated(functools.partial(call, provider), limit)
            if not outcome.ok:
                self._note(self.plugin_of(provider), f"{what} ({getattr(provider, 'name', '?')})", outcome)
            elif outcome.value is not None:
                return provider, outcome.value
        return None

    async def ask_each(
        self,
        providers: Sequence[T],
        call: Callable[[T], Awaitable[Any] | Any],
        *,
        timeout: float | None = None,
        what: str = "provider call",
    ) -> list[tuple[T, Any]]:
        """Ask every provider; keep the answers of those that did not fail."""
        limit = self.options.hook_timeout if timeout is None else timeout
        answers = []
        for provider in providers:
            outcome = await run_isolated(functools.partial(call, provider), limit)
            if outcome.ok:
                answers.append((provider, outcome.value))
            else:
                self._note(self.plugin_of(provider), f"{what} ({getattr(provider, 'name', '?')})", outcome)
        return answers

    # -- life cycle ----------------------------------------------------------------

    def attach(self, ctx: CoreContext) -> None:
        """Hand the context to plugins: the manager in ``ctx.services``, configurations in ``ctx.plugin_configs``."""
        ctx.services.plugins = self
        self._ctx = ctx
        for record in self.active():
            ctx.plugin_configs[record.name] = record.config

    async def start(self, ctx: CoreContext) -> None:
        """Run every active plugin's ``startup``; leave out those that fail. Logs the summary."""
        self.attach(ctx)
        for record in self.active():
            if "startup" in record.hooks:
                call = functools.partial(self.call_plugin, record.name, "startup", ctx=ctx, process=self.process)
                outcome = await run_isolated(call, self.options.startup_timeout)
                if not outcome.ok:
                    error = f"startup: {outcome.error}"
                    self.leave_out(record.name, PluginStatus.START_ERROR, error, outcome.traceback)
                    ctx.plugin_configs.pop(record.name, None)
                    continue
            record.started = True
        log_summary(self.all(), self.process)
        self.enforce_strict()

    async def stop(self, ctx: CoreContext) -> None:
        """Run ``shutdown`` of every started plugin, in reverse order; errors are logged."""
        for record in reversed(self.active()):
            if not record.started:
                continue
            record.started = False
            if "shutdown" in record.hooks:
                call = functools.partial(self.call_plugin, record.name, "shutdown", ctx=ctx, process=self.process)
                outcome = await run_isolated(call, self.options.startup_timeout)
                if not outcome.ok:
                    self._note(record.name, "shutdown", outcome)

    def enforce_strict(self) -> None:
        """Under ``strict = true``, any plugin failure is fatal."""
        failed = self.failed()
        if self.options.strict and failed:
            first = failed[0]
            raise ConfigError(f"[plugins.{first.name}]", f"{first.status}: {first.error} (strict = true)")


def manager_of(ctx: CoreContext) -> PluginManager:
    """The plugin manager of the process that owns ``ctx`` (an empty one if plugins were never loaded)."""
    manager = ctx.services.plugins
    if manager is None:
        manager = PluginManager(process="cli")
        manager.attach(ctx)
    return manager
