"""The fast path in front of Hypercorn, over real TCP: same answers, hand-off, framing, shutdown."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import soundfile

from sonantica_core.fastpath.server import FastDoor, serve_web
from sonantica_core.server.web import build_app_for_context
from sonantica_core.server.webprocesses import hypercorn_config


@dataclass
class Served:
    host: str
    port: int
    door: FastDoor
    stop: asyncio.Event
    task: asyncio.Task[None]

    async def open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(self.host, self.port)


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
async def serve(core: Any, settings: Any) -> AsyncIterator[Callable[..., Any]]:
    """``await serve(app=None, keep_alive_timeout=30, grace=5)`` → a :class:`Served` on 127.0.0.1."""
    running: list[Served] = []

    async def start(app: Any = None, *, keep_alive_timeout: float = 30, grace: float = 5) -> Served:
        application = app if app is not None else build_app_for_context(core)
        sock = _listening_socket()
        port = sock.getsockname()[1]
        config = hypercorn_config(settings, sock)
        config.keep_alive_timeout = keep_alive_timeout
        config.graceful_timeout = grace
        door = FastDoor(application, keep_alive_timeout=keep_alive_timeout, max_requests=config.keep_alive_max_requests)
        stop = asyncio.Event()
        task = asyncio.create_task(serve_web(application, config, stop.wait, door=door))
        for _ in range(200):  # until it listens
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError:
                await asyncio.sleep(0.02)
        served = Served("127.0.0.1", port, door, stop, task)
        door.served = 0
        running.append(served)
        return served

    yield start
    for served in running:
        served.stop.set()
        await asyncio.wait_for(served.task, 30)


async def read_response(reader: asyncio.StreamReader, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response: status, headers (lower-case names; repeated ones joined), body."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            key = name.strip().lower()
            headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    if method == "HEAD" or status in (204, 304):
        return status, headers, b""
    if "content-length" in headers:
        return status, headers, await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding") == "chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return status, headers, body
            body += chunk[:-2]
    return status, headers, await reader.read()


#: A request the fast path leaves to Hypercorn (it announces a body), and the connection with it.
HAND_OFF = b"GET /healthz HTTP/1.1\r\nHost: sonantica.test\r\nContent-Length: 0\r\n\r\n"


def request(path: str, headers: dict[str, str] | None = None, method: str = "GET", version: str = "1.1") -> bytes:
    lines = [f"{method} {path} HTTP/{version}", "Host: sonantica.test"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def exchange(served: Served, *raw: bytes, methods: tuple[str, ...] = ()) -> list[tuple[int, dict, bytes]]:
    """Send ``raw`` requests on one connection (in one write: pipelined) and read as many answers."""
    reader, writer = await served.open()
    try:
        writer.write(b"".join(raw))
        await writer.drain()
        return [await read_response(reader, (methods or ("GET",) * len(raw))[i]) for i in range(len(raw))]
    finally:
        writer.close()


async def test_ranges_and_whole_file_on_the_fast_path(serve, user_headers, song_id, media) -> None:
    served = await serve()
    path = f"/api/stream/{song_id}"
    (status, headers, body), (whole_status, _, whole) = await exchange(
        served, request(path, {**user_headers, "Range": "bytes=10-99"}), request(path, user_headers)
    )
    assert status == 206 and body == media.data[10:100]
    assert headers["content-range"] == f"bytes 10-99/{len(media.data)}"
    assert headers["accept-ranges"] == "bytes" and headers["content-type"] == "audio/flac"
    assert headers["etag"].startswith('"') and "date" in headers and "server" not in headers
    assert whole_status == 200 and whole == media.data
    assert served.door.served == 2


async def test_the_fast_path_answers_as_hypercorn_does(serve, user_headers, song_id) -> None:
    """The same requests, once on the fast path, once on a connection handed to Hypercorn."""
    served = await serve()
    path = f"/api/stream/{song_id}"
    cases = [
        request(path, {**user_headers, "Range": "bytes=0-9,20-29"}),
        request(path, {**user_headers, "Range": "bytes=999999999-"}),
        request(path, user_headers, method="HEAD"),
        request(path),
        request(path + "?exp=9999999999&uid=1&sig=AAAA"),
        request("/api/stream/abc", user_headers),
    ]
    methods = ("GET", "GET", "HEAD", "GET", "GET", "GET")
    fast = await exchange(served, *cases, methods=methods)
    assert served.door.served == len(cases)
    handed = await exchange(served, HAND_OFF, *cases, methods=("GET", *methods))
    assert served.door.served == len(cases)  # all of them went to Hypercorn
    for (fast_status, fast_headers, fast_body), (status, headers, body) in zip(fast, handed[1:], strict=True):
        for name in ("date", "server"):
            fast_headers.pop(name, None)
            headers.pop(name, None)
        if fast_headers.get("content-type", "").startswith("multipart/byteranges"):  # a boundary per response
            fast_body = fast_body.replace(fast_headers.pop("content-type").split("boundary=")[1].encode(), b"B")
            body = body.replace(headers.pop("content-type").split("boundary=")[1].encode(), b"B")
        assert (fast_status, fast_body) == (status, body)
        assert fast_headers == headers, fast_status
    assert [answer[0] for answer in fast] == [206, 416, 200, 401, 403, 404]


async def test_a_connection_moves_to_hypercorn_at_its_first_other_request(serve, user_headers, song_id, media) -> None:
    served = await serve()
    path = f"/api/stream/{song_id}"
    answers = await exchange(
        served,
        request(path, {**user_headers, "Range": "bytes=0-3"}),
        request("/api/library/tracks?limit=1", user_headers),
        b"POST /api/auth/login HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
        request(path, {**user_headers, "Range": "bytes=4-7"}),
    )
    assert [a[0] for a in answers] == [206, 200, 422, 206]
    assert answers[0][2] == media.data[0:4] and answers[3][2] == media.data[4:8]
    assert b'"items"' in answers[1][2]
    assert served.door.served == 2  # the stream and the list; the login and what followed went to Hypercorn


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"GET /api/stream/1 HTTP/1.1\r\n\r\n", 400),  # HTTP/1.1 without Host
        (b"GET /api/stream/1 HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        (b"GET /api/stream/1 HTTP/1.1\r\nHost: a\r\nX-Folded: a\r\n b\r\n\r\n", 401),  # h11 unfolds obs-fold
        (b"GET /api/stream/1 HTTP/1.1\r\nHost : a\r\n\r\n", 400),  # space before the colon
        (b"GET /api/stream/1 HTTP/1.1\r\nHost: a\r\nX-Long: " + b"a" * 100_000 + b"\r\n\r\n", 431),
        (b"GET /api/stream/1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc", 401),  # a body
        (b"get /api/stream/1 HTTP/1.1\r\nHost: a\r\n\r\n", 401),  # methods are case-sensitive: not GET
    ],
)
async def test_what_the_fast_path_does_not_read_is_left_to_hypercorn(serve, raw, expected) -> None:
    """Odd or malformed requests get Hypercorn's answers (h11 decides what is an error)."""
    served = await serve()
    reader, writer = await served.open()
    try:
        writer.write(raw)
        await writer.drain()
        status, _, _ = await read_response(reader)
    finally:
        writer.close()
    assert status == expected
    assert served.door.served == 0


