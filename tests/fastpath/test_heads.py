"""The head reader: what it takes, what it waits for, and what it leaves to h11 at once."""

from __future__ import annotations

import pytest

from sonantica_core.fastpath.heads import MAX_HEAD, NEED_MORE, NOT_OURS, RequestHead, read_head

GET = b"GET /healthz?a=1 HTTP/1.1\r\nHost: a\r\nRange: bytes=0-1\r\n\r\n"


def test_a_plain_get_is_ours() -> None:
    head = read_head(GET + b"GET /next")
    assert isinstance(head, RequestHead)
    assert (head.method, head.raw_path, head.query_string) == ("GET", b"/healthz", b"a=1")
    assert head.headers == [(b"host", b"a"), (b"range", b"bytes=0-1")]
    assert head.keep_alive and head.length == len(GET)
    assert read_head(GET.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")).keep_alive is False


@pytest.mark.parametrize("cut", [1, 10, 26, 27, len(GET) - 2, len(GET) - 1])
def test_an_incomplete_head_with_crlf_lines_needs_more(cut: int) -> None:
    assert read_head(GET[:cut]) is NEED_MORE


@pytest.mark.parametrize(
    "buffer",
    [
        b"GET /healthz HTTP/1.1\n",  # a bare LF: h11 may see a whole head before we would
        b"GET /healthz HTTP/1.1\r\nHost: a\n",
        b"GET /healthz HTTP/1.1\r\nHost: a\n\r",
        b"GET /healthz HTTP/1.1\nHost: a\n\n",
        b"GET /healthz HTTP/1.1\r\nHost: a\n\r\n",
        b"GET /healthz HTTP/1.0\r\n\r\n",  # HTTP/1.0 is Hypercorn's
        b"GET /healthz HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: a\r\nX: " + b"a" * MAX_HEAD,
    ],
)
def test_what_is_not_ours_is_known_at_once(buffer: bytes) -> None:
    assert read_head(buffer) is NOT_OURS
