"""A lean access log: one line per request, written after the response ends."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("sonantica.access")


def log_request(scope: Scope, status: int, sent: int, started: float) -> None:
    """Write the line ``client "METHOD path" status bytes duration`` for a finished request."""
    client = scope.get("client")
    log.info(
        '%s "%s %s" %d %d %.1fms',
        client[0] if client else "-",
        scope.get("method", "-"),
        scope.get("path", ""),
        status or 500,
        sent,
        (time.perf_counter() - started) * 1000,
    )


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


