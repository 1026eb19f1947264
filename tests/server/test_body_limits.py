"""Request bodies over real TCP: a slow body times out, an oversized one is refused before it is read.

The servers are started as a web process serves (:func:`~sonantica_core.fastpath.server.serve_web`
on a socket from :func:`~sonantica_core.server.webprocesses.hypercorn_config`), once with the fast
path in front and once Hypercorn alone; the fast path hands every request with a body to
Hypercorn, so both must behave the same. The clients are raw sockets, so that a body can be
sent a byte at a time, or not at all. :data:`~sonantica_core.http.body.BODY_TIMEOUT` is cut to
:data:`SHORT_TIMEOUT` for these tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from sonantica_core.fastpath.server import FastDoor, serve_web
from sonantica_core.http import body as body_module
from sonantica_core.server.web import build_app_for_context
from sonantica_core.server.webprocesses import hypercorn_config
from sonantica_core.settings import Settings

#: The body timeout in these tests, seconds.
SHORT_TIMEOUT = 1.0
#: How long a test waits for an answer before it calls the server stuck, seconds.
PATIENCE = 8.0


@dataclass
class Server:
    port: int
    stop: asyncio.Event
    task: asyncio.Task[None]


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings(FAST_PATH="false")  # serve_web without a door is then Hypercorn alone


@pytest.fixture
def short_body_timeout(monkeypatch: pytest.MonkeyPatch) -> float:
    monkeypatch.setattr(body_module, "BODY_TIMEOUT", SHORT_TIMEOUT)
    return SHORT_TIMEOUT


@pytest.fixture(params=["hypercorn", "fast path"])
async def server(request: pytest.FixtureRequest, core: Any, settings: Settings) -> AsyncIterator[Server]:
    """The app on 127.0.0.1, by Hypercorn alone or with the fast path in front."""
    app = build_app_for_context(core)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = hypercorn_config(settings, sock)
    config.graceful_timeout = 2
    door = (
        FastDoor(app, keep_alive_timeout=config.keep_alive_timeout, max_requests=config.keep_alive_max_requests)
        if request.param == "fast path"
        else None
    )
    stop = asyncio.Event()
    task = asyncio.create_task(serve_web(app, config, stop.wait, door=door))
    for _ in range(250):  # until it listens
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.02)
            continue
        writer.close()
        break
    else:
        raise RuntimeError("the server did not start")
    try:
        yield Server(port, stop, task)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def read_all(reader: asyncio.StreamReader, patience: float) -> tuple[bytes, bool]:
    """What the server sends within ``patience`` seconds, and whether it then closed the connection."""
    data = b""
    deadline = time.monotonic() + patience
    try:
        while (left := deadline - time.monotonic()) > 0:
            chunk = await asyncio.wait_for(reader.read(65536), left)
            if not chunk:
                return data, True
            data += chunk
    except (TimeoutError, ConnectionError):
        pass
    return data, False


def status_of(data: bytes) -> int | None:
    """The status of the first response in ``data``; None when there is none."""
    if not data.startswith(b"HTTP/1.1 "):
        return None
    return int(data.split(b" ", 2)[1])


def head(method: str, path: str, *fields: str) -> bytes:
    return (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "".join(f"{f}\r\n" for f in fields) + "\r\n").encode()


async def dribble(writer: asyncio.StreamWriter, data: bytes, interval: float) -> None:
    """Send ``data`` one byte every ``interval`` seconds, until it is all sent or the server hangs up."""
    with contextlib.suppress(ConnectionError):
        for byte in data:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(interval)


@pytest.mark.parametrize("before", ["first request", "after a GET"])
async def test_a_login_body_sent_a_byte_at_a_time_times_out(
    server: Server, short_body_timeout: float, before: str
) -> None:
    """408, then the connection closes, BODY_TIMEOUT after the body began: the dribble holds nothing."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        if before == "after a GET":  # the fast path answers it, then hands the connection over at the POST
            writer.write(head("GET", "/healthz"))
            await writer.drain()
            answer = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), PATIENCE)
            assert status_of(answer) == 200
            length = int(answer.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            await asyncio.wait_for(reader.readexactly(length), PATIENCE)
        payload = json.dumps({"username": "nobody", "password": "x" * 40}).encode()
        started = time.monotonic()
        writer.write(
            head("POST", "/api/auth/login", "Content-Type: application/json", f"Content-Length: {len(payload)}")
        )
        await writer.drain()
        sending = asyncio.create_task(dribble(writer, payload, interval=0.2))  # 14 s for all of it
        data, closed = await read_all(reader, PATIENCE)
        elapsed = time.monotonic() - started
        sending.cancel()
    finally:
        writer.close()
    assert status_of(data) == 408, f"no 408 within {PATIENCE} s: {data[:300]!r}"
    assert closed, "the connection stayed open after the 408"
    assert short_body_timeout <= elapsed < short_body_timeout + 3, elapsed
    assert b"request_timeout" in data and b"connection: close" in data.lower()


async def test_a_body_sent_slowly_but_in_time_is_read(server: Server, short_body_timeout: float) -> None:
    """The timeout is on the whole body, not on a pause: a body that arrives in time is answered."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        payload = b'{"username": "nobody", "password": "wrong"}'
        writer.write(
            head("POST", "/api/auth/login", "Content-Type: application/json", f"Content-Length: {len(payload)}")
        )
        await writer.drain()
        for piece in (payload[:10], payload[10:30], payload[30:]):
            await asyncio.sleep(short_body_timeout / 5)
            writer.write(piece)
            await writer.drain()
        answer = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), PATIENCE)
    finally:
        writer.close()
    assert status_of(answer) == 401


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/admin/scans", "/api/playlists"])
async def test_an_oversized_body_is_refused_before_it_is_sent(
    server: Server, admin_headers: dict[str, str], path: str
) -> None:
    """A Content-Length past MAX_BODY (here 10 GiB, none of it sent) is answered 413 at once, and closed."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(
            head(
                "POST",
                path,
                "Content-Type: application/json",
                f"Content-Length: {10 * 2**30}",
                f"Authorization: {admin_headers['Authorization']}",
            )
        )
        writer.write(b'{"name": "')  # a start, and then nothing more
        await writer.drain()
        data, closed = await read_all(reader, PATIENCE)
    finally:
        writer.close()
    assert status_of(data) == 413, f"no 413 within {PATIENCE} s: {data[:300]!r}"
    assert closed


@pytest.mark.parametrize("path", ["/api/admin/scans", "/api/playlists"])
async def test_an_oversized_chunked_body_is_refused_once_past_the_limit(
    server: Server, admin_headers: dict[str, str], path: str
) -> None:
    """Without a Content-Length, 413 as soon as more than MAX_BODY has arrived; the rest is never read."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    chunk = b" " * 8192
    try:
        writer.write(
            head(
                "POST",
                path,
                "Content-Type: application/json",
                "Transfer-Encoding: chunked",
                f"Authorization: {admin_headers['Authorization']}",
            )
        )
        with contextlib.suppress(ConnectionError):
            for _ in range(body_module.MAX_BODY // len(chunk) + 2):  # just past the limit, and no last chunk
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await writer.drain()
        data, closed = await read_all(reader, PATIENCE)
    finally:
        writer.close()
    assert status_of(data) == 413, f"no 413 within {PATIENCE} s: {data[:300]!r}"
    assert closed
