"""A lean access log: one line per request, written after the response ends."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("sonantica.access")


class AccessLogMiddleware:
    """Log ``client method path status bytes duration`` for every HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0
        sent = 0

        async def send_wrapper(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            client = scope.get("client")
            path = scope.get("path", "")
            log.info(
                '%s "%s %s" %d %d %.1fms',
                client[0] if client else "-",
                scope.get("method", "-"),
                path,
                status or 500,
                sent,
                (time.perf_counter() - started) * 1000,
            )
