"""Soak: a bounded mixed load on a real ``sonantica serve``, watching errors, file descriptors and memory.

One server (embedded PostgreSQL and Redis, one web process, one task worker) on generated
FLAC files, and for ``--minutes`` (3 by default; ``--minutes 20`` is the full soak):

* players streaming with seeks (``Range`` requests at random offsets, read to the end of
  each range), some transcoding (``?profile=mobile``);
* a browser paging the library API (tracks, albums, artists, search);
* a rescan (``sonantica scan``) every minute, and an analysis request for a track now and then.

Reported: requests and errors (any 5xx, unexpected status, or failed connection), the server
processes' open file descriptors and RSS after the warm-up (the first 20 % of the time) and
at the end, as ratios end / warm-up (the figure to watch: ≤ 1.10 for RSS, 1.0 for fds).

    python bench/soak/run.py [--minutes 3] [--players 4]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import numpy as np
import psutil
import soundfile

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "stream"))

from realserver import ROOT, RealServer, prepare  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_media(folder: Path, count: int, seconds: float) -> list[str]:
    """``count`` FLAC files of ``seconds`` of tones, in artist/album folders."""
    names = []
    rate = 44_100
    t = np.arange(int(seconds * rate)) / rate
    for i in range(count):
        path = folder / f"Artist {i % 3}" / f"Album {i % 4}" / f"{i:02d} track.flac"
        path.parent.mkdir(parents=True, exist_ok=True)
        tone = 0.2 * np.sin(2 * np.pi * (220 + 30 * i) * t) + 0.05 * np.sin(2 * np.pi * 3 * t)
        soundfile.write(path, np.stack([tone, tone[::-1]], axis=1), rate, subtype="PCM_16", format="FLAC")
        names.append(path.name)
    return names


class Tally:
    """Requests and errors, from every load thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.errors: list[str] = []

    def record(
        self, kind: str, response: httpx.Response | None, ok: tuple[int, ...], error: str = "", body: bytes = b""
    ) -> None:
        with self.lock:
            self.requests[kind] += 1
            if response is None:
                self.errors.append(f"{kind}: {error}")
            elif response.status_code == 429 and kind == "transcode" and "retry-after" in response.headers:
                self.requests["transcode refused (429, the per-user limit)"] += 1  # as designed, not an error
            elif response.status_code not in ok:
                self.errors.append(f"{kind}: {response.status_code} {body[:200]!r}")


def _get(client: httpx.Client, tally: Tally, kind: str, url: str, ok: tuple[int, ...], **kw: object) -> None:
    first = b""
    try:
        with client.stream("GET", url, **kw) as response:  # type: ignore[arg-type]
            for chunk in response.iter_bytes(65536):
                first = first or chunk
    except httpx.HTTPError as exc:
        tally.record(kind, None, ok, f"{type(exc).__name__}: {exc}")
        return
    tally.record(kind, response, ok, body=first)


def player(
    base: str, headers: dict[str, str], ids: list[int], sizes: dict[int, int], tally: Tally, until: float
) -> None:
    rng = random.Random()
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        while time.monotonic() < until:
            track = rng.choice(ids)
            if rng.random() < 0.15:
                _get(client, tally, "transcode", f"/api/stream/{track}?profile=mobile", (200,))
                continue
            for _ in range(rng.randint(1, 4)):  # seeks within one track
                start = rng.randrange(0, max(1, sizes[track] - 1))
                end = min(sizes[track] - 1, start + rng.randint(1, 256 * 1024))
                _get(client, tally, "stream", f"/api/stream/{track}", (206,), headers={"Range": f"bytes={start}-{end}"})


def browser(base: str, headers: dict[str, str], tally: Tally, until: float) -> None:
    pages = ["/api/library/tracks?limit=50", "/api/library/albums", "/api/library/artists", "/api/search?q=track"]
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        while time.monotonic() < until:
            for page in pages:
                _get(client, tally, "browse", page, (200,))
            time.sleep(0.05)


