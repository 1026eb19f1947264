"""A cuttable TCP or Unix-socket relay in front of a real service, for fault tests.

``cut()`` closes every relayed connection and stops listening (the service looks down:
connections drop, new ones are refused); ``stall()`` drops them too but then takes new ones
and never answers (a server that hangs, or a network that drops packets); ``restore()``
relays again. The service itself
is left alone, so the rest of the test session keeps using it.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path


class Relay:
    """Relays connections from its own address to ``target`` (a ``(host, port)`` or a socket path)."""

    def __init__(self, target: tuple[str, int] | Path, listen: Path | None = None) -> None:
        self.target = target
        self.listen = listen
        self.port = 0
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.stalled = False

    async def start(self) -> None:
        if isinstance(self.listen, Path):
            self.listen.unlink(missing_ok=True)
            self._server = await asyncio.start_unix_server(self._relay, path=str(self.listen))
        else:
            self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port)
            self.port = self._server.sockets[0].getsockname()[1]

    async def _open_target(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if isinstance(self.target, Path):
            return await asyncio.open_unix_connection(str(self.target))
        return await asyncio.open_connection(*self.target)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.stalled:  # take the connection, say nothing
            self._writers.add(writer)
            return
        try:
            up_reader, up_writer = await self._open_target()
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                with contextlib.suppress(OSError, RuntimeError):
                    dst.close()

        for task in (asyncio.create_task(pump(reader, up_writer)), asyncio.create_task(pump(up_reader, writer))):
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def cut(self) -> None:
        """Stop listening and drop every relayed connection."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            with contextlib.suppress(OSError, RuntimeError):
                writer.transport.abort()
        self._writers.clear()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.sleep(0)
        if isinstance(self.listen, Path):
            self.listen.unlink(missing_ok=True)

    async def stall(self) -> None:
        """Drop every relayed connection, then accept new ones and never answer them."""
        await self.cut()
        self.stalled = True
        await self.start()

    async def restore(self) -> None:
        """Relay again (on the same address)."""
        if self.stalled:
            await self.cut()
            self.stalled = False
        await self.start()

    async def close(self) -> None:
        await self.cut()