async def test_http_1_0_and_connection_close(serve, user_headers, song_id, media) -> None:
    served = await serve()
    path = f"/api/stream/{song_id}"
    for raw, stays_open in [
        (request(path, {**user_headers, "Range": "bytes=0-1"}, version="1.0"), False),
        # h11 keeps no HTTP/1.0 connection open, keep-alive or not; the fast path leaves 1.0 to it
        (request(path, {**user_headers, "Range": "bytes=0-1", "Connection": "keep-alive"}, version="1.0"), False),
        (request(path, {**user_headers, "Range": "bytes=0-1", "Connection": "close"}), False),
    ]:
        reader, writer = await served.open()
        writer.write(raw)
        status, headers, body = await read_response(reader)
        assert status == 206 and body == media.data[:2]
        if stays_open:
            assert headers.get("connection") == "keep-alive"
            writer.write(raw)
            assert (await read_response(reader))[0] == 206
        else:
            assert headers.get("connection") == "close"
            assert await asyncio.wait_for(reader.read(), 5) == b""  # closed by the server
        writer.close()


async def test_an_idle_connection_is_closed(serve, user_headers, song_id) -> None:
    served = await serve(keep_alive_timeout=0.3)
    reader, writer = await served.open()
    writer.write(request(f"/api/stream/{song_id}", {**user_headers, "Range": "bytes=0-1"}))
    assert (await read_response(reader))[0] == 206
    assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()


