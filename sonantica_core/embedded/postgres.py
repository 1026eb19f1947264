"""An embedded PostgreSQL 16 with pgvector, from the ``pgserver`` package.

The server runs as a child of Sonántica under ``DATA_DIR/postgres``, listens
only on a Unix socket, and stops with the parent: on a clean shutdown (fast
mode), and through the parent-death signal if the parent is killed. A server
left running by a crash is found through ``postmaster.pid`` and stopped before
a new one starts.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from sonantica_core.embedded.process import die_with_parent
from sonantica_core.errors import ServiceError

log = logging.getLogger("sonantica.embedded.postgres")

DATABASE_NAME = "sonantica"
_SYSTEM_USER = "pgserver"  # the unprivileged user PostgreSQL runs as when we are root


def _bin_dir() -> Path:
    import pgserver._commands as commands

    return Path(commands.POSTGRES_BIN_PATH)


def socket_dir_for(base: Path) -> Path:
    """A directory for the socket short enough for ``sun_path`` (107 bytes)."""
    candidate = base / "run"
    if len(str(candidate / ".s.PGSQL.5432")) < 100:
        return candidate
    digest = hashlib.sha1(str(base).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"sonantica-{digest}"


class EmbeddedPostgres:
    """Start, adopt and stop the embedded PostgreSQL of one data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.base = data_dir / "postgres"
        self.pgdata = self.base / "data"
        self.socket_dir = socket_dir_for(self.base)
        self.process: subprocess.Popen[bytes] | None = None
        self._run_as_user = _SYSTEM_USER if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the Sonántica database on this server."""
        return f"postgresql+asyncpg://postgres@/{DATABASE_NAME}?host={self.socket_dir}"

    def admin_dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}"

    def start(self, timeout: float = 30.0) -> None:
        """Initialise if needed, clear crash leftovers, start and wait until ready."""
        self.base.mkdir(parents=True, exist_ok=True)
        self._prepare_permissions()
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        self._stop_leftover()
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if self._run_as_user:
            shutil.chown(self.socket_dir, user=self._run_as_user)
        for stale in self.socket_dir.glob(".s.PGSQL.*"):
            stale.unlink(missing_ok=True)
        log_file = open(self.base / "postgres.log", "ab")  # noqa: SIM115 - handed to the child
        args = [
            str(_bin_dir() / "postgres"),
            "-D",
            str(self.pgdata),
            "-k",
            str(self.socket_dir),
            "-c",
            "listen_addresses=",
            "-c",
            "max_connections=200",
            "-c",
            "shared_buffers=128MB",
            "-c",
            "fsync=on",
        ]
        self.process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,  # Ctrl-C in the terminal reaches us, not PostgreSQL
            preexec_fn=die_with_parent(signal.SIGINT),  # fast shutdown if we die
            user=self._run_as_user,
        )
        log_file.close()
        self._wait_ready(timeout)
        self._ensure_database()

    def stop(self, timeout: float = 15.0) -> None:
        """Fast shutdown: roll back open transactions, checkpoint, exit."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("PostgreSQL did not stop in %.0f s; sending SIGQUIT", timeout)
            proc.send_signal(signal.SIGQUIT)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    # -- internals ---------------------------------------------------------

    def _prepare_permissions(self) -> None:
        if not self._run_as_user:
            return
        from pgserver.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

        ensure_user_exists(self._run_as_user)
        ensure_prefix_permissions(self.base)
        bin_dir = _bin_dir()
        ensure_prefix_permissions(bin_dir)
        import stat

        ensure_folder_permissions(bin_dir, stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(bin_dir.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
        shutil.chown(self.base, user=self._run_as_user)
        if self.pgdata.exists():
            shutil.chown(self.pgdata, user=self._run_as_user)

    def _initdb(self) -> None:
        if self.pgdata.exists():
            shutil.rmtree(self.pgdata)  # an interrupted initdb: start over
        self.pgdata.mkdir(mode=0o700)
        if self._run_as_user:
            shutil.chown(self.pgdata, user=self._run_as_user)
        log.info("initialising PostgreSQL in %s", self.pgdata)
        result = subprocess.run(
            [
                str(_bin_dir() / "initdb"),
                "-D",
                str(self.pgdata),
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "-U",
                "postgres",
            ],
            capture_output=True,
            user=self._run_as_user,
            check=False,
        )
        if result.returncode != 0:
            raise ServiceError(f"initdb failed: {result.stderr.decode(errors='replace').strip()}")

    def _stop_leftover(self) -> None:
        pid_file = self.pgdata / "postmaster.pid"
        if not pid_file.exists():
            return
        try:
            pid = int(pid_file.read_text().splitlines()[0])
        except (ValueError, IndexError, OSError):
            pid_file.unlink(missing_ok=True)
            return
        if not _is_postgres(pid, self.pgdata):
            log.info("removing stale postmaster.pid (pid %d is gone)", pid)
            pid_file.unlink(missing_ok=True)
            return
        log.warning("stopping a PostgreSQL left running by an earlier crash (pid %d)", pid)
        os.kill(pid, signal.SIGINT)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _is_postgres(pid, self.pgdata):
            time.sleep(0.1)
        if _is_postgres(pid, self.pgdata):
            os.kill(pid, signal.SIGKILL)
            time.sleep(0.5)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pid_file = self.pgdata / "postmaster.pid"
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                tail = (self.base / "postgres.log").read_text(errors="replace")[-2000:]
                raise ServiceError(f"embedded PostgreSQL exited at start-up:\n{tail}")
            try:
                lines = pid_file.read_text().splitlines()
            except OSError:
                lines = []
            if len(lines) >= 8 and lines[7].strip() == "ready":
                return
            time.sleep(0.05)
        raise ServiceError(
            f"embedded PostgreSQL was not ready within {timeout:.0f} s (see {self.base / 'postgres.log'})"
        )

    def _ensure_database(self) -> None:
        psql = str(_bin_dir() / "psql")
        check = subprocess.run(
            [psql, "-XAtq", self.admin_dsn(), "-c", f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}'"],
            capture_output=True,
            check=False,
        )
        if check.returncode != 0:
            raise ServiceError(f"cannot reach embedded PostgreSQL: {check.stderr.decode(errors='replace').strip()}")
        if check.stdout.strip() != b"1":
            subprocess.run(
                [psql, "-Xq", self.admin_dsn(), "-c", f'CREATE DATABASE "{DATABASE_NAME}"'],
                capture_output=True,
                check=True,
            )


def _is_postgres(pid: int, pgdata: Path) -> bool:
    try:
        import psutil

        proc = psutil.Process(pid)
        return proc.name() == "postgres" and proc.status() != psutil.STATUS_ZOMBIE
    except Exception:
        return False
