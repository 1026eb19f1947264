"""The edge's limits, each over real sockets, with the fast path in front and with Hypercorn alone.

Head size (16 KiB), header fields per request (:data:`~sonantica_core.fastpath.limits.MAX_HEADERS`),
an idle connection and a slow head (slowloris) closed at the idle timeout whatever trickles in,
connections per address (``MAX_CONNECTIONS_PER_ADDRESS``), and the Range header: its size and its
number of ranges, never more bytes than the file.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from sonantica_core.fastpath.limits import MAX_HEADERS, AddressLimiter
from sonantica_core.settings import Settings
from sonantica_core.streaming.ranges import MAX_RANGES

IDLE_TIMEOUT = 3.0  # as conftest.IDLE_TIMEOUT
PER_ADDRESS = 6


@pytest.fixture
def settings(make_settings: Callable[..., Settings], media: Any) -> Settings:
    return make_settings(MEDIA_PATH=f"music={media.root}", FAST_PATH="false", MAX_CONNECTIONS_PER_ADDRESS=PER_ADDRESS)


def _both(servers: Any) -> list[Any]:
    return [servers.fast, servers.plain]


async def _exchange(address: tuple[str, int], data: bytes, timeout: float = 5.0) -> bytes:
    """Send ``data``, read until the server closes (or ``timeout``)."""
    reader, writer = await asyncio.open_connection(*address)
    try:
        writer.write(data)
        await writer.drain()
        chunks = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = await asyncio.wait_for(reader.read(65536), deadline - time.monotonic())
            except (TimeoutError, ConnectionResetError):
                break
            if not chunk:
                break
            chunks.append(chunk)
            if _complete(b"".join(chunks)):
                break
        return b"".join(chunks)
    finally:
        writer.close()


def _complete(data: bytes) -> bool:
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def _status(data: bytes) -> int:
    return int(data.split(b" ", 2)[1])


def _body(data: bytes) -> bytes:
    return data.partition(b"\r\n\r\n")[2]


def _get(path: str, *lines: str) -> bytes:
    fields = "".join(f"{line}\r\n" for line in lines)
    return f"GET {path} HTTP/1.1\r\nHost: sonantica.test\r\n{fields}\r\n".encode()


async def _closed_after(
    address: tuple[str, int], first: bytes, trickle: bytes, every: float, watch: float
) -> float | None:
    """Seconds until the server closes a connection that sent ``first``, then a byte of ``trickle``
    every ``every`` seconds; None when it is still open after ``watch`` seconds."""
    reader, writer = await asyncio.open_connection(*address)
    start = time.monotonic()
    closed = asyncio.get_running_loop().create_future()

    async def read() -> None:
        try:
            while await reader.read(65536):
                pass
        except OSError:
            pass
        if not closed.done():
            closed.set_result(time.monotonic() - start)

    reading = asyncio.create_task(read())
    try:
        if first:
            writer.write(first)
        for byte in trickle:
            if closed.done() or time.monotonic() - start > watch:
                break
            try:
                writer.write(bytes([byte]))
                await writer.drain()
            except OSError:
                break
            await asyncio.wait([closed], timeout=every)
        try:
            return await asyncio.wait_for(asyncio.shield(closed), max(0.0, watch - (time.monotonic() - start)))
        except TimeoutError:
            return None
    finally:
        writer.close()
        reading.cancel()


async def test_a_head_over_16_kib_is_refused(servers: Any) -> None:
    for server in _both(servers):
        whole = _get("/healthz", "X-Long: " + "a" * 17_000)
        answer = await _exchange(server.address, whole)  # in one read: h11 alone would take it
        assert _status(answer) == 431, server.name
        assert json.loads(_body(answer))["error"]["code"] == "head_too_large"
        answer = await _exchange(server.address, whole[:-2])  # incomplete past 16 KiB: h11's own limit
        assert _status(answer) == 431, server.name
        ok = await _exchange(server.address, _get("/healthz", "X-Long: " + "a" * 15_000))
        assert _status(ok) == 200, server.name


async def test_too_many_header_fields_get_431(servers: Any) -> None:
    for server in _both(servers):
        fields = [f"X-F{i}: v" for i in range(MAX_HEADERS)]  # with Host: one too many
        answer = await _exchange(server.address, _get("/healthz", *fields))
        assert _status(answer) == 431, server.name
        assert json.loads(_body(answer))["error"]["code"] == "too_many_headers"
        answer = await _exchange(server.address, _get("/healthz", *fields[1:]))
        assert _status(answer) == 200, server.name


async def test_an_idle_connection_is_closed_at_the_idle_timeout(servers: Any) -> None:
    for server in _both(servers):
        closed = await _closed_after(server.address, b"", b"", 0.1, IDLE_TIMEOUT + 2)
        assert closed is not None and IDLE_TIMEOUT - 0.5 < closed < IDLE_TIMEOUT + 1.5, (server.name, closed)


@pytest.mark.parametrize(
    "first",
    [
        b"GET /healthz HTTP/1.1\r\nHost: sonantica.test\r\nX-Slow: ",  # a head the fast path would take
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: sonantica.test\r\nX-Slow: ",  # one it hands on at once
    ],
    ids=["get", "post"],
)
async def test_a_slow_head_is_closed_at_the_idle_timeout_though_bytes_keep_coming(servers: Any, first: bytes) -> None:
    for server in _both(servers):
        closed = await _closed_after(server.address, first, b"a" * 100, 0.25, IDLE_TIMEOUT + 3)
        assert closed is not None and closed < IDLE_TIMEOUT + 1.5, (server.name, closed)


async def test_connections_per_address_are_limited(servers: Any) -> None:
    for server in _both(servers):
        held = [await asyncio.open_connection(*server.address) for _ in range(PER_ADDRESS)]
        try:
            refused = await _exchange(server.address, b"", timeout=2)
            assert _status(refused) == 429, server.name
            assert b"retry-after: 5\r\n" in refused.lower()
            assert json.loads(_body(refused))["error"]["code"] == "too_many_connections"
            # The held ones still work.
            reader, writer = held[0]
            writer.write(_get("/healthz"))
            assert (await asyncio.wait_for(reader.readuntil(b"\r\n"), 5)).startswith(b"HTTP/1.1 200")
        finally:
            for _, writer in held:
                writer.close()
        # Once they are closed, a new one is taken (Hypercorn lets go of a connection whose client
        # left at its idle timeout; the fast path at once).
        deadline = time.monotonic() + IDLE_TIMEOUT + 2
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            answer = await _exchange(server.address, _get("/healthz"), timeout=2)
            if answer and _status(answer) == 200:
                break
        if not answer or _status(answer) != 200:
            raise AssertionError(f"{server.name}: no connection taken after the others closed: {answer!r}")


def test_trusted_proxies_are_not_limited() -> None:
    limiter = AddressLimiter(2, ["10.0.0.0/8"])
    assert all(limiter.admit(("10.1.2.3", 1000 + i)) for i in range(10))
    assert limiter.admit(("192.0.2.1", 1)) and limiter.admit(("192.0.2.1", 2))
    assert limiter.admit(("192.0.2.1", 3)) is None
    assert limiter.admit(("192.0.2.2", 1)) is not None
    assert AddressLimiter(0).admit(("192.0.2.1", 1)) is not None  # 0: no limit


async def test_ranges_never_amplify(servers: Any, song_id: int, user_headers: dict[str, str], media: Any) -> None:
    size = len(media.data)
    auth = f"Authorization: {user_headers['Authorization']}"
    path = f"/api/stream/{song_id}"
    overlapping = "bytes=" + ",".join(["0-"] * MAX_RANGES)
    too_many = "bytes=" + ",".join(f"{i}-{i}" for i in range(0, 2 * (MAX_RANGES + 1), 2))
    long_header = "bytes=0-9" + "," * 15_000  # empty list elements are allowed, and cost nothing
    for server in _both(servers):
        answer = await _exchange(server.address, _get(path, auth, f"Range: {overlapping}"))
        assert _status(answer) == 206, server.name
        assert _body(answer) == media.data  # the overlapping ranges coalesced: the file once
        answer = await _exchange(server.address, _get(path, auth, f"Range: {too_many}"))
        assert _status(answer) == 200 and len(_body(answer)) == size, server.name  # ignored: the file once
        started = time.monotonic()
        answer = await _exchange(server.address, _get(path, auth, f"Range: {long_header}"))
        assert time.monotonic() - started < 2
        assert _status(answer) == 206 and _body(answer) == media.data[:10], server.name
