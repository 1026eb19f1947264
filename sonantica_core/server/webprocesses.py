"""Several web processes on one port (``WEB_WORKERS``), and the event loop they run on.

``sonantica serve`` stays the one process that owns the embedded services, the
data-directory lock, the task workers, the startup scan and the folder watcher.
With ``WEB_WORKERS=N`` it also serves HTTP itself and starts ``N - 1`` extra web
processes (``python -m sonantica_core.server.webprocesses``). Each one:

* gets its own listening socket, bound by ``serve`` to the same address with
  ``SO_REUSEPORT`` (so a port already taken is reported once, by ``serve``) and
  passed down as an inherited descriptor (Hypercorn's ``fd://N``); the kernel
  spreads new connections over the sockets, and a socket only takes connections
  once its process has started its app and listens;
* builds its own :class:`~sonantica_core.context.CoreContext` and app from the
  environment ``serve`` gives it (:func:`~sonantica_core.server.backing.child_environment`:
  the same PostgreSQL, Redis, secret, data directory and music folders);
* stops gracefully on SIGTERM (in-flight streams get ``SHUTDOWN_GRACE``), and is
  killed outright if ``serve`` dies without stopping it (parent-death signal).

Caches stay correct across processes the same way they do across replicas of the
distributed deployment: the invalidation bus and the event bus are on Redis.

Every web process runs on uvloop when it is installed (:func:`run_event_loop`).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

from hypercorn.config import Config as HypercornConfig

from sonantica_core.embedded.process import die_with_parent
from sonantica_core.errors import CommandFailed, ConfigError
from sonantica_core.fastpath.heads import MAX_HEAD
from sonantica_core.settings import Settings

log = logging.getLogger("sonantica.web")

T = TypeVar("T")

#: Seconds a web process gets beyond ``SHUTDOWN_GRACE`` to close before it is killed.
STOP_MARGIN = 5.0


# --------------------------------------------------------------------------
# Event loop
# --------------------------------------------------------------------------


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """``uvloop.new_event_loop`` when uvloop is installed, else None (the default loop)."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop  # type: ignore[no-any-return]


def run_event_loop(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)``, on uvloop when it is installed."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)


# --------------------------------------------------------------------------
# Sockets and Hypercorn
# --------------------------------------------------------------------------


def _address(host: str) -> tuple[socket.AddressFamily, str]:
    """The family and host to bind, as Hypercorn reads ``HOST:PORT`` (``[::1]`` or ``::1`` is IPv6)."""
    host = host.strip("[]")
    return (socket.AF_INET6 if ":" in host else socket.AF_INET), host


def _bind(host: str, port: int, reuse_port: bool) -> socket.socket:
    family, address = _address(host)
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited by accepted sockets
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((address, port))
    except BaseException:
        sock.close()
        raise
    return sock


