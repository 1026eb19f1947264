"""``/rest/<method>`` (and ``/rest/<method>.view``): one route that authenticates, picks the
format and calls the method's handler. Handlers register with :func:`method`."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sonantica_core.context import CoreContext
from sonantica_core.http.middleware.access import public
from sonantica_subsonic.answers import answer_key, cached_body, keep, user_data_changed, user_version
from sonantica_subsonic.auth import Caller, authenticate
from sonantica_subsonic.envelope import ErrorCode, SubsonicError, render, render_error
from sonantica_subsonic.params import Params

log = logging.getLogger("sonantica.plugins.subsonic")


@dataclass(frozen=True, slots=True)
class Call:
    """One API call: the context, the request, its parameters and (unless public) its caller."""

    ctx: CoreContext
    request: Request
    params: Params
    fmt: str
    caller: Caller | None

    @property
    def user_id(self) -> int:
        assert self.caller is not None
        return self.caller.principal.id

    @property
    def is_admin(self) -> bool:
        return self.caller is not None and self.caller.principal.is_admin


#: A handler returns the payload of a successful response, or a whole response (media).
Handler = Callable[[Call], Awaitable[dict[str, Any] | Response]]


@dataclass(frozen=True, slots=True)
class Method:
    handler: Handler
    public: bool
    admin: bool
    #: Its answers may be kept (see :mod:`sonantica_subsonic.answers`), or those whose parameters say so.
    cached: bool | Callable[[Params], bool]
    #: It changes what the caller's answers show.
    writes: bool


METHODS: dict[str, Method] = {}


def method(
    *names: str,
    public_call: bool = False,
    admin: bool = False,
    cached: bool | Callable[[Params], bool] = False,
    writes: bool = False,
) -> Callable[[Handler], Handler]:
    """Register ``handler`` for the API methods ``names``."""

    def register(handler: Handler) -> Handler:
        for name in names:
            METHODS[name] = Method(handler, public_call, admin, cached, writes)
        return handler

    return register


def response_format(params: Params) -> str:
    """``json`` or ``xml`` (the default); JSONP is refused (it would run our answer as a script)."""
    requested = (params.get("f") or "xml").lower()
    if requested == "jsonp":
        raise SubsonicError(ErrorCode.GENERIC, "jsonp is not supported; use f=json")
    return "json" if requested == "json" else "xml"


async def _cached(call: Call, name: str, handler: Handler) -> Response:
    """``handler``'s answer from the response cache, or computed and kept."""
    user = call.user_id
    key = answer_key(user, await user_version(call.ctx, user), call.fmt, name, call.params.pairs)
    body, generation = await cached_body(call.ctx, key)
    media_type = "application/json" if call.fmt == "json" else "application/xml"
    if body is not None:
        return Response(body, media_type=media_type)
    result = await handler(call)
    response = result if isinstance(result, Response) else render(call.fmt, "ok", result)
    if generation is not None and response.status_code == 200 and not isinstance(result, Response):
        keep(call.ctx, key, generation, bytes(response.body), media_type)
    return response


def build_routes(ctx: CoreContext) -> list[Route]:
    """The routes of ``/rest`` (relative to it)."""

    @public  # the API checks its own credentials (u/p, u/t/s, apiKey)
    async def dispatch(request: Request) -> Response:
        name = request.path_params["name"]
        name = name[:-5] if name.endswith(".view") else name
        try:
            params = await Params.of(request)
        except SubsonicError as error:  # a form too large or not UTF-8: answered as the query asks
            asked = (request.query_params.get("f") or "").lower()
            return render_error("json" if asked in ("json", "jsonp") else "xml", error)
        fmt = "json" if (params.get("f") or "").lower() in ("json", "jsonp") else "xml"  # for its errors
        try:
            fmt = response_format(params)
            found = METHODS.get(name)
            if found is None:
                raise SubsonicError(ErrorCode.NOT_FOUND, f"unknown method {name[:60]!r}", http_status=404)
            caller = None if found.public else await authenticate(ctx, request, params)
            if found.admin and (caller is None or not caller.principal.is_admin):
                raise SubsonicError(ErrorCode.NOT_AUTHORIZED, f"{name} is for admins")
            call = Call(ctx, request, params, fmt, caller)
            keep_answer = found.cached(params) if callable(found.cached) else found.cached
            if keep_answer and caller is not None and request.method != "HEAD":
                return await _cached(call, name, found.handler)
            result = await found.handler(call)
            if found.writes and caller is not None:
                await user_data_changed(ctx, caller.principal.id)
        except SubsonicError as error:
            return render_error(fmt, error)
        except Exception:
            log.exception("subsonic %s failed", name[:60])
            return render_error(
                fmt, SubsonicError(ErrorCode.GENERIC, "the server failed to answer this call", http_status=500)
            )
        if isinstance(result, Response):
            return result
        return render(fmt, "ok", result)

    return [Route("/{name}", dispatch, methods=["GET", "POST", "HEAD"])]
