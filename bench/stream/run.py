#!/usr/bin/env python3
"""Streaming benchmark: nginx vs Starlette ``FileResponse`` vs Sonántica's engine vs the real server.

Everything listens on 127.0.0.1 and is driven by ``wrk`` (needs ``nginx`` and ``wrk`` on PATH:
``apt-get install -y nginx wrk``). Scenarios:

  a) random 64 KiB ranges over many 5-50 MB files, req/s        (-c 50)
  b) whole 40 MB file downloads, MB/s                           (-c 4)
  c) latency of 1 KiB ranges (≈ time to first byte), p50 / p99  (-c 50 and -c 200)
     (at 200, also one more connection timing its own sequential requests: the probe)
  d) p99 of c) at 50 connections while two nice-19 CPU burners busy both cores, over idle
  d') the same with the burners in the SCHED_IDLE class (chrt -i 0) instead of nice 19
  d'') real server only: c) at 50 connections while its own task workers analyse a backlog, against
      the same server with those workers stopped (SIGSTOP); five rounds each, in turn, medians compared

plus the front-proxy paths through ``docs/deploy/nginx.conf`` for a) and b): X-Accel-Redirect
(nginx → Python authenticates → nginx sends) and secure_link URLs (nginx alone). The real server
(``sonantica serve``, see ``realserver.py``) runs with WEB_WORKERS=1 and 2 on embedded services;
the last of those also measures its signed stream URLs and, with STREAM_MODE=accel, the proxy paths.

Usage: ``python bench/stream/run.py [--duration 4] [--configs ...] [--real 1 2]``; results are printed and
written to ``bench/stream/results.md`` (and ``results.json``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(HERE), str(REPO)]

from nginxconf import Nginx, render_server  # noqa: E402
from realserver import SECRET_KEY, RealServer, cpu_seconds, login, prepare, stream_urls  # noqa: E402

from sonantica_core.auth.signed_urls import secure_link_secret  # noqa: E402
from sonantica_core.streaming import sign_media_url  # noqa: E402

#: nginx's secure_link secret, derived from the real server's SECRET_KEY as the app derives it.
NGINX_SECRET = secure_link_secret(SECRET_KEY)
#: Rounds of d''): busy, then stopped task workers, in turn.
D_ROUNDS = 5
PORTS = {"nginx": 18080, "proxy": 18081, "upstream": 18090, "app": 18091}

LUA = r"""
local paths = {%(paths)s}
local sizes = {%(sizes)s}
local span = %(span)d
local extra = {%(headers)s}
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  math.randomseed(os.time() + 7919 * tid)
end
function request()
  local i = math.random(#paths)
  local h = {}
  for k, v in pairs(extra) do h[k] = v end
  if span > 0 then
    local s = math.random(0, sizes[i] - span)
    h["Range"] = "bytes=" .. s .. "-" .. (s + span - 1)
  end
  return wrk.format("GET", paths[i], h)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "JSON{\"requests\":%%d,\"duration_us\":%%d,\"bytes\":%%d,\"errors\":%%d,\"status_errors\":%%d," ..
    "\"p50_us\":%%d,\"p99_us\":%%d}\n",
    summary.requests, summary.duration, summary.bytes, e.connect + e.read + e.write + e.timeout,
    e.status, latency:percentile(50), latency:percentile(99)))