def bind_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` sockets bound to ``host:port`` (not listening yet: Hypercorn listens once its app started).

    With more than one, every socket has ``SO_REUSEPORT``. So that no other program
    silently shares the port with us (a second server with ``SO_REUSEPORT`` by the
    same user would be allowed to), the port is first bound once without it.
    Raises :class:`CommandFailed` with one clear line when the address cannot be used.
    """
    if count > 1 and not hasattr(socket, "SO_REUSEPORT"):
        raise ConfigError("WEB_WORKERS", "more than 1 web process needs SO_REUSEPORT (Linux, BSD, macOS)")
    sockets: list[socket.socket] = []
    try:
        if count > 1:
            _bind(host, port, reuse_port=False).close()  # taken by anyone: fail here, clearly
        for _ in range(count):
            sockets.append(_bind(host, port, reuse_port=count > 1))
    except OSError as exc:
        for sock in sockets:
            sock.close()
        why = "the address is already in use" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
        raise CommandFailed(f"cannot listen on {host}:{port}: {why} (HOST, PORT)", status=1) from None
    return sockets


def hypercorn_config(settings: Settings, sock: socket.socket) -> HypercornConfig:
    """Hypercorn's configuration for serving on ``sock``, which it takes over (and closes)."""
    config = HypercornConfig()
    config.bind = [f"fd://{sock.detach()}"]
    config.graceful_timeout = settings.shutdown_grace
    config.accesslog = None
    config.errorlog = logging.getLogger("hypercorn.error")
    config.keep_alive_timeout = 30
    # Time limits on what a client sends. A request head must be whole within keep_alive_timeout
    # (Hypercorn's idle timer, and the fast path's, run until a head is complete; neither is renewed
    # by a byte of it). A body has BODY_TIMEOUT from when the app starts reading it, and at most
    # MAX_BODY bytes (sonantica_core.http.body.read_json, which every body the core reads goes
    # through: 408 or 413, then Hypercorn closes the connection, whose request it never finished
    # reading; a body the app does not read closes it too, after the answer).
    # Not Hypercorn's read_timeout: it is per read, so a byte every few seconds renews it (the
    # slow body goes on); and over HTTP/2 (h2c) it also runs while a response streams, so it would
    # cut /api/events and paused downloads whose clients send nothing. It stays off.
    config.read_timeout = None
    # The largest request head: h11's limit on an incomplete event, the same as the fast path's.
    config.h11_max_incomplete_size = MAX_HEAD
    # Connections the kernel may hold before they are accepted: Hypercorn's 100 overflows when a
    # few hundred players connect at once (their handshakes are then retried a second later).
    config.backlog = 1024
    return config


# --------------------------------------------------------------------------
# The extra web processes, as seen from serve
# --------------------------------------------------------------------------


class WebProcesses:
    """The ``WEB_WORKERS - 1`` extra web processes of ``serve``, one socket each.

    ``sockets`` are bound by :func:`bind_sockets`; each is handed to one process
    and closed here once that process has it, so that a socket lives exactly as
    long as the process that accepts on it (a dead process's connections go to the
    others). A replacement for a process that died gets a new socket.
    """

    def __init__(self, settings: Settings, env: dict[str, str], sockets: Sequence[socket.socket]) -> None:
        self.settings = settings
        self.env = env
        self.processes: list[subprocess.Popen[bytes]] = []
        self._sockets = list(sockets)

    def start(self) -> None:
        for sock in self._sockets:
            self.processes.append(self._spawn(sock))
        self._sockets.clear()

    def _spawn(self, sock: socket.socket) -> subprocess.Popen[bytes]:
        fd = sock.fileno()
        try:
            return subprocess.Popen(
                [sys.executable, "-m", "sonantica_core.cli.webprocess", "--fd", str(fd),
                 "--parent", str(os.getpid())],
                env=self.env,
                pass_fds=(fd,),
                # Killed outright when serve is (SIGKILL): nobody is left to stop it gracefully,
                # and it must not hold the port for the next start.
                preexec_fn=die_with_parent(signal.SIGKILL),
                start_new_session=True,  # Ctrl-C reaches serve only; serve stops the others
            )
        finally:
            sock.close()

    def restart_exited(self) -> int:
        """Start a new web process (on a new socket) for each one that has exited; returns how many."""
        restarted = 0
        for index, proc in enumerate(self.processes):
            code = proc.poll()
            if code is None:
                continue
            log.warning("web process %d exited with status %s; starting another", proc.pid, code)
            try:
                sock = _bind(self.settings.host, self.settings.port, reuse_port=True)
            except OSError as exc:
                log.error("cannot start another web process: %s", exc)
                continue
            self.processes[index] = self._spawn(sock)
            restarted += 1
        return restarted

    def terminate(self) -> None:
        """Ask every web process to stop (graceful: in-flight responses finish); returns at once."""
        for proc in self.processes:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)

    def stop(self, timeout: float | None = None) -> None:
        """Stop them all; those still running after ``timeout`` (default: the grace and a margin) are killed."""
        for sock in self._sockets:
            sock.close()
        self._sockets.clear()
        self.terminate()
        wait = self.settings.shutdown_grace + STOP_MARGIN if timeout is None else timeout
        for proc in self.processes:
            try:
                proc.wait(wait)
            except subprocess.TimeoutExpired:
                log.warning("web process %d did not stop in time; killing it", proc.pid)
                proc.kill()
                proc.wait()
        self.processes.clear()


# --------------------------------------------------------------------------
# One extra web process
# --------------------------------------------------------------------------


async def serve_child(settings: Settings, sock: socket.socket) -> None:
    """Serve the app on ``sock`` until SIGTERM or SIGINT (the environment names the services)."""
    from sonantica_core.fastpath.server import serve_web
    from sonantica_core.server.web import build_web_app

    if not settings.postgres_url or not settings.redis_url or not settings.secret_key:
        raise CommandFailed("a web process needs POSTGRES_URL, REDIS_URL and SECRET_KEY from serve", status=2)
    app, ctx = await build_web_app(settings, settings.postgres_url, settings.redis_url, settings.secret_key)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    app.state.stopping = stop  # long-lived streams (events) end when shutdown begins
    try:
        await serve_web(app, hypercorn_config(settings, sock), shutdown_trigger=stop.wait)
    finally:
        await ctx.close()
