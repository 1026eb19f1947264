"""The fast path against Hypercorn alone, byte for byte, over real sockets.

Each case sends the same raw bytes (in the same pieces, with the same pauses, the same
write shutdown) to two real servers of the same app on 127.0.0.1 (``conftest.py``): one
with the fast path (:class:`~sonantica_core.fastpath.server.FastDoor`) in front of
Hypercorn, one Hypercorn alone (``FAST_PATH=false``). It reads what comes back until
the server closes, or until it stops owing anything, and compares:

* every response: status line (reason phrase included), header fields (in order, names as
  written, values), body;
* when the first byte came (at once, or only after a stall), and whether and when the
  connection was closed (at once, at the idle timeout, not at all, reset).

Normalisation, and only that: the ``date`` field's value (the clock) is not compared, only
that it is there; a ``multipart/byteranges`` boundary (random per response) is replaced
by ``B`` in the field and the body. Times are compared by kind, not value: "at once"
(under :data:`AT_ONCE`), "at the idle timeout" (the servers' keep-alive timeout is
:data:`~conftest.IDLE_TIMEOUT`, 3 s), "never" (nothing by the end of the watch).

A connection that is open with nothing more owed is watched for :data:`QUIET` seconds
(enough to see a close that comes at once); one that still owes an answer, or a case
marked ``idle``, is watched until past the idle timeout, so that a server waiting for
the idle timeout where the other answers at once is a difference.
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

IDLE_TIMEOUT = 3.0  # as conftest.IDLE_TIMEOUT (conftest modules are not importable by name here)
#: A first byte or a close within this many seconds came "at once".
AT_ONCE = 1.0
#: Seconds an open connection that owes nothing more is watched for a close.
QUIET = 1.2
#: Seconds past the idle timeout a connection that still owes something is watched.
PAST_IDLE = 1.0

HOST = b"Host: sonantica.test\r\n"


class _Shutdown:
    def __repr__(self) -> str:
        return "SHUT_WR"


#: A step: shut the client's side down for writing (the server reads EOF).
SHUT_WR = _Shutdown()


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class OneByOne:
    """Bytes written one at a time, a few milliseconds apart."""

    data: bytes


@dataclass(frozen=True)
class Case:
    name: str
    #: bytes to write (``<STREAM>`` and ``<AUTH>`` are replaced), :class:`OneByOne`, :class:`Pause`
    #: or :data:`SHUT_WR`.
    steps: tuple[Any, ...]
    #: The method of each request whose answer is owed, in order (HEAD answers have no body).
    methods: tuple[str, ...] = ("GET",)
    #: Watch the connection until past the idle timeout even when nothing more is owed.
    idle: bool = False
    #: Whether the fast path should answer (at least one of) these requests itself.
    fast: bool = False
    #: The status codes expected (from both), when the case wants to pin them.
    statuses: tuple[int, ...] | None = None
    #: Differences accepted, as ``{what: (fast path's, Hypercorn's)}`` (the reason in a comment);
    #: responses are given there by their status codes.
    accepted: dict[str, tuple[Any, Any]] = field(default_factory=dict)


def get(path: str = "/healthz", *lines: str, method: str = "GET", version: str = "1.1", host: bool = True) -> bytes:
    head = [f"{method} {path} HTTP/{version}"] + (["Host: sonantica.test"] if host else []) + list(lines)
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")


STREAM = "/api/stream/<STREAM>"
AUTH = "Authorization: <AUTH>"
TRACKS = "/api/library/tracks?limit=1"
LOGIN = b"POST /api/auth/login HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"

CASES = [
    # -- what the fast path answers itself
    Case("healthz", (get(),), fast=True, idle=True, statuses=(200,)),
    Case("authenticated with credentials", (get(TRACKS, AUTH),), fast=True, statuses=(200,)),
    Case("authenticated without credentials", (get(TRACKS),), fast=True, statuses=(401,)),
    Case("authenticated with a bad token", (get(TRACKS, "Authorization: Bearer nope"),), fast=True, statuses=(401,)),
    Case("HEAD", (get(method="HEAD"),), methods=("HEAD",), fast=True),
    Case("HEAD of a stream", (get(STREAM, AUTH, method="HEAD"),), methods=("HEAD",), fast=True, statuses=(200,)),
    Case("range", (get(STREAM, AUTH, "Range: bytes=10-99"),), fast=True, statuses=(206,)),
    Case("ranges", (get(STREAM, AUTH, "Range: bytes=0-9,20-29"),), fast=True, statuses=(206,)),
    Case("range not satisfiable", (get(STREAM, AUTH, "Range: bytes=99999999-"),), fast=True, statuses=(416,)),
    Case("whole stream", (get(STREAM, AUTH),), fast=True, statuses=(200,)),
    Case("stream without credentials", (get(STREAM),), fast=True, statuses=(401,)),
    Case("missing route", (get("/api/nothing-here", AUTH),), fast=True, statuses=(404,)),
    Case("percent-escaped path", (get("/api/caf%C3%A9"),), fast=True, statuses=(404,)),
    Case(
        "pipelined",
        (get() + get(STREAM, AUTH, "Range: bytes=0-3") + get(TRACKS, AUTH, method="HEAD") + get(TRACKS, AUTH),),
        methods=("GET", "GET", "HEAD", "GET"),
        fast=True,
        statuses=(200, 206, 200, 200),
    ),
    Case("pipelined, then one not ours", (get() + get(method="BREW") + get(),), methods=("GET",) * 3, fast=True),
    Case("Connection: close", (get(STREAM, AUTH, "Range: bytes=0-1", "Connection: close"),), fast=True),
    Case("byte at a time", (OneByOne(get(STREAM, AUTH, "Range: bytes=0-3")),), fast=True, statuses=(206,)),
    Case("in two pieces", (get(STREAM, AUTH)[:12], Pause(0.2), get(STREAM, AUTH)[12:]), fast=True),
    # Accepted: once the client has shut its side and every request is answered, the fast path
    # closes at once; Hypercorn keeps the socket until the idle timeout (its idle task holds the
    # connection's task group open after h11 has seen the EOF), 30 s in production, for every
    # client that closes its end first.
    Case(
        "a request, then the client's write shutdown",
        (get(), SHUT_WR),
        fast=True,
        idle=True,
        accepted={"closed": ("at once", "at the idle timeout")},
    ),
    Case(
        "connect, then the client's write shutdown",
        (SHUT_WR,),
        methods=(),
        idle=True,
        accepted={"closed": ("at once", "at the idle timeout")},
    ),
    Case("connect, send nothing", (), methods=(), idle=True),
    Case("keep-alive in a 1.1 request", (get("/healthz", "Connection: keep-alive"),), fast=True, idle=True),
    Case("tab and trailing spaces in values", (get("/healthz", "X-A:\tb \t", "X-Empty:"),), fast=True),
    # -- HTTP/1.0
    Case("HTTP/1.0", (get(version="1.0"),)),
    Case("HTTP/1.0 without Host", (get(version="1.0", host=False),)),
    Case("HTTP/1.0 keep-alive", (get("/healthz", "Connection: keep-alive", version="1.0"),), idle=True),
    Case(
        "HTTP/1.0 keep-alive, range",
        (get(STREAM, AUTH, "Range: bytes=0-3", "Connection: keep-alive", version="1.0"),),
    ),
    Case(
        "HTTP/1.0 keep-alive, pipelined",
        (get("/healthz", "Connection: keep-alive", version="1.0") * 2,),
        methods=("GET", "GET"),
    ),
    Case("HTTP/1.0 HEAD", (get(version="1.0", method="HEAD"),), methods=("HEAD",)),
    # -- line endings and malformed heads
    Case("bare LF", (b"GET /healthz HTTP/1.1\nHost: sonantica.test\n\n",)),
    Case("bare LF at the end of the head", (b"GET /healthz HTTP/1.1\r\nHost: sonantica.test\n\r\n",)),
    Case("bare LF in the request line", (b"GET /healthz HTTP/1.1\nHost: sonantica.test\r\n\r\n",)),
    Case(
        "bare LF, pipelined",
        (b"GET /healthz HTTP/1.1\nHost: a\n\nGET /healthz HTTP/1.1\nHost: a\n\n",),
        methods=("GET", "GET"),
    ),
    Case("bare LF in pieces", (b"GET /healthz HTTP/1.1\nHo", Pause(0.2), b"st: a\n\n")),
    Case("bare CR in a header", (b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n",)),
    Case("NUL in a header", (b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-A: b\x00c\r\n\r\n",)),
    Case("obs-fold", (b"GET /healthz HTTP/1.1\r\nHost: a\r\nX-Folded: a\r\n b\r\n\r\n",)),
    Case("space before the colon", (b"GET /healthz HTTP/1.1\r\nHost : a\r\n\r\n",)),
    Case("no Host", (get(host=False),)),
    Case("duplicate Host", (get("/healthz", "Host: other.test"),)),
    Case("absolute-form target", (b"GET http://sonantica.test/healthz HTTP/1.1\r\nHost: sonantica.test\r\n\r\n",)),
    Case("asterisk target", (b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",)),
    Case("fragment in the target", (get("/healthz#frag"),)),
    Case("leading empty line", (b"\r\n" + get(),)),
    Case("lower-case method", (get(method="get"),)),
    Case("unknown method", (get(method="BREW"),)),
    Case("HTTP/1.2", (get(version="1.2"),)),
    Case("HTTP/2 preface", (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",), methods=()),
    Case("garbage", (b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(range(32)) + b"\r\n\r\n",)),
    Case("oversized head", (get("/healthz", "X-Long: " + "a" * 100_000),)),
    Case("head just over 16 KiB", (get("/healthz", "X-Long: " + "a" * 16_400),)),
    Case("incomplete head, then the client's write shutdown", (b"GET /healthz HTTP/1.1\r\nHost: a\r\n", SHUT_WR)),
    Case("incomplete request line, then the client's write shutdown", (b"GET /hea", SHUT_WR)),
    # Accepted: Hypercorn reads its stream until the stream is at EOF, so when the EOF is already
    # there as it comes back for the incomplete second head (it came while the first was being
    # answered), h11 never learns of it: no 400, and the socket waits for the idle timeout. The
    # fast path hands the incomplete head to h11 with the EOF after it: h11's 400, at once.
    Case(
        "incomplete head after an answer, then shutdown",
        (get() + b"GET /healthz HTTP/1.1\r\n", SHUT_WR),
        methods=("GET", "GET"),
        fast=True,
        accepted={"responses": ([200, 400], [200]), "closed": ("at once", "at the idle timeout")},
    ),
    Case("incomplete head, the client waits", (b"GET /healthz HTTP/1.1\r\nHost: a\r\n",)),
    Case("bare LF head, then the client's write shutdown", (b"GET /healthz HTTP/1.1\nHost: a\n", SHUT_WR)),
    # -- bodies and protocol switches
    Case("body on GET", (get("/healthz", "Content-Length: 5") + b"hello" + get(),), methods=("GET", "GET")),
    Case("chunked body on GET", (get("/healthz", "Transfer-Encoding: chunked") + b"5\r\nhello\r\n0\r\n\r\n",)),
    Case(
        "Content-Length and Transfer-Encoding",
        (get("/healthz", "Content-Length: 3", "Transfer-Encoding: chunked") + b"0\r\n\r\n",),
    ),
    Case("two Content-Lengths", (get("/healthz", "Content-Length: 1", "Content-Length: 2") + b"ab",)),
    Case("Expect: 100-continue", (LOGIN + b"Expect: 100-continue\r\n\r\n", Pause(0.3), b"{}"), statuses=(422,)),
    Case("Expect on GET", (get("/healthz", "Expect: 100-continue"),)),
    Case("Upgrade", (get("/healthz", "Connection: Upgrade", "Upgrade: websocket"),)),
    Case(
        "h2c upgrade",
        (get("/healthz", "Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c", "HTTP2-Settings: AAMAAABkAAQAAP__"),),
    ),
]


# -- the client ---------------------------------------------------------------------------


@dataclass
class Seen:
    """What one server did with one case."""

    data: bytes = b""
    #: Seconds from the last write to the first byte received.
    first_byte: float | None = None
    #: Seconds from the last activity (write or byte received) to the end of the connection.
    closed: float | None = None
    #: How it ended: "eof", "reset", or "open" when the watch ended first.
    end: str = "open"
    write_error: str | None = None
    responses: list[tuple[bytes, list[tuple[bytes, bytes]], bytes]] = field(default_factory=list)
    tail: bytes = b""


def _substitute(step: bytes, song_id: int, authorization: str) -> bytes:
    return step.replace(b"<STREAM>", str(song_id).encode()).replace(b"<AUTH>", authorization.encode())


async def converse(address: tuple[str, int], case: Case, song_id: int, authorization: str) -> Seen:
    """Play ``case`` against the server at ``address``; what came back, and when."""
    loop = asyncio.get_running_loop()
    seen = Seen()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setblocking(False)
    try:
        await loop.sock_connect(sock, address)
        last_write = time.monotonic()
        last_read: float | None = None
        writing_done = asyncio.Event()

        async def write() -> None:
            nonlocal last_write
            try:
                for step in case.steps:
                    if isinstance(step, Pause):
                        await asyncio.sleep(step.seconds)
                    elif step is SHUT_WR:
                        sock.shutdown(socket.SHUT_WR)
                        last_write = time.monotonic()
                    elif isinstance(step, OneByOne):
                        for byte in _substitute(step.data, song_id, authorization):
                            await loop.sock_sendall(sock, bytes((byte,)))
                            last_write = time.monotonic()
                            await asyncio.sleep(0.002)
                    else:
                        await loop.sock_sendall(sock, _substitute(step, song_id, authorization))
                        last_write = time.monotonic()
            except OSError as exc:
                seen.write_error = type(exc).__name__
            finally:
                writing_done.set()

        writer = asyncio.create_task(write())
        while True:
            now = time.monotonic()
            if writing_done.is_set():
                last = max(last_write, last_read or 0.0)
                owed = _complete_answers(seen.data, case.methods, eof=False) < len(case.methods)
                watch = IDLE_TIMEOUT + PAST_IDLE if (owed or case.idle) else QUIET
                if now - last > watch:
                    break
            try:
                chunk = await asyncio.wait_for(loop.sock_recv(sock, 65536), 0.05)
            except TimeoutError:
                continue
            except ConnectionResetError:
                seen.end = "reset"
                break
            now = time.monotonic()
            if not chunk:
                seen.end = "eof"
                break
            if seen.first_byte is None:
                seen.first_byte = now  # made relative below
            seen.data += chunk
            last_read = now
        await writer
        end = time.monotonic()
        last = max(last_write, last_read or 0.0)
        if seen.end != "open":
            seen.closed = end - last
        if seen.first_byte is not None:
            seen.first_byte -= last_write
    finally:
        sock.close()
    seen.responses, seen.tail = parse(seen.data, case.methods, eof=seen.end != "open")
    return seen


# -- reading responses --------------------------------------------------------------------


def parse(
    data: bytes, methods: tuple[str, ...], *, eof: bool
) -> tuple[list[tuple[bytes, list[tuple[bytes, bytes]], bytes]], bytes]:
    """The responses in ``data`` (1xx ones included), and the bytes left that make no whole response."""
    responses = []
    index = 0
    rest = data
    while rest:
        end = rest.find(b"\r\n\r\n")
        if end < 0:
            break
        lines = rest[:end].split(b"\r\n")
        status_line = lines[0]
        match = re.match(rb"HTTP/1\.[01] (\d{3})", status_line)
        if match is None:
            break
        status = int(match[1])
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers.append((name, value.strip()))
        names = {name.strip().lower(): value for name, value in headers}
        after = rest[end + 4 :]
        method = methods[index] if index < len(methods) else "GET"
        if status < 200 or status in (204, 304) or method == "HEAD":
            body, after = b"", after
        elif b"chunked" in names.get(b"transfer-encoding", b"").lower():
            body, position = b"", 0
            while True:
                line_end = after.find(b"\r\n", position)
                if line_end < 0:
                    return responses, rest
                size = int(after[position:line_end].split(b";")[0], 16)
                if len(after) < line_end + 2 + size + 2:
                    return responses, rest
                body += after[line_end + 2 : line_end + 2 + size]
                position = line_end + 2 + size + 2
                if size == 0:
                    break
            after = after[position:]
        elif b"content-length" in names:
            length = int(names[b"content-length"])
            if len(after) < length:
                break
            body, after = after[:length], after[length:]
        else:
            if not eof:
                break
            body, after = after, b""
        responses.append((status_line, headers, body))
        if status >= 200:
            index += 1
        rest = after
    return responses, rest


def _complete_answers(data: bytes, methods: tuple[str, ...], *, eof: bool) -> int:
    responses, _ = parse(data, methods, eof=eof)
    return sum(1 for status_line, _, _ in responses if int(status_line.split(b" ")[1]) >= 200)


def when(seconds: float | None) -> str:
    """A time as a kind: what the comparison looks at."""
    if seconds is None:
        return "never"
    if seconds < AT_ONCE:
        return "at once"
    if IDLE_TIMEOUT - 0.8 <= seconds <= IDLE_TIMEOUT + PAST_IDLE:
        return "at the idle timeout"
    return f"after {seconds:.1f} s"


def normalised(seen: Seen) -> dict[str, Any]:
    """What is compared of one server's answers (see the module docstring for what is normalised)."""
    responses = []
    for status_line, headers, body in seen.responses:
        fields = []
        for name, value in headers:
            if name.lower() == b"date":
                value = b"<date>"
            elif name.lower() == b"content-type" and b"boundary=" in value:
                boundary = value.split(b"boundary=")[1]
                body = body.replace(boundary, b"B")
                value = value.replace(boundary, b"B")
            fields.append((name, value))
        responses.append({"status": status_line, "headers": fields, "body": body})
    return {
        "responses": responses,
        "unparsed tail": seen.tail,
        "first byte": when(seen.first_byte),
        "end": seen.end,
        "closed": when(seen.closed) if seen.end != "open" else "not closed",
        "write error": seen.write_error,
    }


