"""Accepting every waiting connection at each wake-up, on the standard loop and on uvloop."""

from __future__ import annotations

import asyncio
import errno
import os
import socket
from collections.abc import Callable
from typing import Any, ClassVar

import pytest
import uvloop

from sonantica_core.fastpath import accept
from sonantica_core.fastpath.accept import EagerServer, accepting_eagerly

LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "asyncio": asyncio.new_event_loop,
    "uvloop": uvloop.new_event_loop,
}


class Echo(asyncio.Protocol):
    """Answers each chunk with itself; counts the connections made."""

    made: ClassVar[list[Echo]] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        Echo.made.append(self)

    def data_received(self, data: bytes) -> None:
        self.transport.write(data)  # type: ignore[attr-defined]


def _bound() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


def run(loop_name: str, coroutine: Callable[[], Any]) -> Any:
    loop = LOOPS[loop_name]()
    try:
        return loop.run_until_complete(coroutine())
    finally:
        loop.close()


@pytest.mark.parametrize("loop_name", sorted(LOOPS))
def test_a_burst_of_connections_is_accepted_in_one_wake_up(loop_name: str) -> None:
    """20 connections waiting in the kernel's queue all get their protocol from one wake-up
    (uvloop's own server takes one per turn of the loop)."""

    async def scenario() -> None:
        Echo.made = []
        loop = asyncio.get_running_loop()
        sock = _bound()
        server = EagerServer(loop, sock, Echo, backlog=64)
        server.start()
        loop.remove_reader(sock.fileno())  # wake it by hand, once, below
        address = sock.getsockname()
        clients = [socket.create_connection(address) for _ in range(20)]  # handshakes done by the kernel
        server._accept_waiting()
        for _ in range(5):
            await asyncio.sleep(0)
        assert len(Echo.made) == 20
        loop.add_reader(sock.fileno(), server._accept_waiting)
        for client in clients:
            client.setblocking(False)
            await loop.sock_sendall(client, b"ping")
            assert await asyncio.wait_for(loop.sock_recv(client, 4), 5) == b"ping"
        _close_all(*clients)
        server.close()
        await server.wait_closed()

    run(loop_name, scenario)


@pytest.mark.parametrize("loop_name", sorted(LOOPS))
def test_create_server_on_a_socket_is_eager_and_closes_cleanly(loop_name: str) -> None:
    """Inside ``accepting_eagerly``, ``asyncio.start_server(sock=...)`` (what Hypercorn calls) gets an
    EagerServer that serves streams; after close, the port refuses connections and the loop's own
    ``create_server`` is back."""

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        own = loop.create_server
        sock = _bound()
        address = sock.getsockname()
        served: list[str] = []

        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            served.append((await reader.readline()).decode())
            writer.write(b"ok\n")
            await writer.drain()
            writer.close()

        started: list[int] = []
        with accepting_eagerly(loop, on_serving=lambda: started.append(1)):
            server = await asyncio.start_server(answer, sock=sock, backlog=32)
            assert isinstance(server, EagerServer) and server.is_serving() and started == [1]
            reader, writer = await asyncio.open_connection(*address)
            writer.write(b"hello\n")
            assert await asyncio.wait_for(reader.readline(), 5) == b"ok\n"
            writer.close()
            server.close()
            await server.wait_closed()
            assert not server.is_serving() and server.sockets == ()
        assert served == ["hello\n"]
        assert loop.create_server == own
        with pytest.raises(OSError):
            await asyncio.open_connection(*address)

    run(loop_name, scenario)


@pytest.mark.parametrize("loop_name", sorted(LOOPS))
def test_tls_and_host_port_servers_stay_the_loops_own(loop_name: str) -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        with accepting_eagerly(loop):
            server = await loop.create_server(Echo, "127.0.0.1", 0)
            assert not isinstance(server, EagerServer)
            server.close()
            await server.wait_closed()

    run(loop_name, scenario)


class _FailingSocket:
    """A listening socket whose next ``accept`` calls fail with ``errors`` first."""

    def __init__(self, real: socket.socket, *errors: int) -> None:
        self.real = real
        self.errors = list(errors)

    def accept(self) -> tuple[socket.socket, Any]:
        if self.errors:
            code = self.errors.pop(0)
            raise OSError(code, os.strerror(code))
        return self.real.accept()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@pytest.mark.parametrize("loop_name", sorted(LOOPS))
def test_running_out_of_file_descriptors_pauses_accepting_then_resumes(
    loop_name: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(accept, "RESOURCE_PAUSE", 0.05)

    async def scenario() -> None:
        Echo.made = []
        loop = asyncio.get_running_loop()
        real = _bound()
        server = EagerServer(loop, _FailingSocket(real, errno.EMFILE), Echo, backlog=8)  # type: ignore[arg-type]
        server.start()
        client = socket.create_connection(real.getsockname())
        for _ in range(100):
            await asyncio.sleep(0.01)
            if Echo.made:
                break
        assert len(Echo.made) == 1, "the connection is accepted once accepting resumes"
        _close_all(client)
        server.close()

    run(loop_name, scenario)
    assert "accepting connections paused" in caplog.text


@pytest.mark.parametrize("loop_name", sorted(LOOPS))
def test_a_connection_lost_in_the_queue_does_not_hold_up_the_others(loop_name: str) -> None:
    """Errors that belong to one waiting connection (it gave up, its network failed) skip it: the
    rest of the queue is taken in the same wake-up."""

    async def scenario() -> None:
        Echo.made = []
        loop = asyncio.get_running_loop()
        real = _bound()
        failing = _FailingSocket(real, errno.ECONNABORTED, errno.EPROTO, errno.EHOSTUNREACH)
        server = EagerServer(loop, failing, Echo, backlog=8)  # type: ignore[arg-type]
        server.start()
        loop.remove_reader(real.fileno())
        clients = [socket.create_connection(real.getsockname()) for _ in range(3)]
        server._accept_waiting()
        for _ in range(5):
            await asyncio.sleep(0)
        assert len(Echo.made) == 3 and not failing.errors and server.is_serving()
        _close_all(*clients)
        server.close()

    run(loop_name, scenario)


def _close_all(*clients: socket.socket) -> None:
    for client in clients:
        client.close()
    for protocol in Echo.made:
        protocol.transport.close()


@pytest.mark.parametrize("loop_name", sorted(LOOPS))
def test_serve_forever_closes_when_cancelled_and_refuses_a_closed_server(loop_name: str) -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        server = EagerServer(loop, _bound(), Echo, backlog=8)
        task = asyncio.create_task(server.serve_forever())
        await asyncio.sleep(0.01)
        assert server.is_serving() and len(server.sockets) == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not server.is_serving() and server.sockets == ()
        with pytest.raises(RuntimeError):
            await server.serve_forever()

    run(loop_name, scenario)
