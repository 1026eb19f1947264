"""Benchmark of the analysis engine and the five analyzer plugins.

Measures, on generated music (see README.md beside this file):

* real-time factor on one core of the whole analyzer set and of each analyzer,
  on 3-minute tracks in several formats;
* loudness, loudness range and true peak beside FFmpeg's ``ebur128`` filter,
  and the CPU time of both, on the same files in the same run;
* peak resident memory of a worker analysing a 2-hour 96 kHz stereo file.

Run from the repository root::

    python bench/analysis/run.py            # everything, writes bench/analysis/results.md
    python bench/analysis/run.py --quick    # 3-minute tracks only
"""

from __future__ import annotations

import os

# One core: single-threaded BLAS/FFT before numpy is imported, pinned to one CPU.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import av  # noqa: E402
import numpy as np  # noqa: E402
import scipy  # noqa: E402

from sonantica_core.analysis import PipelineStats, run_analyzers  # noqa: E402
from sonantica_core.contract import Analyzer  # noqa: E402
from sonantica_core.testing.signals import melody, song, write_audio, write_audio_stream  # noqa: E402

HERE = Path(__file__).resolve().parent
LRA_NOTE = (
    "\nFFmpeg prints I and LRA to 0.1 LU, so |Δ| ≤ 0.05 is agreement to its precision. Target: within 0.1 LU. "
    "LRA is the spread between the 10th and 95th percentiles of 3 s loudness; on these songs the 10th "
    "percentile falls on the step between the quiet intro (about -29 LUFS) and the verses (about -18.5), "
    "where one percent of the values moves it by about 1 LU, so the two meters' ways of taking a percentile "
    "(ours: nearest rank, as libebur128; FFmpeg: a 0.1 LU histogram) part by up to 0.7 LU. On the EBU 3342 "
    "signals below, and on the 2-hour file, both give the same values.\n"
)
#: (case, rate, [(dBFS, seconds)...], metric, expected)
EBU_CASES = [
    ("3341 case 1", 48000, [(-23, 20)], "I", -23.0),
    ("3341 case 2", 44100, [(-33, 20)], "I", -33.0),
    ("3341 case 3", 96000, [(-36, 10), (-23, 60), (-36, 10)], "I", -23.0),
    ("3341 case 4", 48000, [(-72, 10), (-36, 10), (-23, 60), (-36, 10), (-72, 10)], "I", -23.0),
    ("3341 case 5", 44100, [(-26, 20), (-20, 20.1), (-26, 20)], "I", -23.0),
    ("3342 case 1", 48000, [(-20, 20), (-30, 20)], "LRA", 10),
    ("3342 case 2", 48000, [(-20, 20), (-15, 20)], "LRA", 5),
    ("3342 case 3", 44100, [(-40, 20), (-20, 20)], "LRA", 20),
    ("3342 case 4", 96000, [(-50, 20), (-35, 20), (-20, 20), (-35, 20), (-50, 20)], "LRA", 15),
]
TRACK_SECONDS = 180.0
LONG_SECONDS = 7200.0


def analyzers() -> list[Analyzer]:
    from sonantica_fingerprint import FingerprintAnalyzer
    from sonantica_key import KeyAnalyzer
    from sonantica_loudness import LoudnessAnalyzer
    from sonantica_tempo import TempoAnalyzer
    from sonantica_waveform import WaveformAnalyzer

    return [LoudnessAnalyzer(), TempoAnalyzer(), KeyAnalyzer(), WaveformAnalyzer(), FingerprintAnalyzer()]


def pin_to_one_core() -> str:
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError):
        return "not pinned"


# ---------------------------------------------------------------------------
# Generated material
# ---------------------------------------------------------------------------


def dynamic_song(seconds: float, rate: int, channels: int = 2, seed: int = 0) -> np.ndarray:
    """A song with a quiet intro, verses and a loud chorus (so gating and LRA have work)."""
    x = song(128, 9, "minor_i_iv_V_i", seconds, rate, "rock", seed=seed) + melody(9, seconds, rate, seed=seed)
    t = np.arange(len(x)) / rate
    level = np.interp(t, [0, 20, 21, 60, 61, 90, 91, seconds], [0.15, 0.15, 0.5, 0.5, 1.0, 1.0, 0.6, 0.6])
    x = (x * level).astype(np.float32)
    if channels == 2:
        return np.stack([x, 0.85 * x], axis=1)
    weights = [1.0, 0.85, 0.7, 0.3, 0.4, 0.4][:channels]
    return np.stack([x * w for w in weights], axis=1)


