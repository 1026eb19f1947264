"""Benchmark: the library API on a 100,000-track library, beside the same SQL run bare.

    .venv/bin/python bench/api/run.py [--tracks 100000 --albums 8000 --artists 3000]
                                      [--requests 1000] [--serial 200] [--clients 50]

In one run, on 127.0.0.1, with an embedded PostgreSQL and Redis under a temporary directory:

1. a synthetic library (``synth.py``) is written straight into PostgreSQL with COPY;
2. the web app is started under Hypercorn (``server.py``: one process, as ``sonantica serve``);
3. each scenario is requested with httpx, by 1 client and by ``--clients`` concurrent clients
   (closed loop: each client sends its next request when the last one is answered);
4. the same scenarios run as bare SQL: the exact statements the API executes for each
   request (recorded by running the library code in this process), replayed with asyncpg
   over a pool as large as the app's, with the same concurrency.

Reports p50/p99 latency and requests/s of both, and their ratio; writes ``results.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

SEARCHES = [
    "bjork",
    "beeth",
    "bjrok",
    "坂本",
    "чайковский",
    "night rain",
    "corazon",
    "golden",
    "tokyo",
    "love",
    "summer road",
    "mötley",
    "sigur",
    "пётр",
    "ありがとう",
    "schön",
    "ocean",
    "wild heart",
]
#: The app's pool: open_context() makes 10 connections and lets 10 more overflow.
POOL = 20


@dataclass
class Scenario:
    name: str
    urls: list[str]
    #: Per URL, the statements the API runs for it: (sql, params) in order.
    statements: list[list[tuple[str, Sequence[Any]]]] = field(default_factory=list)


@dataclass
class Measured:
    latencies: list[float]
    seconds: float

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


async def closed_loop(count: int, clients: int, request: Callable[[int], Awaitable[None]]) -> Measured:
    """``count`` requests by ``clients`` concurrent callers; latency of each."""
    latencies: list[float] = []
    next_index = iter(range(count))

    async def client() -> None:
        for index in next_index:
            started = time.perf_counter()
            await request(index)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return Measured(latencies, time.perf_counter() - started)


async def prepare(postgres_url: str, sizes: Any) -> None:
    import asyncpg
    from synth import generate

    from sonantica_core.db import migrate as schema

    await schema.upgrade_async(postgres_url)
    conn = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await generate(conn, sizes)
    finally:
        await conn.close()


async def make_token(ctx: Any) -> str:
    from sonantica_core.auth.sessions import access_token_for
    from sonantica_core.auth.users import create_user

    async with ctx.session() as session:
        user = await create_user(session, "bench", secrets.token_urlsafe(16))
        await session.refresh(user)
    return access_token_for(ctx, user)[0]


async def record(
    ctx: Any, call: Callable[[Any], Awaitable[Any]], *, autocommit_off: bool = False
) -> list[tuple[str, Sequence[Any]]]:
    """The statements ``call(conn)`` executes, as the asyncpg driver receives them (the API
    reads in autocommit, except the search, which runs in a transaction)."""
    from sqlalchemy import event

    seen: list[tuple[str, Sequence[Any]]] = []

    def listener(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        seen.append((statement, tuple(parameters or ())))

    event.listen(ctx.engine.sync_engine, "before_cursor_execute", listener)
    try:
        async with ctx.engine.connect() as conn:
            if not autocommit_off:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
            await call(conn)
    finally:
        event.remove(ctx.engine.sync_engine, "before_cursor_execute", listener)
    return seen


async def scenarios(ctx: Any, count: int) -> list[Scenario]:
    """The requests of each scenario and the SQL the API runs for each."""
    from sqlalchemy import text

    from sonantica_core.library import albums, search, tracks
    from sonantica_core.library.cursor import cursor_key, encode_cursor
    from sonantica_core.library.keyset import Position
    from sonantica_core.library.queries import TrackListQuery

    key = cursor_key(ctx.secret_key)
    rng = random.Random(6)
    async with ctx.engine.connect() as conn:
        track_ids = list((await conn.execute(text("SELECT id FROM tracks WHERE removed_at IS NULL"))).scalars())
        album_ids = list((await conn.execute(text("SELECT id FROM albums"))).scalars())
        # the row just before the last page of the title order
        last = (
            await conn.execute(
                text(
                    "SELECT title_folded, id FROM tracks WHERE removed_at IS NULL "
                    "ORDER BY title_folded DESC, id DESC OFFSET 50 LIMIT 1"
                )
            )
        ).one()
    cursor = encode_cursor(key, "tracks:title:asc", [1, last[0], last[1]])
    first = TrackListQuery(sort="title", limit=100)
    on_last = TrackListQuery(sort="title", limit=100, cursor=cursor)
    found: list[Scenario] = [
        Scenario("list tracks, first page", ["/api/library/tracks?sort=title&limit=100"]),
        Scenario("list tracks, last page", [f"/api/library/tracks?sort=title&limit=100&cursor={cursor}"]),
    ]
    found[0].statements = [await record(ctx, lambda c: tracks.list_tracks(c, first, None, key))]
    last_position = Position(1, (last[0], last[1]))
    found[1].statements = [await record(ctx, lambda c: tracks.list_tracks(c, on_last, last_position, key))]

    detail = Scenario("track detail", [])
    for track_id in rng.sample(track_ids, min(count, 300)):
        detail.urls.append(f"/api/library/tracks/{track_id}")
        detail.statements.append(await record(ctx, lambda c, t=track_id: tracks.get_track(c, t)))
    album = Scenario("album detail", [])
    for album_id in rng.sample(album_ids, min(count, 300)):
        album.urls.append(f"/api/library/albums/{album_id}")
        album.statements.append(await record(ctx, lambda c, a=album_id: albums.get_album(c, a)))
    found += [detail, album]

    lookup = Scenario("search", [])
    for q in SEARCHES:
        lookup.urls.append(f"/api/search?q={quote(q)}&limit=20")
        lookup.statements.append(await record(ctx, lambda c, q=q: search.search(c, q, 20), autocommit_off=True))
    found.append(lookup)
    return found


async def run_api(port: int, token: str, scenario: Scenario, count: int, clients: int) -> Measured:
    import httpx

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers, limits=limits) as http:
        for url in scenario.urls[:5]:  # warm up
            (await http.get(url)).raise_for_status()

        async def request(index: int) -> None:
            response = await http.get(scenario.urls[index % len(scenario.urls)])
            if response.status_code != 200:
                raise RuntimeError(f"{response.status_code}: {response.text[:300]}")

        return await closed_loop(count, clients, request)


@dataclass
class WrkResult:
    p50: float
    p99: float
    rate: float


def _milliseconds(text: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


def _authorization(token: str | None) -> str:
    """The Lua table entry of the ``Authorization`` header (none without a token: the URL carries it)."""
    return f'["Authorization"] = "Bearer {token}"' if token else ""


def run_wrk(
    port: int, token: str | None, scenario: Scenario, clients: int, seconds: int, work: Path
) -> WrkResult | None:
    """The same requests through wrk (C, a few µs per request): what the server can do when
    the load generator is not the bottleneck. None when wrk is not installed."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    paths = ", ".join('"' + url.replace("\\", "\\\\").replace('"', '\\"') + '"' for url in scenario.urls)
    script = work / "paths.lua"
    script.write_text(
        f"local paths = {{{paths}}}\nlocal i = 0\n"
        "request = function()\n  i = i + 1\n"
        f'  return wrk.format("GET", paths[(i % #paths) + 1], {{{_authorization(token)}}})\n'
        "end\n"
    )
    threads = 1 if clients == 1 else 2
    output = subprocess.run(
        [
            wrk,
            f"-t{threads}",
            f"-c{clients}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    values = {}
    for line in output.splitlines():
        parts = line.split()
        if parts[:1] in (["50%"], ["99%"]):
            values[parts[0]] = _milliseconds(parts[1])
        elif parts[:1] == ["Requests/sec:"]:
            values["rate"] = float(parts[1])
        elif "Non-2xx" in line:
            raise RuntimeError(f"wrk saw errors for {scenario.name}: {line.strip()}")
    return WrkResult(values["50%"], values["99%"], values["rate"])


async def run_sql(pool: Any, scenario: Scenario, count: int, clients: int) -> Measured:
    async def request(index: int) -> None:
        statements = scenario.statements[index % len(scenario.statements)]
        async with pool.acquire() as conn:
            if statements and statements[0][0].startswith("SET LOCAL"):  # the search: a transaction
                async with conn.transaction():
                    for sql, params in statements:
                        await conn.fetch(sql, *params)
                return
            for sql, params in statements:
                await conn.fetch(sql, *params)

    await request(0)
    return await closed_loop(count, clients, request)


async def explain_last_page(pool: Any, scenario: Scenario) -> str:
    async with pool.acquire() as conn:
        sql, params = scenario.statements[0][0]
        rows = await conn.fetch("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + sql, *params)
    return "\n".join(row[0] for row in rows)


def row(name: str, clients: int, api: Measured, wrk: WrkResult | None, sql: Measured | None) -> str:
    cells = [name, str(clients), f"{api.percentile(50):.1f}", f"{api.percentile(99):.1f}", f"{api.rate:.0f}"]
    cells += [f"{wrk.p50:.1f}", f"{wrk.p99:.1f}", f"{wrk.rate:.0f}"] if wrk else ["–"] * 3
    if sql is None:
        cells += [""] * 5
    else:
        cells += [f"{sql.percentile(50):.2f}", f"{sql.percentile(99):.2f}", f"{sql.rate:.0f}"]
        cells.append(f"{api.percentile(50) / sql.percentile(50):.1f}× / {api.percentile(99) / sql.percentile(99):.1f}×")
        cells.append(f"{wrk.p50 / sql.percentile(50):.1f}× / {wrk.p99 / sql.percentile(99):.1f}×" if wrk else "–")
    return "| " + " | ".join(cells) + " |"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--albums", type=int, default=8000)
    parser.add_argument("--artists", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=1000, help="requests per scenario at --clients")
    parser.add_argument("--serial", type=int, default=200, help="requests per scenario with one client")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--wrk-seconds", type=int, default=5, help="seconds of each wrk run (when wrk is installed)")
    parser.add_argument("--output", type=Path, default=HERE / "results.md")
    args = parser.parse_args()

    import asyncpg
    from synth import Sizes

    from sonantica_core.context import open_context
    from sonantica_core.embedded.postgres import EmbeddedPostgres
    from sonantica_core.embedded.redis import EmbeddedRedis
    from sonantica_core.settings import load_settings

    base = Path(tempfile.mkdtemp(prefix="sonantica-bench-api-"))
    postgres, redis = EmbeddedPostgres(base), EmbeddedRedis(base)
    server: subprocess.Popen[bytes] | None = None
    try:
        postgres.start()
        redis.start()
        sizes = Sizes(artists=args.artists, albums=args.albums, tracks=args.tracks)
        started = time.monotonic()
        await prepare(postgres.url, sizes)
        loaded = time.monotonic() - started
        print(f"library of {sizes.tracks:,} tracks written in {loaded:.0f} s", flush=True)

        secret = secrets.token_urlsafe(48)
        (base / "plugins.toml").write_text("")
        settings = load_settings(
            environ={
                "DATA_DIR": str(base / "data"),
                "POSTGRES_URL": postgres.url,
                "REDIS_URL": redis.url,
                "SECRET_KEY": secret,
                "PLUGINS_FILE": str(base / "plugins.toml"),
                "LOG_LEVEL": "WARNING",
            }
        )
        ctx = await open_context(settings, secret_key=secret, postgres_url=postgres.url, redis_url=redis.url)
        token = await make_token(ctx)
        cases = await scenarios(ctx, args.requests)
        await ctx.close()

        port = free_port()
        env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
        (base / "web").mkdir()
        server = subprocess.Popen(
            [sys.executable, str(HERE / "server.py"), str(port), postgres.url, redis.url, secret, str(base / "web")],
            env=env,
        )
        wait_port(port, server)
        dsn = postgres.url.replace("postgresql+asyncpg://", "postgresql://")
        pool = await asyncpg.create_pool(dsn, min_size=POOL, max_size=POOL)
        lines = []
        floor = Scenario("HTTP floor: `GET /healthz` (no auth, no SQL)", ["/healthz"])
        for scenario in [floor, *cases]:
            for clients, count in ((1, args.serial), (args.clients, args.requests)):
                api = await run_api(port, token, scenario, count, clients)
                wrk = run_wrk(port, token, scenario, clients, args.wrk_seconds, base)
                sql = await run_sql(pool, scenario, count, clients) if scenario.statements else None
                lines.append(row(scenario.name, clients, api, wrk, sql))
                print(lines[-1], flush=True)
        plan = await explain_last_page(pool, cases[1])
        await pool.close()
    finally:
        if server is not None:
            server.terminate()
            server.wait(15)
        redis.stop()
        postgres.stop()
        shutil.rmtree(base, ignore_errors=True)

    header = (
        "| scenario | clients | httpx p50 ms | httpx p99 ms | httpx req/s | wrk p50 ms | wrk p99 ms | wrk req/s "
        "| SQL p50 ms | SQL p99 ms | SQL req/s | httpx/SQL p50 / p99 | wrk/SQL p50 / p99 |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    )
    report = f"""# Library API benchmark (`bench/api/`)

Run: `{" ".join([Path(sys.executable).name, "bench/api/run.py", *sys.argv[1:]])}` on {time.strftime("%Y-%m-%d")},
{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs ({platform.machine()}),
embedded PostgreSQL 16 and Redis, one web process as `sonantica serve` runs it by default (uvloop, the
fast path in front of Hypercorn), all on one machine — the load generators too (see the HTTP floor).
Each scenario repeats its URLs, so after the first round the API answers from its per-process response
cache (as it does for clients paging through the same library); the SQL columns are what an answer
costs when it is not cached (after a library change), measured at the database.

Library: {args.tracks:,} tracks, {args.albums:,} albums, {args.artists:,} artists (synthetic; names in English,
accented European languages, Japanese and Russian), written in {loaded:.0f} s with COPY (triggers and generated
columns included). Lists are 100 items (`sort=title`), the last page through its cursor; detail requests go to
random ids; searches cycle through {len(SEARCHES)} queries ({", ".join(SEARCHES[:6])}, ...).

* **httpx**: the API through httpx (`{args.serial}` requests with 1 client, `{args.requests}` with {args.clients};
  closed loop). httpx costs about 2 ms of CPU per request itself and slows down with many connections, so at
  {args.clients} clients these columns mostly measure the client;
* **wrk**: the same requests through wrk ({args.wrk_seconds} s each), when wrk is installed: what the server does;
* **SQL**: the exact statements the API runs for each request (recorded by running the library code in this
  process), replayed with asyncpg over a pool of {POOL} connections (the app's pool size), same concurrency;
* the ratios are API latency over bare-SQL latency, p50 and p99.

{header}
{chr(10).join(lines)}

Target: p99 ≤ 50 ms at {args.clients} clients for list and search.

The last page's query (keyset: an index range scan, no sort):

```
{plan}
```
"""
    args.output.write_text(report)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    asyncio.run(main())
