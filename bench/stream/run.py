#!/usr/bin/env python3
"""Streaming benchmark: nginx vs Starlette ``FileResponse`` vs Sonántica's engine, in one run.

Everything listens on 127.0.0.1 and is driven by ``wrk`` (needs ``nginx`` and ``wrk`` on PATH:
``apt-get install -y nginx wrk``). Scenarios:

  a) random 64 KiB ranges over many 5-50 MB files, req/s        (-c 50)
  b) whole 40 MB file downloads, MB/s                           (-c 4)
  c) latency of 1 KiB ranges (≈ time to first byte), p50 / p99  (-c 50 and -c 200)
  d) p99 of c) at 50 connections while two nice-19 CPU burners busy both cores, over idle
  d') the same with the burners in the SCHED_IDLE class (chrt -i 0) instead of nice 19

plus the front-proxy paths through ``docs/deploy/nginx.conf`` for a) and b): X-Accel-Redirect
(nginx → Python authenticates → nginx sends) and secure_link URLs (nginx alone).

Usage: ``python bench/stream/run.py [--duration 4] [--configs ...]``; results are printed and
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
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(HERE), str(REPO)]

from nginxconf import Nginx, render_server  # noqa: E402

from sonantica_core.streaming import sign_media_url  # noqa: E402

SECRET = "bench-secret"
PORTS = {"nginx": 18080, "proxy": 18081, "upstream": 18090, "app": 18091}

LUA = r"""
local paths = {%(paths)s}
local sizes = {%(sizes)s}
local span = %(span)d
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
  if span == 0 then
    return wrk.format("GET", paths[i])
  end
  local s = math.random(0, sizes[i] - span)
  return wrk.format("GET", paths[i], {["Range"] = "bytes=" .. s .. "-" .. (s + span - 1)})
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


