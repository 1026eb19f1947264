"""``multipart/byteranges`` framing (RFC 9110 §14.6 and RFC 2046 §5.1.1).

The body is laid out as::

    --BOUNDARY CRLF  Content-Type: T CRLF  Content-Range: bytes a-b/LEN CRLF  CRLF  <bytes>
    CRLF --BOUNDARY CRLF  ...headers...  CRLF  <bytes>
    CRLF --BOUNDARY-- CRLF

so its exact length is known before the first byte is sent. The boundary is 24 random hex
digits: the chance that it also occurs in the file is negligible (as in Apache and nginx, which
also do not scan the content).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from .ranges import ByteRange

__all__ = ["MultipartPlan", "plan_multipart"]


@dataclass(frozen=True, slots=True)
class MultipartPlan:
    """Everything needed to send a multipart/byteranges body."""

    content_type: bytes  #: the response's Content-Type value
    parts: tuple[tuple[bytes, ByteRange], ...]  #: (delimiter and part headers, range) in order
    trailer: bytes  #: the close delimiter
    length: int  #: exact Content-Length of the whole body


def plan_multipart(
    ranges: Sequence[ByteRange], size: int, part_type: str, boundary: str | None = None
) -> MultipartPlan:
    """Lay out the parts for ``ranges`` of a ``size``-byte representation of ``part_type``."""
    boundary = boundary or secrets.token_hex(12)
    parts: list[tuple[bytes, ByteRange]] = []
    length = 0
    for i, r in enumerate(ranges):
        head = (b"" if i == 0 else b"\r\n") + (
            f"--{boundary}\r\nContent-Type: {part_type}\r\nContent-Range: {r.content_range(size)}\r\n\r\n"
        ).encode("latin-1")
        parts.append((head, r))
        length += len(head) + r.length
    trailer = f"\r\n--{boundary}--\r\n".encode("latin-1")
    length += len(trailer)
    return MultipartPlan(f"multipart/byteranges; boundary={boundary}".encode("latin-1"), tuple(parts), trailer, length)
