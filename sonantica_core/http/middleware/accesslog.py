"""A lean access log: one line per request, written after the response ends."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sonantica_core.http.clientaddr import scope_client_address
from sonantica_core.logbuffer import BufferedLineHandler

log = logging.getLogger("sonantica.access")


def log_request(scope: Scope, status: int, sent: int, started: float) -> None:
    """Write the line ``client "METHOD path" status bytes duration`` for a finished request
    (``client`` as :func:`~sonantica_core.http.clientaddr.scope_client_address` sees it).

    When the access log goes to one :class:`~sonantica_core.logbuffer.BufferedLineHandler`
    only (as ``setup_logging`` sets it up), the line is handed to it directly: building a
    log record costs more than many requests."""
    address = scope_client_address(scope) or "-"
    elapsed = (time.perf_counter() - started) * 1000
    message = f'{address} "{scope.get("method", "-")} {scope.get("path", "")}" {status or 500} {sent} {elapsed:.1f}ms'
    handlers = log.handlers
    if len(handlers) == 1 and not log.propagate and not log.filters and isinstance(handlers[0], BufferedLineHandler):
        handlers[0].write_info(log.name, message)
    else:
        log.info("%s", message)


class ResponseMeter:
    """A ``send`` wrapper that notes the status and the body bytes of one response."""

    __slots__ = ("send", "sent", "status")

    def __init__(self, send: Send) -> None:
        self.send = send
        self.status = 0
        self.sent = 0

    async def __call__(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.body":
            self.sent += len(message.get("body", b""))
        elif kind == "http.response.start":
            self.status = message["status"]
        await self.send(message)


def access_log_enabled() -> bool:
    return log.isEnabledFor(logging.INFO)


class AccessLogMiddleware:
    """Log ``client method path status bytes duration`` for every HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not access_log_enabled():
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        meter = ResponseMeter(send)
        try:
            await self.app(scope, receive, meter)
        finally:
            log_request(scope, meter.status, meter.sent, started)