@pytest.fixture
async def big_id(add_track, media) -> int:
    """A track of about 3.5 MB (several send chunks)."""
    path = media.root / "big.wav"
    noise = np.random.default_rng(7).uniform(-0.5, 0.5, size=(44_100 * 20, 2))
    soundfile.write(path, noise, 44_100, subtype="PCM_16")
    return await add_track("big.wav", path=path)


async def test_big_bodies_flow_control_and_a_client_that_leaves(serve, user_headers, big_id, media, caplog) -> None:
    served = await serve()
    data = (media.root / "big.wav").read_bytes()
    reader, writer = await served.open()
    writer.write(request(f"/api/stream/{big_id}", user_headers))
    await asyncio.sleep(0.3)  # the server fills the socket and waits for the client
    status, _, body = await read_response(reader)
    assert status == 200 and body == data
    writer.close()

    with caplog.at_level(logging.WARNING):
        reader, writer = await served.open()
        writer.write(request(f"/api/stream/{big_id}", user_headers))
        await reader.readuntil(b"\r\n\r\n")
        await reader.readexactly(1000)
        writer.transport.abort()  # gone mid-body
        await asyncio.sleep(0.3)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    answers = await exchange(served, request(f"/api/stream/{big_id}", {**user_headers, "Range": "bytes=-10"}))
    assert answers[0][2] == data[-10:]
    assert not served.door.connections - {c for c in served.door.connections if not c.lost}


async def test_an_app_failure_answers_500_and_keeps_the_server(serve, core, user_headers, song_id, caplog) -> None:
    class BrokenCache:
        async def lookup(self, ctx: Any, track_id: int) -> None:
            raise RuntimeError("the cache is broken")

    served = await serve()
    core.services.track_cache = BrokenCache()
    with caplog.at_level(logging.ERROR):
        answers = await exchange(served, request(f"/api/stream/{song_id}", user_headers))
    assert answers[0][0] == 500 and b"internal" in answers[0][2]
    assert "the cache is broken" in caplog.text
    core.services.track_cache = None
    assert (await exchange(served, request(f"/api/stream/{song_id}", user_headers)))[0][0] == 200


async def test_an_app_that_raises_before_answering_gets_a_500(serve, core, user_headers, song_id, caplog) -> None:
    async def failing(scope: dict, receive: Any, send: Any) -> None:
        raise RuntimeError("broken app")

    served = await serve()
    served.door.app = failing
    with caplog.at_level(logging.ERROR):
        answers = await exchange(served, request(f"/api/stream/{song_id}", user_headers))
    assert answers[0][0] == 500 and answers[0][1]["content-type"] == "application/json"
    assert answers[0][1]["connection"] == "close"
    assert "broken app" in caplog.text


async def test_middleware_sees_fast_path_requests(serve, core, user_headers, song_id) -> None:
    from starlette.middleware import Middleware

    from sonantica_core.server.app import create_app

    seen: list[str] = []

    class Spy:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                seen.append(scope["path"])
            await self.app(scope, receive, send)

    served = await serve(create_app(core, middleware=[Middleware(Spy)]))
    answers = await exchange(
        served, request(f"/api/stream/{song_id}", {**user_headers, "Range": "bytes=0-0"}), request("/api/caf%C3%A9")
    )
    assert [a[0] for a in answers] == [206, 404]
    assert seen == [f"/api/stream/{song_id}", "/api/café"]  # paths decoded as Hypercorn decodes them
    assert served.door.served == 2


