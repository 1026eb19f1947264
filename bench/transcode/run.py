"""Transcoding benchmark: real-time factor per core beside the ffmpeg command line, time to first
byte, and what 8 running transcodes do to ranged streaming of originals.

    .venv/bin/python bench/transcode/run.py [--seconds 30] [--ttfb 20] [--requests 300]

1. **Real-time factor per core**: seconds of audio per CPU second, for FLAC 44.1/16 and 96/24 →
   Opus 128 and MP3 V0, Sonántica's PyAV pipeline (one thread) beside ``ffmpeg -threads 1`` on the
   same files in the same run (CPU time of the child). Target: ≥ 0.9× ffmpeg.
2. **Time to first byte**: a transcode job started (probe, open, encoder set-up, first block
   written to its file, handed to the event loop) until the first bytes are readable, p50/p99 over
   ``--ttfb`` uncached starts; the HTTP request around it adds the stream route's usual cost.
   Target: ≤ 150 ms.
3. **Ranged originals with 8 transcodes running** in the same web process: p99 of 64 KiB ranged
   GETs without and with. Target: with / without ≤ 1.5.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import av
import httpx
import numpy as np
import soundfile

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))

from sonantica_core.transcode import Caps, Sink, TranscodeRequest, encode, plan_transcode, probe_source  # noqa: E402

TARGETS = {
    "Opus 128": ("opus", 128, ["-c:a", "libopus", "-b:a", "128k", "-f", "ogg"]),
    "MP3 V0": ("mp3", None, ["-c:a", "libmp3lame", "-q:a", "0", "-f", "mp3"]),
}


def music(seconds: float, rate: int, seed: int) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    rng = np.random.default_rng(seed)
    chord = sum(np.sin(2 * np.pi * f * t * (1 + 0.001 * np.sin(t))) for f in (196, 247, 294, 392))
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 0.5 * t) ** 2
    left = 0.12 * chord * envelope + 0.02 * rng.standard_normal(t.size)
    right = 0.12 * np.roll(chord, 300) * envelope + 0.02 * rng.standard_normal(t.size)
    return np.stack([left, right], axis=1)


def ours(path: str, fmt: str, kbps: int | None) -> float:
    plan = plan_transcode(TranscodeRequest(format=fmt, bitrate=kbps), Caps(kbps=kbps or 0), fmt, probe_source(path))
    assert plan is not None
    start = time.thread_time()
    encode(path, plan, Sink(lambda _d: None), threading.Event())
    return time.thread_time() - start


def bare(path: str, fmt: str, kbps: int | None) -> float:
    """The least PyAV can do: decode, encode, mux, nothing else (the same libraries as ours)."""
    codec = {"opus": "libopus", "mp3": "libmp3lame"}[fmt]
    start = time.thread_time()
    with av.open(path) as source, av.open(io.BytesIO(), "w", format="ogg" if fmt == "opus" else "mp3") as out:
        stream = out.add_stream(codec, rate=48_000 if fmt == "opus" else min(48_000, source.streams.audio[0].rate))
        if kbps:
            stream.codec_context.bit_rate = kbps * 1000
        else:
            stream.codec_context.qscale, stream.codec_context.global_quality = True, 0
        for frame in source.decode(audio=0):
            frame.pts = None
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return time.thread_time() - start


def ffmpeg(path: str, args: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(["ffmpeg", "-v", "error", "-threads", "1", "-i", path, *args, "-y", "/dev/null"], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def speed(files: dict[str, str], seconds: float) -> list[str]:
    rows = [
        "| source → output | Sonántica RTF/core | bare PyAV loop | ffmpeg CLI | ×ffmpeg | ×bare PyAV |",
        "|---|---|---|---|---|---|",
    ]
    for label, path in files.items():
        for target, (fmt, kbps, args) in TARGETS.items():
            mine = min(ours(path, fmt, kbps) for _ in range(2))
            least = min(bare(path, fmt, kbps) for _ in range(2))
            theirs = min(ffmpeg(path, args) for _ in range(2))
            rows.append(
                f"| {label} → {target} | {seconds / mine:.0f}× | {seconds / least:.0f}× | {seconds / theirs:.0f}× "
                f"| **{theirs / mine:.2f}×** | {least / mine:.2f}× |"
            )
            print(rows[-1], flush=True)
    return rows


async def ttfb(path: str, count: int) -> list[float]:
    from sonantica_core.transcode.job import Job

    info = probe_source(path)
    plan = plan_transcode(TranscodeRequest(format="opus", bitrate=128), Caps(kbps=128), "opus", info)
    assert plan is not None
    loop = asyncio.get_running_loop()
    found = []
    with tempfile.TemporaryDirectory() as folder:
        for n in range(count):
            done = asyncio.Event()
            start = time.perf_counter()
            info = probe_source(path)  # as a cache miss does (in its thread)
            job = Job(
                f"k{n:04d}",
                path,
                plan,
                Path(folder) / f"{n}.part",
                Path(folder) / f"{n}.opus",
                1,
                loop,
                lambda _j, d=done: d.set(),
            )
            job.start()
            await job.wait_beyond(0)
            found.append((time.perf_counter() - start) * 1000)
            job.cancel()
            await done.wait()
    return found


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="length of the generated sources")
    parser.add_argument("--ttfb", type=int, default=20, help="uncached transcode starts to time")
    parser.add_argument("--requests", type=int, default=300, help="ranged GETs per side")
    args = parser.parse_args()
    lines = [
        f"# Transcoding benchmark ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, {args.seconds:g} s sources)",
        "",
    ]
    with tempfile.TemporaryDirectory() as folder:
        files = {"FLAC 44.1/16": os.path.join(folder, "cd.flac"), "FLAC 96/24": os.path.join(folder, "hires.flac")}
        soundfile.write(files["FLAC 44.1/16"], music(args.seconds, 44_100, 1), 44_100, subtype="PCM_16")
        soundfile.write(files["FLAC 96/24"], music(args.seconds, 96_000, 2), 96_000, subtype="PCM_24")
        lines += ["## Real-time factor per core (one thread each)", "", *speed(files, args.seconds), ""]

        times = asyncio.run(ttfb(files["FLAC 44.1/16"], args.ttfb))
        lines += [
            "## Time to first byte (uncached, FLAC 44.1/16 → Opus 128)",
            "",
            f"p50 {statistics.median(times):.1f} ms, p99 {pct(times, 99):.1f} ms (target ≤ 150 ms)",
            "",
        ]
        print(lines[-2], flush=True)

        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        server = subprocess.Popen([sys.executable, str(HERE / "server.py"), str(port), files["FLAC 96/24"]], env=env)
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    httpx.get(url + "/stop", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            size = os.path.getsize(files["FLAC 96/24"])
            ranged(url + "/orig", size, 30)  # warm up
            idle = ranged(url + "/orig", size, args.requests)
            httpx.post(url + "/load?n=8")
            time.sleep(0.5)
            busy = ranged(url + "/orig", size, args.requests)
            httpx.post(url + "/stop", timeout=60)
        finally:
            server.terminate()
            server.wait(10)
        lines += [
            "## 64 KiB ranged GETs of an original, without / with 8 transcodes in the same process",
            "",
            "| | p50 | p99 |",
            "|---|---|---|",
            f"| without | {statistics.median(idle):.2f} ms | {pct(idle, 99):.2f} ms |",
            f"| with 8 transcodes | {statistics.median(busy):.2f} ms | {pct(busy, 99):.2f} ms |",
            f"| ratio | {statistics.median(busy) / statistics.median(idle):.2f}× | "
            f"**{pct(busy, 99) / pct(idle, 99):.2f}×** (target ≤ 1.5) |",
            "",
        ]
        print("\n".join(lines[-6:]), flush=True)
    (HERE / "results.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
