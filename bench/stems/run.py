"""Stems benchmark: real-time factor and peak memory per separator, and what a running
separation does to ranged streaming.

    .venv/bin/python bench/stems/run.py [--minutes 4 20] [--demucs-seconds 60] [--requests 300]

1. **Real-time factor on one core and peak memory** of a whole separation (decode, convert,
   chunks, separator, cross-fade, FLAC per stem) in a child process pinned to one CPU with one
   thread, on generated 4- and 20-minute tracks. The reference, in the same run: the same
   pipeline with a pass-through separator (decode + FLAC writing alone). Targets for the DSP
   separator: ≥ 10× real time, ≤ 1 GB.
   Demucs: a full-size HTDemucs (the htdemucs architecture, 4 sources) with random weights, so
   its compute is that of the real model, on an excerpt of ``--demucs-seconds`` (skipped
   without torch and demucs).
2. **Ranged streaming with a separation running**: p99 of 64 KiB ranged GETs from a web
   process without and with a DSP separation running in a worker process at the priority
   ``sonantica serve`` gives its workers (SCHED_IDLE, nice 19 autogroup). Target ≤ 1.2.

The machine's load average is printed beside every figure (a shared machine).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import httpx
import numpy as np
import soundfile

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(REPO), str(REPO / "plugins" / "sonantica-dspstems"), str(REPO / "plugins" / "sonantica-demucs")]

from sonantica_core.contract import StemSeparator  # noqa: E402

RATE = 44100
#: Rounds of the streaming measurement, with and without the separation, in turn.
ROUNDS = 5


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def write_track(path: Path, minutes: float) -> None:
    """A generated song (drums, bass, chords) of ``minutes``, written a minute at a time."""
    from sonantica_core.testing.signals import song

    minute = song(118, 9, "minor_i_iv_V_i", 60.0, rate=RATE, seed=3).astype(np.float64)
    stereo = np.stack([minute, 0.85 * np.roll(minute, 120)], axis=1) * 0.8
    with soundfile.SoundFile(str(path), "w", RATE, 2, format="FLAC", subtype="PCM_16") as out:
        whole, rest = divmod(minutes * 60.0, 60.0)
        for _ in range(int(whole)):
            out.write(stereo)
        out.write(stereo[: int(rest * RATE)])


class PassThrough(StemSeparator):
    """The reference: one stem, the input itself (the pipeline's own cost)."""

    name = "passthrough"
    stems = ("mix",)
    chunk_seconds = 30.0
    overlap_seconds = 1.0

    def separate(self, chunk: np.ndarray) -> Mapping[str, np.ndarray]:
        return {"mix": chunk}


def full_size_demucs() -> StemSeparator:
    """A DemucsSeparator around an untrained full-size HTDemucs (the compute of htdemucs)."""
    import torch
    from demucs.htdemucs import HTDemucs
    from sonantica_demucs.separator import DemucsSeparator
    from sonantica_demucs.weights import WeightsSource

    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = HTDemucs(sources=["drums", "bass", "other", "vocals"]).eval()
    folder = Path(tempfile.mkdtemp())
    args, kwargs = model._init_args_kwargs
    torch.save({"klass": HTDemucs, "args": args, "kwargs": kwargs, "state": model.state_dict()}, folder / "m.th")
    return DemucsSeparator(WeightsSource("file", folder / "m.th", "htdemucs"),
                           stems=("drums", "bass", "other", "vocals"), device="cpu")


def child(separator_name: str, source: str) -> None:
    """Run one separation here (pinned to one CPU) and print its figures as JSON."""
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    from sonantica_core.stems.pipeline import SeparationStats, separate_file

    if separator_name == "dsp":
        from sonantica_dspstems import DspSeparator

        separator: StemSeparator = DspSeparator()
    elif separator_name == "demucs":
        separator = full_size_demucs()
    else:
        separator = PassThrough()
    stats = SeparationStats()
    with tempfile.TemporaryDirectory() as out:
        cpu, wall = time.process_time(), time.perf_counter()
        sizes = separate_file(Path(source), separator, Path(out), stats=stats)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"cpu": cpu, "wall": wall, "peak": peak, "frames": stats.frames, "chunks": stats.chunks,
                      "bytes": sum(sizes.values())}))


def measure(separator: str, path: Path) -> dict[str, float]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, __file__, "--child", separator, str(path)], env=env, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ranged(url: str, size: int, requests: int) -> list[float]:
    rng = random.Random(3)
    found = []
    with httpx.Client() as client:
        for _ in range(requests):
            start = rng.randrange(0, size - 65536)
            began = time.perf_counter()
            answer = client.get(url, headers={"Range": f"bytes={start}-{start + 65535}"})
            found.append((time.perf_counter() - began) * 1000)
            assert answer.status_code == 206 and len(answer.content) == 65536
    return found


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) >= 100 else max(values)


