"""Duplicate report benchmark: a 100,000-track library's duplicates, and the endpoint that serves them.

Usage: ``python bench/duplicates/run.py [--tracks 100000] [--reference-tracks 2000]``; writes
``results.md`` beside this script.

The library: every track has a 120-second Chromaprint-shaped fingerprint (950 sub-fingerprints:
random words, with a shared pool of "silence" words at both ends, as fades give); a share of them
has a second file, the same words with about 6 % of their bits flipped in clusters and cut by up
to 12 s at the start (another encoding, another rip). Embedded PostgreSQL and Redis, migrated.

Measured, each against a reference in this same run:

1. **the report** (``build_report``, what the ``core:duplicates`` task runs) on the whole library:
   the worker's CPU seconds and wall time, and the planted pairs it finds. The reference is the
   comparison the request used to run (every pair within 2.5 s of duration, each at all 201
   alignments), timed on the first ``--reference-tracks`` tracks and run by our algorithm on the
   same tracks: the ratio is per track on the same data.
2. **the endpoint** from the stored report: ``GET /api/library/duplicates`` p50 and p99 through
   the app (authenticated, in process over ASGI), beside ``GET /healthz`` on the same client.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
WORDS = 950  # 120 s at Chromaprint's 7.8 sub-fingerprints per second
SILENCE = np.arange(1, 41, dtype=np.uint32) * np.uint32(0x01010101)


Library = tuple[list[np.ndarray], list[float], list[tuple[int, int]]]


def fingerprints(count: int, share: float, seed: int = 3) -> Library:
    """``count`` fingerprints with durations; ``share`` of the originals have a noisy copy (planted pairs)."""
    rng = np.random.default_rng(seed)
    codes, durations, planted = [], [], []
    while len(codes) < count:
        words = rng.integers(0, 2**32, WORDS, dtype=np.uint64).astype(np.uint32)
        words[:12] = rng.choice(SILENCE, 12)
        words[-12:] = rng.choice(SILENCE, 12)
        duration = float(rng.uniform(90, 420))
        codes.append(words)
        durations.append(duration)
        if rng.random() < share and len(codes) < count:
            copy = words.copy()
            hit = rng.random(WORDS) < 0.24
            masks = rng.integers(0, 2**32, WORDS, dtype=np.uint64).astype(np.uint32)
            masks &= rng.integers(0, 2**32, WORDS, dtype=np.uint64).astype(np.uint32)
            copy[hit] ^= masks[hit]
            copy = copy[int(rng.integers(0, 95)) :]
            codes.append(copy)
            durations.append(duration + float(rng.uniform(-1.0, 1.0)))
            planted.append((len(codes) - 1, len(codes)))  # 1-based track ids
    return codes, durations, planted


def all_pairs_reference(codes: list[np.ndarray], durations: list[float]) -> list[tuple[int, int]]:
    """The old request path: pairs by duration window, each compared at every alignment."""
    from sonantica_core.analysis.duplicates import DURATION_TOLERANCE, MAX_BIT_ERROR_RATE, MAX_OFFSET, bit_error_rate

    order = sorted(range(len(codes)), key=lambda i: durations[i])
    found = []
    for position, i in enumerate(order):
        for j in order[position + 1 :]:
            if durations[j] - durations[i] > DURATION_TOLERANCE:
                break
            best = min(bit_error_rate(codes[i], codes[j], offset) for offset in range(-MAX_OFFSET, MAX_OFFSET + 1))
            if best <= MAX_BIT_ERROR_RATE:
                found.append(tuple(sorted((i + 1, j + 1))))
    return sorted(found)


def indexed(codes: list[np.ndarray], durations: list[float]) -> list[tuple[int, int]]:
    """Ours, in memory: the index's candidates, then verification."""
    from sonantica_core.analysis import duplicates as dup

    tracks = [
        dup.IndexedTrack(i + 1, "fingerprint@1", durations[i], dup.fingerprint_terms(c)) for i, c in enumerate(codes)
    ]
    pairs = dup.candidate_pairs(tracks)
    return sorted(
        tuple(sorted(p)) for p in pairs if dup.verify(codes[p[0] - 1], codes[p[1] - 1]) <= dup.MAX_BIT_ERROR_RATE
    )


async def load(url: str, codes: list[np.ndarray], durations: list[float]) -> None:
    import asyncpg

    from sonantica_core.analysis.duplicates import fingerprint_terms
    from sonantica_core.db import migrate as schema

    await schema.upgrade_async(url)
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        tracks = [
            (i + 1, "music", f"a/{i}.flac", 1, 0, f"h{i}", f"track {i}", f"track {i}", durations[i], "flac")
            for i in range(len(codes))
        ]
        columns = ["id", "root", "relative_path", "size", "mtime_ns", "content_hash", "title", "title_folded",
                   "duration", "codec"]
        await conn.copy_records_to_table("tracks", records=tracks, columns=columns)
        prints = [
            (i + 1, "fingerprint@1", c.tobytes(), durations[i], fingerprint_terms(c).tobytes())
            for i, c in enumerate(codes)
        ]
        await conn.copy_records_to_table(
            "track_fingerprints", records=prints, columns=["track_id", "algorithm", "fingerprint", "duration", "terms"]
        )
    finally:
        await conn.close()