async def test_server_sent_events_stream_through_the_fast_path(serve, core, user_headers) -> None:
    from sonantica_core.bus.notify import emit
    from sonantica_core.contract import TracksChanged

    served = await serve()
    reader, writer = await served.open()
    writer.write(request("/api/events", user_headers))
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    assert head.startswith(b"HTTP/1.1 200") and b"transfer-encoding: chunked" in head.lower()
    assert b"text/event-stream" in head.lower()
    received = b""
    for _ in range(50):  # until the subscription is up and an event arrives as a chunk
        await emit(core, TracksChanged(added=(7,)))
        try:
            received += await asyncio.wait_for(reader.read(65536), 0.2)
        except TimeoutError:
            continue
        if b"tracks.changed" in received:
            break
    assert b"event: tracks.changed" in received and b'"added":[7]' in received
    writer.close()
    assert served.door.served == 1


async def test_shutdown_lets_a_download_finish_and_closes_idle_connections(serve, user_headers, big_id, media) -> None:
    served = await serve(grace=10)
    data = (media.root / "big.wav").read_bytes()
    idle_reader, idle_writer = await served.open()
    idle_writer.write(request(f"/api/stream/{big_id}", {**user_headers, "Range": "bytes=0-0"}))
    assert (await read_response(idle_reader))[0] == 206
    reader, writer = await served.open()
    writer.write(request(f"/api/stream/{big_id}", user_headers))
    await reader.readuntil(b"\r\n\r\n")
    first = await reader.readexactly(100_000)
    served.stop.set()
    await asyncio.sleep(0.2)
    assert await asyncio.wait_for(idle_reader.read(), 5) == b""  # the idle one is closed at once
    rest = await asyncio.wait_for(reader.readexactly(len(data) - len(first)), 10)
    assert first + rest == data
    await asyncio.wait_for(served.task, 15)
    writer.close()
    idle_writer.close()


async def test_a_header_with_a_line_break_never_reaches_the_wire(serve, core, user_headers, song_id, caplog) -> None:
    async def smuggling(scope: dict, receive: Any, send: Any) -> None:
        headers = [(b"content-length", b"0"), (b"x-note", b"a\r\nset-cookie: evil=1")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    served = await serve()
    served.door.app = smuggling
    with caplog.at_level(logging.ERROR):
        answers = await exchange(served, request(f"/api/stream/{song_id}", user_headers))
    assert answers[0][0] == 500 and "set-cookie" not in answers[0][1]
    assert "line break" in caplog.text


async def test_fast_path_off_leaves_every_request_to_hypercorn(make_settings, media, user_headers, song_id) -> None:
    from sonantica_core.context import open_context

    settings = make_settings(MEDIA_PATH=f"music={media.root}", FAST_PATH="false")
    assert settings.fast_path is False
    ctx = await open_context(
        settings, secret_key=settings.secret_key, postgres_url=settings.postgres_url, redis_url=settings.redis_url
    )
    try:
        app = build_app_for_context(ctx)
        sock = _listening_socket()
        port = sock.getsockname()[1]
        stop = asyncio.Event()
        task = asyncio.create_task(serve_web(app, hypercorn_config(settings, sock), stop.wait))
        for _ in range(200):
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                await asyncio.sleep(0.02)
        writer.write(request(f"/api/stream/{song_id}", {**user_headers, "Range": "bytes=0-3"}))
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 206 \r\n")  # h11's status line, no reason phrase (ours: "Partial Content")
        assert await reader.readexactly(4) == media.data[:4]
        writer.close()
        stop.set()
        await asyncio.wait_for(task, 30)
    finally:
        await ctx.close()


async def test_a_serving_web_process_has_its_start_up_heap_frozen(serve: Callable[..., Any]) -> None:
    """What start-up built is out of the garbage collector's full rounds once the server listens."""
    import gc

    await serve()
    assert gc.get_freeze_count() > 10_000
