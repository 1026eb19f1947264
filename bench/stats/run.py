"""Listening statistics benchmark: every statistic on 1,000,000 history rows, beside a plain count.

Usage: ``python bench/stats/run.py [--rows 1000000] [--users 100] [--runs 40]``; writes
``results.md`` beside this script.

The library: 20,000 tracks, 2,000 artists, 4,000 albums, 40 genres. The history: ``--rows``
plays over two years by ``--users`` users, skewed (the heaviest user has about 5 % of all
rows), each user with favourite tracks (Zipf), 15 % skips; bulk-loaded with COPY into the
migrated schema (its indexes in place), then ``VACUUM ANALYZE``. Embedded PostgreSQL.

Each statistic runs through :mod:`sonantica_core.listening.stats` (SQLAlchemy session, the
request's code path without HTTP) ``--runs`` times, on users taken in turn from the heaviest, a
median and a light one; the reference is ``SELECT count(*) FROM playback_history WHERE
user_id = :u`` on the same session and users. Target: p99 ≤ 50 ms for each per-user statistic.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import secrets
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TRACKS, ARTISTS, ALBUMS, GENRES = 20_000, 2_000, 4_000, 40


async def load(url: str, rows: int, users: int, seed: int = 7) -> list[int]:
    """Write the library and the history; returns the user ids, heaviest first."""
    import asyncpg

    from sonantica_core.db import migrate as schema

    rng = np.random.default_rng(seed)
    await schema.upgrade_async(url)
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.copy_records_to_table(
            "users", columns=["id", "username", "password_hash"],
            records=[(u + 1, f"user{u}", "x") for u in range(users)],
        )
        await conn.copy_records_to_table(
            "artists", columns=["id", "key", "name", "name_folded"],
            records=[(a + 1, f"a{a}", f"Artist {a}", f"artist {a}") for a in range(ARTISTS)],
        )
        await conn.copy_records_to_table(
            "albums", columns=["id", "key", "title", "title_folded", "album_artist_id"],
            records=[(a + 1, f"al{a}", f"Album {a}", f"album {a}", a % ARTISTS + 1) for a in range(ALBUMS)],
        )
        await conn.copy_records_to_table(
            "genres", columns=["id", "name", "name_folded"],
            records=[(g + 1, f"Genre {g}", f"genre {g}") for g in range(GENRES)],
        )
        durations = rng.uniform(60, 480, TRACKS)
        await conn.copy_records_to_table(
            "tracks",
            columns=["id", "root", "relative_path", "size", "mtime_ns", "content_hash", "title", "title_folded",
                     "artist", "album_id", "duration"],
            records=[
                (t + 1, "music", f"{t}.flac", 1, 0, f"h{t}", f"Track {t}", f"track {t}", f"Artist {t % ARTISTS}",
                 t % ALBUMS + 1, float(durations[t]))
                for t in range(TRACKS)
            ],
        )
        await conn.copy_records_to_table(
            "track_artists", columns=["track_id", "artist_id"],
            records=[(t + 1, t % ARTISTS + 1) for t in range(TRACKS)],
        )
        await conn.copy_records_to_table(
            "track_genres", columns=["track_id", "genre_id"],
            records=[(t + 1, (t // 7) % GENRES + 1) for t in range(TRACKS)],
        )
        weights = 1.0 / np.arange(1, users + 1) ** 0.6
        weights *= 0.05 / (weights[0] / weights.sum()) / weights.sum() if users > 20 else 1
        shares = weights / weights.sum()
        per_user = np.maximum(1, (shares * rows).astype(int))
        per_user[0] += rows - per_user.sum()
        now = dt.datetime.now(dt.UTC)
        span = 2 * 365 * 86400
        started = time.monotonic()
        next_id = 1
        for u, count in enumerate(per_user):
            library = rng.permutation(TRACKS)[:2000] + 1  # the tracks this user plays
            picks = library[np.minimum(rng.zipf(1.3, count) - 1, len(library) - 1)]
            offsets = np.sort(rng.uniform(0, span, count))
            skipped = rng.random(count) < 0.15
            listened = np.where(skipped, rng.uniform(1, 29, count), durations[picks - 1])
            records = [
                (next_id + i, u + 1, int(picks[i]), now - dt.timedelta(seconds=span - float(offsets[i])),
                 float(listened[i]), not bool(skipped[i]), bool(skipped[i]), "bench")
                for i in range(count)
            ]
            next_id += count
            await conn.copy_records_to_table(
                "playback_history",
                columns=["id", "user_id", "track_id", "played_at", "duration_played", "completed", "skipped", "client"],
                records=records,
            )
        print(f"{rows:,} history rows written in {time.monotonic() - started:.0f} s", flush=True)
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    order = np.argsort(-per_user)
    return [int(order[0]) + 1, int(order[len(order) // 2]) + 1, int(order[-1]) + 1], per_user


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) * 1e3


async def measure(ctx, users: list[int], runs: int) -> dict[str, list[float]]:
    from sqlalchemy import text

    from sonantica_core.listening import stats
    from sonantica_core.listening.periods import parse_range

    month, year, alltime = (parse_range(p, None, None) for p in ("month", "year", "all"))
    count = text("SELECT count(*) FROM playback_history WHERE user_id = :u")

    async def reference(user: int) -> None:
        async with ctx.session() as session:
            (await session.execute(count, {"u": user})).scalar_one()

    cases = {
        "reference: count(*) of the user's rows": reference,
        "top tracks, month": lambda u: stats.top(ctx, u, "tracks", month),
        "top tracks, all time": lambda u: stats.top(ctx, u, "tracks", alltime),
        "top albums, year": lambda u: stats.top(ctx, u, "albums", year),
        "top artists, all time": lambda u: stats.top(ctx, u, "artists", alltime),
        "top genres, all time": lambda u: stats.top(ctx, u, "genres", alltime),
        "summary, all time": lambda u: stats.summary(ctx, u, alltime),
        "plays per day, year": lambda u: stats.activity(ctx, u, year, "day"),
        "plays per hour, all time": lambda u: stats.activity(ctx, u, alltime, "hour"),
        "discoveries, month": lambda u: stats.discoveries(ctx, u, month),
        "streaks, all time": lambda u: stats.streaks(ctx, u, alltime),
        "admin view, month (across users)": lambda u: stats.admin_overview(ctx, month),
        "admin view, all time (across users)": lambda u: stats.admin_overview(ctx, alltime),
    }
    timings: dict[str, list[float]] = {name: [] for name in cases}
    for name, case in cases.items():
        for u in users:
            await case(u)  # warm
        repeat = max(3, runs // 8) if name.startswith("admin view, all") else runs
        for i in range(repeat):
            user = users[i % len(users)]
            started = time.perf_counter()
            await case(user)
            timings[name].append(time.perf_counter() - started)
    return timings


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--output", type=Path, default=HERE / "results.md")
    args = parser.parse_args()

    from sonantica_core.context import open_context
    from sonantica_core.embedded.postgres import EmbeddedPostgres
    from sonantica_core.settings import load_settings

    base = Path(tempfile.mkdtemp(prefix="sonantica-bench-stats-"))
    postgres = EmbeddedPostgres(base)
    try:
        postgres.start()
        users, per_user = await load(postgres.url, args.rows, args.users)
        secret = secrets.token_urlsafe(48)
        (base / "plugins.toml").write_text("")
        settings = load_settings(environ={
            "DATA_DIR": str(base / "data"), "POSTGRES_URL": postgres.url, "REDIS_URL": "redis://127.0.0.1:1/0",
            "SECRET_KEY": secret, "PLUGINS_FILE": str(base / "plugins.toml"), "LOG_LEVEL": "WARNING",
        })
        ctx = await open_context(settings, secret_key=secret, postgres_url=postgres.url,
                                 redis_url="redis://127.0.0.1:1/0")
        try:
            timings = await measure(ctx, users, args.runs)
        finally:
            await ctx.close()
    finally:
        postgres.stop()
    sizes = ", ".join(f"{int(per_user[u - 1]):,}" for u in users)
    reference = timings.pop("reference: count(*) of the user's rows")
    ref99 = pct(reference, 99)
    lines = [
        f"# Listening statistics: {args.rows:,} history rows, {args.users} users\n",
        f"Users measured in turn: the heaviest, a median and a light one ({sizes} rows). "
        f"{args.runs} runs per statistic (the all-time admin view: fewer). Times in ms.\n",
        "| statistic | p50 | p99 | p99 ÷ reference p99 | target |",
        "|---|---|---|---|---|",
        f"| reference: `count(*)` of the user's rows | {pct(reference, 50):.2f} | {ref99:.2f} | 1.00× | |",
    ]
    for name, values in timings.items():
        target = "" if name.startswith("admin view, all") else "p99 ≤ 50 ms"
        lines.append(f"| {name} | {pct(values, 50):.2f} | {pct(values, 99):.2f} | {pct(values, 99) / ref99:.1f}× "
                     f"| {target} |")
    text_out = "\n".join(lines) + "\n"
    print(text_out)
    args.output.write_text(text_out)


if __name__ == "__main__":
    asyncio.run(main())
