"""``GET /api/events``: server-sent events for the signed-in user.

Every event on the bus is delivered except: scan events (``scan.*``) go to admins
only, and events that name a ``user_id`` go to that user only. A comment line
every 15 seconds keeps proxies from closing an idle stream; the stream ends when
the server shuts down, so it never holds a graceful shutdown up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from sonantica_core.auth.principal import Principal
from sonantica_core.bus.events import subscribe
from sonantica_core.http.middleware.access import current_user
from sonantica_core.http.openapi.docs import api_doc

KEEPALIVE_SECONDS = 15.0


def visible_to(event: dict[str, Any], user: Principal) -> bool:
    """Whether ``user`` may see ``event``."""
    kind = str(event.get("type", ""))
    if kind.startswith("scan.") and not user.is_admin:
        return False
    owner = event.get("user_id")
    return owner is None or owner == user.id


def format_event(event: dict[str, Any]) -> bytes:
    return f"event: {event.get('type', 'message')}\ndata: {json.dumps(event, separators=(',', ':'))}\n\n".encode()


async def _stream(request: Request, user: Principal) -> AsyncIterator[bytes]:
    ctx = request.app.state.core
    stopping: asyncio.Event | None = getattr(request.app.state, "stopping", None)
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=1000)

    async def pump() -> None:
        async for event in subscribe(ctx.redis):
            if visible_to(event, user):
                with contextlib.suppress(asyncio.QueueFull):  # a client that reads nothing loses events
                    queue.put_nowait(event)

    reader = asyncio.create_task(pump())
    yield b": connected\n\n"
    try:
        while True:
            waiters = {asyncio.ensure_future(queue.get())}
            if stopping is not None:
                waiters.add(asyncio.ensure_future(stopping.wait()))
            done, pending = await asyncio.wait(waiters, timeout=KEEPALIVE_SECONDS, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            if stopping is not None and stopping.is_set():
                return
            if reader.done():
                return
            if not done:
                yield b": keep-alive\n\n"
                continue
            for task in done:
                result = task.result()
                if isinstance(result, dict):
                    yield format_event(result)
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await reader


@api_doc(
    "Server-sent events",
    description="Events for the signed-in user as they happen (`event: <type>` and a JSON `data:` line): scan "
    "progress (admins only), analysis results, plays, and events naming this user. A comment every 15 seconds "
    "keeps the stream open.",
    tags=["events"],
    media_types=("text/event-stream",),
    headers={"Cache-Control": "`no-cache`.", "X-Accel-Buffering": "`no` (nginx must not buffer it)."},
)
async def events(request: Request) -> StreamingResponse:
    user = current_user(request)
    return StreamingResponse(
        _stream(request, user),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


routes = [Route("/api/events", events, methods=["GET"])]
