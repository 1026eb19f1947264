"""``sonantica serve [PATH ...]``: the web server, and in embedded mode everything else.

Schema policy: with the embedded PostgreSQL, ``serve`` migrates the schema
itself (nobody else can). With an external ``POSTGRES_URL`` it refuses to start
on an old schema and prints the command to run, so that an upgrade of many
replicas is one deliberate step.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import socket

from sonantica_core import __version__
from sonantica_core.cli.common import add_common_flags, console, settings_from_args, setup_logging
from sonantica_core.db import migrate as schema
from sonantica_core.errors import SchemaOutOfDate
from sonantica_core.fastpath.server import serve_web
from sonantica_core.plugins.loader import all_lineages
from sonantica_core.server.backing import Services, WorkerProcesses, child_environment
from sonantica_core.server.webprocesses import WebProcesses, bind_sockets, hypercorn_config, run_event_loop
from sonantica_core.settings import Settings, ensure_secret_key

log = logging.getLogger("sonantica.serve")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("serve", help="run the server (embedded PostgreSQL and Redis unless configured)")
    parser.add_argument("paths", nargs="*", metavar="PATH", help="music folders to serve (MEDIA_PATH)")
    parser.add_argument("--host", help="address to listen on (HOST)")
    parser.add_argument("--port", help="port to listen on (PORT)")
    parser.add_argument("--workers", help="task workers to run alongside (WORKERS)")
    parser.add_argument("--no-watch", dest="watch", action="store_false", default=None, help="do not watch folders")
    flags = add_common_flags(parser)
    flags.update(paths="MEDIA_PATH", host="HOST", port="PORT", workers="WORKERS", watch="WATCH")
    parser.set_defaults(handler=lambda args: run(settings_from_args(args, flags)))


def run(settings: Settings) -> int:
    setup_logging(settings.log_level)
    with Services(settings) as services:
        secret = ensure_secret_key(settings)
        sockets = bind_sockets(settings.host, settings.port, settings.web_workers)
        prepare_schema(settings, services)
        env = child_environment(settings, services.postgres_url, services.redis_url, secret)
        workers = WorkerProcesses(settings.workers if services.embedded or settings.workers else 0, env)
        web = WebProcesses(settings, env, sockets[1:])
        workers.start()
        web.start()
        try:
            run_event_loop(_serve_web(settings, services, secret, sockets[0], workers, web))
        finally:
            web.stop()
            workers.stop()
    console.print("[dim]Sonántica stopped.[/]")
    return 0


def prepare_schema(settings: Settings, services: Services) -> None:
    """Migrate the embedded database; refuse an old external one (the core's and enabled plugins' tables)."""
    lineages = all_lineages(settings)
    current = asyncio.run(schema.is_current(services.postgres_url, lineages))
    if current:
        return
    if settings.postgres_url is None:
        log.info("migrating the embedded database to the current schema")
        schema.upgrade(services.postgres_url, lineages)
        return
    raise SchemaOutOfDate(
        "the database schema is older than this version of Sonántica; run `sonantica migrate` "
        "(with the same POSTGRES_URL) and start again"
    )


async def _supervise(workers: WorkerProcesses, web: WebProcesses, stop: asyncio.Event) -> None:
    """Replace task workers and web processes that die (at most one restart per 5 seconds).

    When shutdown begins, the web processes are told to stop (in parallel with this
    one) and nothing is restarted any more.
    """
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 5)
        if not stop.is_set():
            workers.restart_exited()
            web.restart_exited()
    web.terminate()


async def _serve_web(
    settings: Settings,
    services: Services,
    secret: str,
    sock: socket.socket,
    workers: WorkerProcesses,
    web: WebProcesses,
) -> None:
    from sonantica_core.server.web import build_web_app

    app, ctx = await build_web_app(settings, services.postgres_url, services.redis_url, secret)
    config = hypercorn_config(settings, sock)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    roots = ", ".join(f"{r.name} ({r.path})" for r in settings.media_roots) or "none yet"
    console.print(
        f"[bold]Sonántica {__version__}[/] on http://{settings.host}:{settings.port} · "
        f"database: {'embedded' if settings.postgres_url is None else 'external'} · "
        f"redis: {'embedded' if settings.redis_url is None else 'external'} · music: {roots}"
        + (f" · {settings.web_workers} web processes" if settings.web_workers > 1 else "")
    )
    app.state.stopping = stop  # long-lived streams (events) end when shutdown begins
    if settings.media_roots:
        from sonantica_core.scanning.tasks import request_scan

        await request_scan(ctx)  # incremental: cheap when nothing changed since the last run
    from sonantica_core.analysis.tasks import analysis_backlog
    from sonantica_core.tasks import send

    await send(analysis_backlog)  # what a new analyzer (or version) has not analysed yet
    background = [asyncio.create_task(_supervise(workers, web, stop))]
    if settings.workers_yield and workers.count:
        from sonantica_core.server.yielding import WorkerYield, log_failure, policy_for

        giving_way = WorkerYield(
            web_pids=lambda: [os.getpid(), *(p.pid for p in web.processes if p.poll() is None)],
            workers=lambda: list(workers.processes),
            policy=policy_for(settings.task_redelivery_seconds),
        )
        background.append(asyncio.create_task(giving_way.run(stop)))
        background[-1].add_done_callback(log_failure)
    if settings.watch:
        from sonantica_core.scanning.watch import watch_roots

        background.append(asyncio.create_task(watch_roots(ctx, stop)))
    try:
        await serve_web(app, config, shutdown_trigger=stop.wait)
    finally:
        for task in background:
            task.cancel()
        await ctx.close()
