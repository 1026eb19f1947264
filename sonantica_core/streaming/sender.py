"""The raw ASGI file sender: headers, conditionals, ranges, and the bytes.

Why not Starlette's ``FileResponse``: it pays five thread-pool round trips per ranged request
(stat, open, seek, read, close) and one per 64 KiB of a whole file. Here a request costs:

* no thread hop when the bytes are in the page cache: the descriptor comes from
  :class:`~.fdcache.FdCache` (validated against the caller's single ``stat``) and the bytes are
  read with ``preadv2(RWF_NOWAIT)`` on the event loop; one hop reads what is not cached;
* two ASGI messages for a response of at most one chunk; larger bodies go out in chunks of
  ``chunk_size`` from one reusable buffer, so memory per stream is bounded whatever the file size;
* a disconnect watcher only for multi-chunk bodies: a client that goes away stops the reads.

Range handling is GET-only (RFC 9110 §14.2): a HEAD answers with the headers of the 200 a GET
without Range would get. Methods other than GET and HEAD get 405.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import anyio

from sonantica_core.errors import SonanticaError

from .conditional import Precondition, evaluate_preconditions, if_range_allows
from .etag import make_etag
from .fdcache import FdCache, FileStat, OpenFile, default_cache
from .httpdate import format_http_date
from .media_types import content_type_for
from .multipart import plan_multipart
from .ranges import RangeOutcome, parse_range
from .reader import read_into

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "HeaderPairs",
    "Scope",
    "TruncatedFileError",
    "send_accel_redirect",
    "send_file",
    "send_status",
]

Scope = dict[str, Any]
HeaderPairs = Iterable[tuple[str | bytes, str | bytes]]

#: Bytes per ASGI body message for long bodies.
DEFAULT_CHUNK_SIZE = 512 * 1024

_WANTED = {
    b"range": "range",
    b"if-range": "if_range",
    b"if-match": "if_match",
    b"if-none-match": "if_none_match",
    b"if-modified-since": "if_modified_since",
    b"if-unmodified-since": "if_unmodified_since",
}
_CONDITIONAL = ("if_match", "if_none_match", "if_modified_since", "if_unmodified_since")
_ALLOW = [(b"allow", b"GET, HEAD"), (b"content-length", b"0")]


class TruncatedFileError(SonanticaError, OSError):
    """The file became shorter while it was being sent: the response is cut off."""


@lru_cache(maxsize=4096)
def _last_modified(seconds: int) -> bytes:
    return format_http_date(seconds).encode("ascii")


def _as_bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("latin-1")


def _request_headers(scope: Scope) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in scope["headers"]:
        key = _WANTED.get(name) or _WANTED.get(name.lower())
        if key is not None:
            text = value.decode("latin-1")
            found[key] = f"{found[key]}, {text}" if key in found else text
    return found


async def send_status(send: Any, status: int, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> None:
    """Send a complete response with ``status``, ``headers`` and a (usually empty) ``body``."""
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def send_file(
    scope: Scope,
    receive: Any,
    send: Any,
    *,
    path: str,
    stat: FileStat,
    etag: str | None = None,
    content_type: str | None = None,
    headers: HeaderPairs = (),
    cache: FdCache | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> None:
    """Answer an HTTP request for the file at ``path`` whose current identity is ``stat``.

    ``stat`` comes from :func:`~.fdcache.stat_file` in this request (or an equally fresh source);
    ``etag`` defaults to :func:`~.etag.make_etag` of it and ``content_type`` to the type for the
    extension. ``headers`` are added to every answer but 405/412/416 (use them for
    Cache-Control, Content-Disposition...). Raises FileNotFoundError / PermissionError /
    :class:`~.fdcache.FileChangedError` before anything is sent when the file cannot be opened as
    ``stat`` describes; :class:`TruncatedFileError` mid-body if it shrinks while being sent.
    """
    method = scope["method"]
    if method not in ("GET", "HEAD"):
        await send_status(send, 405, list(_ALLOW))
        return
    size = stat.size
    if etag is None:
        etag = make_etag(size, stat.mtime_ns)
    # Never later than the Date of this response (RFC 9110 §8.8.2.1): files stamped in the future.
    last_modified = min(stat.last_modified, int(time.time()))
    req = _request_headers(scope)
    common = [(b"etag", etag.encode("latin-1")), (b"last-modified", _last_modified(last_modified))]
    common.extend((_as_bytes(k).lower(), _as_bytes(v)) for k, v in headers)

    if any(k in req for k in _CONDITIONAL):
        verdict = evaluate_preconditions(
            method,
            etag,
            last_modified,
            if_match=req.get("if_match"),
            if_none_match=req.get("if_none_match"),
            if_modified_since=req.get("if_modified_since"),
            if_unmodified_since=req.get("if_unmodified_since"),
        )
        if verdict is Precondition.NOT_MODIFIED:
            await send_status(send, 304, common)
            return
        if verdict is Precondition.FAILED:
            await send_status(send, 412, [(b"content-length", b"0")])
            return

    ctype = (content_type or content_type_for(path)).encode("latin-1")
    ranges = None
    range_header = req.get("range")
    if range_header is not None and method == "GET" and if_range_allows(req.get("if_range"), etag, last_modified):
        result = parse_range(range_header, size)
        if result.outcome is RangeOutcome.UNSATISFIABLE:
            await send_status(
                send,
                416,
                [(b"content-range", b"bytes */%d" % size), (b"content-length", b"0"), (b"accept-ranges", b"bytes")],
            )
            return
        if result.outcome is RangeOutcome.PARTIAL:
            ranges = result.ranges

    if ranges is None:
        response_headers = [(b"content-type", ctype), (b"content-length", b"%d" % size), (b"accept-ranges", b"bytes")]
        response_headers += common
        if method == "HEAD":
            await send_status(send, 200, response_headers)
            return
        await _send_body(
            scope, receive, send, 200, response_headers, path, stat, cache, chunk_size, [(b"", 0, size)], b""
        )
        return

    if len(ranges) == 1:
        r = ranges[0]
        response_headers = [
            (b"content-type", ctype),
            (b"content-length", b"%d" % r.length),
            (b"content-range", b"bytes %d-%d/%d" % (r.start, r.end, size)),
            (b"accept-ranges", b"bytes"),
        ]
        response_headers += common
        await _send_body(
            scope, receive, send, 206, response_headers, path, stat, cache, chunk_size, [(b"", r.start, r.length)], b""
        )
        return

    plan = plan_multipart(ranges, size, ctype.decode("latin-1"))
    response_headers = [
        (b"content-type", plan.content_type),
        (b"content-length", b"%d" % plan.length),
        (b"accept-ranges", b"bytes"),
    ]
    response_headers += common
    pieces = [(head, r.start, r.length) for head, r in plan.parts]
    await _send_body(scope, receive, send, 206, response_headers, path, stat, cache, chunk_size, pieces, plan.trailer)


async def _send_body(
    scope: Scope,
    receive: Any,
    send: Any,
    status: int,
    headers: list[tuple[bytes, bytes]],
    path: str,
    stat: FileStat,
    cache: FdCache | None,
    chunk_size: int,
    pieces: list[tuple[bytes, int, int]],
    trailer: bytes,
) -> None:
    """Send ``status`` and ``headers``, then each piece: a prefix and ``length`` file bytes."""
    if cache is None:
        cache = default_cache
    entry = cache.acquire(path, stat)  # raises before the response starts
    try:
        total = sum(len(p) + n for p, _, n in pieces) + len(trailer)
        if total <= chunk_size:
            await _send_small(send, status, headers, entry, pieces, trailer, total)
            return
        await send({"type": "http.response.start", "status": status, "headers": headers})
        error: Exception | None = None
        async with anyio.create_task_group() as tg:

            async def watch() -> None:
                while (await receive())["type"] != "http.disconnect":
                    pass
                tg.cancel_scope.cancel()

            tg.start_soon(watch)
            try:
                await _stream(send, entry, pieces, trailer, chunk_size)
            except _ClientGone:
                pass
            except Exception as exc:  # re-raised below, not wrapped in an ExceptionGroup
                error = exc
            tg.cancel_scope.cancel()
        if error is not None:
            raise error
    finally:
        cache.release(entry)


class _ClientGone(SonanticaError):
    """send() failed: ASGI ≥ 2.4 servers raise OSError there when the client went away."""


async def _send_small(
    send: Any,
    status: int,
    headers: list[tuple[bytes, bytes]],
    entry: OpenFile,
    pieces: list[tuple[bytes, int, int]],
    trailer: bytes,
    total: int,
) -> None:
    """The whole body fits one message: read it first, then send start and body."""
    buf = bytearray(total)
    view = memoryview(buf)
    pos = 0
    for prefix, offset, length in pieces:
        view[pos : pos + len(prefix)] = prefix
        pos += len(prefix)
        if length:
            got = await read_into(entry.fd, view[pos : pos + length], offset)
            if got != length:
                raise TruncatedFileError(f"{entry.path!r} is shorter than its stat said")
            pos += length
    view[pos:] = trailer
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": bytes(buf), "more_body": False})


async def _stream(
    send: Any,
    entry: OpenFile,
    pieces: list[tuple[bytes, int, int]],
    trailer: bytes,
    chunk_size: int,
) -> None:
    """Send pieces in messages of at most ``chunk_size`` bytes from one reused buffer."""

    async def emit(body: bytes, more: bool) -> None:
        try:
            await send({"type": "http.response.body", "body": body, "more_body": more})
        except OSError as exc:
            raise _ClientGone from exc

    buf = bytearray(chunk_size)
    view = memoryview(buf)
    fill = 0
    fd = entry.fd

    async def put(data: bytes) -> None:
        nonlocal fill
        pos = 0
        while pos < len(data):
            if fill == chunk_size:
                await emit(bytes(view), True)
                fill = 0
            n = min(chunk_size - fill, len(data) - pos)
            view[fill : fill + n] = data[pos : pos + n]
            fill += n
            pos += n

    for prefix, offset, length in pieces:
        await put(prefix)
        end = offset + length
        while offset < end:
            if fill == chunk_size:
                await emit(bytes(view), True)
                fill = 0
            n = min(chunk_size - fill, end - offset)
            got = await read_into(fd, view[fill : fill + n], offset)
            if got != n:
                raise TruncatedFileError(f"{entry.path!r} is shorter than its stat said")
            fill += n
            offset += n
    await put(trailer)
    await emit(bytes(view[:fill]), False)


async def send_accel_redirect(
    scope: Scope,
    receive: Any,
    send: Any,
    *,
    uri: str,
    content_type: str | None = None,
    headers: HeaderPairs = (),
) -> None:
    """Answer with ``X-Accel-Redirect: uri`` and no body: nginx sends the file itself.

    ``uri`` comes from :func:`~.accel.accel_uri`. nginx evaluates Range and conditionals
    against the file; Content-Type and the ``headers`` given here (Cache-Control,
    Content-Disposition...) are kept by nginx on the final response.
    """
    if scope["method"] not in ("GET", "HEAD"):
        await send_status(send, 405, list(_ALLOW))
        return
    response_headers = [(b"x-accel-redirect", uri.encode("ascii")), (b"content-length", b"0")]
    if content_type:
        response_headers.append((b"content-type", content_type.encode("latin-1")))
    response_headers.extend((_as_bytes(k).lower(), _as_bytes(v)) for k, v in headers)
    await send_status(send, 200, response_headers)
