"""Loading plugins: the same code in the web process, workers and commands.

For each installed plugin that ``plugins.toml`` enables, in stages, each of
which can leave the plugin out with a status and a one-line reason:

1. import the entry point's object (``load error``);
2. check it is a :class:`Plugin` named like its entry point (``load error``);
3. check its ``api`` range against the contract version (``incompatible``);
4. register it with pluggy, which checks its hook signatures (``load error``);
5. validate its ``[plugins.<name>]`` section with its ``Config`` model (``config error``);
6. run its ``validate_environment()`` (``failed self-check``).

Installed plugins without a section are ``disabled`` and never imported;
enabled plugins that are not installed are ``not installed``.
Starting (the ``startup`` hook, ``start error``) is :meth:`PluginManager.start`.
"""

from __future__ import annotations

import logging
import traceback
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sonantica_core.db.migrate import Lineage, core_lineage
from sonantica_core.plugins.compat import incompatibility
from sonantica_core.plugins.config import (
    PluginConfigError,
    is_enabled,
    plugin_sections,
    read_options,
    resolve_section,
    section_order,
    validate_config,
)
from sonantica_core.plugins.discovery import Candidate, discover, install_hint
from sonantica_core.plugins.lineages import MIGRATABLE, migrations_directory, plugin_lineages
from sonantica_core.plugins.manager import PluginManager
from sonantica_core.plugins.manifest import NAME_PATTERN, Plugin
from sonantica_core.plugins.status import PluginRecord, PluginStatus, Process
from sonantica_core.settings import Settings

log = logging.getLogger("sonantica.plugins")


def load_plugins(
    settings: Settings,
    *,
    process: Process,
    candidates: Sequence[Candidate] | None = None,
    environ: Mapping[str, str] | None = None,
) -> PluginManager:
    """Load the plugins ``settings.plugins_config`` enables.

    Without any plugins.toml (the file is absent), every installed plugin is
    enabled with its default configuration.

    ``candidates`` replaces discovery through entry points (tests and embedders
    pass plugin objects this way). ``environ`` is where ``{ env = "..." }``
    values are read (default: ``os.environ``). Raises ``ConfigError`` only for a
    wrong option of the plugin system itself; every plugin problem becomes a status.
    """
    options = read_options(settings.plugins_config)
    sections = plugin_sections(settings.plugins_config)
    manager = PluginManager(options, process)
    installed: dict[str, list[Candidate]] = defaultdict(list)
    for candidate in discover() if candidates is None else candidates:
        installed[candidate.name].append(candidate)

    if candidates is None and not Path(settings.plugins_file).exists():
        # No plugins.toml at all: what is installed runs, with its defaults. With a
        # plugins.toml, exactly the plugins it lists run.
        sections = {name: {} for name in installed}

    for name, found in sorted(installed.items()):
        section = sections.get(name)
        first = found[0]
        record = PluginRecord(
            name=name,
            status=PluginStatus.DISABLED,
            version=first.version,
            distribution=first.distribution,
            order=section_order(section or {}),
        )
        manager.add(record)
        if section is None or not is_enabled(section):
            continue
        if len(found) > 1:
            sources = ", ".join(candidate.distribution or candidate.source for candidate in found)
            record.fail(PluginStatus.LOAD_ERROR, f"{len(found)} installed distributions provide it ({sources}); "
                        "uninstall all but one")
            continue
        _load_one(manager, record, first, section, environ)

    for name, section in sorted(sections.items()):
        if name not in installed and is_enabled(section):
            manager.add(
                PluginRecord(
                    name=name,
                    status=PluginStatus.NOT_INSTALLED,
                    order=section_order(section),
                    error=f"enabled in {settings.plugins_file} but not installed: `{install_hint(name)}` "
                    "(or set enabled = false)",
                )
            )
    return manager


