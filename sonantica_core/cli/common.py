"""What every sub-command shares: console, logging, settings, clean exits."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape

from sonantica_core.errors import CommandFailed, ConfigError, DataDirLocked, SchemaOutOfDate, ServiceError
from sonantica_core.logbuffer import BufferedLineHandler
from sonantica_core.settings import Settings, load_settings

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

T = TypeVar("T")

#: Exit statuses: 2 for a wrong setting or usage, 1 for other failures.
EXIT_CONFIG = 2
EXIT_FAILURE = 1


#: The access log's name: one line per request, so it never goes through Rich (~0.7 ms a line).
ACCESS_LOGGER = "sonantica.access"


def _plain_handler(fmt: str = "%(asctime)s %(levelname)s %(name)s: %(message)s") -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(fmt, "%Y-%m-%dT%H:%M:%S"))
    return handler


def setup_logging(level: str) -> None:
    """Log to stderr: through Rich on a terminal, as plain lines otherwise (services, pipes, files).

    The access log is one line per request, on the hot path: always plain text (rendering
    a line with Rich's layout costs about as much as serving the request it describes),
    written in batches at least every second (:mod:`sonantica_core.logbuffer`).
    """
    if err_console.is_terminal:
        handler: logging.Handler = RichHandler(
            console=err_console, show_path=False, rich_tracebacks=False, markup=False
        )
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    else:
        handler = _plain_handler()
    logging.basicConfig(level=level, handlers=[handler], force=True)
    access = logging.getLogger(ACCESS_LOGGER)
    access.handlers[:] = [BufferedLineHandler(sys.stderr, timestamped=True)]
    access.propagate = False
    for noisy in ("hypercorn.access", "taskiq", "alembic", "asyncio"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def settings_from_args(args: argparse.Namespace, flag_map: Mapping[str, str] | None = None) -> Settings:
    """Load settings with the command-line flags (attribute → env name) applied on top."""
    overrides: dict[str, str | None] = {}
    for attr, env in (flag_map or {}).items():
        value = getattr(args, attr, None)
        if value is None:
            continue
        if isinstance(value, list):
            value = ":".join(value) if value else None
        elif isinstance(value, bool):
            value = "true" if value else "false"
        overrides[env] = None if value is None else str(value)
    return load_settings(overrides)


def run_async(factory: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(factory())  # type: ignore[arg-type]


def report_failure(exc: BaseException) -> int:
    """Print one clear line for a known failure and return the exit status."""
    if isinstance(exc, ConfigError):
        err_console.print(f"[bold red]error:[/] {escape(exc.setting)}: {escape(exc.reason)}")
        return EXIT_CONFIG
    if isinstance(exc, CommandFailed):
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}")
        return exc.status
    if isinstance(exc, (DataDirLocked, SchemaOutOfDate, ServiceError)):
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}")
        return EXIT_FAILURE
    raise exc


def add_common_flags(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Flags most commands accept; returns the attribute → setting map."""
    parser.add_argument("--data-dir", dest="data_dir", metavar="DIR", help="data directory (DATA_DIR)")
    parser.add_argument("--postgres-url", dest="postgres_url", metavar="URL", help="external PostgreSQL (POSTGRES_URL)")
    parser.add_argument("--redis-url", dest="redis_url", metavar="URL", help="external Redis (REDIS_URL)")
    parser.add_argument("--plugins-file", dest="plugins_file", metavar="FILE", help="plugins.toml (PLUGINS_FILE)")
    parser.add_argument("--log-level", dest="log_level", metavar="LEVEL", help="DEBUG, INFO, WARNING, ERROR")
    return {
        "data_dir": "DATA_DIR",
        "postgres_url": "POSTGRES_URL",
        "redis_url": "REDIS_URL",
        "plugins_file": "PLUGINS_FILE",
        "log_level": "LOG_LEVEL",
    }


def describe_any(value: Any) -> str:
    return "—" if value is None else str(value)