# -- the test -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
async def test_the_fast_path_answers_as_hypercorn_alone(servers: Any, case: Case, song_id: int, user_headers) -> None:
    authorization = user_headers["Authorization"]
    fast, plain = await asyncio.gather(
        converse(servers.fast.address, case, song_id, authorization),
        converse(servers.plain.address, case, song_id, authorization),
    )
    fast_view, plain_view = normalised(fast), normalised(plain)
    differences = {
        key: (fast_view[key], plain_view[key])
        for key in plain_view
        if fast_view[key] != plain_view[key] or key in case.accepted
    }
    for key, accepted in case.accepted.items():  # still as accepted (else: look again)
        found = differences.pop(key)
        if key == "responses":
            found = tuple([int(r["status"].split(b" ")[1]) for r in side] for side in found)
        assert found == accepted, f"{key}: (fast path, hypercorn) is not the difference accepted"
    assert not differences, f"{case.name}: (fast path, hypercorn) differ: {differences!r}"
    if case.statuses is not None:
        statuses = [int(line.split(b" ")[1]) for line, _, _ in plain.responses if int(line.split(b" ")[1]) >= 200]
        assert tuple(statuses) == case.statuses
    served = servers.fast.door.served
    assert (served > 0) == case.fast, f"the fast path answered {served} of these requests itself"