def _load_one(
    manager: PluginManager,
    record: PluginRecord,
    candidate: Candidate,
    section: Mapping[str, Any],
    environ: Mapping[str, str] | None,
) -> None:
    plugin = _import(record, candidate)
    if plugin is None:
        return
    record.plugin = plugin
    record.version = plugin.version or record.version
    record.owned_paths = tuple(plugin.owned_paths)
    home = getattr(plugin, "home_page", None)
    if home is not None and not (isinstance(home, str) and home.startswith(f"/plugins/{record.name}/")):
        record.fail(PluginStatus.LOAD_ERROR, f"home_page must be a path under /plugins/{record.name}/, got {home!r}")
        return
    record.home_page = home
    reason = incompatibility(plugin.api)
    if reason:
        record.fail(PluginStatus.INCOMPATIBLE, reason)
        return
    try:
        manager.register(record)
    except Exception as exc:
        record.fail(PluginStatus.LOAD_ERROR, f"bad hook: {' '.join(str(exc).split())}", traceback.format_exc())
        return
    try:
        schema = _declarations(manager, record)
    except Exception as exc:
        manager.leave_out(record.name, PluginStatus.LOAD_ERROR, _one_line(exc), traceback.format_exc())
        return
    try:
        resolved = resolve_section(section, environ)
        record.config = validate_config(schema, resolved)
        record.secret_keys = resolved.secret_keys
    except PluginConfigError as exc:
        manager.leave_out(record.name, PluginStatus.CONFIG_ERROR, f"[plugins.{record.name}] {exc}")
        return
    try:
        plugin.validate_environment()
    except Exception as exc:
        manager.leave_out(record.name, PluginStatus.SELF_CHECK_FAILED, _one_line(exc), traceback.format_exc())
        return
    record.status = PluginStatus.ENABLED


def _import(record: PluginRecord, candidate: Candidate) -> Plugin | None:
    """Import and instantiate the manifest; on failure set the record's status and return None."""
    source = candidate.source or record.name
    try:
        loaded = candidate.load()
        plugin = loaded() if isinstance(loaded, type) else loaded
    except Exception as exc:
        record.fail(PluginStatus.LOAD_ERROR, f"cannot import {source}: {_one_line(exc)}", traceback.format_exc())
        return None
    if not isinstance(plugin, Plugin):
        record.fail(
            PluginStatus.LOAD_ERROR,
            f"{source} is a {type(plugin).__name__}, not a sonantica_core.plugins.Plugin (subclass it)",
        )
        return None
    if plugin.name != record.name:
        record.fail(
            PluginStatus.LOAD_ERROR,
            f"its entry point is called {record.name!r} but the plugin says name = {plugin.name!r}; they must match",
        )
        return None
    if not NAME_PATTERN.match(plugin.name):
        record.fail(PluginStatus.LOAD_ERROR, "its name must be lowercase letters, digits and _ (at most 40)")
        return None
    return plugin


def _declarations(manager: PluginManager, record: PluginRecord) -> type[BaseModel]:
    """Ask the plugin for its migrations package and configuration model; check both."""
    record.migrations = manager.call_plugin(record.name, "migrations_package")
    if record.migrations is not None:
        migrations_directory(record.migrations)
    schema = manager.call_plugin(record.name, "config_schema")
    if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
        raise TypeError(f"its configuration schema {schema!r} is not a pydantic model (subclass PluginConfig)")
    return schema


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def all_lineages(settings: Settings) -> list[Lineage]:
    """The core's lineage, then those of enabled plugins that own tables (in plugin order)."""
    return [core_lineage(), *lineages_for_settings(settings)]


def lineages_for_settings(settings: Settings) -> list[Lineage]:
    """Load the plugins ``settings`` enable and return their lineages; warn about those that cannot load."""
    manager = load_plugins(settings, process="cli")
    for record in manager.failed():
        if record.status not in MIGRATABLE:
            log.warning("plugin %s: %s — its tables (if any) are not migrated: %s", record.name, record.status,
                        record.error)
    return plugin_lineages(manager)