def make_media(directory: Path, count: int, seed: int = 1) -> dict[str, int]:
    """``count`` files of 5–50 MB plus ``whole40.flac`` (40 MB), random bytes."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    files = {f"t{i:02d}.flac": rng.randint(5, 50) * 1024 * 1024 for i in range(count)}
    files["whole40.flac"] = 40 * 1024 * 1024
    for name, size in files.items():
        path = directory / name
        if not path.exists() or path.stat().st_size != size:
            with open(path, "wb") as f:
                for _ in range(size // (1 << 20)):
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


def wrk(url: str, paths: list[str], sizes: list[int], span: int, conns: int, duration: float, workdir: Path) -> dict:
    script = workdir / "bench.lua"
    script.write_text(
        LUA
        % {
            "paths": ", ".join(json.dumps(p) for p in paths),
            "sizes": ", ".join(str(s) for s in sizes),
            "span": span,
        }
    )
    cmd = ["wrk", "-t", "2", "-c", str(conns), "-d", f"{duration:g}s", "--timeout", "10s", "-s", str(script), url]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"wrk failed: {proc.stderr or proc.stdout}")
    out = proc.stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("JSON"))
    r = json.loads(line[4:])
    secs = r["duration_us"] / 1e6
    r["rps"] = r["requests"] / secs
    r["mbps"] = r["bytes"] / secs / 1e6
    return r


def check(url: str, path: str, expect_status: int, expect_len: int) -> None:
    """One request with curl-like strictness before measuring anything."""
    import urllib.request

    req = urllib.request.Request(url + path, headers={"Range": "bytes=0-65535"})
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
    base: str, prefix: str, files: dict[str, int], duration: float, workdir: Path, full: bool, sign: bool = False
) -> dict:
    names = [n for n in files if n != "whole40.flac"]

    def path(name: str) -> str:
        p = prefix + name
        return sign_media_url(p, int(time.time()) + 3600, SECRET) if sign else p

    ranged = [path(n) for n in names]
    sizes = [files[n] for n in names]
    res: dict[str, dict] = {}
    res["a"] = wrk(base, ranged, sizes, 65536, 50, duration, workdir)
    res["b"] = wrk(base, [path("whole40.flac")], [files["whole40.flac"]], 0, 4, duration, workdir)
    if full:
        res["c50"] = wrk(base, ranged, sizes, 1024, 50, duration, workdir)
        res["c200"] = wrk(base, ranged, sizes, 1024, 200, duration, workdir)
        with cpu_burners():
            res["d"] = wrk(base, ranged, sizes, 1024, 50, duration, workdir)
        if shutil.which("chrt"):
            with cpu_burners(sched_idle=True):
                res["d_idle"] = wrk(base, ranged, sizes, 1024, 50, duration, workdir)
    for name, r in res.items():
        if r["errors"] or r["status_errors"]:
            print(f"  ! {name}: {r['errors']} socket errors, {r['status_errors']} bad statuses", flush=True)
    return res


def summarize(name: str, r: dict) -> str:
    parts = [f"a {r['a']['rps']:8.0f} req/s", f"b {r['b']['mbps']:7.0f} MB/s"]
    if "c50" in r:
        parts.append(f"c50 p50/p99 {r['c50']['p50_us'] / 1000:.2f}/{r['c50']['p99_us'] / 1000:.2f} ms")
        parts.append(f"c200 p50/p99 {r['c200']['p50_us'] / 1000:.2f}/{r['c200']['p99_us'] / 1000:.2f} ms")
        parts.append(f"busy p99 {r['d']['p99_us'] / 1000:.2f} ms")
    return f"{name:32s} " + "  ".join(parts)


def ratio(x: float, y: float) -> str:
    return f"{x / y:.2f}×" if y else "n/a"


def targets(results: dict) -> list[str]:
    """The issue's targets, checked for the best Sonántica configuration of this run."""
    ng = results["nginx"]
    naive = max(r["a"]["rps"] for k, r in results.items() if k.startswith("naive"))
    own = {k: r for k, r in results.items() if k.startswith("sonantica ")}
    if not own:
        return []
    best_name = max(own, key=lambda k: own[k]["a"]["rps"])
    b = own[best_name]
    rows = [
        ("a) ranges ≥ 0.15× nginx", b["a"]["rps"] / ng["a"]["rps"], 0.15, True),
        ("a) ranges ≥ 3× naive", b["a"]["rps"] / naive, 3.0, True),
        ("b) whole file ≥ 0.8× nginx", b["b"]["mbps"] / ng["b"]["mbps"], 0.8, True),
        ("c) p50 at 50 conns ≤ 10× nginx", b["c50"]["p50_us"] / ng["c50"]["p50_us"], 10, False),
        ("c) p99 at 50 conns ≤ 10× nginx", b["c50"]["p99_us"] / ng["c50"]["p99_us"], 10, False),
        ("c) p50 at 200 conns ≤ 10× nginx", b["c200"]["p50_us"] / ng["c200"]["p50_us"], 10, False),
        ("c) p99 at 200 conns ≤ 10× nginx", b["c200"]["p99_us"] / ng["c200"]["p99_us"], 10, False),
        ("d) busy (nice 19) p99 / idle p99 ≤ 1.2", b["d"]["p99_us"] / b["c50"]["p99_us"], 1.2, False),
    ]
    if "d_idle" in b:
        rows.append(
            ("d') busy (SCHED_IDLE) p99 / idle p99 ≤ 1.2", b["d_idle"]["p99_us"] / b["c50"]["p99_us"], 1.2, False)
        )
    for key, label in [("X-Accel", "X-Accel"), ("secure_link", "secure_link")]:
        for name, r in results.items():
            if name.startswith("front proxy") and key in name:
                rows.append((f"front proxy {label} a) ≥ 0.9× nginx", r["a"]["rps"] / ng["a"]["rps"], 0.9, True))
                rows.append((f"front proxy {label} b) ≥ 0.9× nginx", r["b"]["mbps"] / ng["b"]["mbps"], 0.9, True))
    out = [
        f"Targets, for the best configuration by a) ({best_name}):",
        "",
        "| target | measured | met |",
        "|---|---|---|",
    ]
    for label, value, bound, higher in rows:
        ok = value >= bound if higher else value <= bound
        out.append(f"| {label} | {value:.2f} | {'yes' if ok else 'NO'} |")
    return out