def housekeeping(
    server: RealServer, media: Path, admin: dict[str, str], ids: list[int], tally: Tally, until: float
) -> None:
    """A rescan each minute; an analysis request now and then."""
    rng = random.Random(1)
    next_scan = time.monotonic() + 30
    with httpx.Client(base_url=server.url, headers=admin, timeout=30) as client:
        while time.monotonic() < until:
            if time.monotonic() >= next_scan:
                done = subprocess.run(
                    [sys.executable, "-m", "sonantica_core", "scan", f"{ROOT}={media}"],
                    env=server.env, capture_output=True, text=True, timeout=300,
                )
                with tally.lock:
                    tally.requests["rescan"] += 1
                    if done.returncode:
                        tally.errors.append(f"rescan: {done.stderr[-300:]}")
                next_scan = time.monotonic() + 60
            try:
                response = client.post(f"/api/tracks/{rng.choice(ids)}/analyze")
                tally.record("analyze", response, (200, 202, 409))
            except httpx.HTTPError as exc:
                tally.record("analyze", None, (), str(exc))
            time.sleep(5)


def server_processes(server: RealServer) -> list[psutil.Process]:
    root = psutil.Process(server.proc.pid)
    return [root, *root.children(recursive=True)]


def measure(server: RealServer) -> dict[str, float]:
    fds = rss = 0
    for proc in server_processes(server):
        with contextlib.suppress(psutil.Error):
            if "postgres" in proc.name() or "redis" in proc.name():
                continue  # the embedded services: not ours to leak
            fds += proc.num_fds()
            rss += proc.memory_info().rss
    return {"fds": fds, "rss_mb": rss / 2**20}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="length of the load (20: the full soak)")
    parser.add_argument("--players", type=int, default=4)
    parser.add_argument("--tracks", type=int, default=12)
    args = parser.parse_args()
    duration = args.minutes * 60
    with tempfile.TemporaryDirectory(prefix="sonantica-soak-") as tmp:
        base = Path(tmp)
        media = base / "music"
        names = make_media(media, args.tracks, 20.0)
        server = RealServer(base / "data", media, _free_port(), web_workers=1, workers=1)
        try:
            library = prepare(server, media, names)
            add = subprocess.run(
                [sys.executable, "-m", "sonantica_core", "user", "add", "soakadmin", "--admin", "--password-stdin"],
                input="an admin password for the soak\n", env=server.env, capture_output=True, text=True, timeout=120,
            )
            if add.returncode:
                raise RuntimeError(add.stderr)
            login = httpx.post(
                f"{server.url}/api/auth/login",
                json={"username": "soakadmin", "password": "an admin password for the soak"},
                timeout=10,
            )
            admin = {"Authorization": f"Bearer {login.json()['access_token']}"}
            ids = list(library.ids.values())
            sizes = {library.ids[n]: next(media.rglob(n)).stat().st_size for n in names}
            tally = Tally()
            start = time.monotonic()
            until = start + duration
            threads = [
                threading.Thread(target=player, args=(server.url, library.headers, ids, sizes, tally, until))
                for _ in range(args.players)
            ]
            threads.append(threading.Thread(target=browser, args=(server.url, library.headers, tally, until)))
            threads.append(threading.Thread(target=housekeeping, args=(server, media, admin, ids, tally, until)))
            for thread in threads:
                thread.start()
            time.sleep(duration * 0.2)
            warm = measure(server)
            samples = [warm]
            while time.monotonic() < until:
                time.sleep(min(10.0, max(0.0, until - time.monotonic())))
                samples.append(measure(server))
            for thread in threads:
                thread.join(120)
            time.sleep(2)  # connections closed, streams done
            end = measure(server)
        finally:
            server.stop()
    result = {
        "minutes": args.minutes,
        "requests": dict(tally.requests),
        "errors": len(tally.errors),
        "first_errors": tally.errors[:10],
        "warm": warm,
        "end": end,
        "peak_rss_mb": max(s["rss_mb"] for s in samples),
        "rss_ratio": round(end["rss_mb"] / warm["rss_mb"], 3),
        "fd_ratio": round(end["fds"] / warm["fds"], 3),
    }
    print(json.dumps(result, indent=1))
    (HERE / "results.json").write_text(json.dumps(result, indent=1) + "\n")
    return 0 if not tally.errors and result["rss_ratio"] <= 1.10 and end["fds"] <= warm["fds"] else 1


if __name__ == "__main__":
    sys.exit(main())
