"""Bringing the services up and down: data-dir lock, embedded PostgreSQL and Redis,
schema check, and the worker processes ``serve`` runs itself.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from sonantica_core.embedded.lock import DataDirLock
from sonantica_core.embedded.postgres import EmbeddedPostgres
from sonantica_core.embedded.process import lower_priority
from sonantica_core.embedded.redis import EmbeddedRedis
from sonantica_core.errors import DataDirLocked
from sonantica_core.settings import Settings

log = logging.getLogger("sonantica.runtime")


@dataclass
class Services(AbstractContextManager["Services"]):
    """The PostgreSQL and Redis this process uses, embedded or external.

    Entering takes the data-directory lock (one server per ``DATA_DIR``) and
    starts whatever is embedded; leaving stops it, in reverse order.
    """

    settings: Settings
    lock_data_dir: bool = True
    #: When another server holds the data directory, use its embedded services
    #: instead of refusing (for admin commands such as ``sonantica user add``).
    attach_if_running: bool = False
    postgres_url: str = ""
    redis_url: str = ""
    _lock: DataDirLock | None = None
    _postgres: EmbeddedPostgres | None = None
    _redis: EmbeddedRedis | None = None
    _started: list[str] = field(default_factory=list)

    def __enter__(self) -> Services:
        s = self.settings
        s.data_dir.mkdir(parents=True, exist_ok=True)
        if self.lock_data_dir:
            lock = DataDirLock(s.data_dir)
            try:
                lock.acquire()
                self._lock = lock
            except DataDirLocked:
                if not self.attach_if_running:
                    raise
                self.postgres_url = s.postgres_url or EmbeddedPostgres(s.data_dir).url
                self.redis_url = s.redis_url or EmbeddedRedis(s.data_dir).url
                return self
        try:
            if s.postgres_url:
                self.postgres_url = s.postgres_url
            else:
                self._postgres = EmbeddedPostgres(s.data_dir)
                self._postgres.start()
                self.postgres_url = self._postgres.url
            if s.redis_url:
                self.redis_url = s.redis_url
            else:
                self._redis = EmbeddedRedis(s.data_dir)
                self._redis.start()
                self.redis_url = self._redis.url
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        if self._redis is not None:
            self._redis.stop()
            self._redis = None
        if self._postgres is not None:
            self._postgres.stop()
            self._postgres = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @property
    def embedded(self) -> bool:
        return self._postgres is not None or self._redis is not None


class WorkerProcesses:
    """Task workers started by ``serve``: lower CPU priority, die with the server."""

    def __init__(self, count: int, env: dict[str, str], niceness: int = 10) -> None:
        self.count = count
        self.env = env
        self.niceness = niceness
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        self.processes = [self._spawn() for _ in range(self.count)]

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "sonantica_core", "worker"],
            env=self.env,
            # SIGKILL: a worker paused for web traffic (SIGSTOP, see sonantica_core.server.yielding)
            # cannot act on SIGTERM, and must not outlive a serve that was killed.
            preexec_fn=lower_priority(self.niceness, death_signal=signal.SIGKILL),
            start_new_session=True,
        )

    def restart_exited(self) -> int:
        """Start a new worker for each one that has exited; returns how many."""
        restarted = 0
        for index, proc in enumerate(self.processes):
            code = proc.poll()
            if code is not None:
                log.warning("task worker %d exited with status %s; starting another", proc.pid, code)
                self.processes[index] = self._spawn()
                restarted += 1
        return restarted

    def stop(self, timeout: float = 10.0) -> None:
        for proc in self.processes:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.send_signal(signal.SIGCONT)  # one paused for web traffic must run to stop
        for proc in self.processes:
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.processes.clear()


def child_environment(settings: Settings, postgres_url: str, redis_url: str, secret_key: str) -> dict[str, str]:
    """Environment for worker processes so they use this server's services."""
    env = dict(os.environ)
    env.update(
        POSTGRES_URL=postgres_url.replace("postgresql+asyncpg://", "postgresql://"),
        REDIS_URL=redis_url,
        SECRET_KEY=secret_key,
        DATA_DIR=str(settings.data_dir),
        MEDIA_PATH=os.pathsep.join(f"{r.name}={r.path}" for r in settings.media_roots),
    )
    if Path(settings.plugins_file).exists():
        env["PLUGINS_FILE"] = str(Path(settings.plugins_file).resolve())
    return env
