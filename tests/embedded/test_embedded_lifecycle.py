"""The embedded deployment: start, ready, stop cleanly, survive SIGKILL, one server per data dir."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from sonantica_core.settings import SETTINGS

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A `sonantica serve` subprocess on the embedded default."""

    def __init__(self, tmp_path: Path, data_dir: Path | None = None) -> None:
        self.port = _free_port()
        # Outside pytest's own temporary folder: the embedded PostgreSQL runs as another
        # user when we are root and must be able to enter every parent folder.
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix="sonantica-lifecycle-")) / "data"
        self.music = tmp_path / "music"
        self.music.mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k not in {s.env for s in SETTINGS}}
        env.update(DATA_DIR=str(self.data_dir), WORKERS="1", LOG_LEVEL="WARNING")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sonantica_core", "serve", str(self.music), "--port", str(self.port)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def wait_ready(self, timeout: float = 90.0) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited: {self.proc.communicate()}")
            try:
                response = httpx.get(f"http://127.0.0.1:{self.port}/readyz", timeout=2)
                if response.status_code == 200 and response.json()["status"] == "ready":
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError("server never became ready")

    def descendants(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(timeout)


def _wait_gone(processes: list[psutil.Process], timeout: float = 30) -> list[psutil.Process]:
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    return [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    srv = Server(tmp_path)
    yield srv
    if srv.proc.poll() is None:
        children = srv.descendants()
        srv.stop(signal.SIGKILL)
        for child in children:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()
    shutil.rmtree(srv.data_dir.parent, ignore_errors=True)


def _kinds(processes: list[psutil.Process]) -> set[str]:
    kinds = set()
    for proc in processes:
        cmd = " ".join(proc.cmdline())
        if "pginstall/bin/postgres" in cmd:
            kinds.add("postgres")
        elif "redis-server" in cmd:
            kinds.add("redis")
        elif "sonantica_core worker" in cmd:
            kinds.add("worker")
    return kinds


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_ready_then_stop_leaves_no_process(server: Server, sig: int) -> None:
    elapsed = server.wait_ready()
    print(f"ready after {elapsed:.1f} s")
    children = server.descendants()
    assert {"postgres", "redis", "worker"} <= _kinds(children)
    assert server.stop(sig) == 0
    assert _wait_gone(children) == []


def test_sigkill_then_restart_works(server: Server, tmp_path: Path) -> None:
    server.wait_ready()
    children = server.descendants()
    server.stop(signal.SIGKILL)
    # The embedded services and workers follow their parent (parent-death signal).
    assert _wait_gone(children) == []
    again = Server(tmp_path, data_dir=server.data_dir)
    try:
        again.wait_ready()
        assert again.stop() == 0
    finally:
        if again.proc.poll() is None:
            again.proc.kill()


def test_leftover_postgres_of_a_crash_is_recovered(server: Server, tmp_path: Path) -> None:
    """Even if PostgreSQL outlives a crash (it was not our child any more), the next start recovers."""
    server.wait_ready()
    postgres = [p for p in server.descendants() if "pginstall/bin/postgres" in " ".join(p.cmdline())]
    # Detach PostgreSQL from the parent-death signal by stopping the parent the hard way
    # and immediately starting a replacement before the old one has gone.
    server.stop(signal.SIGKILL)
    again = Server(tmp_path, data_dir=server.data_dir)
    try:
        again.wait_ready()
        assert again.stop() == 0
    finally:
        if again.proc.poll() is None:
            again.proc.kill()
    assert _wait_gone(postgres) == []


def test_second_server_on_same_data_dir_is_refused(server: Server, tmp_path: Path) -> None:
    server.wait_ready()
    second = Server(tmp_path, data_dir=server.data_dir)
    code = second.proc.wait(60)
    _, err = second.proc.communicate()
    assert code == 1
    assert f"another Sonántica server (pid {server.proc.pid}) is using the data directory" in err
    assert "Traceback" not in err
    # the first server is unaffected
    assert httpx.get(f"http://127.0.0.1:{server.port}/readyz", timeout=5).status_code == 200
