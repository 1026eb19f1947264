"""``sonantica worker``: run queued tasks (scans, analysis, plugin work)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import signal

from sonantica_core.cli.common import CommandFailed, add_common_flags, settings_from_args, setup_logging
from sonantica_core.settings import Settings, ensure_secret_key

log = logging.getLogger("sonantica.worker")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("worker", help="run task workers (needs POSTGRES_URL and REDIS_URL)")
    parser.add_argument(
        "--import",
        dest="imports",
        action="append",
        default=[],
        metavar="MODULE",
        help="also import MODULE to register its tasks (repeatable)",
    )
    flags = add_common_flags(parser)
    parser.set_defaults(handler=lambda args: run(settings_from_args(args, flags), args.imports))


def run(settings: Settings, imports: list[str]) -> int:
    setup_logging(settings.log_level)
    if not settings.postgres_url or not settings.redis_url:
        raise CommandFailed(
            "a worker needs POSTGRES_URL and REDIS_URL (the server's `serve` runs its own workers)", status=2
        )
    for module in imports:
        importlib.import_module(module)
    asyncio.run(_work(settings, ensure_secret_key(settings)))
    return 0


async def _work(settings: Settings, secret: str) -> None:
    from sonantica_core.server.worker import run_worker

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await run_worker(settings, secret, stop)
