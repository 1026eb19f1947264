"""Benchmark: scanning a library of generated files, beside a bare mutagen loop and beets.

    .venv/bin/python bench/scan/run.py [--files 10000] [--skip-beets]

In one run, over the same files:
* the floor: a bare single-process ``mutagen.File()`` loop;
* beets: ``beet import -A`` (tags as they are, no autotagger), installed from PyPI if missing;
* Sonántica: the initial scan (walk, read with the scanner plugin on every core, batched
  PostgreSQL writes), then a rescan with nothing changed, end to end.
Reports files/s, ratios, the rescan time and peak memory; writes ``bench/scan/results.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FORMATS = ["flac", "mp3", "vorbis", "opus", "aac", "alac", "wav", "aiff", "wavpack"]


def generate(root: Path, count: int) -> list[Path]:
    """``count`` small files, 10 tracks per album, each album in one format and folder of its own
    (distinct titles, so beets imports every album instead of skipping duplicates); cached."""
    from sonantica_core.testing.audio import AudioSpec, write_audio

    marker = root / f".complete-{count}-albums"
    if marker.exists():
        return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    paths = []
    started = time.monotonic()
    for n in range(count):
        album, track = divmod(n, 10)
        fmt = FORMATS[album % len(FORMATS)]
        artist = f"Artist {album // 8:04d}"
        folder = root / artist / f"Album {album:05d} ({fmt})"
        folder.mkdir(parents=True, exist_ok=True)
        from sonantica_core.testing.audio import FORMATS as SPECS

        path = folder / f"{track + 1:02d} Track {n}.{SPECS[fmt].extension}"
        spec = AudioSpec(duration=0.2, frequency=220.0 + (n % 500), sample_rate=48000 if fmt == "opus" else 44100)
        tags = {
            "title": f"Track {n}",
            "artist": artist,
            "album": f"Album {album:05d}",
            "tracknumber": track + 1,
            "date": str(1960 + n % 60),
            "genre": ["Rock", "Jazz", "Electronic", "Classical"][n % 4],
        }
        write_audio(path, fmt, spec, tags=tags)
        paths.append(path)
        if n % 1000 == 999:
            print(f"  generated {n + 1} files ({time.monotonic() - started:.0f} s)", flush=True)
    marker.write_text("ok")
    return sorted(paths)


def bare_mutagen(paths: list[Path]) -> float:
    import mutagen

    started = time.perf_counter()
    for path in paths:
        mutagen.File(path)
    return len(paths) / (time.perf_counter() - started)


#: beets' import settings in the two runs: as it ships (`beet import -A` copies each file into its
#: library folder and writes tags there), and reading in place like Sonántica (no copy, no write).
BEETS_MODES = {"as shipped": "", "in place": "import:\n  copy: no\n  write: no\n"}


def beets_items(library: Path) -> int:
    """How many tracks beets' library holds (a skipped album would make its rate look better)."""
    import sqlite3

    with sqlite3.connect(library) as db:
        return int(db.execute("SELECT count(*) FROM items").fetchone()[0])