async def endpoint_latency(ctx, requests: int) -> dict[str, list[float]]:
    import httpx

    from sonantica_core.auth.sessions import access_token_for
    from sonantica_core.auth.users import create_user
    from sonantica_core.server.web import build_app_for_context

    async with ctx.session() as session:
        user = await create_user(session, "bench", secrets.token_urlsafe(16))
        await session.refresh(user)
    token = access_token_for(ctx, user)[0]
    app = build_app_for_context(ctx)
    timings: dict[str, list[float]] = {"/healthz": [], "/api/library/duplicates": []}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench",
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        for path in timings:
            for _ in range(20):
                (await client.get(path)).raise_for_status()
            for _ in range(requests):
                started = time.perf_counter()
                response = await client.get(path)
                timings[path].append(time.perf_counter() - started)
                assert response.status_code == 200, (path, response.status_code)
    return timings


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--share", type=float, default=0.05, help="share of originals with a second file")
    parser.add_argument("--reference-tracks", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--output", type=Path, default=HERE / "results.md")
    args = parser.parse_args()

    from sonantica_core.analysis.duplicate_report import build_report, store_report
    from sonantica_core.context import open_context
    from sonantica_core.embedded.postgres import EmbeddedPostgres
    from sonantica_core.embedded.redis import EmbeddedRedis
    from sonantica_core.settings import load_settings

    codes, durations, planted = fingerprints(args.tracks, args.share)
    lines = [f"# Duplicate report: {len(codes):,} tracks, {len(planted):,} planted pairs\n"]

    small = args.reference_tracks
    small_planted = [p for p in planted if p[1] <= small]
    started = time.process_time()
    reference = all_pairs_reference(codes[:small], durations[:small])
    reference_cpu = time.process_time() - started
    started = time.process_time()
    ours_small = indexed(codes[:small], durations[:small])
    ours_small_cpu = time.process_time() - started
    lines += [
        f"## Algorithm on the first {small:,} tracks ({len(small_planted)} planted pairs), CPU seconds\n",
        "| | CPU s | pairs found | planted pairs found |",
        "|---|---|---|---|",
        f"| reference: every pair within 2.5 s, 201 alignments | {reference_cpu:.2f} | {len(reference)} | "
        f"{len(set(reference) & set(small_planted))} |",
        f"| ours: index, then verification | {ours_small_cpu:.3f} | {len(ours_small)} | "
        f"{len(set(ours_small) & set(small_planted))} |",
        f"\n**ours / reference: {ours_small_cpu / reference_cpu:.4f}× the CPU time "
        f"({reference_cpu / ours_small_cpu:,.0f}× faster)**\n",
    ]
    print("\n".join(lines), flush=True)

    base = Path(tempfile.mkdtemp(prefix="sonantica-bench-dup-"))
    postgres, redis = EmbeddedPostgres(base), EmbeddedRedis(base)
    try:
        postgres.start()
        redis.start()
        started = time.monotonic()
        await load(postgres.url, codes, durations)
        print(f"library written in {time.monotonic() - started:.0f} s", flush=True)
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
        try:
            document = await build_report(ctx)
            found = {tuple(sorted(t["id"] for t in g["tracks"])) for g in document["groups"]}
            lines += [
                f"## The report on all {len(codes):,} tracks (the worker's task, end to end with the database)\n",
                "| worker CPU s | wall s | candidate pairs | groups | planted pairs found | target |",
                "|---|---|---|---|---|---|",
                f"| {document['cpu_seconds']:.1f} | {document['seconds']:.1f} | {document['candidate_pairs']:,} | "
                f"{len(found):,} | {len(found & set(planted)):,} of {len(planted):,} | ≤ 60 s of worker CPU |",
                "",
            ]
            print("\n".join(lines[-5:]), flush=True)
            await store_report(ctx, document)
            timings = await endpoint_latency(ctx, args.requests)
        finally:
            await ctx.close()
    finally:
        redis.stop()
        postgres.stop()
    health, dup = timings["/healthz"], timings["/api/library/duplicates"]
    lines += [
        f"## The endpoint from the stored report ({len(found):,} groups), {args.requests} requests each, ms\n",
        "| | p50 | p99 | target |",
        "|---|---|---|---|",
        f"| `GET /healthz` (reference) | {percentile(health, 50) * 1e3:.2f} | {percentile(health, 99) * 1e3:.2f} | |",
        f"| `GET /api/library/duplicates` | {percentile(dup, 50) * 1e3:.2f} | {percentile(dup, 99) * 1e3:.2f} | "
        "≤ 50 ms |",
        f"\nratio p50: {statistics.median(dup) / statistics.median(health):.1f}× the health check\n",
    ]
    text = "\n".join(lines)
    print("\n".join(lines[-7:]))
    args.output.write_text(text + "\n")


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent.parent))
    asyncio.run(main())