@dataclass
class Track:
    label: str
    path: Path
    seconds: float


def make_tracks(folder: Path) -> list[Track]:
    specs = [
        ("FLAC 16-bit 44.1 kHz stereo", 44100, 2, "flac", None),
        ("MP3 128 kb/s 44.1 kHz stereo", 44100, 2, "mp3", None),
        ("FLAC 24-bit 96 kHz stereo", 96000, 2, "flac24", None),
        ("FLAC 16-bit 48 kHz 5.1", 48000, 6, "flac", "5.1"),
        ("Opus 96 kb/s stereo", 48000, 2, "opus", None),
    ]
    tracks = []
    for i, (label, rate, channels, encoding, layout) in enumerate(specs):
        samples = dynamic_song(TRACK_SECONDS, rate, channels, seed=i)
        path = write_audio(folder / f"track{i}", samples, rate, encoding, layout=layout)
        tracks.append(Track(label, path, TRACK_SECONDS))
    return tracks


def make_long_file(folder: Path) -> Path:
    """Two hours of 96 kHz stereo FLAC, written a minute at a time."""
    rate = 96000
    minute = dynamic_song(60.0, rate, 2, seed=7)
    gains = np.random.default_rng(1).uniform(0.3, 1.0, int(LONG_SECONDS // 60))

    def chunks():
        for gain in gains:
            yield minute * np.float32(gain)

    return write_audio_stream(folder / "long", chunks(), rate, 2, "flac")


# ---------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------


def cpu_run(path: Path, selection: list[Analyzer], repeats: int) -> tuple[float, float, PipelineStats, dict]:
    """Median CPU and wall seconds of ``run_analyzers`` (one core), with the last stats and results."""
    cpu, wall = [], []
    stats, results = PipelineStats(), {}
    for _ in range(repeats):
        stats = PipelineStats()
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        results = run_analyzers(path, 1, selection, stats=stats)
        cpu.append(time.process_time() - started_cpu)
        wall.append(time.perf_counter() - started_wall)
    return statistics.median(cpu), statistics.median(wall), stats, results


def ffmpeg_ebur128(path: Path) -> dict[str, float]:
    """FFmpeg's own reading, with its CPU time (single-threaded decode and filter)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    out = subprocess.run(
        ["ffmpeg", "-nostats", "-hide_banner", "-threads", "1", "-i", str(path),
         "-filter_complex", "ebur128=peak=true:framelog=verbose", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = out[out.rfind("Summary:") :]

    def value(label: str) -> float:
        match = re.search(rf"{label}:\s+(-?[\d.]+|-inf)", summary)
        return float(match.group(1)) if match else float("nan")

    return {
        "I": value("I"),
        "LRA": value("LRA"),
        "TP": value("Peak"),
        "cpu": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        "wall": wall,
    }


def fpcalc_cpu(path: Path) -> float | None:
    if shutil.which("fpcalc") is None:
        return None
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(["fpcalc", str(path)], capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def peak_rss_kb() -> int:
    """High-water mark of this process's resident memory, in KiB.

    ``/proc/self/status`` VmHWM belongs to the process's own address space; the
    ``ru_maxrss`` of a child started by fork + exec also counts the parent's
    memory at the fork, which is not the analysis's.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def long_file_child(path: str) -> None:
    """Entry of the child process that analyses the long file and reports its peak RSS."""
    pin_to_one_core()
    stats = PipelineStats()
    started = time.process_time()
    results = run_analyzers(path, 1, analyzers(), stats=stats)
    cpu = time.process_time() - started
    peak_kb = peak_rss_kb()
    loudness = results["loudness"]
    print(json.dumps({
        "cpu": cpu,
        "peak_rss_mb": peak_kb / 1024,
        "frames": stats.decode.frames,
        "max_block_frames": stats.max_block_frames,
        "errors": {k: repr(v) for k, v in results.items() if isinstance(v, Exception)},
        "I": loudness.features["loudness_lufs"] if not isinstance(loudness, Exception) else None,
        "LRA": loudness.features["loudness_range_lu"] if not isinstance(loudness, Exception) else None,
        "TP": loudness.features["true_peak_dbtp"] if not isinstance(loudness, Exception) else None,
        "analyzer_seconds": stats.analyzer_seconds,
        "decode_seconds": stats.decode_seconds,
        "derive_seconds": stats.derive_seconds,
    }))  # fmt: skip


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    return f"{value:.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip the 2-hour file")
    parser.add_argument("--repeats", type=int, default=2, help="runs per measurement (median)")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    parser.add_argument("--workdir", type=Path, default=None, help="keep generated files here")
    args = parser.parse_args()

    pinned = pin_to_one_core()
    folder = args.workdir or Path(tempfile.mkdtemp(prefix="sonantica-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    have_ffmpeg = shutil.which("ffmpeg") is not None
    print(f"generating tracks in {folder} ...", flush=True)
    tracks = make_tracks(folder)
    names = [a.name for a in analyzers()]

    lines: list[str] = []
    add = lines.append
    add("# Analysis benchmark results\n")
    add(f"Generated by `python bench/analysis/run.py{' --quick' if args.quick else ''}` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.\n")  # fmt: skip
    add(f"* Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs ({pinned}); "
        f"Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"PyAV {av.__version__}; single-threaded BLAS/FFT.")  # fmt: skip
    add(
        "* Times are CPU seconds of the process (median of "
        f"{args.repeats} runs), so other load on the machine does not inflate them; "
        "real-time factor = audio seconds / CPU seconds on one core."
    )
    add(
        "* Material: generated 3-minute songs (drums, chords, bass, melody; a quiet intro, verses, "
        "a loud chorus) in several formats. See README.md.\n"
    )

    # -- whole set and per analyzer ---------------------------------------
    add("## Real-time factor on one core (3-minute tracks)\n")
    add("Whole set = one decode feeding all five analyzers. *Alone* = decode plus that analyzer only. "
        "*Share* = CPU seconds inside that analyzer during the whole-set run.\n")  # fmt: skip
    header = (
        "| track | whole set (×RT) | decode+derive s | " + " | ".join(f"{n} share s / alone ×RT" for n in names) + " |"
    )
    add(header)
    add("|" + "---|" * (3 + len(names)))
    totals = []
    loudness_rows = []
    for track in tracks:
        print(f"  {track.label}: whole set", flush=True)
        cpu, wall, stats, results = cpu_run(track.path, analyzers(), args.repeats)
        failures = {k: v for k, v in results.items() if isinstance(v, Exception)}
        if failures:
            raise SystemExit(f"{track.label}: analyzers failed: {failures}")
        totals.append((track, cpu))
        cells = []
        for analyzer in analyzers():
            alone_cpu, _, _, _ = cpu_run(track.path, [analyzer], args.repeats)
            cells.append(f"{stats.analyzer_seconds[analyzer.name]:.2f} / {track.seconds / alone_cpu:.0f}×")
        add(f"| {track.label} | **{track.seconds / cpu:.0f}×** ({cpu:.2f} s CPU, {wall:.2f} s wall) | "
            f"{stats.decode_seconds + stats.derive_seconds:.2f} | " + " | ".join(cells) + " |")  # fmt: skip
        loud = results["loudness"].features
        reference = ffmpeg_ebur128(track.path) if have_ffmpeg else None
        loud_cpu, _, _, _ = cpu_run(track.path, [analyzers()[0]], args.repeats)
        fp_cpu = fpcalc_cpu(track.path)
        loudness_rows.append((track, loud, reference, loud_cpu, fp_cpu, results))
    whole = sum(t.seconds for t, _ in totals) / sum(c for _, c in totals)
    add(f"\nAll five tracks together: **{whole:.0f}× real time** on one core (target ≥ 50×).\n")

    # -- loudness beside ffmpeg ------------------------------------------
    add("## Loudness beside FFmpeg `ebur128=peak=true` (same files, same run)\n")
    add("| track | I (LUFS) ours / ffmpeg | Δ LU | LRA (LU) ours / ffmpeg | true peak (dBTP) ours / ffmpeg "
        "| CPU s: ours (decode+loudness) / ffmpeg |")  # fmt: skip
    add("|---|---|---|---|---|---|")
    for track, loud, reference, loud_cpu, _, _ in loudness_rows:
        if reference is None:
            add(f"| {track.label} | {fmt(loud['loudness_lufs'], 2)} / – | – | {fmt(loud['loudness_range_lu'])} / – "
                f"| {fmt(loud['true_peak_dbtp'], 2)} / – | {loud_cpu:.2f} / – |")  # fmt: skip
            continue
        delta = loud["loudness_lufs"] - reference["I"]
        add(f"| {track.label} | {loud['loudness_lufs']:.2f} / {reference['I']:.1f} | {delta:+.2f} "
            f"| {fmt(loud['loudness_range_lu'])} / {fmt(reference['LRA'])} "
            f"| {fmt(loud['true_peak_dbtp'], 2)} / {fmt(reference['TP'])} "
            f"| {loud_cpu:.2f} / {reference['cpu']:.2f} |")  # fmt: skip
    add(LRA_NOTE)

    # -- EBU test signals ---------------------------------------------------
    if have_ffmpeg:
        add("## EBU Tech 3341 / 3342 signals, generated (1 kHz stereo sines), beside FFmpeg\n")
        add("| case | expected | ours | ffmpeg |")
        add("|---|---|---|---|")
        for case, rate, parts, metric, expected in EBU_CASES:
            t = np.concatenate([
                (10 ** (level / 20) * np.sin(2 * np.pi * 1000 * np.arange(round(rate * secs)) / rate))
                for level, secs in parts
            ]).astype(np.float32)  # fmt: skip
            path = write_audio(folder / "ebu", np.stack([t, t], axis=1), rate, "flac24")
            ours = run_analyzers(path, 1, [analyzers()[0]])["loudness"].features
            reference = ffmpeg_ebur128(path)
            mine = ours["loudness_lufs"] if metric == "I" else ours["loudness_range_lu"]
            add(f"| {case} ({rate // 1000} kHz) | {metric} {expected} | {mine:.2f} | {reference[metric]:.1f} |")
        add("")

    # -- other outputs ------------------------------------------------------
    add("## What the analyzers found\n")
    add("Truth: 128 BPM, A minor (8A). Fingerprint CPU beside `fpcalc` (first 120 s, its default).\n")
    add("| track | bpm (confidence) | key (confidence) | waveform | fingerprint words | fpcalc CPU s |")
    add("|---|---|---|---|---|---|")
    for track, _, _, _, fp_cpu, results in loudness_rows:
        tempo, key = results["tempo"].features, results["key"].features
        wave = json.loads(results["waveform"].artifacts["waveform.json"])
        fp = results["fingerprint"].fingerprint or []
        add(f"| {track.label} | {tempo['bpm']} ({tempo['bpm_confidence']}) | {key['key']} {key['mode']} "
            f"{key['camelot_key']} ({key['key_confidence']}) | {wave['length']} px × {wave['channels']} ch "
            f"@ {wave['samples_per_pixel']} spp | {len(fp)} | {fmt(fp_cpu, 2)} |")  # fmt: skip

    # -- long file ----------------------------------------------------------
    if not args.quick:
        print("generating the 2-hour 96 kHz file ...", flush=True)
        long_path = make_long_file(folder)
        size_mb = long_path.stat().st_size / 1e6
        print("analysing it in a child process ...", flush=True)
        child = subprocess.run(
            [sys.executable, __file__, "--long-child", str(long_path)], capture_output=True, text=True, check=True
        )
        report = json.loads(child.stdout.strip().splitlines()[-1])
        if report["errors"]:
            raise SystemExit(f"long file: analyzers failed: {report['errors']}")
        add("\n## Two hours of 96 kHz stereo (FLAC, "
            f"{size_mb:.0f} MB; 1.38 billion samples, 5.5 GB as float32)\n")  # fmt: skip
        add("| measure | value | target |")
        add("|---|---|---|")
        add(f"| peak RSS of the worker process (all five analyzers; VmHWM) | **{report['peak_rss_mb']:.0f} MB** "
            "| ≤ 500 MB |")  # fmt: skip
        add(f"| CPU time, one core | {report['cpu']:.0f} s ({LONG_SECONDS / report['cpu']:.0f}× real time) | |")
        add(f"| largest block handed to an analyzer | {report['max_block_frames']} frames | |")
        shares = ", ".join(f"{k} {v:.0f} s" for k, v in report["analyzer_seconds"].items())
        add(f"| CPU by part | decode {report['decode_seconds']:.0f} s, derive {report['derive_seconds']:.0f} s, "
            f"{shares} | |")  # fmt: skip
        if have_ffmpeg:
            print("ffmpeg ebur128 on the long file ...", flush=True)
            reference = ffmpeg_ebur128(long_path)
            add(f"| integrated loudness, ours / ffmpeg | {report['I']:.2f} / {reference['I']:.1f} LUFS "
                f"(Δ {report['I'] - reference['I']:+.2f}) | ±0.1 LU |")  # fmt: skip
            add(f"| loudness range, ours / ffmpeg | {fmt(report['LRA'])} / {fmt(reference['LRA'])} LU | |")
            add(f"| true peak, ours / ffmpeg | {fmt(report['TP'], 2)} / {fmt(reference['TP'])} dBTP | |")
            add(f"| ffmpeg ebur128 CPU time | {reference['cpu']:.0f} s | |")
        if args.workdir is None:
            long_path.unlink()

    args.out.write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")
    if args.workdir is None:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--long-child":
        long_file_child(sys.argv[2])
    else:
        main()
