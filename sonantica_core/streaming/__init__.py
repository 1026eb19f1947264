"""Bit-perfect HTTP Range streaming of media files (RFC 9110 §13, §14).

The app resolves a track to an absolute path (and, from its in-process cache, the size, mtime
and content hash it knows), stats the file once, and hands the request over::

    from sonantica_core import streaming

    st = streaming.stat_file(path)                      # one stat per request
    etag = streaming.make_etag(st.size, st.mtime_ns, content_hash if (st.size, st.mtime_ns) == known else None)
    await streaming.send_file(scope, receive, send, path=path, stat=st, etag=etag,
                              headers=[(b"cache-control", b"private, max-age=0")])

or returns ``streaming.FileStreamResponse(path, stat=st, etag=etag)`` from a Starlette endpoint.
Behind nginx, ``streaming.send_accel_redirect`` / ``FileStreamResponse(..., accel=(root, rel))``
let nginx send the bytes, and ``streaming.sign_media_url`` makes URLs nginx verifies alone.
After a rescan, ``streaming.invalidate(path)`` (or ``invalidate(root, prefix=True)``) frees
cached descriptors of changed files; the per-request stat already keeps answers correct.
"""

from .accel import ACCEL_PREFIX, accel_uri, secure_link_token, sign_media_url
from .conditional import Precondition, evaluate_preconditions, if_range_allows
from .etag import make_etag
from .fdcache import FdCache, FileChangedError, FileStat, default_cache, invalidate, stat_file
from .httpdate import format_http_date, parse_http_date
from .media_types import AUDIO_TYPES, content_type_for
from .ranges import MAX_RANGES, ByteRange, RangeOutcome, RangeResult, parse_range
from .reader import stats as read_stats
from .response import FileStreamResponse
from .sender import DEFAULT_CHUNK_SIZE, TruncatedFileError, send_accel_redirect, send_file, send_status

__all__ = [
    "ACCEL_PREFIX",
    "AUDIO_TYPES",
    "DEFAULT_CHUNK_SIZE",
    "MAX_RANGES",
    "ByteRange",
    "FdCache",
    "FileChangedError",
    "FileStat",
    "FileStreamResponse",
    "Precondition",
    "RangeOutcome",
    "RangeResult",
    "TruncatedFileError",
    "accel_uri",
    "content_type_for",
    "default_cache",
    "evaluate_preconditions",
    "format_http_date",
    "if_range_allows",
    "invalidate",
    "make_etag",
    "parse_http_date",
    "parse_range",
    "read_stats",
    "secure_link_token",
    "send_accel_redirect",
    "send_file",
    "send_status",
    "sign_media_url",
    "stat_file",
]
