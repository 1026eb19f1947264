"""Reading request bodies and parameters with clear errors (never a 500).

``await parse_body(request, Model)`` reads at most :data:`MAX_BODY` bytes of JSON
and validates it with a pydantic model: 400 for what is not a JSON object, 413 when
too large, 422 with the failing fields in ``details``. :func:`parse_id` reads the id of
a path (404 for anything but 1..2**63-1); routes declare such segments ``{name:id}``
(:class:`IdConvertor`) or take them as plain text.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.convertors import IntegerConvertor, register_url_convertor
from starlette.requests import Request

from sonantica_core.http.errors import ApiError

MAX_BODY = 64 * 1024
M = TypeVar("M", bound=BaseModel)
_ID = re.compile(r"^[1-9][0-9]{0,18}$")
MAX_ID = 2**63 - 1
#: Characters of a refused id repeated in its 404 message.
_SHOWN_ID_LENGTH = 24


class Body(BaseModel):
    """Base of request bodies: unknown fields are refused, strings are not coerced to numbers."""

    model_config = ConfigDict(extra="forbid", strict=True)


async def read_json(request: Request) -> Any:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        raise ApiError(413, f"the request body is larger than {MAX_BODY} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise ApiError(413, f"the request body is larger than {MAX_BODY} bytes")
        chunks.append(chunk)
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

    ``value`` is the segment's text (``abc``, ``-1``, ``1e3``, ``007`` are refused) or
    the number an ``{name:int}`` or ``{name:id}`` convertor made of it. The 404 says
    ``no {what} with id {value}``.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        if 1 <= value <= MAX_ID:
            return value
    elif isinstance(value, str) and _ID.match(value) and int(value) <= MAX_ID:
        return int(value)
    raise ApiError(404, f"no {what} with id {_shown(value)}")


def _shown(value: object) -> str:
    """``value`` as a 404 message may repeat it: printable, and cut short when long."""
    text = "".join(char if char.isprintable() else "?" for char in str(value))
    return text if len(text) <= _SHOWN_ID_LENGTH else text[: _SHOWN_ID_LENGTH - 1] + "…"


class IdConvertor(IntegerConvertor):
    """``{name:id}``: digits as ``{name:int}`` reads them, but never a 500 for too many.

    Starlette's ``int`` convertor raises (a 500) past Python's 4300-digit limit; this one
    leaves a segment longer than any id as text, which :func:`parse_id` answers with 404.
    The OpenAPI document describes it as ``int`` (a subclass of its convertor).
    """

    def convert(self, value: str) -> int | str:  # type: ignore[override]
        digits = value.lstrip("0") or "0"
        return int(digits) if len(digits) <= len(str(MAX_ID)) else value


register_url_convertor("id", IdConvertor())


def int_param(request: Request, name: str, default: int, minimum: int, maximum: int) -> int:
    """An integer query parameter within bounds; 422 otherwise."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"-?[0-9]{1,19}", raw) or not minimum <= int(raw) <= maximum:
        raise ApiError(422, f"{name} must be a whole number from {minimum} to {maximum}")
    return int(raw)
