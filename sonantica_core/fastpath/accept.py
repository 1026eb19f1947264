"""Accepting every waiting connection at once, whichever event loop serves.

uvloop's servers accept one connection per turn of the event loop. A busy web process
turns its loop once per round of requests (tens of milliseconds with a few hundred
connections), so a burst of new connections (a player opening several streams, a
page of covers, a load balancer reconnecting) waits in the kernel's queue for
seconds before its first request is even read: measured here, 200 connections opened
together against one busy process took 3 s to be accepted, and one more connection
arriving meanwhile waited 1.4 s for its first byte.

:class:`EagerServer` serves a listening socket the way the standard library's loop
does: at each wake-up it accepts every connection waiting (up to the backlog) and
hands each to the loop with ``connect_accepted_socket``, so transports are still the
loop's own. There, too, connections per client address are counted and limited
(:class:`~.limits.AddressLimiter`, ``MAX_CONNECTIONS_PER_ADDRESS``).
:func:`accepting_eagerly` makes ``loop.create_server`` build one whenever it is given a
ready socket without TLS (as Hypercorn does); anything else goes to the loop's own server.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
from asyncio.trsock import TransportSocket
from collections.abc import Callable, Iterator
from typing import Any

from sonantica_core.fastpath.limits import AddressLimiter

log = logging.getLogger("sonantica.web")

#: Errors of ``accept`` that belong to one connection (Linux reports the client's pending network
#: errors there): that connection is skipped, the rest of the queue is still taken.
_CONNECTION_ERRORS = frozenset(
    getattr(errno, name)
    for name in ("ECONNABORTED", "EPROTO", "ENETDOWN", "ENETUNREACH", "EHOSTDOWN", "EHOSTUNREACH", "ENONET",
                 "EOPNOTSUPP", "EPERM", "ETIMEDOUT")
    if hasattr(errno, name)
)
#: Seconds accepting pauses after any other error (out of file descriptors or memory, above
#: all), instead of failing again at every turn of the loop.
RESOURCE_PAUSE = 1.0


class EagerServer(asyncio.AbstractServer):
    """A listening socket whose waiting connections are all accepted at each wake-up."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        sock: socket.socket,
        protocol_factory: Callable[[], asyncio.BaseProtocol],
        backlog: int,
        limiter: AddressLimiter | None = None,
    ) -> None:
        self._loop = loop
        self._limiter = limiter
        self._sock: socket.socket | None = sock
        self._fd = sock.fileno()
        self._protocol_factory = protocol_factory
        self._backlog = max(1, backlog)
        self._accepting = False
        self._pending: set[asyncio.Task[Any]] = set()
        self._resume: asyncio.TimerHandle | None = None

    # -- asyncio.AbstractServer --------------------------------------------------------

    def get_loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def is_serving(self) -> bool:
        return self._accepting

    @property
    def sockets(self) -> tuple[Any, ...]:
        """The listening socket, wrapped as the standard library's servers give it (closing
        it behind the loop's back is refused)."""
        return () if self._sock is None else (TransportSocket(self._sock),)

    async def start_serving(self) -> None:
        self.start()

    async def serve_forever(self) -> None:
        if self._sock is None:
            raise RuntimeError("the server is closed")
        self.start()
        try:
            await self._loop.create_future()
        finally:
            self.close()
            await self.wait_closed()

    def close(self) -> None:
        """Stop accepting and close the listening socket; open connections are left alone."""
        self._stop_accepting()
        if self._resume is not None:
            self._resume.cancel()
            self._resume = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    async def wait_closed(self) -> None:
        """Wait until the connections accepted before :meth:`close` have their transports."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    # -- accepting -----------------------------------------------------------------------

    def start(self) -> None:
        """Listen and start accepting (again)."""
        if self._sock is None or self._accepting:
            return
        self._sock.setblocking(False)
        self._sock.listen(self._backlog)
        self._loop.add_reader(self._fd, self._accept_waiting)
        self._accepting = True

    def _stop_accepting(self) -> None:
        if self._accepting:
            self._loop.remove_reader(self._fd)
        self._accepting = False

    def _accept_waiting(self) -> None:
        """Accept every connection waiting (at most a backlog's worth) and give each to the loop."""
        sock = self._sock
        if sock is None:
            return
        for _ in range(self._backlog):
            try:
                conn, address = sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in _CONNECTION_ERRORS:  # that client's problem (it gave up, its network)
                    log.debug("a connection was lost before it was accepted: %s", exc)
                    continue
                log.error("accepting connections paused for %.0f s: %s", RESOURCE_PAUSE, exc)
                self._stop_accepting()
                self._resume = self._loop.call_later(RESOURCE_PAUSE, self._resume_accepting)
                return
            slot = None
            if self._limiter is not None:
                slot = self._limiter.admit(address)
                if slot is None:
                    self._limiter.refuse(conn)
                    continue
            self._connect(conn, slot)

    def _resume_accepting(self) -> None:
        self._resume = None
        self.start()

    def _connect(self, conn: socket.socket, slot: Any = None) -> None:
        conn.setblocking(False)
        task = self._loop.create_task(self._attach(conn, slot))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _attach(self, conn: socket.socket, slot: Any = None) -> None:
        """Give ``conn`` to the loop (which sets TCP_NODELAY, as for its own servers); ``slot``,
        the limiter's count of it, follows its transport."""
        try:
            transport, _ = await self._loop.connect_accepted_socket(self._protocol_factory, sock=conn)  # type: ignore[arg-type]
            if slot is not None:
                slot.transport = transport
        except BaseException as exc:  # the connection is lost, not the server (nor the loop's shutdown)
            if slot is not None:
                slot.done = True
            if not isinstance(exc, asyncio.CancelledError):
                log.debug("an accepted connection could not be set up: %s", exc)
            conn.close()
            if not isinstance(exc, Exception):
                raise


@contextlib.contextmanager
def replaced_create_server(loop: asyncio.AbstractEventLoop, replacement: Callable[..., Any]) -> Iterator[bool]:
    """Make ``replacement`` the loop's ``create_server`` in this block; yields False where the loop
    takes no attribute (nothing replaced). What was there before comes back afterwards."""
    own = vars(loop).get("create_server") if hasattr(loop, "__dict__") else None
    try:
        loop.create_server = replacement  # type: ignore[method-assign]
    except AttributeError:
        yield False
        return
    try:
        yield True
    finally:
        if own is not None:
            loop.create_server = own  # type: ignore[method-assign]
        else:
            with contextlib.suppress(AttributeError):
                del loop.create_server


@contextlib.contextmanager
def accepting_eagerly(
    loop: asyncio.AbstractEventLoop,
    on_serving: Callable[[], None] | None = None,
    limiter: AddressLimiter | None = None,
) -> Iterator[None]:
    """Servers ``loop`` creates in this block on a given socket without TLS are :class:`EagerServer`\\ s
    (with ``limiter`` counting connections per address); ``on_serving`` is called as each server,
    of either kind, starts."""
    create_server = loop.create_server

    async def create_eager_server(protocol_factory: Callable[[], Any], *args: Any, **kwargs: Any) -> Any:
        sock = kwargs.get("sock")
        host = args[0] if len(args) > 0 else kwargs.get("host")
        port = args[1] if len(args) > 1 else kwargs.get("port")
        plain = len(args) <= 2 and host is None and port is None and kwargs.get("ssl") is None
        if sock is None or not plain or sock.type != socket.SOCK_STREAM or not kwargs.get("start_serving", True):
            server = await create_server(protocol_factory, *args, **kwargs)
        else:
            server = EagerServer(loop, sock, protocol_factory, kwargs.get("backlog", 100), limiter)
            server.start()
        if on_serving is not None:
            on_serving()
        return server

    with replaced_create_server(loop, create_eager_server):
        yield
