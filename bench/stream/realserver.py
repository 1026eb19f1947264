"""The real Sonántica server for the streaming benchmark: ``python -m sonantica_core serve``.

Embedded PostgreSQL and Redis on a temporary ``DATA_DIR``; the music folder is mounted as the
root ``music`` (so the deployment nginx config's ``/internal-media/music/`` and ``/s/music/``
locations fit). :func:`prepare` indexes the generated files with ``sonantica scan``, creates a
user with ``sonantica user add`` and logs in through ``POST /api/auth/login``; the benchmark
then drives ``/api/stream/{id}`` with ``Authorization: Bearer``, or signed URLs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

REPO = Path(__file__).resolve().parents[2]
#: SECRET_KEY of the benchmark's servers (≥ 32 characters); nginx's secure_link secret derives from it.
SECRET_KEY = "bench-secret-key-of-the-streaming-benchmark-0123456789"
USER, PASSWORD = "bench", "a benchmark password"
ROOT = "music"


def _environment(data_dir: Path, **extra: str) -> dict[str, str]:
    from sonantica_core.settings import SETTINGS

    env = {k: v for k, v in os.environ.items() if k not in {s.env for s in SETTINGS}}
    env.update(
        DATA_DIR=str(data_dir),
        SECRET_KEY=SECRET_KEY,
        WATCH="false",
        ACCESS_TOKEN_TTL="7200",
        PLUGINS_FILE=str(REPO / "plugins.toml"),
        **extra,
    )
    return env


class RealServer:
    """``sonantica serve music=MEDIA --port PORT`` with ``WEB_WORKERS`` web and ``WORKERS`` task processes."""

    def __init__(
        self, data_dir: Path, media: Path, port: int, web_workers: int, workers: int = 0, **env: str
    ) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.env = _environment(data_dir, WEB_WORKERS=str(web_workers), WORKERS=str(workers), **env)
        self.log = (data_dir.parent / f"serve-{port}.log").open("ab")
        cmd = [sys.executable, "-m", "sonantica_core", "serve", f"{ROOT}={media}", "--port", str(port)]
        self.proc = subprocess.Popen(cmd, env=self.env, cwd=data_dir.parent, stdout=self.log, stderr=self.log)
        self.web_workers = web_workers
        self._wait_ready()

    def _wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited with {self.proc.returncode}; see {self.log.name}")
            with contextlib.suppress(httpx.HTTPError, psutil.Error):
                ready = httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
                if ready and len(self._listening()) >= self.web_workers:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"serve did not become ready; see {self.log.name}")

    def _listening(self) -> set[int]:
        procs = [psutil.Process(self.proc.pid), *psutil.Process(self.proc.pid).children()]
        return {
            p.pid
            for p in procs
            for c in p.net_connections(kind="tcp")
            if c.status == psutil.CONN_LISTEN and c.laddr.port == self.port
        }

    def task_workers(self) -> list[psutil.Process]:
        return [
            p for p in psutil.Process(self.proc.pid).children() if "sonantica_core worker" in " ".join(p.cmdline())
        ]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@dataclass
class Library:
    """What the benchmark needs from a prepared server: a token, track ids by file name."""

    token: str
    ids: dict[str, int]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def prepare(server: RealServer, media: Path, names: list[str], user_exists: bool = False) -> Library:
    """Index ``media`` (``sonantica scan``), create the user, log in, and map file names to track ids."""
    run = {"env": server.env, "cwd": REPO, "capture_output": True, "text": True, "timeout": 600}
    scan = subprocess.run([sys.executable, "-m", "sonantica_core", "scan", f"{ROOT}={media}"], **run)
    if scan.returncode:
        raise RuntimeError(f"sonantica scan failed: {scan.stderr or scan.stdout}")
    if not user_exists:
        add = subprocess.run(
            [sys.executable, "-m", "sonantica_core", "user", "add", USER, "--password-stdin"],
            input=PASSWORD + "\n",
            **run,
        )
        if add.returncode:
            raise RuntimeError(f"sonantica user add failed: {add.stderr}")
    return login(server, names)


def login(server: RealServer, names: list[str]) -> Library:
    """Log in and read the track ids of ``names`` from ``GET /api/library/tracks`` (and each track's path)."""
    response = httpx.post(f"{server.url}/api/auth/login", json={"username": USER, "password": PASSWORD}, timeout=10)
    response.raise_for_status()
    token = response.json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    items = httpx.get(f"{server.url}/api/library/tracks?limit=500", headers=headers, timeout=10).json()["items"]
    by_name = {}
    for item in items:  # listings carry no path; a track's detail does
        detail = httpx.get(f"{server.url}/api/library/tracks/{item['id']}", headers=headers, timeout=10).json()
        by_name[Path(detail["path"]["relative_path"]).name] = item["id"]
    missing = [n for n in names if n not in by_name]
    if missing:
        raise RuntimeError(f"the scan did not index {missing} (got {sorted(by_name)})")
    return Library(token=token, ids={n: by_name[n] for n in names})


def stream_urls(server: RealServer, library: Library) -> dict[str, str]:
    """``GET /api/tracks/{id}/stream-url`` for every track: the URL (path and query) a player would use."""
    urls = {}
    for name, track_id in library.ids.items():
        response = httpx.get(
            f"{server.url}/api/tracks/{track_id}/stream-url?ttl=7200", headers=library.headers, timeout=10
        )
        response.raise_for_status()
        urls[name] = response.json()["url"]
    return urls


def cpu_seconds(processes: list[psutil.Process]) -> float:
    """User and system CPU time of ``processes`` so far."""
    total = 0.0
    for proc in processes:
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            total += times.user + times.system
    return total
