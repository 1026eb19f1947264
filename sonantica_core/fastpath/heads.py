"""A strict reader of the request heads the fast path answers itself.

It accepts a deliberately narrow subset of HTTP/1.1 (RFC 9112): ``GET`` or ``HEAD`` of a
path in origin form (unreserved and sub-delimiter characters, ``:@/`` and percent-escapes;
any visible query but ``#``), HTTP/1.1 with exactly one ``Host``, lines ended by CRLF,
header fields that are plain ``token: value`` lines, and nothing that announces a
body or a protocol switch (``Content-Length``, ``Transfer-Encoding``, ``Expect``,
``Upgrade``). Anything else, valid or not, is :data:`NOT_OURS`: the connection goes
to the general server (Hypercorn and h11), which answers it, errors included,
exactly as it answers every other request. So the fast path never has to decide
what a malformed request deserves.

An incomplete head is handed on as soon as it cannot become ours: a first byte other than
the ``G`` or ``H`` of ``GET`` and ``HEAD`` (h11 refuses a head that starts with a space or
a control byte before its end arrives), or a complete request line the fast path would
not take.

HTTP/1.0 is not ours either (h11 answers it as HTTP/1.1 and closes the connection after
each response, ``keep-alive`` or not). And an incomplete head is :data:`NEED_MORE` only
while it could still become ours: once it holds a line ended by a bare LF (which h11
takes as a line end, so that h11 may already see a whole head there), it is
:data:`NOT_OURS` at once rather than waiting for a CRLF CRLF that may never come.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

#: Largest head the fast path reads (Hypercorn's h11 limit for an incomplete event).
MAX_HEAD: Final = 16 * 1024

_REQUEST_LINE = re.compile(rb"(GET|HEAD) (/[0-9A-Za-z._~!$&'()*+,;=:@%/-]*)(?:\?([\x21-\x22\x24-\x7e]*))? HTTP/1\.1")
_VISIBLE = rb"[\x21-\x7e\x80-\xff]"
_FIELD_LINE = re.compile(
    rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*"
    rb"((?:" + _VISIBLE + rb"(?:[ \t\x21-\x7e\x80-\xff]*" + _VISIBLE + rb")?)?)[ \t]*"
)
#: How a request line the fast path takes begins (``GET`` or ``HEAD``).
_FIRST_BYTES: Final = frozenset(b"GH")
_DISQUALIFYING: Final = frozenset((b"content-length", b"transfer-encoding", b"expect", b"upgrade"))


@dataclass(slots=True)
class RequestHead:
    """One parsed request head."""

    method: str
    raw_path: bytes
    query_string: bytes
    #: ``(name in lower case, value)`` in the order received, as ASGI wants them.
    headers: list[tuple[bytes, bytes]]
    #: Whether the client allows the connection to stay open after this response.
    keep_alive: bool
    #: Bytes of the buffer this head took, its blank line included.
    length: int


class _Marker:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: The head is not complete yet.
NEED_MORE: Final = _Marker("NEED_MORE")
#: Not a request the fast path answers: hand the connection to the general server.
NOT_OURS: Final = _Marker("NOT_OURS")


def read_head(buffer: bytes | bytearray) -> RequestHead | _Marker:
    """The request head at the start of ``buffer``, :data:`NEED_MORE` or :data:`NOT_OURS`."""
    end = buffer.find(b"\r\n\r\n", 0, MAX_HEAD)
    if end < 0:
        if len(buffer) >= MAX_HEAD or buffer.count(b"\n") != buffer.count(b"\r\n"):
            return NOT_OURS  # too long, or a bare LF: h11 may see a whole head where we do not
        if buffer and buffer[0] not in _FIRST_BYTES:
            return NOT_OURS  # h11 refuses a head starting with a space or a control byte at once
        first_line = buffer.find(b"\r\n")
        if first_line >= 0 and _REQUEST_LINE.fullmatch(buffer, 0, first_line) is None:
            return NOT_OURS  # a request line that is not ours: no use waiting for the rest
        return NEED_MORE
    lines = bytes(buffer[:end]).split(b"\r\n")
    request = _REQUEST_LINE.fullmatch(lines[0])
    if request is None:
        return NOT_OURS
    method, raw_path, query = request.groups()
    headers: list[tuple[bytes, bytes]] = []
    hosts = 0
    connection: list[bytes] = []
    for line in lines[1:]:
        field = _FIELD_LINE.fullmatch(line)
        if field is None:
            return NOT_OURS  # obsolete line folding, a bare CR, a control byte, a space before the colon...
        name = field[1].lower()
        value = field[2]
        if name in _DISQUALIFYING:
            return NOT_OURS
        if name == b"host":
            hosts += 1
        elif name == b"connection":
            connection.extend(token.strip().lower() for token in value.split(b","))
        headers.append((name, value))
    if hosts != 1 or b"upgrade" in connection:
        return NOT_OURS
    return RequestHead(
        method=method.decode("ascii"),
        raw_path=raw_path,
        query_string=query or b"",
        headers=headers,
        keep_alive=b"close" not in connection,
        length=end + 4,
    )
