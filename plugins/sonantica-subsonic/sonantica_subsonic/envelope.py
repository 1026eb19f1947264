"""The ``subsonic-response`` envelope, in JSON or XML, and the spec's error codes.

A payload is a plain dict, written once and rendered both ways. In XML, following the
Subsonic schema: scalars become attributes, dicts become child elements, lists become
repeated elements of the list's key, and a ``value`` string becomes the element's text
(``<lyrics artist="…">words</lyrics>``). Booleans are ``true``/``false`` in both.
"""

from __future__ import annotations

import enum
import json
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from starlette.responses import Response

from sonantica_core.errors import SonanticaError
from sonantica_subsonic import API_VERSION, __version__

XML_NAMESPACE = "http://subsonic.org/restapi"
SERVER_TYPE = "sonantica"


class ErrorCode(enum.IntEnum):
    """The Subsonic and OpenSubsonic error codes."""

    GENERIC = 0
    MISSING_PARAMETER = 10
    CLIENT_TOO_OLD = 20
    SERVER_TOO_OLD = 30
    WRONG_CREDENTIALS = 40
    TOKEN_AUTH_UNSUPPORTED = 41
    AUTH_MECHANISM_UNSUPPORTED = 42
    CONFLICTING_AUTH = 43
    INVALID_API_KEY = 44
    NOT_AUTHORIZED = 50
    NOT_FOUND = 70


class SubsonicError(SonanticaError):
    """An error the API answers in its envelope: ``code`` and a message a user can read."""

    def __init__(self, code: ErrorCode, message: str, *, http_status: int = 200) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        #: Subsonic answers errors with 200; a few (rate limits) add a real status.
        self.http_status = http_status
        self.headers: dict[str, str] = {}


def missing(name: str) -> SubsonicError:
    return SubsonicError(ErrorCode.MISSING_PARAMETER, f"required parameter is missing: {name}")


def not_found(what: str) -> SubsonicError:
    return SubsonicError(ErrorCode.NOT_FOUND, f"{what} not found")


def envelope(status: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``subsonic-response`` object of a response."""
    body: dict[str, Any] = {
        "status": status,
        "version": API_VERSION,
        "type": SERVER_TYPE,
        "serverVersion": __version__,
        "openSubsonic": True,
    }
    if payload:
        body.update(payload)
    return body


def render(
    fmt: str,
    status: str,
    payload: dict[str, Any] | None = None,
    *,
    http_status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """The envelope around ``payload`` as a response in ``fmt`` (``json`` or ``xml``)."""
    body = envelope(status, payload)
    if fmt == "json":
        data = json.dumps({"subsonic-response": body}, ensure_ascii=False, separators=(",", ":")).encode()
        return Response(data, status_code=http_status, media_type="application/json", headers=headers)
    return Response(to_xml(body), status_code=http_status, media_type="application/xml", headers=headers)


def render_error(fmt: str, error: SubsonicError) -> Response:
    payload = {"error": {"code": int(error.code), "message": error.message}}
    return render(fmt, "failed", payload, http_status=error.http_status, headers=error.headers or None)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _element(name: str, value: dict[str, Any], out: list[str]) -> None:
    attributes, children, text = [], [], None
    for key, item in value.items():
        if item is None:
            continue
        if key == "value" and isinstance(item, str):
            text = item
        elif isinstance(item, dict):
            children.append((key, item))
        elif isinstance(item, list):
            children.extend((key, entry) for entry in item)
        else:
            attributes.append(f" {key}={quoteattr(_scalar(item))}")
    out.append(f"<{name}{''.join(attributes)}")
    if not children and text is None:
        out.append("/>")
        return
    out.append(">")
    if text is not None:
        out.append(escape(text))
    for key, child in children:
        if isinstance(child, dict):
            _element(key, child, out)
        else:  # a list of scalars: <genre>Rock</genre> style
            out.append(f"<{key}>{escape(_scalar(child))}</{key}>")
    out.append(f"</{name}>")


def to_xml(body: dict[str, Any]) -> bytes:
    """The envelope as the Subsonic XML document."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>']
    _element("subsonic-response", {"xmlns": XML_NAMESPACE, **body}, out)
    return "".join(out).encode()
