"""Reading request bodies and parameters with clear errors (never a 500).

``await parse_body(request, Model)`` reads at most :data:`MAX_BODY` bytes of JSON
and validates it with a pydantic model: 400 for what is not a JSON object, 413 when
too large (at once when ``Content-Length`` says so, before any of it is read), 408 when
it has not all arrived :data:`BODY_TIMEOUT` seconds after reading began, 422 with the
failing fields in ``details``. Every body the core reads goes through :func:`read_json`.

:func:`parse_id` reads the id of a path segment declared as plain text (404 for anything
but 1..2**63-1); a route declares it ``{name:id}`` instead
(:class:`~sonantica_core.plugins.ids.IdConvertor`) to have the router refuse other
segments before the endpoint runs.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.requests import Request

from sonantica_core.http.errors import ApiError
from sonantica_core.plugins.ids import MAX_ID

#: The largest request body read, bytes.
MAX_BODY = 64 * 1024
#: Seconds a whole request body may take to arrive once reading it begins. Hypercorn times out
#: neither a slow body nor a stalled one (its ``read_timeout`` is per read, so a byte every few
#: seconds renews it; see :func:`~sonantica_core.server.webprocesses.hypercorn_config`).
BODY_TIMEOUT = 30.0
M = TypeVar("M", bound=BaseModel)
#: On an answer before the body was read to its end: the connection cannot carry another request.
_CLOSE = {"Connection": "close"}
_ID = re.compile(r"[1-9][0-9]{0,18}")
#: Characters of a refused id repeated in its 404 message.
_SHOWN_ID_LENGTH = 24

class Body(BaseModel):
    """Base of request bodies: unknown fields are refused, strings are not coerced to numbers."""

    model_config = ConfigDict(extra="forbid", strict=True)


async def read_json(request: Request) -> Any:
    """The request body as JSON (``{}`` when empty), read within :data:`MAX_BODY` and :data:`BODY_TIMEOUT`.

    413 without reading when ``Content-Length`` is larger, or as soon as more has arrived
    (a chunked body); 408 with ``Connection: close`` when the body is still incomplete
    after :data:`BODY_TIMEOUT` seconds (the server then closes the connection, whose
    request it never finished reading); 400 when it is not JSON.
    """
    declared = (request.headers.get("content-length") or "").lstrip("0")
    if declared.isascii() and declared.isdigit() and (len(declared) > len(str(MAX_BODY)) or int(declared) > MAX_BODY):
        raise ApiError(413, f"the request body is larger than {MAX_BODY} bytes", headers=_CLOSE)  # none of it read
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(BODY_TIMEOUT):
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BODY:  # the rest is not read: the server closes the connection after the answer
                    raise ApiError(413, f"the request body is larger than {MAX_BODY} bytes", headers=_CLOSE)
                chunks.append(chunk)
    except TimeoutError:
        raise ApiError(
            408, f"the request body did not arrive within {BODY_TIMEOUT:g} seconds", code="request_timeout",
            headers=_CLOSE,
        ) from None
    raw = b"".join(chunks)
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "the request body is not valid JSON") from None


async def parse_body(request: Request, model: type[M]) -> M:
    """The JSON body validated as ``model``."""
    data = await read_json(request)
    if not isinstance(data, dict):
        raise ApiError(400, "the request body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = [
            {"field": ".".join(str(p) for p in error["loc"]) or "(body)", "problem": error["msg"]}
            for error in exc.errors(include_url=False, include_context=False, include_input=False)
        ]
        raise ApiError(422, "the request body is not valid", details=details) from None


def parse_id(value: str | int, what: str = "item") -> int:
    """A positive 64-bit id (1..2**63-1) from a path parameter; 404 for anything else.

    ``value`` is the segment's text (``abc``, ``-1``, ``1e3``, ``007``, ``²`` are refused) or
    the number an ``{name:id}`` convertor made of it. The 404 says ``no {what} with id {value}``.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        if 1 <= value <= MAX_ID:
            return value
    elif isinstance(value, str) and _ID.fullmatch(value) and int(value) <= MAX_ID:
        return int(value)
    raise ApiError(404, f"no {what} with id {_shown(value)}")


def _shown(value: object) -> str:
    """``value`` as a 404 message may repeat it: printable, and cut short when long."""
    text = "".join(char if char.isprintable() else "?" for char in str(value)[: _SHOWN_ID_LENGTH + 1])
    return text if len(text) <= _SHOWN_ID_LENGTH else text[: _SHOWN_ID_LENGTH - 1] + "…"


def int_param(request: Request, name: str, default: int, minimum: int, maximum: int) -> int:
    """An integer query parameter within bounds; 422 otherwise."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"-?[0-9]{1,19}", raw) or not minimum <= int(raw) <= maximum:
        raise ApiError(422, f"{name} must be a whole number from {minimum} to {maximum}")
    return int(raw)