def streaming(track: Path, requests: int) -> list[str]:
    from sonantica_core.embedded.process import lower_priority

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    server = subprocess.Popen([sys.executable, str(HERE / "server.py"), str(port), str(track)], env=env)
    url = f"http://127.0.0.1:{port}/orig"
    try:
        for _ in range(100):
            try:
                httpx.get(url, headers={"Range": "bytes=0-1"}, timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        size = track.stat().st_size
        ranged(url, size, 30)  # warm up
        worker = subprocess.Popen([sys.executable, __file__, "--child", "dsp", str(track)],
                                  env={**env, "OMP_NUM_THREADS": "1"}, stdout=subprocess.DEVNULL,
                                  preexec_fn=lower_priority(), start_new_session=True)
        idle: list[list[float]] = []
        busy: list[list[float]] = []
        loads: dict[str, str] = {}
        try:
            time.sleep(2.0)  # the separation is under way
            for _ in range(ROUNDS):  # in turn, so drifts of the machine fall on both sides
                worker.send_signal(signal.SIGCONT)
                time.sleep(0.5)
                loads["busy"] = load()
                busy.append(ranged(url, size, requests))
                assert worker.poll() is None, "the separation ended before the measurement did"
                worker.send_signal(signal.SIGSTOP)
                time.sleep(0.5)
                loads["idle"] = load()
                idle.append(ranged(url, size, requests))
        finally:
            worker.kill()
            worker.wait()
    finally:
        server.terminate()
        server.wait(10)
    p99_idle = statistics.median(pct(r, 99) for r in idle)
    p99_busy = statistics.median(pct(r, 99) for r in busy)
    p50_idle = statistics.median(statistics.median(r) for r in idle)
    p50_busy = statistics.median(statistics.median(r) for r in busy)
    return [
        f"## 64 KiB ranged GETs of an original, without / with a DSP separation in a worker ({ROUNDS} rounds "
        f"of {requests} each, in turn; the worker stopped with SIGSTOP for \"without\"; medians of the rounds)",
        "",
        "| | p50 | p99 | machine |",
        "|---|---|---|---|",
        f"| without | {p50_idle:.2f} ms | {p99_idle:.2f} ms | {loads['idle']} |",
        f"| with a separation | {p50_busy:.2f} ms | {p99_busy:.2f} ms | {loads['busy']} |",
        f"| ratio | {p50_busy / p50_idle:.2f}× | **{p99_busy / p99_idle:.2f}×** (target ≤ 1.2) | |",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[4.0, 20.0])
    parser.add_argument("--demucs-seconds", type=float, default=60.0, help="0: leave Demucs out")
    parser.add_argument("--requests", type=int, default=300, help="ranged GETs per side")
    parser.add_argument("--child", nargs=2, metavar=("SEPARATOR", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    lines = [f"# Stems benchmark ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, one core per "
             "separation)", "", "## Real-time factor on one core, peak memory", "",
             "| track | separator | CPU s | × real time | × the pass-through | peak RSS | machine |",
             "|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as folder:
        tracks = {}
        for minutes in args.minutes:
            tracks[minutes] = Path(folder) / f"{minutes:g}min.flac"
            write_track(tracks[minutes], minutes)
        runs = [(m, s) for m in args.minutes for s in ("passthrough", "dsp")]
        if args.demucs_seconds:
            try:
                import demucs.htdemucs  # noqa: F401
                import torch  # noqa: F401
            except ImportError:
                lines.append("| | demucs | skipped: torch or demucs not installed | | | | |")
            else:
                tracks[0] = Path(folder) / "excerpt.flac"
                write_track(tracks[0], args.demucs_seconds / 60.0)
                runs += [(0, "passthrough"), (0, "demucs")]
        reference: dict[float, float] = {}
        for minutes, separator in runs:
            machine = load()
            figures = measure(separator, tracks[minutes])
            seconds = figures["frames"] / RATE
            if separator == "passthrough":
                reference[minutes] = figures["cpu"]
            label = f"{minutes:g} min" if minutes else f"{args.demucs_seconds:g} s excerpt"
            name = {"dsp": "dsp (HPSS + REPET)", "demucs": "demucs (full-size htdemucs, random weights)",
                    "passthrough": "pass-through (reference)"}[separator]
            lines.append(
                f"| {label} | {name} | {figures['cpu']:.1f} | **{seconds / figures['cpu']:.1f}×** | "
                f"{figures['cpu'] / reference[minutes]:.2f}× | {figures['peak'] / 2**20:.0f} MiB | {machine} |"
            )
            print(lines[-1], flush=True)
        lines += ["", "Targets for dsp: ≥ 10× real time on one core, ≤ 1 GB (1024 MiB).", ""]
        lines += streaming(tracks[max(args.minutes)], args.requests)
        print("\n".join(lines[-8:]), flush=True)
    (HERE / "results.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