end
"""


WHOLE = "whole40.wav"


def _wav_header(data_bytes: int, rate: int = 44100, channels: int = 2, bits: int = 16) -> bytes:
    """A canonical 44-byte PCM WAV header for ``data_bytes`` of samples."""
    block = channels * bits // 8
    return (
        b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE"
        + b"fmt " + struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * block, block, bits)
        + b"data" + struct.pack("<I", data_bytes)
    )


def make_media(directory: Path, count: int, seed: int = 1) -> dict[str, int]:
    """``count`` WAV files of 5–50 MB plus ``whole40.wav`` (40 MB): real 16-bit stereo PCM (noise).

    Real audio files, so that the real server's scanner indexes them (each one's audio differs,
    so each is its own track); the other servers only see bytes.
    """
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    files = {f"t{i:02d}.wav": rng.randint(5, 50) * 1024 * 1024 for i in range(count)}
    files[WHOLE] = 40 * 1024 * 1024
    for name, size in files.items():
        path = directory / name
        if not path.exists() or path.stat().st_size != size:
            data = size - 44
            with open(path, "wb") as f:
                f.write(_wav_header(data))
                f.write(os.urandom(data % (1 << 20)))
                for _ in range(data // (1 << 20)):
                    f.write(os.urandom(1 << 20))
    return files


def wait_port(port: int, proc: subprocess.Popen[bytes] | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server on {port} exited with {proc.returncode}")
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def wait_free(port: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            return
        time.sleep(0.1)


class Hypercorn:
    """``hypercorn apps:<app>`` with ``workers`` workers of ``worker_class``."""

    def __init__(self, app: str, port: int, workers: int, worker_class: str, media: Path) -> None:
        self.port = port
        env = {**os.environ, "PYTHONPATH": f"{HERE}{os.pathsep}{REPO}", "BENCH_MEDIA": str(media)}
        cmd = [sys.executable, "-m", "hypercorn", f"apps:{app}", "--bind", f"127.0.0.1:{port}"]
        cmd += ["--workers", str(workers), "--worker-class", worker_class, "--keep-alive", "60"]
        self.proc = subprocess.Popen(cmd, env=env, cwd=HERE, stdout=subprocess.DEVNULL)
        wait_port(port, self.proc)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        wait_free(self.port)


def wrk(
    url: str,
    paths: list[str],
    sizes: list[int],
    span: int,
    conns: int,
    duration: float,
    workdir: Path,
    headers: dict[str, str] | None = None,
    with_probe: bool = False,
) -> dict:
    script = workdir / "bench.lua"
    script.write_text(
        LUA
        % {
            "paths": ", ".join(json.dumps(p) for p in paths),
            "sizes": ", ".join(str(s) for s in sizes),
            "span": span,
            "headers": ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in (headers or {}).items()),
        }
    )
    cmd = ["wrk", "-t", "2", "-c", str(conns), "-d", f"{duration:g}s", "--timeout", "10s", "-s", str(script), url]
    probe = Probe(url, paths[0], headers or {}, duration) if with_probe else None
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"wrk failed: {proc.stderr or proc.stdout}")
    out = proc.stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("JSON"))
    r = json.loads(line[4:])
    secs = r["duration_us"] / 1e6
    r["rps"] = r["requests"] / secs
    r["mbps"] = r["bytes"] / secs / 1e6
    if probe is not None:
        r.update(probe.result())
    return r


class Probe:
    """One more connection during a wrk run, timing its own sequential 1 KiB ranged requests.

    On 2 cores, wrk's latency at many connections includes wrk's own lateness (its threads
    share the cores with the server); the probe sees what one more player would see."""

    def __init__(self, url: str, path: str, headers: dict[str, str], duration: float) -> None:
        import threading
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        self.address = (parts.hostname or "127.0.0.1", parts.port or 80)
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.request = f"GET {path} HTTP/1.1\r\nHost: bench\r\nRange: bytes=0-1023\r\n{extra}\r\n".encode()
        self.duration = duration
        self.latencies: list[float] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        time.sleep(min(1.0, self.duration / 4))  # once wrk's connections are up
        end = time.monotonic() + self.duration * 0.6
        with socket.create_connection(self.address) as sock:
            while time.monotonic() < end:
                started = time.perf_counter()
                sock.sendall(self.request)
                data = b""
                while b"\r\n\r\n" not in data:
                    data += sock.recv(65536)
                head, _, body = data.partition(b"\r\n\r\n")
                fields = (line.partition(b":") for line in head.split(b"\r\n")[1:])
                length = next(int(v) for k, _, v in fields if k.strip().lower() == b"content-length")
                while len(body) < length:
                    body += sock.recv(65536)
                self.latencies.append(time.perf_counter() - started)

    def result(self) -> dict:
        self.thread.join()
        values = sorted(self.latencies) or [0.0]
        return {
            "probe_n": len(self.latencies),
            "probe_p50_us": values[len(values) // 2] * 1e6,
            "probe_p99_us": values[min(len(values) - 1, int(len(values) * 0.99))] * 1e6,
        }


def check(url: str, path: str, expect_status: int, expect_len: int, headers: dict[str, str] | None = None) -> None:
    """One request with curl-like strictness before measuring anything."""
    import urllib.request

    req = urllib.request.Request(url + path, headers={"Range": "bytes=0-65535", **(headers or {})})
    with urllib.request.urlopen(req, timeout=10) as resp:
        body = resp.read()
    if resp.status != expect_status or len(body) != expect_len:
        raise RuntimeError(f"{url}{path}: {resp.status}, {len(body)} bytes")


@contextlib.contextmanager
def cpu_burners(n: int = 2, sched_idle: bool = False):
    """``n`` CPU-bound processes at nice 19, or (``sched_idle``) in the SCHED_IDLE class."""
    prefix = ["chrt", "-i", "0"] if sched_idle else ["nice", "-n", "19"]
    procs = [subprocess.Popen([*prefix, sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    time.sleep(0.5)
    try:
        yield
    finally:
        for p in procs:
            p.kill()
            p.wait()


def scenarios(
    base: str,
    paths: dict[str, str],
    files: dict[str, int],
    duration: float,
    workdir: Path,
    full: bool,
    headers: dict[str, str] | None = None,
) -> dict:
    """a) and b), and with ``full`` c), d) and d'); ``paths`` maps each file name to its URL path."""
    names = [n for n in files if n != WHOLE]
    ranged = [paths[n] for n in names]
    sizes = [files[n] for n in names]
    res: dict[str, dict] = {}

    def run(span: int, conns: int, urls: list[str] = ranged, lengths: list[int] = sizes, probe: bool = False) -> dict:
        return wrk(base, urls, lengths, span, conns, duration, workdir, headers, with_probe=probe)

    res["a"] = run(65536, 50)
    res["b"] = run(0, 4, [paths[WHOLE]], [files[WHOLE]])
    if full:
        res["c50"] = run(1024, 50)
        res["c200"] = run(1024, 200, probe=True)
        with cpu_burners():
            res["d"] = run(1024, 50)
        if shutil.which("chrt"):
            with cpu_burners(sched_idle=True):
                res["d_idle"] = run(1024, 50)
    report_errors(res)
    return res


