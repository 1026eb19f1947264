"""Range requests (RFC 9110 §14) end to end, against exact bytes and headers."""

from __future__ import annotations

import httpx
import pytest
from streaming_testapp import DATA, SIZE

from sonantica_core.streaming import MAX_RANGES, ByteRange, RangeOutcome, parse_range


@pytest.fixture(params=["fast", "resp"])
def url(request: pytest.FixtureRequest) -> str:
    """Both the raw ASGI route and the Starlette ``FileStreamResponse`` route."""
    return f"/{request.param}/track.flac"


def multipart_body(boundary: str, parts: list[tuple[int, int]], ctype: str = "audio/flac") -> bytes:
    out = b""
    for i, (a, b) in enumerate(parts):
        out += (b"\r\n" if i else b"") + (
            f"--{boundary}\r\nContent-Type: {ctype}\r\nContent-Range: bytes {a}-{b}/{SIZE}\r\n\r\n"
        ).encode()
        out += DATA[a : b + 1]
    return out + f"\r\n--{boundary}--\r\n".encode()


def assert_full(r: httpx.Response) -> None:
    assert r.status_code == 200
    assert r.content == DATA
    assert r.headers["content-length"] == str(SIZE)
    assert r.headers["accept-ranges"] == "bytes"
    assert "content-range" not in r.headers


# (Range header, expected first, expected last)
SINGLE = [
    ("bytes=0-0", 0, 0),
    ("bytes=0-499", 0, 499),
    ("bytes=500-999", 500, 999),
    ("bytes=9999-9999", 9999, 9999),
    ("bytes=9500-", 9500, 9999),
    ("bytes=0-", 0, 9999),
    ("bytes=-500", 9500, 9999),
    ("bytes=-1", 9999, 9999),
    ("bytes=-20000", 0, 9999),  # suffix longer than the file: all of it
    ("bytes=0-20000", 0, 9999),  # last-pos past the end is clamped
    ("bytes=9000-99999999999999999999999999999999999999999", 9000, 9999),
    ("bytes=-99999999999999999999999999999999999999999", 0, 9999),
    ("bytes=0000010-0000019", 10, 19),  # leading zeros are digits too
    ("BYTES=0-1", 0, 1),  # the unit is case-insensitive
    ("Bytes=0-1", 0, 1),
    ("bytes=0-1,", 0, 1),  # empty list elements are ignored
    ("bytes=,0-1", 0, 1),
    ("bytes=0-1 ,\t, ", 0, 1),
    ("bytes=20000-30000,0-1", 0, 1),  # unsatisfiable members are dropped
    ("bytes=-0,5-6", 5, 6),
    ("bytes=0-99,50-149", 0, 149),  # overlapping: coalesced into one part
    ("bytes=0-1,2-3", 0, 3),  # adjacent: coalesced
    ("bytes=100-199,0-9999", 0, 9999),
]


@pytest.mark.parametrize(("header", "first", "last"), SINGLE)
async def test_single_range(streaming_client: httpx.AsyncClient, url: str, header: str, first: int, last: int) -> None:
    r = await streaming_client.get(url, headers={"Range": header})
    assert r.status_code == 206
    assert r.content == DATA[first : last + 1]
    assert r.headers["content-range"] == f"bytes {first}-{last}/{SIZE}"
    assert r.headers["content-length"] == str(last - first + 1)
    assert r.headers["content-type"] == "audio/flac"
    assert r.headers["accept-ranges"] == "bytes"
    assert r.headers["etag"].startswith('"')


MULTI = [
    ("bytes=0-1,3-4", [(0, 1), (3, 4)]),
    ("bytes=0-1 , 3-4", [(0, 1), (3, 4)]),
    ("bytes=0-1,\t3-4", [(0, 1), (3, 4)]),
    ("bytes=9000-9099,0-99,-10", [(9000, 9099), (0, 99), (9990, 9999)]),  # request order kept
    ("bytes=500-599,0-99,50-149", [(500, 599), (0, 149)]),  # merged part sits at its first member
    ("bytes=0-0,2-2,4-4,6-6,8-8", [(0, 0), (2, 2), (4, 4), (6, 6), (8, 8)]),
    ("bytes=10-19,10000-,30-39", [(10, 19), (30, 39)]),
]


@pytest.mark.parametrize(("header", "parts"), MULTI)
async def test_multiple_ranges(
    streaming_client: httpx.AsyncClient, url: str, header: str, parts: list[tuple[int, int]]
) -> None:
    r = await streaming_client.get(url, headers={"Range": header})
    assert r.status_code == 206
    ctype = r.headers["content-type"]
    assert ctype.startswith("multipart/byteranges; boundary=")
    boundary = ctype.split("boundary=", 1)[1]
    assert r.content == multipart_body(boundary, parts)
    assert r.headers["content-length"] == str(len(r.content))
    assert "content-range" not in r.headers


