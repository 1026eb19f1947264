"""The stream route's express lane: ``GET|HEAD /api/stream/{track_id}`` past the general stack.

Players open one request per seek, so this route's per-request cost decides how fast a
seek answers. Through the general stack a request passes five ASGI layers before the
endpoint (server-error handler, access log, authentication with a route search,
exception handler, router with one pattern match per route). The lane does the same
work inline, in the same order and with the same answers:

* the same authentication (:func:`~sonantica_core.http.middleware.access.admit` with the route's
  own declaration: a signed-in user, or a signed URL for this track);
* the same access-log line;
* an unexpected error answers the same 500 (and is logged) when nothing was sent yet.

It applies only where the general stack would add nothing: no ``root_path``, no
cross-origin request while CORS is configured, no extra middleware (a plugin's or a
test's) on the app, no transcode asked (``format``, ``bitrate``, ``timeOffset``...). Everything
else, other methods (405) included, takes the long way.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from sonantica_core.auth.principal import Access
from sonantica_core.http.errors import error_response
from sonantica_core.http.middleware.access import admit
from sonantica_core.http.middleware.accesslog import ResponseMeter, access_log_enabled, log_request
from sonantica_core.http.routes.stream import StreamEndpoint, verify_signed_request
from sonantica_core.transcode import asks_transcode

log = logging.getLogger("sonantica.app")

PREFIX = "/api/stream/"
_METHODS = frozenset(("GET", "HEAD"))
_endpoint = StreamEndpoint()


def lane_applies(scope: Scope, cors: bool) -> bool:
    """Whether ``scope`` is a stream request the lane answers exactly as the stack would."""
    if scope["type"] != "http" or scope["method"] not in _METHODS or scope.get("root_path"):
        return False
    path: str = scope["path"]
    if not path.startswith(PREFIX) or "/" in path[len(PREFIX) :] or len(path) == len(PREFIX):
        return False
    if asks_transcode(scope.get("query_string", b"")):
        return False  # transcodes take the route: the lane is for originals only
    return not (cors and any(name == b"origin" for name, _ in scope["headers"]))


async def serve_stream(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer one stream request (``lane_applies`` said yes) for ``app``."""
    scope["app"] = app
    ctx = app.state.core  # type: ignore[attr-defined]
    params: dict[str, Any] = {"track_id": scope["path"][len(PREFIX) :]}
    scope["path_params"] = params
    started = time.perf_counter()
    meter = ResponseMeter(send)
    try:
        if await admit(ctx, scope, receive, meter, Access.SIGNED, verify_signed_request, params):
            await _endpoint(scope, receive, meter)
    except Exception:
        log.exception("unhandled error on %s %s", scope["method"], scope["path"])
        if meter.status:
            raise  # the response has begun: only closing the connection can tell the client
        await error_response(500, "internal error; the server log has the details")(scope, receive, meter)
    finally:
        if access_log_enabled():
            log_request(scope, meter.status, meter.sent, started)
