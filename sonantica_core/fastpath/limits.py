"""Limits at the edge that neither h11 nor Hypercorn sets: header fields per request, connections per address.

* :func:`limit_heads` wraps the web app (for the fast path and Hypercorn alike, so both
  answer the same): a request with more than :data:`MAX_HEADERS` header fields, or whose
  head is larger than ``MAX_HEAD`` (16 KiB), gets 431 before any route runs. (h11's own
  limit on the head only holds while the head is incomplete: a larger one that arrives in
  one read, up to 64 KiB, would pass.)
* :class:`AddressLimiter` counts the open connections of each client address, as
  :class:`~.accept.EagerServer` accepts them: past ``MAX_CONNECTIONS_PER_ADDRESS``, a new
  connection is answered 429 with ``Retry-After`` and closed without reaching any
  protocol. Addresses of ``TRUSTED_PROXIES`` are not counted (every client behind a front
  proxy shares its address).
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Iterable
from typing import Any, Final

from sonantica_core.fastpath.heads import MAX_HEAD
from sonantica_core.http.clientaddr import TrustedProxies

#: Most header fields in one request (browsers send about 20).
MAX_HEADERS: Final = 100
#: Seconds a client refused for too many connections is told to wait.
RETRY_AFTER: Final = 5
#: Addresses remembered before those with no open connection are forgotten.
_SWEEP_AT: Final = 4096


def _refusal(status: int, code: str, message: str, extra: bytes = b"") -> bytes:
    body = _error_body(status, code, message)
    return (
        b"HTTP/1.1 %d \r\ncontent-type: application/json\r\ncontent-length: %d\r\n%sconnection: close\r\n\r\n%s"
        % (status, len(body), extra, body)
    )


def _error_body(status: int, code: str, message: str) -> bytes:
    return json.dumps({"error": {"status": status, "code": code, "message": message}}).encode()


_TOO_MANY_FIELDS = _error_body(431, "too_many_headers", f"more than {MAX_HEADERS} header fields")
_TOO_LARGE = _error_body(431, "head_too_large", f"the request head is larger than {MAX_HEAD} bytes")


def _head_size(scope: dict[str, Any]) -> int:
    """About the bytes of the request head (its line and fields, with their separators)."""
    size = 16 + len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
    for name, value in scope["headers"]:
        size += len(name) + len(value) + 4
    return size


def limit_heads(app: Any) -> Any:
    """``app`` behind the header-field limit (``app`` itself if already behind it)."""
    if getattr(app, "_sonantica_head_limits", False):
        return app

    async def limited(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            body = (
                _TOO_MANY_FIELDS
                if len(scope["headers"]) > MAX_HEADERS
                else _TOO_LARGE
                if len(scope["headers"]) * 4 + 16 > MAX_HEAD or _head_size(scope) > MAX_HEAD
                else None
            )
            if body is not None:
                headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
                await send({"type": "http.response.start", "status": 431, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await app(scope, receive, send)

    limited._sonantica_head_limits = True  # type: ignore[attr-defined]
    limited.state = getattr(app, "state", None)  # type: ignore[attr-defined]
    return limited


TOO_MANY_CONNECTIONS: Final = _refusal(
    429,
    "too_many_connections",
    "too many connections from this address",
    b"retry-after: %d\r\n" % RETRY_AFTER,
)


class _Slot:
    """One counted connection: its transport once the loop has made it."""

    __slots__ = ("done", "transport")

    def __init__(self) -> None:
        self.transport: Any = None
        self.done = False

    @property
    def open(self) -> bool:
        return not self.done and (self.transport is None or not self.transport.is_closing())


class AddressLimiter:
    """Open connections per client address, at most ``limit`` each (0: no limit)."""

    def __init__(self, limit: int, exempt: Iterable[str] = ()) -> None:
        self.limit = limit
        self.exempt = TrustedProxies(exempt)
        self._slots: dict[str, list[_Slot]] = {}
        #: Connections refused so far.
        self.refused = 0

    def admit(self, address: Any) -> _Slot | None:
        """A slot for a new connection from ``address`` (a peer address), or None: refuse it."""
        slot = _Slot()
        if not self.limit or not isinstance(address, tuple) or not address:
            return slot
        host = str(address[0])
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return slot
        if ip in self.exempt:
            return slot
        live = [s for s in self._slots.get(host, ()) if s.open]
        if len(live) >= self.limit:
            self._slots[host] = live
            self.refused += 1
            return None
        live.append(slot)
        self._slots[host] = live
        if len(self._slots) > _SWEEP_AT:
            self.sweep()
        return slot

    def open_connections(self, host: str) -> int:
        """Connections from ``host`` counted as open now."""
        return sum(1 for s in self._slots.get(host, ()) if s.open)

    def sweep(self) -> None:
        """Forget addresses with no open connection left."""
        for host in [h for h, slots in self._slots.items() if not any(s.open for s in slots)]:
            del self._slots[host]

    @staticmethod
    def refuse(conn: socket.socket) -> None:
        """Tell the client why (as far as the socket takes it at once), then close."""
        try:
            conn.setblocking(False)
            conn.send(TOO_MANY_CONNECTIONS)
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        finally:
            conn.close()
