"""Subsonic API benchmark: browsing a 100,000-track library through ``/rest`` at 50 clients, and
ranged seeks through ``/rest/stream`` beside ``/api/stream`` in the same run.

Usage: ``python bench/subsonic/run.py [--tracks 100000] [--seconds 8]``; needs ``wrk``
(``apt-get install -y wrk``). Writes ``results.md`` beside this script.

The library is the API benchmark's synthetic one (``bench/api/synth.py``: 100,000 tracks, 8,000
albums, 3,000 artists, genres), and one 40 MB file for the seeks. The server is the web process as
``sonantica serve`` runs it (``bench/api/server.py``) with the Subsonic plugin enabled. Clients sign
in with an API key in the URL (``apiKey``), as OpenSubsonic apps do.

1. ``getAlbumList2`` (newest, alphabetical pages deep into the list, by genre), ``search3`` (words of
   real titles) and ``getArtists``: p50/p99 and rate at 50 connections; target p99 ≤ 50 ms.
2. 64 KiB ranges at random offsets of one file, 50 connections: ``/rest/stream`` against
   ``/api/stream`` (Bearer token) — the same engine behind two front doors; target ≥ 0.8×.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE.parent / "api"))

from run import Scenario, free_port, prepare, run_wrk, wait_port  # noqa: E402  (bench/api/run.py)
from synth import Sizes  # noqa: E402

FILE_BYTES = 40 * 1024 * 1024
RANGE_BYTES = 64 * 1024


async def setup(postgres_url: str, redis_url: str, secret: str, base: Path, media: Path) -> dict[str, object]:
    """Migrate the plugin, add the seek file as a track, and make a user with an API key and a token."""
    from sqlalchemy import func, insert, select, text

    from sonantica_core.auth.api_keys import create_api_key
    from sonantica_core.auth.sessions import access_token_for
    from sonantica_core.auth.users import create_user
    from sonantica_core.context import open_context
    from sonantica_core.db import migrate as schema
    from sonantica_core.db.library import Track
    from sonantica_core.plugins.lineages import plugin_lineage
    from sonantica_core.settings import load_settings

    await schema.upgrade_async(postgres_url, [plugin_lineage("subsonic", "sonantica_subsonic.migrations")])
    (base / "plugins.toml").write_text("[plugins.subsonic]\n")
    settings = load_settings(
        environ={
            "DATA_DIR": str(base / "data"),
            "POSTGRES_URL": postgres_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": secret,
            "PLUGINS_FILE": str(base / "plugins.toml"),
            "MEDIA_PATH": f"music={media}",
            "LOG_LEVEL": "WARNING",
        }
    )
    ctx = await open_context(settings, secret_key=secret, postgres_url=postgres_url, redis_url=redis_url)
    try:
        async with ctx.session() as session:
            user = await create_user(session, "bench", secrets.token_urlsafe(16))
            await session.flush()
            _, api_key = await create_api_key(session, user.id, "bench")
            stat = (media / "seek.flac").stat()
            track_id = (
                await session.execute(
                    insert(Track)
                    .values(
                        root="music",
                        relative_path="seek.flac",
                        size=stat.st_size,
                        mtime_ns=stat.st_mtime_ns,
                        content_hash="sha256:seek",
                        title="seek",
                        title_folded="seek",
                        codec="flac",
                        container="flac",
                    )
                    .returning(Track.id)
                )
            ).scalar_one()
            titles = list((await session.execute(select(Track.title).order_by(func.random()).limit(200))).scalars())
            genres = list((await session.execute(text("SELECT name FROM genres ORDER BY id LIMIT 20"))).scalars())
            await session.refresh(user)
        token = access_token_for(ctx, user)[0]
    finally:
        await ctx.close()
    return {"api_key": api_key, "token": token, "track_id": track_id, "titles": titles, "genres": genres}


def scenarios(facts: dict[str, object], albums: int) -> list[Scenario]:
    key = f"apiKey={facts['api_key']}&f=json&v=1.16.1&c=bench"
    rng = random.Random(6)
    words = [w for title in facts["titles"] for w in str(title).split() if len(w) > 3]  # type: ignore[attr-defined]
    return [
        Scenario("getAlbumList2 newest, 50", [f"/rest/getAlbumList2?type=newest&size=50&{key}"]),
        Scenario(
            "getAlbumList2 alphabeticalByName, pages anywhere",
            [
                f"/rest/getAlbumList2?type=alphabeticalByName&size=50&offset={rng.randrange(0, albums - 50)}&{key}"
                for _ in range(100)
            ],
        ),
        Scenario(
            "getAlbumList2 byGenre",
            [
                f"/rest/getAlbumList2?type=byGenre&genre={quote(g)}&size=50&{key}"
                for g in facts["genres"]  # type: ignore[attr-defined]
            ],
        ),
        Scenario(
            "search3 a word of a title", [f"/rest/search3?query={quote(rng.choice(words))}&{key}" for _ in range(100)]
        ),
        Scenario("getArtists (3,000 artists)", [f"/rest/getArtists?{key}"]),
    ]


def seek_rate(port: int, path: str, header: str, seconds: int, work: Path) -> tuple[float, float]:
    """Requests per second and p99 (ms) of random 64 KiB ranges of ``path`` at 50 connections."""
    script = work / "seek.lua"
    script.write_text(
        "math.randomseed(6)\n"
        "request = function()\n"
        f"  local start = math.random(0, {FILE_BYTES - RANGE_BYTES})\n"
        f'  local headers = {{["Range"] = "bytes=" .. start .. "-" .. (start + {RANGE_BYTES - 1}){header}}}\n'
        f'  return wrk.format("GET", "{path}", headers)\n'
        "end\n"
    )
    output = subprocess.run(
        ["wrk", "-t2", "-c50", f"-d{seconds}s", "--latency", "-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate, p99 = 0.0, 0.0
    for line in output.splitlines():
        parts = line.split()
        if parts[:1] == ["Requests/sec:"]:
            rate = float(parts[1])
        elif parts[:1] == ["99%"]:
            value = parts[1]
            p99 = (
                float(value[:-2])
                if value.endswith("ms")
                else float(value[:-2]) / 1000
                if value.endswith("us")
                else float(value[:-1]) * 1000
            )
        elif "Non-2xx" in line:
            raise RuntimeError(f"wrk saw errors for {path}: {line.strip()}")
    return rate, p99


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--albums", type=int, default=8000)
    parser.add_argument("--artists", type=int, default=3000)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--output", type=Path, default=HERE / "results.md")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")

    from sonantica_core.embedded.postgres import EmbeddedPostgres
    from sonantica_core.embedded.redis import EmbeddedRedis

    base = Path(tempfile.mkdtemp(prefix="sonantica-bench-subsonic-"))
    media = base / "music"
    media.mkdir()
    (media / "seek.flac").write_bytes(random.Random(6).randbytes(FILE_BYTES))
    postgres, redis = EmbeddedPostgres(base), EmbeddedRedis(base)
    server = None
    try:
        postgres.start()
        redis.start()
        await prepare(postgres.url, Sizes(artists=args.artists, albums=args.albums, tracks=args.tracks))
        secret = secrets.token_urlsafe(48)
        facts = await setup(postgres.url, redis.url, secret, base, media)
        port = free_port()
        (base / "web").mkdir()
        env = {
            **os.environ,
            "PYTHONPATH": f"{REPO}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
            "BENCH_PLUGINS_TOML": "[plugins.subsonic]\n",
            "BENCH_MEDIA_PATH": f"music={media}",
        }
        server = subprocess.Popen(
            [
                sys.executable,
                str(HERE.parent / "api" / "server.py"),
                str(port),
                postgres.url,
                redis.url,
                secret,
                str(base / "web"),
            ],
            env=env,
        )
        wait_port(port, server)
        lines = [
            f"# Subsonic API: {args.tracks:,} tracks, {args.albums:,} albums, {args.artists:,} artists; wrk, "
            f"50 connections, {args.seconds} s each\n",
            "Each call runs twice: the first pass computes the answers (each distinct URL once, then from the",
            "cache), the second is the steady state a client browsing a library it has seen gets.\n",
            "| call | pass | p50 ms | p99 ms | req/s | target |",
            "|---|---|---|---|---|---|",
        ]
        for scenario in scenarios(facts, args.albums):
            for label in ("first", "second"):
                result = run_wrk(port, None, scenario, 50, args.seconds, base)
                assert result is not None
                lines.append(
                    f"| {scenario.name} | {label} | {result.p50:.1f} | {result.p99:.1f} | {result.rate:.0f} "
                    "| p99 ≤ 50 ms |"
                )
                print(lines[-1], flush=True)
        track = facts["track_id"]
        core_rate, core_p99 = seek_rate(
            port, f"/api/stream/{track}", f', ["Authorization"] = "Bearer {facts["token"]}"', args.seconds, base
        )
        rest_rate, rest_p99 = seek_rate(
            port, f"/rest/stream?id=tr-{track}&apiKey={facts['api_key']}&v=1.16.1&c=b", "", args.seconds, base
        )
        lines += [
            "",
            "## 64 KiB ranges of one 40 MB file, 50 connections\n",
            "| door | req/s | p99 ms |",
            "|---|---|---|",
            f"| `/api/stream` (reference, Bearer token) | {core_rate:.0f} | {core_p99:.1f} |",
            f"| `/rest/stream` (apiKey) | {rest_rate:.0f} | {rest_p99:.1f} |",
            f"\n**`/rest/stream` / `/api/stream`: {rest_rate / core_rate:.2f}× the rate** (target ≥ 0.8×)\n",
        ]
        print("\n".join(lines[-7:]), flush=True)
        args.output.write_text("\n".join(lines) + "\n")
    finally:
        if server is not None:
            server.terminate()
            server.wait(20)
        redis.stop()
        postgres.stop()


if __name__ == "__main__":
    asyncio.run(main())
