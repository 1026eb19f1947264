"""Conditional requests (RFC 9110 §13) end to end: 304, 412 and If-Range."""

from __future__ import annotations

import os
import re

import httpx
import pytest
from streaming_testapp import DATA, SIZE

from sonantica_core.streaming import format_http_date, make_etag, parse_http_date, stat_file


@pytest.fixture
def validators(media_dir) -> tuple[str, int]:
    st = stat_file(media_dir / "track.flac")
    return make_etag(st.size, st.mtime_ns), st.last_modified


def date(seconds: int) -> str:
    return format_http_date(seconds)


def rfc850(seconds: int) -> str:
    import time

    t = time.gmtime(seconds)
    return time.strftime("%A, %d-%b-%y %H:%M:%S GMT", t)


def asctime(seconds: int) -> str:
    import time

    t = time.gmtime(seconds)
    return time.strftime("%a %b ", t) + f"{t.tm_mday:2d}" + time.strftime(" %H:%M:%S %Y", t)


URLS = ["/fast/track.flac", "/resp/track.flac"]


# Templates: {etag} the file's ETag, {weak} it as a weak tag, {lm} Last-Modified, {lm+N} / {lm-N}
# seconds around it, {rfc850} / {asctime} Last-Modified in the obsolete formats.
CASES = [
    # If-None-Match: weak comparison, "*" and lists
    ({"If-None-Match": "{etag}"}, 304),
    ({"If-None-Match": "{weak}"}, 304),
    ({"If-None-Match": "*"}, 304),
    ({"If-None-Match": '"other", {etag}'}, 304),
    ({"If-None-Match": '"other",{weak}'}, 304),
    ({"If-None-Match": '"other"'}, 200),
    ({"If-None-Match": '"other", W/"x"'}, 200),
    ({"If-None-Match": "garbage"}, 200),
    # If-Modified-Since: only when there is no If-None-Match
    ({"If-Modified-Since": "{lm}"}, 304),
    ({"If-Modified-Since": "{lm+3600}"}, 304),
    ({"If-Modified-Since": "{rfc850}"}, 304),
    ({"If-Modified-Since": "{asctime}"}, 304),
    ({"If-Modified-Since": "{lm-1}"}, 200),
    ({"If-Modified-Since": "yesterday"}, 200),
    ({"If-Modified-Since": "{lm}, {lm}"}, 200),  # a list is not a date
    ({"If-None-Match": '"other"', "If-Modified-Since": "{lm+3600}"}, 200),
    ({"If-None-Match": "{etag}", "If-Modified-Since": "{lm-3600}"}, 304),
    # If-Match: strong comparison
    ({"If-Match": "{etag}"}, 200),
    ({"If-Match": "*"}, 200),
    ({"If-Match": '"other", {etag}'}, 200),
    ({"If-Match": "{weak}"}, 412),
    ({"If-Match": '"other"'}, 412),
    # If-Unmodified-Since: only when there is no If-Match
    ({"If-Unmodified-Since": "{lm-1}"}, 412),
    ({"If-Unmodified-Since": "{lm}"}, 200),
    ({"If-Unmodified-Since": "{lm+10}"}, 200),
    ({"If-Unmodified-Since": "not a date"}, 200),
    ({"If-Match": "{etag}", "If-Unmodified-Since": "{lm-1}"}, 200),
    # evaluation order: If-Match before If-None-Match, preconditions before Range
    ({"If-Match": '"other"', "If-None-Match": "{etag}"}, 412),
    ({"If-Unmodified-Since": "{lm-1}", "If-None-Match": "{etag}"}, 412),
    ({"If-None-Match": "{etag}", "Range": "bytes=0-1"}, 304),
    ({"If-Modified-Since": "{lm}", "Range": "bytes=0-1"}, 304),
    ({"If-Match": '"x"', "Range": "bytes=0-1"}, 412),
    ({"If-Match": "{etag}", "Range": "bytes=0-1"}, 206),
]