def beets(paths: list[Path], root: Path, work: Path, mode: str) -> float | None:
    beet = Path(sys.executable).with_name("beet")
    if not beet.exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "beets>=2"], check=False)
    if not beet.exists():
        return None
    run = work / f"beets-{mode.replace(' ', '-')}"
    run.mkdir()
    config = run / "beets.yaml"
    config.write_text(f"directory: {run / 'music'}\nlibrary: {run / 'beets.db'}\n{BEETS_MODES[mode]}")
    env = dict(os.environ, BEETSDIR=str(run / "beetsdir"))
    started = time.perf_counter()
    subprocess.run(
        [str(beet), "-c", str(config), "import", "-A", "-q", str(root)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    elapsed = time.perf_counter() - started
    imported = beets_items(run / "beets.db")
    if imported != len(paths):
        raise RuntimeError(f"beets ({mode}) imported {imported} of {len(paths)} files: its rate would mislead")
    return len(paths) / elapsed


async def sonantica(root: Path, work: Path) -> tuple[float, float, int, float]:
    from sonantica_scanner.plugin import plugin as scanner_plugin

    from sonantica_core.context import open_context
    from sonantica_core.db import migrate as schema
    from sonantica_core.embedded.postgres import EmbeddedPostgres
    from sonantica_core.embedded.redis import EmbeddedRedis
    from sonantica_core.scanning.scan import run_scan
    from sonantica_core.settings import load_settings

    data = work / "data"
    data.mkdir(parents=True, exist_ok=True)
    postgres, redis = EmbeddedPostgres(data), EmbeddedRedis(data)
    postgres.start()
    redis.start()
    try:
        await asyncio.to_thread(schema.upgrade, postgres.url)
        settings = load_settings(environ={"DATA_DIR": str(data), "MEDIA_PATH": f"music={root}", "PLUGINS_FILE": ""})
        ctx = await open_context(settings, secret_key="b" * 40, postgres_url=postgres.url, redis_url=redis.url)
        scanners = list(scanner_plugin.register_scanners(None))
        try:
            started = time.perf_counter()
            first = await run_scan(ctx, scanners)
            initial = first.files_read / (time.perf_counter() - started)
            started = time.perf_counter()
            again = await run_scan(ctx, scanners)
            rescan = time.perf_counter() - started
            assert again.files_read == 0 and again.added == 0, again
            tracks = first.added
        finally:
            await ctx.close()
    finally:
        redis.stop()
        postgres.stop()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return initial, rescan, tracks, max(own, children)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3, help="floor and Sonántica runs, taken in turn")
    parser.add_argument("--skip-beets", action="store_true")
    parser.add_argument("--corpus", type=Path, default=Path(tempfile.gettempdir()) / "sonantica-bench-scan")
    args = parser.parse_args()

    corpus = args.corpus / str(args.files)
    print(f"corpus: {corpus}")
    paths = generate(corpus, args.files)
    for path in paths:  # warm the page cache for everyone alike
        path.read_bytes()
    floors: list[float] = []
    scans: list[tuple[float, float, int, float]] = []
    with tempfile.TemporaryDirectory(prefix="sonantica-bench-") as tmp:
        work = Path(tmp)
        beets_rates = {} if args.skip_beets else {mode: beets(paths, corpus, work, mode) for mode in BEETS_MODES}
        for mode, rate in beets_rates.items():
            print(f"beets import -A ({mode}): {rate:,.0f} files/s" if rate else "beets: not installed")
        # The floor and the scan in turn, each on a fresh database: this machine's speed drifts
        # by ±20 % over a minute, so one run of each can say little.
        for round_ in range(args.rounds):
            floors.append(bare_mutagen(paths))
            scans.append(asyncio.run(sonantica(corpus, work / f"round-{round_}")))
            print(f"round {round_ + 1}: bare loop {floors[-1]:,.0f} files/s, Sonántica {scans[-1][0]:,.0f} files/s,"
                  f" rescan {scans[-1][1]:.2f} s", flush=True)
    floor = statistics.median(floors)
    initial = statistics.median(scan[0] for scan in scans)
    rescan = statistics.median(scan[1] for scan in scans)
    peak = max(scan[3] for scan in scans)
    tracks = scans[0][2]
    print(f"Sonántica initial scan: {initial:,.0f} files/s ({tracks} tracks); unchanged rescan {rescan:.2f} s")
    rows = [
        ("bare mutagen loop, 1 process (floor)", f"{floor:,.0f} files/s", "1.00×"),
        *[
            (f"beets `import -A` ({mode})", f"{rate:,.0f} files/s", f"{rate / floor:.2f}×")
            for mode, rate in beets_rates.items()
            if rate
        ],
        ("Sonántica initial scan", f"{initial:,.0f} files/s", f"{initial / floor:.2f}×"),
    ]
    versus = [f"* Sonántica vs beets ({mode}): {initial / rate:.1f}×" for mode, rate in beets_rates.items() if rate]
    each = ", ".join(f"{s[0] / f:.2f}×" for f, s in zip(floors, scans, strict=True))
    lines = [
        f"# Scan benchmark ({len(paths):,} generated files, {os.cpu_count()} cores)",
        "",
        f"Floor and scan: medians of {args.rounds} rounds taken in turn (each scan on a fresh database).",
        "",
        "| what | speed | vs floor |",
        "|---|---|---|",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
        "",
        f"* Each round, Sonántica vs that round's floor: {each}",
        f"* Floor per round: {', '.join(f'{f:,.0f}' for f in floors)} files/s;"
        f" Sonántica per round: {', '.join(f'{s[0]:,.0f}' for s in scans)} files/s",
        *(versus or ["* beets: skipped"]),
        f"* beets imported all {len(paths):,} files in each mode (checked in its library)" if beets_rates else "",
        f"* Unchanged rescan of {len(paths):,} files, end to end: {rescan:.2f} s (median)",
        f"* Peak memory (largest process): {peak:.0f} MiB",
    ]
    (HERE / "results.md").write_text("\n".join(line for line in lines if line is not None) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
