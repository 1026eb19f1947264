"""The fast path in front of Hypercorn, and serving the web app with it.

Players seek with one short ranged request each, and clients page through the library
with one GET after another, so the cost of one request decides how fast a seek or a
page answers. Under Hypercorn much of that cost is the server itself (h11's
pure-Python parser, a task group and a stream per request): a request whose app does
nothing costs about as much as our whole stream endpoint. The fast path answers plain
``GET`` and ``HEAD`` requests below that layer, straight from the socket, and leaves
everything else (bodies, upgrades, anything unusual or malformed) to Hypercorn:

* Hypercorn accepts connections through ``loop.create_server`` with a protocol
  factory; while :meth:`FastDoor.installed` is active, each new connection first meets
  a :class:`~.connection.FastConnection` instead, which holds Hypercorn's factory;
* the fast connection runs the same ASGI app, with the scope Hypercorn would give it;
  at the first request it does not take, it gives the connection, unread bytes
  included, to Hypercorn's protocol;
* on shutdown, idle fast connections close at once and busy ones after their
  response, within ``SHUTDOWN_GRACE``, while Hypercorn drains its own.

``FAST_PATH=false`` leaves every request to Hypercorn.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from hypercorn.config import Config as HypercornConfig

from sonantica_core.fastpath.accept import accepting_eagerly, replaced_create_server
from sonantica_core.fastpath.connection import FastConnection
from sonantica_core.fastpath.limits import AddressLimiter, limit_heads

log = logging.getLogger("sonantica.web")


class FastDoor:
    """The fast path of one web process, in front of the ASGI ``app``."""

    def __init__(self, app: Any, *, keep_alive_timeout: float, max_requests: int, root_path: str = "") -> None:
        self.app = limit_heads(app)
        self.keep_alive_timeout = keep_alive_timeout
        self.max_requests = max_requests
        self.root_path = root_path
        self.connections: set[FastConnection] = set()
        self.servers: list[asyncio.AbstractServer] = []
        self.draining = False
        #: Requests answered on the fast path so far.
        self.served = 0

    @property
    def enabled(self) -> bool:
        """Whether new connections meet the fast path (not once shutdown has begun)."""
        return not self.draining

    def protocol_factory(self, fallback: Callable[[], asyncio.BaseProtocol]) -> Callable[[], asyncio.Protocol]:
        """A factory of fast connections that hand off to ``fallback``'s protocols."""
        return lambda: FastConnection(self, fallback)

    @contextlib.contextmanager
    def installed(self, loop: asyncio.AbstractEventLoop) -> Iterator[None]:
        """Put the fast path in front of every server ``loop`` creates in this block."""
        if not self.enabled:
            yield
            return
        create_server = loop.create_server

        async def create_fronted_server(protocol_factory: Callable[[], Any], *args: Any, **kwargs: Any) -> Any:
            server = await create_server(self.protocol_factory(protocol_factory), *args, **kwargs)
            self.servers.append(server)
            return server

        with replaced_create_server(loop, create_fronted_server) as replaced:
            if not replaced:  # an event loop that takes no attributes: no fast path
                log.warning("the stream fast path is off: this event loop cannot take it")
            yield

    async def drain(self, timeout: float) -> None:
        """Stop taking connections; close fast ones when idle; after ``timeout``, cut the rest."""
        self.draining = True
        for server in self.servers:
            server.close()
        for connection in list(self.connections):
            connection.close_when_idle()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.connections and loop.time() < deadline:
            await asyncio.sleep(0.05)
        for connection in list(self.connections):
            connection.abort()


_heap_settled = False


def settle_heap() -> None:
    """Collect, then move every object alive to the permanent generation (``gc.freeze``).

    Called once the app has started: what startup built (modules, routes, plugins,
    pools) lives as long as the process, and a full collection no longer walks it.
    A web process otherwise pauses ~100 ms every few seconds under load for full
    collections that find nothing, which is its slowest response."""
    global _heap_settled
    if not _heap_settled:
        _heap_settled = True
        gc.collect()
        gc.freeze()


def web_server_config(config: HypercornConfig) -> HypercornConfig:
    """``config`` as the fast path needs it: Hypercorn names no server, like the fast path."""
    config.include_server_header = False
    return config


async def serve_web(
    app: Any,
    config: HypercornConfig,
    shutdown_trigger: Callable[[], Awaitable[Any]],
    *,
    door: FastDoor | None = None,
) -> None:
    """Serve ``app`` with Hypercorn and the stream fast path in front, until ``shutdown_trigger`` returns.

    ``door`` defaults to one made from ``config``'s keep-alive settings (none with
    ``FAST_PATH=false``: Hypercorn answers everything). Either way the edge's limits
    (:mod:`~.limits`) apply: header fields per request, connections per address."""
    from hypercorn.asyncio import serve as hypercorn_serve

    settings = app.state.core.settings
    limiter = AddressLimiter(settings.max_connections_per_address, settings.trusted_proxies)

    if door is None and settings.fast_path:
        door = FastDoor(
            app,
            keep_alive_timeout=config.keep_alive_timeout,
            max_requests=config.keep_alive_max_requests,
            root_path=config.root_path,
        )
    draining: list[asyncio.Task[None]] = []

    async def trigger() -> None:
        await shutdown_trigger()
        draining.append(asyncio.create_task(door.drain(config.graceful_timeout)))

    loop = asyncio.get_running_loop()
    limited = limit_heads(app)
    if door is None:
        with accepting_eagerly(loop, on_serving=settle_heap, limiter=limiter):
            await hypercorn_serve(limited, web_server_config(config), shutdown_trigger=shutdown_trigger)  # type: ignore[arg-type]
        return
    with accepting_eagerly(loop, on_serving=settle_heap, limiter=limiter), door.installed(loop):
        try:
            await hypercorn_serve(limited, web_server_config(config), shutdown_trigger=trigger)  # type: ignore[arg-type]
        finally:
            if not draining:
                draining.append(asyncio.create_task(door.drain(0)))
            await draining[0]
