"""``WEB_WORKERS=2``: two web processes answer on one port, stop gracefully, and die with serve."""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import numpy as np
import psutil
import pytest
import soundfile

from sonantica_core.settings import SETTINGS

pytestmark = pytest.mark.slow

WEB_CHILD = "sonantica_core.cli.webprocess"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``sonantica serve`` with ``WEB_WORKERS=2`` on a fresh embedded data directory."""

    def __init__(self, workers: int) -> None:
        # Outside pytest's temporary folder: the embedded PostgreSQL may run as another user.
        self.base = Path(tempfile.mkdtemp(prefix="sonantica-web-workers-"))
        self.music = self.base / "music"
        self.music.mkdir()
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if k not in {s.env for s in SETTINGS}}
        self.env.update(
            DATA_DIR=str(self.base / "data"),
            WORKERS=str(workers),
            WEB_WORKERS="2",
            LOG_LEVEL="WARNING",
            SHUTDOWN_GRACE="30",
            WATCH="false",
        )
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sonantica_core", "serve", str(self.music), "--port", str(self.port)],
            env=self.env,
            cwd=self.base,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def descendants(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def web_processes(self) -> list[psutil.Process]:
        """serve itself and its extra web processes."""
        children = [p for p in self.descendants() if WEB_CHILD in " ".join(p.cmdline())]
        return [psutil.Process(self.pid), *children]

    def listening_pids(self) -> set[int]:
        return {
            proc.pid
            for proc in self.web_processes()
            for conn in proc.net_connections(kind="tcp")
            if conn.status == psutil.CONN_LISTEN and conn.laddr.port == self.port
        }

    def pid_serving(self, client_port: int) -> int | None:
        """The web process holding the server side of the connection from ``client_port``."""
        for proc in self.web_processes():
            for conn in proc.net_connections(kind="tcp"):
                if conn.laddr.port == self.port and conn.raddr and conn.raddr.port == client_port:
                    return proc.pid
        return None

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Ready on /readyz, and both web processes listen on the port."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited: {self.proc.communicate()}")
            with contextlib.suppress(httpx.HTTPError, psutil.Error):
                ready = httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
                if ready and len(self.listening_pids()) == 2:
                    return
            time.sleep(0.2)
        raise AssertionError(f"not ready with two web processes (listening: {self.listening_pids()})")

    def cleanup(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            children = self.descendants()
            self.proc.kill()
            self.proc.wait()
            for child in children:
                with contextlib.suppress(psutil.NoSuchProcess):
                    child.kill()
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture
def make_server() -> Iterator[Callable[[int], Server]]:
    servers: list[Server] = []

    def make(workers: int) -> Server:
        server = Server(workers)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.cleanup()


def _gone(processes: list[psutil.Process], timeout: float = 30) -> list[psutil.Process]:
    """Those of ``processes`` still running (not zombies) after ``timeout``."""
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    return [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]


def _login(server: Server) -> dict[str, str]:
    add = subprocess.run(
        [sys.executable, "-m", "sonantica_core", "user", "add", "ana", "--admin", "--password-stdin"],
        input="a long password\n",
        env=server.env,
        cwd=server.base,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert add.returncode == 0, add.stderr
    login = httpx.post(f"{server.url}/api/auth/login", json={"username": "ana", "password": "a long password"})
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


class SlowDownload(threading.Thread):
    """A whole-file GET read at about 2 MB/s, on its own connection."""

    def __init__(self, port: int, path: str, headers: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.conn.request("GET", path, headers=headers)
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        assert self.conn.sock is not None
        self.client_port: int = self.conn.sock.getsockname()[1]
        self.received = bytearray(self.response.read(65536))

    def run(self) -> None:
        while chunk := self.response.read(65536):
            self.received.extend(chunk)
            time.sleep(0.03)
        self.conn.close()


def test_two_web_processes_serve_and_sigterm_lets_their_streams_finish(make_server: Callable[[int], Server]) -> None:
    server = make_server(1)
    audio = np.zeros((44100 * 60, 2), dtype=np.int16)  # one minute, ~10 MB
    audio[::5] = 1000
    soundfile.write(server.music / "long.wav", audio, 44100, subtype="PCM_16")
    expected = (server.music / "long.wav").read_bytes()
    server.start()
    server.wait_ready()
    web = server.web_processes()
    assert len(web) == 2 and len(server.listening_pids()) == 2
    headers = _login(server)
    track_id = None
    deadline = time.monotonic() + 60
    while track_id is None and time.monotonic() < deadline:
        items = httpx.get(f"{server.url}/api/library/tracks", headers=headers).json().get("items", [])
        track_id = items[0]["id"] if items else None
        time.sleep(0.2)
    assert track_id is not None, "the scan did not find the file"

    # New connections until both web processes hold a stream in flight (the kernel
    # spreads connections over the two sockets by their addresses).
    downloads: list[SlowDownload] = []
    serving: set[int] = set()
    while len(serving) < 2 and len(downloads) < 16:
        download = SlowDownload(server.port, f"/api/stream/{track_id}", headers)
        download.start()
        downloads.append(download)
        pid = server.pid_serving(download.client_port)
        assert pid is not None
        serving.add(pid)
    assert serving == {p.pid for p in web}, f"served by {serving} only"

    everything = server.descendants()
    assert server.proc is not None
    server.proc.send_signal(signal.SIGTERM)
    for download in downloads:
        download.join(60)
        assert bytes(download.received) == expected, f"got {len(download.received)} of {len(expected)} bytes"
    assert server.proc.wait(60) == 0
    assert _gone(everything) == []


def test_sigkill_of_serve_takes_the_web_processes_down(make_server: Callable[[int], Server]) -> None:
    server = make_server(0)
    server.start()
    server.wait_ready()
    everything = server.descendants()
    assert any(WEB_CHILD in " ".join(p.cmdline()) for p in everything)
    assert server.proc is not None
    server.proc.kill()
    server.proc.wait()
    assert _gone(everything) == []
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=2).close()