def report_errors(res: dict) -> None:
    for name, r in res.items():
        if r["errors"] or r["status_errors"]:
            print(f"  ! {name}: {r['errors']} socket errors, {r['status_errors']} bad statuses", flush=True)


def by_prefix(prefix: str, files: dict[str, int], sign: bool = False) -> dict[str, str]:
    """URL paths ``prefix + name``; with ``sign``, nginx secure_link URLs valid for an hour."""
    expires = int(time.time()) + 3600
    return {n: sign_media_url(prefix + n, expires, NGINX_SECRET) if sign else prefix + n for n in files}


def summarize(name: str, r: dict) -> str:
    parts = [f"a {r['a']['rps']:8.0f} req/s", f"b {r['b']['mbps']:7.0f} MB/s"]
    if "c50" in r:
        parts.append(f"c50 p50/p99 {r['c50']['p50_us'] / 1000:.2f}/{r['c50']['p99_us'] / 1000:.2f} ms")
        parts.append(f"c200 p50/p99 {r['c200']['p50_us'] / 1000:.2f}/{r['c200']['p99_us'] / 1000:.2f} ms")
        if "probe_p99_us" in r["c200"]:
            c = r["c200"]
            parts.append(f"(probe {c['probe_p50_us'] / 1000:.2f}/{c['probe_p99_us'] / 1000:.2f} ms)")
        parts.append(f"busy p99 {r['d']['p99_us'] / 1000:.2f} ms")
    return f"{name:32s} " + "  ".join(parts)


def ratio(x: float, y: float) -> str:
    return f"{x / y:.2f}×" if y else "n/a"


