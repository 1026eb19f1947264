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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FORMATS = ["flac", "mp3", "vorbis", "opus", "aac", "alac", "wav", "aiff", "wavpack"]


def generate(root: Path, count: int) -> list[Path]:
    """``count`` small files across formats, 10 tracks per album; cached between runs."""
    from sonantica_core.testing_audio import AudioSpec, write_audio

    marker = root / f".complete-{count}"
    if marker.exists():
        return sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    paths = []
    started = time.monotonic()
    for n in range(count):
        fmt = FORMATS[n % len(FORMATS)]
        album, track = divmod(n, 10)
        artist = f"Artist {album // 8:04d}"
        folder = root / artist / f"Album {album:05d} ({fmt})"
        folder.mkdir(parents=True, exist_ok=True)
        from sonantica_core.testing_audio import FORMATS as SPECS

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
    return len(paths) / (time.perf_counter() - started)


async def sonantica(root: Path, work: Path) -> tuple[float, float, int, float]:
    from sonantica_scanner.plugin import plugin as scanner_plugin

    from sonantica_core.context import open_context
    from sonantica_core.db import migrate as schema
    from sonantica_core.embedded.postgres import EmbeddedPostgres
    from sonantica_core.embedded.redis import EmbeddedRedis
    from sonantica_core.scanning.scan import run_scan
    from sonantica_core.settings import load_settings

    data = work / "data"
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
    parser.add_argument("--skip-beets", action="store_true")
    parser.add_argument("--corpus", type=Path, default=Path(tempfile.gettempdir()) / "sonantica-bench-scan")
    args = parser.parse_args()

    corpus = args.corpus / str(args.files)
    print(f"corpus: {corpus}")
    paths = generate(corpus, args.files)
    for path in paths:  # warm the page cache for everyone alike
        path.read_bytes()
    with tempfile.TemporaryDirectory(prefix="sonantica-bench-") as tmp:
        work = Path(tmp)
        floor = bare_mutagen(paths)
        print(f"bare mutagen loop (1 process): {floor:,.0f} files/s")
        beets_rates = {} if args.skip_beets else {mode: beets(paths, corpus, work, mode) for mode in BEETS_MODES}
        for mode, rate in beets_rates.items():
            print(f"beets import -A ({mode}): {rate:,.0f} files/s" if rate else "beets: not installed")
        initial, rescan, tracks, peak = asyncio.run(sonantica(corpus, work))
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
    lines = [
        f"# Scan benchmark ({len(paths):,} generated files, {os.cpu_count()} cores)",
        "",
        "| what | speed | vs floor |",
        "|---|---|---|",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
        "",
        *(versus or ["* beets: skipped"]),
        f"* Unchanged rescan of {len(paths):,} files, end to end: {rescan:.2f} s",
        f"* Peak memory (largest process): {peak:.0f} MiB",
    ]
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
