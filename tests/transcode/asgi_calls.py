"""Raw ASGI calls of the app for the transcode tests: a listener that stays, then goes away."""

from __future__ import annotations

import asyncio
import time
from typing import Any


class Listener:
    """One GET of ``path`` on ``app`` as a real client would make it, that can hang up."""

    def __init__(self, app: Any, path: str, headers: dict[str, str]) -> None:
        self.app, self.path, self.headers = app, path, headers
        self.status: int | None = None
        self.body = bytearray()
        self.first_body = asyncio.Event()
        self.finished = asyncio.Event()
        self._gone = asyncio.Event()
        self.gone_at: float | None = None
        self.task: asyncio.Task[None] | None = None

    def start(self) -> Listener:
        self.task = asyncio.ensure_future(self._run())
        return self

    def hang_up(self) -> None:
        self.gone_at = time.monotonic()
        self._gone.set()

    async def _run(self) -> None:
        path, _, query = self.path.partition("?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": query.encode(),
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 80),
            "headers": [(b"host", b"sonantica.test")]
            + [(k.lower().encode(), v.encode()) for k, v in self.headers.items()],
        }
        sent_request = False

        async def receive() -> dict[str, Any]:
            nonlocal sent_request
            if not sent_request:
                sent_request = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await self._gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if self._gone.is_set():
                raise OSError("the client went away")
            if message["type"] == "http.response.start":
                self.status = message["status"]
            elif message["type"] == "http.response.body":
                self.body += message.get("body", b"")
                if message.get("body"):
                    self.first_body.set()

        try:
            await self.app(scope, receive, send)
        finally:
            self.first_body.set()
            self.finished.set()
