"""Smart playlist benchmark: rules evaluated live over a 100,000-track library, beside the plain
track list in the same run.

Usage: ``python bench/smart/run.py [--tracks 100000] [--requests 300]``. Writes ``results.md``
beside this script.

The library is the API benchmark's synthetic one (``bench/api/synth.py``), its analysis given a
mode (minor for Camelot ``A`` keys) and an energy, one user with 30,000 plays and 2,000 stars, in
an embedded PostgreSQL. Each query runs ``--requests`` times from one client, then at 8 clients,
through the core's own functions on pooled connections (no HTTP: the smart playlist route adds
the same fixed cost as the track list's):

* reference: the first page (100) of ``GET /api/library/tracks`` (``tracks.list_tracks``);
* three rules: ``bpm 120–140``, ``mode minor``, ``year ≥ 1990``, by title, first page of 100;
* three rules on the user's data: ``plays ≥ 1 or starred``, ``genre contains "o"``, by last play;
* the preview count of the first.

Target: the three-rule smart playlist p99 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "api"))

THREE_RULES = {
    "all": [
        {"field": "bpm", "op": "between", "value": [120, 140]},
        {"field": "mode", "op": "is", "value": "minor"},
        {"field": "year", "op": "gte", "value": 1990},
    ]
}
PERSONAL = {
    "all": [
        {"any": [{"field": "plays", "op": "gte", "value": 1}, {"field": "starred", "op": "is", "value": True}]},
        {"field": "genre", "op": "contains", "value": "o"},
    ]
}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def measure(engine: Any, call: Callable[[Any], Awaitable[Any]], count: int, clients: int) -> list[float]:
    latencies: list[float] = []
    remaining = iter(range(count))

    async def client() -> None:
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            for _ in remaining:
                started = time.perf_counter()
                await call(conn)
                latencies.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies


async def enrich(engine: Any, tracks: int) -> int:
    """Mode and energy for the analysed tracks; a user with plays and stars. Returns the user id."""
    from sqlalchemy import text

    rng = random.Random(16)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE track_audio_features SET mode = CASE WHEN camelot_key LIKE '%A' THEN 'minor' ELSE 'major' END,"
                " energy = (track_id * 7919 % 1000) / 1000.0"
            )
        )
        user_id = (
            await conn.execute(text("INSERT INTO users (username, password_hash) VALUES ('bench', 'x') RETURNING id"))
        ).scalar_one()
        plays = [{"u": user_id, "t": rng.randint(1, tracks), "d": rng.randint(0, 700)} for _ in range(30_000)]
        await conn.execute(
            text(
                "INSERT INTO playback_history (user_id, track_id, played_at) "
                "VALUES (:u, :t, now() - make_interval(days => :d))"
            ),
            plays,
        )
        stars = [{"u": user_id, "t": t} for t in rng.sample(range(1, tracks + 1), 2000)]
        await conn.execute(
            text("INSERT INTO track_annotations (user_id, track_id, starred_at) VALUES (:u, :t, now())"), stars
        )
        await conn.execute(text("ANALYZE"))
    return user_id


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=150)
    parser.add_argument("--output", type=Path, default=HERE / "results.md")
    args = parser.parse_args()

    from run import prepare  # bench/api/run.py
    from sqlalchemy import text
    from synth import Sizes

    from sonantica_core.db.engine import create_engine
    from sonantica_core.embedded.postgres import EmbeddedPostgres
    from sonantica_core.library import smartlists, tracks
    from sonantica_core.library.queries import TrackListQuery
    from sonantica_core.library.rules import check_rules

    base = Path(tempfile.mkdtemp(prefix="sonantica-bench-smart-"))
    postgres = EmbeddedPostgres(base)
    secret = b"bench" * 8
    rows: list[str] = []
    try:
        postgres.start()
        started = time.monotonic()
        await prepare(postgres.url, Sizes(tracks=args.tracks))
        engine = create_engine(postgres.url, pool_size=10)
        user_id = await enrich(engine, args.tracks)
        print(f"library of {args.tracks:,} tracks written in {time.monotonic() - started:.0f} s", flush=True)
        three = smartlists.Definition(user_id=user_id, rules=check_rules(THREE_RULES))
        personal = smartlists.Definition(user_id=user_id, rules=check_rules(PERSONAL), sort="last_played", order="desc")

        def page(definition: smartlists.Definition) -> Callable[[Any], Awaitable[Any]]:
            return lambda conn: smartlists.page(
                conn, definition, limit=100, cursor=None, secret=secret, listing_name="bench"
            )

        cases: list[tuple[str, Callable[[Any], Awaitable[Any]]]] = [
            (
                "reference: track list, first page",
                lambda conn: tracks.list_tracks(conn, TrackListQuery(), None, secret),
            ),
            ("smart: bpm 120–140, minor, year ≥ 1990", page(three)),
            ("smart: (plays ≥ 1 or starred), genre, by last play", page(personal)),
            ("smart: preview count of the three rules", lambda conn: smartlists.count(conn, three)),
        ]
        async with engine.connect() as conn:
            matched = await smartlists.count(conn, three)
            base_query, key, _ = smartlists.matching(three)
            sql = str(
                base_query.order_by(key, "id")
                .limit(101)
                .compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
            )
            plan = "\n".join((await conn.execute(text("EXPLAIN ANALYZE " + sql))).scalars().all())
        reference: dict[int, tuple[float, float]] = {}
        for name, call in cases:
            await measure(engine, call, 20, 1)  # warm
            for clients in (1, 8):
                latencies = await measure(engine, call, args.requests, clients)
                p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
                if name.startswith("reference"):
                    reference[clients] = (p50, p99)
                ref50, ref99 = reference[clients]
                rows.append(f"| {name} | {clients} | {p50:.2f} | {p99:.2f} | {p50 / ref50:.2f}× | {p99 / ref99:.2f}× |")
                print(rows[-1], flush=True)
        await engine.dispose()
    finally:
        postgres.stop()
        shutil.rmtree(base, ignore_errors=True)
    text_out = (
        f"# Smart playlists over {args.tracks:,} tracks\n\n"
        f"{args.requests} queries per row; the three rules match {matched[0]:,} tracks. Ratios are to the "
        "reference (the plain track list) at the same number of clients. Target: three rules p99 ≤ 50 ms.\n\n"
        "| query | clients | p50 ms | p99 ms | p50 ×reference | p99 ×reference |\n|---|---|---|---|---|---|\n"
        + "\n".join(rows)
        + "\n\nPlan of the three-rule page:\n\n```\n"
        + plan
        + "\n```\n"
    )
    args.output.write_text(text_out)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    asyncio.run(main())
