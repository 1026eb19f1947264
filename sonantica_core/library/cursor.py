"""Opaque, signed pagination cursors.

A cursor is the position after the last item of a page: which listing and ordering it
belongs to and the sort values of that item. It travels as base64url JSON with a
truncated HMAC (keyed by the server secret), so a client cannot forge positions and a
damaged or foreign cursor is refused with a clear error instead of a wrong page.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from sonantica_core.errors import SonanticaError

#: Longest cursor accepted (a real one is well under 400 characters).
MAX_CURSOR = 1024
_VERSION = 1
_MAC_BYTES = 12


class CursorError(SonanticaError, ValueError):
    """A cursor that cannot be used, with why."""


def cursor_key(secret: str) -> bytes:
    """The HMAC key for cursors, derived from the server secret."""
    return hashlib.sha256(b"sonantica:cursor:" + secret.encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_cursor(key: bytes, listing: str, values: list[Any]) -> str:
    """A cursor for ``listing`` (e.g. ``"tracks:title:asc"``) holding JSON-able ``values``."""
    body = json.dumps([_VERSION, listing, values], separators=(",", ":"), ensure_ascii=False).encode()
    mac = hmac.new(key, body, hashlib.sha256).digest()[:_MAC_BYTES]
    return f"{_b64(body)}.{_b64(mac)}"


def decode_cursor(key: bytes, listing: str, cursor: str) -> list[Any]:
    """The values of a cursor made by :func:`encode_cursor` for the same ``listing``."""
    if len(cursor) > MAX_CURSOR:
        raise CursorError("the cursor is too long")
    body_text, _, mac_text = cursor.partition(".")
    try:
        body, mac = _unb64(body_text), _unb64(mac_text)
    except (binascii.Error, ValueError):
        raise CursorError("the cursor is not one this server made") from None
    expected = hmac.new(key, body, hashlib.sha256).digest()[:_MAC_BYTES]
    if not hmac.compare_digest(mac, expected):
        raise CursorError("the cursor is not one this server made (or it was changed)")
    try:
        version, made_for, values = json.loads(body)
    except (ValueError, TypeError):
        raise CursorError("the cursor is damaged") from None
    if version != _VERSION or not isinstance(values, list):
        raise CursorError("the cursor is from another version of the server; start again without it")
    if made_for != listing:
        raise CursorError(f"the cursor belongs to another listing or order ({made_for}); start again without it")
    return values