def targets(results: dict, name: str, title: str) -> list[str]:
    """The issue's targets, checked for the configuration ``name`` of this run."""
    ng = results["nginx"]
    naive = max((r["a"]["rps"] for k, r in results.items() if k.startswith("naive")), default=0)
    b = results[name]
    rows = [
        ("a) ranges ≥ 0.15× nginx", b["a"]["rps"] / ng["a"]["rps"], 0.15, True),
        *([("a) ranges ≥ 3× naive", b["a"]["rps"] / naive, 3.0, True)] if naive else []),
        ("b) whole file ≥ 0.8× nginx", b["b"]["mbps"] / ng["b"]["mbps"], 0.8, True),
        ("c) p50 at 50 conns ≤ 10× nginx", b["c50"]["p50_us"] / ng["c50"]["p50_us"], 10, False),
        ("c) p99 at 50 conns ≤ 10× nginx", b["c50"]["p99_us"] / ng["c50"]["p99_us"], 10, False),
        ("c) p50 at 200 conns ≤ 10× nginx", b["c200"]["p50_us"] / ng["c200"]["p50_us"], 10, False),
        ("c) p99 at 200 conns ≤ 10× nginx", b["c200"]["p99_us"] / ng["c200"]["p99_us"], 10, False),
        ("d) busy (nice 19) p99 / idle p99 ≤ 1.2", b["d"]["p99_us"] / b["c50"]["p99_us"], 1.2, False),
    ]
    if "probe_p99_us" in b["c200"] and ng["c200"].get("probe_p99_us"):
        for stat in ("p50", "p99"):
            rows.append(
                (
                    f"c) {stat} at 200 conns, one more connection's own requests (probe) ≤ 10× nginx's",
                    b["c200"][f"probe_{stat}_us"] / ng["c200"][f"probe_{stat}_us"],
                    10,
                    False,
                )
            )
    if "d_idle" in b:
        rows.append(
            ("d') busy (SCHED_IDLE) p99 / idle p99 ≤ 1.2", b["d_idle"]["p99_us"] / b["c50"]["p99_us"], 1.2, False)
        )
    if "d_workers" in b:
        cores = b["d_workers"]["worker_cores"]
        rows.append(
            (
                f"d'') its own task workers busy ({cores:.2f} cores) / stopped, median p99 of {D_ROUNDS} rounds ≤ 1.2",
                b["d_workers"]["p99_us"] / b["d_workers"]["idle_p99_us"],
                1.2,
                False,
            )
        )
    out = [title, "", "| target | measured | met |", "|---|---|---|"]
    for label, value, bound, higher in rows:
        ok = value >= bound if higher else value <= bound
        out.append(f"| {label} | {value:.2f} | {'yes' if ok else 'NO'} |")
    return out


def proxy_targets(results: dict) -> list[str]:
    """Front proxy: a) and b) ≥ 0.9× nginx, for every front-proxy configuration of this run."""
    ng = results["nginx"]
    out = ["Front proxy targets:", "", "| target | measured | met |", "|---|---|---|"]
    for name, r in results.items():
        if not name.startswith("front proxy"):
            continue
        for label, value in [("a)", r["a"]["rps"] / ng["a"]["rps"]), ("b)", r["b"]["mbps"] / ng["b"]["mbps"])]:
            out.append(f"| {name[13:]} {label} ≥ 0.9× nginx | {value:.2f} | {'yes' if value >= 0.9 else 'NO'} |")
    return out