def write_report(results: dict, meta: dict, out: Path) -> str:
    ng = results["nginx"]
    lines = [
        "# Streaming benchmark results",
        "",
        f"{meta['when']} · {meta['cpus']} CPUs · {meta['nginx']} · {meta['wrk']} · Python {meta['python']} · "
        f"Hypercorn {meta['hypercorn']} · {meta['duration']} s per run · wrk -t 2.",
        "Ratios are to nginx in the same run (higher is better for a/b, lower for c/d latencies).",
        "",
        "| server | a) 64 KiB ranges req/s | ×nginx | ×naive | b) 40 MB MB/s | ×nginx |"
        " c) p50 c50 | p99 c50 | p50 c200 | p99 c200 | ×nginx (p50/p99 c50; p50/p99 c200) |"
        " d) busy p99 | busy/idle | d') SCHED_IDLE busy p99 | busy/idle |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    naive_best = max((r["a"]["rps"] for k, r in results.items() if k.startswith("naive")), default=0)
    for name, r in results.items():
        row = [name, f"{r['a']['rps']:.0f}", ratio(r["a"]["rps"], ng["a"]["rps"]), ratio(r["a"]["rps"], naive_best)]
        row += [f"{r['b']['mbps']:.0f}", ratio(r["b"]["mbps"], ng["b"]["mbps"])]
        if "c50" in r:
            c50, c200, d = r["c50"], r["c200"], r["d"]
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
            row += [f"{d['p99_us'] / 1000:.2f} ms", ratio(d["p99_us"], c50["p99_us"])]
            if "d_idle" in r:
                row += [f"{r['d_idle']['p99_us'] / 1000:.2f} ms", ratio(r["d_idle"]["p99_us"], c50["p99_us"])]
            else:
                row += ["–", "–"]
        else:
            row += ["–"] * 9
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", *targets(results)]
    text = "\n".join(lines) + "\n"
    out.write_text(text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per wrk run")
    parser.add_argument("--files", type=int, default=12, help="number of 5-50 MB files")
    parser.add_argument("--media", type=Path, default=Path(tempfile.gettempdir()) / "sonantica-bench-media")
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
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    args = parser.parse_args()
    for tool in ("nginx", "wrk"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found: apt-get install -y nginx wrk")

    files = make_media(args.media, args.files)
    work = Path(tempfile.mkdtemp(prefix="sonantica-bench-"))
    media = str(args.media)
    static = (
        f"server {{\n    listen 127.0.0.1:{PORTS['nginx']};\n    sendfile on;\n    tcp_nopush off;\n"
        f"    keepalive_requests 100000;\n    location /media/ {{ alias {media}/; }}\n}}\n"
    )
    proxy = render_server(
        listen=f"127.0.0.1:{PORTS['proxy']}", app=f"127.0.0.1:{PORTS['upstream']}", media_root=media, secret=SECRET
    )
    proxy = proxy.replace("keepalive_requests 10000;", "keepalive_requests 100000;")
    nginx = Nginx(work / "nginx", static + proxy, PORTS["nginx"], workers=os.cpu_count() or 1)
    results: dict[str, dict] = {}
    nginx.start()
    try:
        base = f"http://127.0.0.1:{PORTS['nginx']}"
        check(base, "/media/t00.flac", 206, 65536)
        results["nginx"] = scenarios(base, "/media/", files, args.duration, work, True)
        print(summarize("nginx", results["nginx"]), flush=True)
        for cfg in args.configs:
            app, workers, klass = cfg.split(":")
            server = Hypercorn(app, PORTS["app"], int(workers), klass, args.media)
            try:
                base = f"http://127.0.0.1:{PORTS['app']}"
                check(base, "/media/t00.flac", 206, 65536)
                name = f"{app} w{workers} {klass}"
                results[name] = scenarios(base, "/media/", files, args.duration, work, True)
                print(summarize(name, results[name]), flush=True)
            finally:
                server.stop()
        app, workers, klass = args.proxy_config.split(":")
        server = Hypercorn(app, PORTS["upstream"], int(workers), klass, args.media)
        try:
            base = f"http://127.0.0.1:{PORTS['proxy']}"
            check(base, "/accel/t00.flac", 206, 65536)
            name = f"front proxy: X-Accel ({app} w{workers} {klass})"
            results[name] = scenarios(base, "/accel/", files, args.duration, work, False)
            print(summarize(name, results[name]), flush=True)
        finally:
            server.stop()
        base = f"http://127.0.0.1:{PORTS['proxy']}"
        name = "front proxy: secure_link (nginx only)"
        results[name] = scenarios(base, "/s/music/", files, args.duration, work, False, sign=True)
        print(summarize(name, results[name]), flush=True)
    finally:
        nginx.stop()
        shutil.rmtree(work, ignore_errors=True)

    import hypercorn

    meta = {
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