def fill(template: str, etag: str, lm: int) -> str:
    """Expand the placeholders of :data:`CASES`."""

    def one(m: re.Match[str]) -> str:
        key = m.group(1)
        if key == "etag":
            return etag
        if key == "weak":
            return "W/" + etag
        if key == "rfc850":
            return rfc850(lm)
        if key == "asctime":
            return asctime(lm)
        return date(lm + int(key[2:] or 0))

    return re.sub(r"\{(etag|weak|rfc850|asctime|lm(?:[+-]\d+)?)\}", one, template)


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize(("headers", "status"), CASES, ids=[repr(h) for h, _ in CASES])
async def test_preconditions(
    streaming_client: httpx.AsyncClient, validators: tuple[str, int], url: str, headers: dict[str, str], status: int
) -> None:
    etag, lm = validators
    headers = {k: fill(v, etag, lm) for k, v in headers.items()}
    r = await streaming_client.get(url, headers=headers)
    assert r.status_code == status, headers
    if status == 304:
        assert r.content == b""
        assert r.headers["etag"] == etag
        assert r.headers["last-modified"] == date(lm)
        assert r.headers["cache-control"] == "private, max-age=60"
        assert "content-length" not in r.headers
        assert "content-type" not in r.headers
        head = await streaming_client.head(url, headers=headers)
        assert head.status_code == 304
    elif status == 412:
        assert r.content == b""
    elif status == 200:
        assert r.content == DATA
    else:
        assert r.content == DATA[0:2]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize(
    ("if_range", "honoured"),
    [
        ("etag", True),
        ("weak", False),  # a weak tag never matches strongly
        ('"other"', False),
        ("date", True),  # exactly Last-Modified
        ("date+1", False),
        ("date-1", False),
        ("rfc850", True),
        ("garbage", False),
        ("etag-list", False),
        ("", False),
    ],
)
async def test_if_range(
    streaming_client: httpx.AsyncClient, validators: tuple[str, int], url: str, if_range: str, honoured: bool
) -> None:
    etag, lm = validators
    value = {
        "etag": etag,
        "weak": "W/" + etag,
        "date": date(lm),
        "date+1": date(lm + 1),
        "date-1": date(lm - 1),
        "rfc850": rfc850(lm),
        "etag-list": f"{etag}, {etag}",
    }.get(if_range, if_range)
    r = await streaming_client.get(url, headers={"Range": "bytes=100-199", "If-Range": value})
    if honoured:
        assert r.status_code == 206
        assert r.content == DATA[100:200]
        assert r.headers["content-range"] == f"bytes 100-199/{SIZE}"
    else:
        assert r.status_code == 200
        assert r.content == DATA


async def test_if_range_without_range_is_ignored(streaming_client: httpx.AsyncClient) -> None:
    r = await streaming_client.get("/fast/track.flac", headers={"If-Range": '"other"'})
    assert r.status_code == 200
    assert r.content == DATA


async def test_if_range_false_turns_416_into_200(streaming_client: httpx.AsyncClient) -> None:
    r = await streaming_client.get("/fast/track.flac", headers={"Range": "bytes=99999-", "If-Range": '"other"'})
    assert r.status_code == 200
    assert r.content == DATA


async def test_if_range_with_multiple_ranges(streaming_client: httpx.AsyncClient, validators: tuple[str, int]) -> None:
    etag, _ = validators
    r = await streaming_client.get("/fast/track.flac", headers={"Range": "bytes=0-1,5-6", "If-Range": etag})
    assert r.status_code == 206
    assert r.headers["content-type"].startswith("multipart/byteranges")


async def test_not_modified_after_change(streaming_client: httpx.AsyncClient, media_dir) -> None:
    """A changed file no longer matches its old validators."""
    path = media_dir / "changing.flac"
    path.write_bytes(b"one")
    os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    r1 = await streaming_client.get("/fast/changing.flac")
    path.write_bytes(b"two!")
    os.utime(path, ns=(1_000_000_002_000_000_000, 1_000_000_002_000_000_000))
    r2 = await streaming_client.get("/fast/changing.flac", headers={"If-None-Match": r1.headers["etag"]})
    assert r2.status_code == 200
    assert r2.content == b"two!"
    assert r2.headers["etag"] != r1.headers["etag"]
    r3 = await streaming_client.get("/fast/changing.flac", headers={"If-Modified-Since": r1.headers["last-modified"]})
    assert r3.status_code == 200


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("Sun, 06 Nov 1994 08:49:37 GMT", 784111777),
        ("Sunday, 06-Nov-94 08:49:37 GMT", 784111777),
        ("Sun Nov  6 08:49:37 1994", 784111777),
        ("Sun, 06 Nov 1994 08:49:37 UTC", None),
        ("Sun, 6 Nov 1994 08:49:37 GMT", None),
        ("Sun, 31 Feb 1994 08:49:37 GMT", None),
        ("Sun, 06 Nov 1994 25:49:37 GMT", None),
        ("", None),
    ],
)
def test_http_dates(text: str, seconds: int | None) -> None:
    assert parse_http_date(text) == seconds