async def test_many_ranges_up_to_the_cap(streaming_client: httpx.AsyncClient, url: str) -> None:
    parts = [(i * 100, i * 100 + 9) for i in range(MAX_RANGES)]
    header = "bytes=" + ",".join(f"{a}-{b}" for a, b in parts)
    r = await streaming_client.get(url, headers={"Range": header})
    assert r.status_code == 206
    boundary = r.headers["content-type"].split("boundary=", 1)[1]
    assert r.content == multipart_body(boundary, parts)


UNSATISFIABLE = [
    "bytes=10000-",
    "bytes=10000-10001",
    "bytes=20000-30000",
    "bytes=-0",
    "bytes=10000-,-0",
    "bytes=99999999999999999999999999999999999999999-",
]


@pytest.mark.parametrize("header", UNSATISFIABLE)
async def test_unsatisfiable(streaming_client: httpx.AsyncClient, url: str, header: str) -> None:
    r = await streaming_client.get(url, headers={"Range": header})
    assert r.status_code == 416
    assert r.headers["content-range"] == f"bytes */{SIZE}"
    assert r.content == b""


IGNORED = [
    "items=0-1",  # unknown unit
    "bytes 0-1",
    "bytes=5-4",  # last-pos < first-pos: invalid
    "bytes=99999999999999999999999999999999999999999-99999999999999999999999999999999999999998",
    "bytes=abc",
    "bytes=1-2-3",
    "bytes = 1-2",
    "bytes =1-2",
    "bytes= 1-2",
    "bytes=1 -2",
    "bytes=1- 2",
    "bytes=+1-2",
    "bytes=1-+2",
    "bytes=-+2",
    "bytes=--2",
    "bytes=-",
    "bytes=0x10-20",
    "bytes=1.5-2",
    "bytes=1e3-",
    "bytes=",
    "bytes=,",
    "bytes",
    "=0-1",
    "bytes=0-1,abc",
    "bytes=0-1;q=1",
    "bytes=\u0661-2",  # ARABIC-INDIC DIGIT ONE is not a DIGIT
    "bytes=0-1,5-4",
    "bytes=" + ",".join(f"{i}-{i}" for i in range(0, 2 * (MAX_RANGES + 1), 2)),  # too many ranges
]


@pytest.mark.parametrize("header", IGNORED)
async def test_ignored_range_serves_everything(streaming_client: httpx.AsyncClient, url: str, header: str) -> None:
    r = await streaming_client.get(url, headers={"Range": header.encode("utf-8")})
    assert_full(r)


async def test_no_range(streaming_client: httpx.AsyncClient, url: str) -> None:
    r = await streaming_client.get(url)
    assert_full(r)
    assert r.headers["content-type"] == "audio/flac"
    assert r.headers["cache-control"] == "private, max-age=60"
    assert r.headers["last-modified"].endswith(" GMT")


@pytest.mark.parametrize("header", [None, "bytes=0-1", "bytes=0-1,4-5", "bytes=99999-"])
async def test_head_has_the_headers_of_get_without_range(
    streaming_client: httpx.AsyncClient, url: str, header: str | None
) -> None:
    """Range is defined for GET only (RFC 9110 §14.2): HEAD answers like a plain GET."""
    h = {"Range": header} if header else {}
    head = await streaming_client.head(url, headers=h)
    get = await streaming_client.get(url)
    assert head.status_code == 200
    assert head.content == b""
    assert dict(head.headers) == dict(get.headers)


async def test_other_methods_are_refused(streaming_client: httpx.AsyncClient) -> None:
    r = await streaming_client.post("/fast/track.flac", headers={"Range": "bytes=0-1"})
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize("header", [None, "bytes=0-1", "bytes=-5"])
async def test_empty_file(streaming_client: httpx.AsyncClient, header: str | None) -> None:
    r = await streaming_client.get("/fast/empty.flac", headers={"Range": header} if header else {})
    assert r.status_code == 200
    assert r.content == b""
    assert r.headers["content-length"] == "0"


async def test_missing_file(streaming_client: httpx.AsyncClient) -> None:
    assert (await streaming_client.get("/fast/nope.flac")).status_code == 404
    assert (await streaming_client.get("/resp/nope.flac")).status_code == 404


# Unit level: the parser alone, including field-value whitespace that HTTP stacks strip.
@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (" bytes=1-2 ", (ByteRange(1, 2),)),
        ("\tbytes=1-2", (ByteRange(1, 2),)),
        ("bytes=1-2\t", (ByteRange(1, 2),)),
        ("bytes=0-0,0-0,0-0", (ByteRange(0, 0),)),
        ("bytes=-5,0-1", (ByteRange(5, 9), ByteRange(0, 1))),
    ],
)
def test_parse_range_units(header: str, expected: tuple[ByteRange, ...]) -> None:
    result = parse_range(header, 10)
    assert result.outcome is RangeOutcome.PARTIAL
    assert result.ranges == expected


def test_parse_range_outcomes() -> None:
    assert parse_range(None, 10).outcome is RangeOutcome.IGNORE
    assert parse_range("bytes=10-", 10).outcome is RangeOutcome.UNSATISFIABLE
    assert parse_range("bytes=0-", 0).outcome is RangeOutcome.IGNORE
    assert parse_range("bytes=1-2", 10).ranges[0].content_range(10) == "bytes 1-2/10"