def write_report(results: dict, meta: dict, out: Path) -> str:
    ng = results["nginx"]
    lines = [
        "# Streaming benchmark results",
        "",
        f"{meta['when']} · {meta['cpus']} CPUs · load average before the run {meta.get('load', '?')} · "
        f"{meta['nginx']} · {meta['wrk']} · Python {meta['python']} · "
        f"Hypercorn {meta['hypercorn']} · {meta['duration']} s per run · wrk -t 2.",
        "Ratios are to nginx in the same run (higher is better for a/b, lower for c/d latencies).",
        "",
        "| server | a) 64 KiB ranges req/s | ×nginx | ×naive | b) 40 MB MB/s | ×nginx |"
        " c) p50 c50 | p99 c50 | p50 c200 | p99 c200 | ×nginx (p50/p99 c50; p50/p99 c200) |"
        " d) busy p99 | busy/idle | d') SCHED_IDLE busy p99 | busy/idle | d'') task workers busy p99 | busy/idle |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    naive_best = max((r["a"]["rps"] for k, r in results.items() if k.startswith("naive")), default=0)
    for name, r in results.items():
        row = [name, f"{r['a']['rps']:.0f}", ratio(r["a"]["rps"], ng["a"]["rps"]), ratio(r["a"]["rps"], naive_best)]
        row += [f"{r['b']['mbps']:.0f}", ratio(r["b"]["mbps"], ng["b"]["mbps"])]
        if "c50" in r:
            c50, c200 = r["c50"], r["c200"]
            row += [f"{c50['p50_us'] / 1000:.2f} ms", f"{c50['p99_us'] / 1000:.2f} ms"]
            row += [f"{c200['p50_us'] / 1000:.2f} ms", f"{c200['p99_us'] / 1000:.2f} ms"]
            row.append(
                " / ".join(
                    ratio(x, y)
                    for x, y in [
                        (c50["p50_us"], ng["c50"]["p50_us"]),
                        (c50["p99_us"], ng["c50"]["p99_us"]),
                        (c200["p50_us"], ng["c200"]["p50_us"]),
                        (c200["p99_us"], ng["c200"]["p99_us"]),
                    ]
                )
            )
            for key in ("d", "d_idle", "d_workers"):
                if key in r:
                    idle = r[key].get("idle_p99_us", c50["p99_us"])  # d'') has its own idle rounds
                    row += [f"{r[key]['p99_us'] / 1000:.2f} ms", ratio(r[key]["p99_us"], idle)]
                else:
                    row += ["–", "–"]
        else:
            row += ["–"] * 11
        lines.append("| " + " | ".join(row) + " |")
    own = {k: r for k, r in results.items() if k.startswith("sonantica ")}
    if own:
        best = max(own, key=lambda k: own[k]["a"]["rps"])
        lines += ["", *targets(results, best, f"Targets, for the best bare-engine configuration by a) ({best}):")]
    for name in results:
        if name.startswith("real server") and "c50" in results[name]:
            lines += ["", *targets(results, name, f"Targets, for the real server ({name}):")]
    lines += ["", *proxy_targets(results)]
    text = "\n".join(lines) + "\n"
    out.write_text(text)
    return text


def wait_workers_busy(server: RealServer, cores: float = 0.8, timeout: float = 60) -> float:
    """Wait until the server's task workers use ``cores`` CPUs (the analysis backlog runs); returns the rate."""
    deadline = time.monotonic() + timeout
    rate = 0.0
    while time.monotonic() < deadline:
        procs = server.task_workers()
        before = cpu_seconds(procs)
        time.sleep(1.0)
        rate = cpu_seconds(procs) - before
        if rate >= cores:
            break
    return rate


def real_server(
    args: argparse.Namespace, files: dict[str, int], work: Path, results: dict, web_workers: int, proxies: bool
) -> None:
    """The real server with ``web_workers`` web processes: all scenarios; d'') with its own task workers busy.

    With ``proxies``, also signed stream URLs (Python sends the bytes) and, restarted with
    ``STREAM_MODE=accel`` behind the deployment nginx config, X-Accel-Redirect and secure_link URLs.
    """
    data = Path(tempfile.mkdtemp(prefix="sonantica-bench-real-")) / "data"
    name = f"real server w{web_workers}"
    names = list(files)
    try:
        server = RealServer(data, args.media, PORTS["app"], web_workers, workers=0)
        try:
            library = prepare(server, args.media, names)
            paths = {n: f"/api/stream/{i}" for n, i in library.ids.items()}
            check(server.url, paths["t00.wav"], 206, 65536, library.headers)
            results[name] = scenarios(server.url, paths, files, args.duration, work, True, library.headers)
            print(summarize(name, results[name]), flush=True)
            if proxies:
                signed = stream_urls(server, library)
                check(server.url, signed["t00.wav"], 206, 65536)
                label = f"{name}, signed stream URLs"
                results[label] = scenarios(server.url, signed, files, args.duration, work, False)
                print(summarize(label, results[label]), flush=True)
        finally:
            server.stop()
        # d'') the same server with two task workers (both cores) on the analysis backlog of the scan:
        # c) at 50 connections with the workers running, then with them stopped (SIGSTOP), in turn,
        # on the same warm server and connections' paths; the medians of the rounds are compared.
        server = RealServer(data, args.media, PORTS["app"], web_workers, workers=2)
        try:
            library = login(server, names)
            ranged = [paths[n] for n in names if n != WHOLE]
            sizes = [files[n] for n in names if n != WHOLE]
            wrk(server.url, ranged, sizes, 1024, 50, args.duration, work, library.headers)  # warm, like c50 was
            warm = wait_workers_busy(server)
            procs = [q for p in server.task_workers() for q in (p, *p.children(recursive=True))]
            busy, idle = [], []
            try:
                for _ in range(D_ROUNDS):
                    before, started = cpu_seconds(procs), time.monotonic()
                    r = wrk(server.url, ranged, sizes, 1024, 50, args.duration, work, library.headers)
                    r["worker_cores"] = (cpu_seconds(procs) - before) / (time.monotonic() - started)
                    busy.append(r)
                    for proc in procs:
                        proc.suspend()
                    idle.append(wrk(server.url, ranged, sizes, 1024, 50, args.duration, work, library.headers))
                    for proc in procs:
                        proc.resume()
            finally:
                for proc in procs:
                    with contextlib.suppress(psutil.Error):
                        proc.resume()
            report_errors({f"d_workers_{i}": r for i, r in enumerate(busy + idle)})
            results[name]["d_workers"] = {
                "p99_us": statistics.median(r["p99_us"] for r in busy),
                "idle_p99_us": statistics.median(r["p99_us"] for r in idle),
                "busy_p99s_us": [r["p99_us"] for r in busy],
                "idle_p99s_us": [r["p99_us"] for r in idle],
                "worker_cores": statistics.median(r["worker_cores"] for r in busy),
                "worker_cores_before": warm,
            }
            d = results[name]["d_workers"]
            print(
                f"{name:32s} task workers busy ({warm:.2f} cores before, {d['worker_cores']:.2f} during):"
                f" c50 p99 busy {', '.join(f'{v / 1000:.1f}' for v in d['busy_p99s_us'])} ms,"
                f" stopped {', '.join(f'{v / 1000:.1f}' for v in d['idle_p99s_us'])} ms",
                flush=True,
            )
        finally:
            server.stop()
        if proxies:
            server = RealServer(data, args.media, PORTS["upstream"], web_workers, workers=0, STREAM_MODE="accel")
            try:
                library = login(server, names)
                base = f"http://127.0.0.1:{PORTS['proxy']}"
                check(base, paths["t00.wav"], 206, 65536, library.headers)
                label = f"front proxy: X-Accel ({name})"
                results[label] = scenarios(base, paths, files, args.duration, work, False, library.headers)
                print(summarize(label, results[label]), flush=True)
                links = stream_urls(server, library)
                if not links["t00.wav"].startswith("/s/music/"):
                    raise RuntimeError(f"expected a secure_link URL, got {links['t00.wav']}")
                check(base, links["t00.wav"], 206, 65536)
                label = f"front proxy: secure_link URLs from the {name} (nginx only)"
                results[label] = scenarios(base, links, files, args.duration, work, False)
                print(summarize(label, results[label]), flush=True)
            finally:
                server.stop()
    finally:
        shutil.rmtree(data.parent, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per wrk run")
    parser.add_argument("--files", type=int, default=12, help="number of 5-50 MB files")
    parser.add_argument("--media", type=Path, default=Path(tempfile.gettempdir()) / "sonantica-bench-audio")
    parser.add_argument(
        "--configs",
        nargs="*",
        default=[
            "naive:1:asyncio",
            "naive:2:asyncio",
            "sonantica:1:asyncio",
            "sonantica:1:uvloop",
            "sonantica:2:asyncio",
            "sonantica:2:uvloop",
            "sonantica_starlette:2:uvloop",
        ],
        help="APP:WORKERS:WORKER_CLASS to run under Hypercorn",
    )
    parser.add_argument("--proxy-config", default="sonantica:2:uvloop", help="the app behind the front proxy")
    parser.add_argument(
        "--real",
        nargs="*",
        type=int,
        default=[1, 2],
        help="WEB_WORKERS of the real-server runs (`sonantica serve`); the last also runs the proxy modes",
    )
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    args = parser.parse_args()
    for tool in ("nginx", "wrk"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found: apt-get install -y nginx wrk")

    files = make_media(args.media, args.files)
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    work = Path(tempfile.mkdtemp(prefix="sonantica-bench-"))
    media = str(args.media)
    static = (
        f"server {{\n    listen 127.0.0.1:{PORTS['nginx']};\n    sendfile on;\n    tcp_nopush off;\n"
        f"    keepalive_requests 100000;\n    location /media/ {{ alias {media}/; }}\n}}\n"
    )
    proxy = render_server(
        listen=f"127.0.0.1:{PORTS['proxy']}",
        app=f"127.0.0.1:{PORTS['upstream']}",
        media_root=media,
        secret=NGINX_SECRET,
    )
    proxy = proxy.replace("keepalive_requests 10000;", "keepalive_requests 100000;")
    nginx = Nginx(work / "nginx", static + proxy, PORTS["nginx"], workers=os.cpu_count() or 1)
    results: dict[str, dict] = {}
    nginx.start()
    try:
        base = f"http://127.0.0.1:{PORTS['nginx']}"
        check(base, "/media/t00.wav", 206, 65536)
        results["nginx"] = scenarios(base, by_prefix("/media/", files), files, args.duration, work, True)
        print(summarize("nginx", results["nginx"]), flush=True)
        for cfg in args.configs:
            app, workers, klass = cfg.split(":")
            server = Hypercorn(app, PORTS["app"], int(workers), klass, args.media)
            try:
                base = f"http://127.0.0.1:{PORTS['app']}"
                check(base, "/media/t00.wav", 206, 65536)
                name = f"{app} w{workers} {klass}"
                results[name] = scenarios(base, by_prefix("/media/", files), files, args.duration, work, True)
                print(summarize(name, results[name]), flush=True)
            finally:
                server.stop()
        app, workers, klass = args.proxy_config.split(":")
        server = Hypercorn(app, PORTS["upstream"], int(workers), klass, args.media)
        try:
            base = f"http://127.0.0.1:{PORTS['proxy']}"
            check(base, "/accel/t00.wav", 206, 65536)
            name = f"front proxy: X-Accel ({app} w{workers} {klass})"
            results[name] = scenarios(base, by_prefix("/accel/", files), files, args.duration, work, False)
            print(summarize(name, results[name]), flush=True)
        finally:
            server.stop()
        base = f"http://127.0.0.1:{PORTS['proxy']}"
        name = "front proxy: secure_link (nginx only)"
        signed = by_prefix("/s/music/", files, sign=True)
        results[name] = scenarios(base, signed, files, args.duration, work, False)
        print(summarize(name, results[name]), flush=True)
        for index, web_workers in enumerate(args.real):
            real_server(args, files, work, results, web_workers, proxies=index == len(args.real) - 1)
    finally:
        nginx.stop()
        shutil.rmtree(work, ignore_errors=True)

    import hypercorn

    meta = {
        "load": load,
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpus": os.cpu_count(),
        "nginx": subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip().split(": ")[-1],
        "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split(" [")[0],
        "python": sys.version.split()[0],
        "hypercorn": getattr(hypercorn, "__version__", "0.18"),
        "duration": args.duration,
    }
    (args.out.with_suffix(".json")).write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    print(write_report(results, meta, args.out))


if __name__ == "__main__":
    main()
