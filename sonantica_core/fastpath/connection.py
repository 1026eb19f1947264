"""One connection as the fast path sees it: plain GET and HEAD answered here, the rest handed on.

A :class:`FastConnection` reads request heads (:func:`~.heads.read_head`). While they
are requests the head reader takes (GET or HEAD, no body, nothing unusual), it runs the
app for them itself, one at a time and in order (pipelined requests wait in the buffer),
with an ASGI ``scope``, ``receive`` and ``send`` written straight to the transport. At
the first request that is not, it hands the connection, with every byte it has not
consumed, to the general server's protocol (Hypercorn's), and is out of the picture for
good.

HTTP/1.1 as Hypercorn and h11 speak it, to the byte: the same status line (no reason
phrase), the same fields in the same order (the app's, ``date``, then the framing ones
this server sets, spelt as h11 spells them), persistent connections unless the client
says ``close``, the same idle timeout and the same number of requests per connection;
a body without ``Content-Length`` goes chunked. HTTP/1.0 requests are Hypercorn's (see
:mod:`~.heads`).

The end of the client's side (EOF) closes the connection once what came before is
answered; an incomplete head before it goes to Hypercorn with the EOF after it, so that
h11 answers it (400) as it does on a connection of its own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from sonantica_core.fastpath.heads import NEED_MORE, NOT_OURS, RequestHead, read_head
from sonantica_core.http.errors import error_response
from sonantica_core.streaming.httpdate import format_http_date

if TYPE_CHECKING:
    from sonantica_core.fastpath.server import FastDoor

log = logging.getLogger("sonantica.web")

#: Unread bytes kept while a response is being sent before reading pauses.
MAX_BUFFERED = 64 * 1024
#: Turns of the event loop between handing a connection on and handing on the EOF read before
#: (Hypercorn's connection task reads the data on the first; the others are a margin).
_EOF_TURNS = 3
_ASGI = {"version": "3.0", "spec_version": "2.1"}
_REQUEST = {"type": "http.request", "body": b"", "more_body": False}
_DISCONNECT = {"type": "http.disconnect"}
_NO_BODY_STATUSES = frozenset((204, 304))
_SERVER_FIELDS = frozenset((b"content-length", b"connection", b"transfer-encoding", b"date"))
#: h11's status lines: no reason phrase.
_STATUS_LINES = {status: b"HTTP/1.1 %d \r\n" % status for status in range(100, 600)}
_date_cache: tuple[int, bytes] = (0, b"")


def _date_line() -> bytes:
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, b"date: " + format_http_date(now).encode("ascii") + b"\r\n")
    return _date_cache[1]


def _address(value: Any) -> tuple[str, int] | None:
    return (str(value[0]), int(value[1])) if isinstance(value, tuple) and len(value) >= 2 else None


class FastConnection(asyncio.Protocol):
    """The protocol of one accepted connection (see the module docstring)."""

    def __init__(self, door: FastDoor, fallback: Callable[[], asyncio.BaseProtocol]) -> None:
        self.door = door
        self.fallback = fallback
        self.loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.busy: asyncio.Task[None] | None = None
        self.served = 0
        self.lost = False
        self.closing = False
        self.reading_paused = False
        self.writing_paused = False
        self.handing_off = False
        self.eof = False
        self._drain_waiters: list[asyncio.Future[None]] = []
        self._disconnect_waiters: list[asyncio.Future[None]] = []
        self._idle: asyncio.TimerHandle | None = None
        self.client: tuple[str, int] | None = None
        self.server: tuple[str, int] | None = None

    # -- asyncio.Protocol ----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        if transport.get_extra_info("sslcontext") is not None or not self.door.enabled:
            self._hand_off()
            return
        self.client = _address(transport.get_extra_info("peername"))
        self.server = _address(transport.get_extra_info("sockname"))
        self.door.connections.add(self)
        self._arm_idle()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.busy is None:
            self._next()
        if len(self.buffer) > MAX_BUFFERED and not self.reading_paused and self.transport is not None:
            self.reading_paused = True
            self.transport.pause_reading()  # type: ignore[union-attr]

    def eof_received(self) -> bool:
        """The client will send nothing more: answer what it sent, then close (see :meth:`_next`)."""
        self.eof = True
        self._next()
        return True  # keep the transport open for the answers

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self.door.connections.discard(self)
        self._cancel_idle()
        for waiters in (self._drain_waiters, self._disconnect_waiters):
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)
            waiters.clear()

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        for waiter in self._drain_waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._drain_waiters.clear()
        if self.handing_off:
            self._hand_off()
        else:
            self._next()

    # -- requests -------------------------------------------------------------------------

    def _next(self) -> None:
        """Start the next request in the buffer, if complete; hand off what is not ours."""
        if self.lost or self.busy is not None or self.handing_off or self.writing_paused:
            return  # (a client that does not read its answers gets no more until it does)
        if not self.buffer:
            if self.eof or self.closing:
                self.transport.close()  # type: ignore[union-attr]
            return
        head = read_head(self.buffer)
        if head is NEED_MORE:
            if self.eof:
                self._hand_off()  # let the general server answer an incomplete request
            return
        if head is NOT_OURS or self.closing:
            self._hand_off()
            return
        assert isinstance(head, RequestHead)
        scope = self._scope(head)
        del self.buffer[: head.length]
        self._cancel_idle()
        self.busy = self.loop.create_task(self._serve(head, scope))

    def _scope(self, head: RequestHead) -> dict[str, Any]:
        """The request's ASGI scope, as Hypercorn would make it."""
        raw_path = head.raw_path
        return {
            "type": "http",
            "asgi": _ASGI,
            "http_version": "1.1",
            "method": head.method,
            "scheme": "http",
            "path": unquote(raw_path.decode("ascii")) if b"%" in raw_path else raw_path.decode("ascii"),
            "raw_path": raw_path,
            "query_string": head.query_string,
            "root_path": self.door.root_path,
            "headers": head.headers,
            "client": self.client,
            "server": self.server,
            "state": {},
            "extensions": {},
        }

    async def _serve(self, head: RequestHead, scope: dict[str, Any]) -> None:
        self.served += 1
        keep_alive = head.keep_alive and self.served < self.door.max_requests and not self.door.draining
        exchange = _Exchange(self, head, keep_alive)
        self.door.served += 1
        try:
            await self.door.app(scope, exchange.receive, exchange.send)
        except BaseException as exc:
            exchange.failed(exc)
            if not isinstance(exc, Exception):
                raise
        else:
            exchange.finished()
        finally:
            self.busy = None
            if exchange.keep_alive and not self.lost:
                self._arm_idle()
                if self.reading_paused:
                    self.reading_paused = False
                    self.transport.resume_reading()  # type: ignore[union-attr]
                self._next()
            elif not self.lost:
                self.transport.close()  # type: ignore[union-attr]

    # -- plumbing -------------------------------------------------------------------------

    def _hand_off(self) -> None:
        """Give the connection, and every byte not consumed, to the general server's protocol."""
        if self.writing_paused:  # its flow control must start from a transport that is not paused
            self.handing_off = True
            return
        self.handing_off = True
        self._cancel_idle()
        self.door.connections.discard(self)
        transport = self.transport
        assert transport is not None
        protocol = self.fallback()
        transport.set_protocol(protocol)
        protocol.connection_made(transport)
        if self.buffer:
            data, self.buffer = bytes(self.buffer), bytearray()
            protocol.data_received(data)  # type: ignore[attr-defined]
        if self.eof:
            # Not at once: Hypercorn reads its StreamReader while it is not at EOF, and a reader
            # holding data and EOF gives the data, then is at EOF, so h11 would never learn of
            # the EOF (and wait for the idle timeout). Its task, started by connection_made,
            # takes the data first (on the loop's next turn); the EOF comes after.
            self.loop.call_soon(self._hand_eof, protocol, _EOF_TURNS)
        if self.reading_paused:
            self.reading_paused = False
            transport.resume_reading()

    def _hand_eof(self, protocol: asyncio.BaseProtocol, turns: int) -> None:
        """The client's EOF, to the protocol the connection went to, ``turns`` turns of the loop later."""
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if turns > 1:
            self.loop.call_soon(self._hand_eof, protocol, turns - 1)
        elif not protocol.eof_received():  # type: ignore[attr-defined]
            transport.close()  # as the transport does when a protocol does not keep it open

    def _arm_idle(self) -> None:
        self._cancel_idle()
        self._idle = self.loop.call_later(self.door.keep_alive_timeout, self._idle_timeout)

    def _cancel_idle(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None

    def _idle_timeout(self) -> None:
        self._idle = None
        if self.busy is None and not self.handing_off and not self.lost:
            self.transport.close()  # type: ignore[union-attr]

    def close_when_idle(self) -> None:
        """Shutting down: close now if idle, else once the response in flight is sent."""
        self.closing = True
        if self.busy is None and not self.handing_off and not self.lost:
            self.transport.close()  # type: ignore[union-attr]

    def abort(self) -> None:
        if not self.lost and self.transport is not None:
            self.transport.abort()

    async def drained(self) -> None:
        """Wait until the transport takes more data (or the connection is gone)."""
        if self.writing_paused and not self.lost:
            waiter = self.loop.create_future()
            self._drain_waiters.append(waiter)
            await waiter

    async def disconnected(self) -> None:
        """Wait until the connection is gone."""
        if not self.lost:
            waiter = self.loop.create_future()
            self._disconnect_waiters.append(waiter)
            await waiter


class _Exchange:
    """One request and its response: the ASGI ``receive`` and ``send`` of the app call."""

    __slots__ = (
        "chunked", "complete", "conn", "declared", "head", "keep_alive", "no_body", "pending", "request_sent",
        "sent", "started",
    )

    def __init__(self, conn: FastConnection, head: RequestHead, keep_alive: bool) -> None:
        self.conn = conn
        self.head = head
        self.keep_alive = keep_alive
        self.request_sent = False
        self.started = False
        self.complete = False
        self.chunked = False
        self.no_body = head.method == "HEAD"
        self.declared: int | None = None
        self.sent = 0
        self.pending = b""

    async def receive(self) -> dict[str, Any]:
        if not self.request_sent:
            self.request_sent = True
            return _REQUEST
        await self.conn.disconnected()
        return _DISCONNECT

    async def send(self, message: dict[str, Any]) -> None:
        conn = self.conn
        if conn.lost:
            return  # the client went away: what is left goes nowhere (the app learns it from receive)
        kind = message["type"]
        if kind == "http.response.start":
            if self.started:
                raise RuntimeError("the response has already started")
            self.pending = self._head(message["status"], message.get("headers", ()))
            self.started = True
        elif kind == "http.response.body":
            if not self.started or self.complete:
                raise RuntimeError("http.response.body outside a response")
            body = message.get("body", b"")
            more = message.get("more_body", False)
            self._write(body, more)
            if not more:
                self.complete = True
            elif conn.writing_paused:
                await conn.drained()
        else:
            raise RuntimeError(f"unexpected ASGI message {kind!r}")

    def _head(self, status: int, headers: Any) -> bytes:
        parts = [_STATUS_LINES.get(status) or b"HTTP/1.1 %d \r\n" % status]
        for name, value in headers:
            lowered = name.lower()
            if lowered in _SERVER_FIELDS:
                if lowered == b"content-length":
                    self.declared = int(value)
                else:
                    continue  # this server's own
            parts += (name, b": ", value, b"\r\n")
        fields = b"".join(parts[1:])
        lines = (len(parts) - 1) // 4
        if fields.count(b"\n") != lines or fields.count(b"\r") != lines:  # one CRLF per field, no more
            raise ValueError("a response header holds a line break")
        parts.append(_date_line())
        if status in _NO_BODY_STATUSES or status < 200:
            self.no_body = True
        elif self.declared is None and not self.no_body:
            self.chunked = True
            parts.append(b"Transfer-Encoding: chunked\r\n")  # (h11 title-cases the fields it sets)
        if not self.keep_alive:
            parts.append(b"Connection: close\r\n")
        parts.append(b"\r\n")
        return b"".join(parts)

    def _write(self, body: bytes, more: bool) -> None:
        pieces = [self.pending] if self.pending else []
        self.pending = b""
        if body and not self.no_body:
            self.sent += len(body)
            if self.declared is not None and self.sent > self.declared:
                raise RuntimeError("the response body is longer than its Content-Length")
            if self.chunked:
                pieces += (b"%x\r\n" % len(body), body, b"\r\n")
            else:
                pieces.append(body)
        if not more and self.chunked:
            pieces.append(b"0\r\n\r\n")
        if pieces:
            self.conn.transport.writelines(pieces)  # type: ignore[union-attr]

    def finished(self) -> None:
        """The app returned: a response it did not complete cannot keep the connection."""
        if self.complete:
            if self.declared is not None and not self.no_body and self.sent < self.declared:
                self.keep_alive = False
            return
        self.failed(RuntimeError("the app returned without completing its response"))

    def failed(self, exc: BaseException) -> None:
        """The app raised (or gave up): a 500 if nothing was sent, else cut the connection."""
        self.keep_alive = False
        conn = self.conn
        if conn.lost:
            return
        if isinstance(exc, Exception) and not isinstance(exc, OSError):
            log.error("unhandled error on %s %s", self.head.method, self.head.raw_path.decode(), exc_info=exc)
        if self.complete:
            return  # the app answered (its error handler did), then raised: close after that answer
        if not self.started:
            response = error_response(500, "internal error; the server log has the details")
            self.started, self.pending = True, self._head(500, response.raw_headers)
            self._write(bytes(response.body), False)
            self.complete = True
        else:
            conn.abort()
