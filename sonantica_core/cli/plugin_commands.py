"""Plugins' sub-commands on the command line: ``sonantica PLUGIN COMMAND``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from collections.abc import Sequence

from taskiq import async_shared_broker

from sonantica_core.cli.common import add_common_flags, settings_from_args, setup_logging
from sonantica_core.context import open_context
from sonantica_core.errors import CommandFailed
from sonantica_core.plugins.commands import PluginCommand
from sonantica_core.plugins.loader import load_plugins
from sonantica_core.plugins.status import PluginStatus
from sonantica_core.server.backing import Services
from sonantica_core.settings import Settings, ensure_secret_key, load_settings
from sonantica_core.tasks import PriorityRedisBroker, set_context

log = logging.getLogger("sonantica.plugins")


def add_plugin_commands(sub: argparse._SubParsersAction, argv: Sequence[str]) -> None:  # type: ignore[type-arg]
    """Offer the commands of enabled plugins; silent when the configuration cannot be read.

    (The command that runs reports configuration and plugin problems itself.)
    """
    try:
        settings = _settings_for(argv)
        manager = load_plugins(settings, process="cli")
    except Exception as exc:
        log.debug("plugin commands unavailable: %s", exc)
        return
    for record in manager.active():
        if "register_commands" not in record.hooks:
            continue
        if record.name in sub.choices:
            log.warning("plugin %s: its commands are hidden by the core command of the same name", record.name)
            continue
        try:
            commands = list(manager.call_plugin(record.name, "register_commands") or [])
            _add_group(sub, record.name, commands)
        except Exception as exc:
            log.warning("plugin %s: its commands are unavailable: %s", record.name, exc)


def _settings_for(argv: Sequence[str]) -> Settings:
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--plugins-file", dest="plugins_file")
    known, _ = early.parse_known_args(list(argv))
    overrides = {"PLUGINS_FILE": known.plugins_file} if known.plugins_file else {}
    return load_settings(overrides, environ=os.environ)


def _add_group(sub: argparse._SubParsersAction, plugin: str, commands: list[PluginCommand]) -> None:  # type: ignore[type-arg]
    if not all(isinstance(command, PluginCommand) for command in commands):
        raise TypeError("register_commands must return PluginCommand objects")
    group = sub.add_parser(plugin, help=f"commands of the {plugin} plugin")
    actions = group.add_subparsers(dest="plugin_command", metavar="COMMAND", required=True)
    for command in commands:
        parser = actions.add_parser(command.name, help=command.help)
        flags = add_common_flags(parser)
        if command.arguments is not None:
            command.arguments(parser)
        parser.set_defaults(
            handler=lambda args, command=command, flags=flags: run_plugin_command(
                plugin, command, settings_from_args(args, flags), args
            )
        )


def run_plugin_command(plugin: str, command: PluginCommand, settings: Settings, args: argparse.Namespace) -> int:
    """Open services and a context, start the plugins, run the command, close everything."""
    setup_logging("WARNING" if settings.log_level == "INFO" else settings.log_level)
    with Services(settings, attach_if_running=True) as services:
        return asyncio.run(_run(plugin, command, settings, services.postgres_url, services.redis_url, args))


async def _run(
    plugin: str, command: PluginCommand, settings: Settings, postgres_url: str, redis_url: str, args: argparse.Namespace
) -> int:
    manager = load_plugins(settings, process="cli")
    record = manager.record(plugin)
    if record is None or record.status is not PluginStatus.ENABLED:
        reason = f"{record.status}: {record.error}" if record else "not installed"
        raise CommandFailed(f"plugin {plugin} cannot run ({reason})", status=2)
    ctx = await open_context(
        settings, secret_key=ensure_secret_key(settings), postgres_url=postgres_url, redis_url=redis_url, pool_size=2
    )
    broker = PriorityRedisBroker(redis_url, redelivery_seconds=settings.task_redelivery_seconds)
    async_shared_broker.default_broker(broker)
    ctx.services.broker = broker
    set_context(ctx)
    try:
        await broker.startup()
        await manager.start(ctx)
        if not manager.is_active(plugin):
            raise CommandFailed(f"plugin {plugin} did not start: {manager.records[plugin].error}")
        try:
            return int(await command.run(ctx, args) or 0)
        finally:
            await manager.stop(ctx)
    finally:
        await broker.shutdown()
        await ctx.close()
