"""A differential fuzzer: the fast path's head reader against h11, as Hypercorn runs it.

Every generated head (hypothesis) is given to :func:`~sonantica_core.fastpath.heads.read_head`
and to an ``h11.Connection`` configured as Hypercorn configures it, in the same pieces
(split writes). At every point where the fast path would look at its buffer (after each
piece) the two must agree:

* fast path takes a request → h11 reads a complete request with the same method, target,
  version 1.1, header fields (names lowercased, values as h11 strips them, same order),
  the same keep-alive decision, no body, and leaves exactly the bytes the fast path
  did not consume;
* fast path waits for more → h11 has neither a request nor an error yet (else Hypercorn
  would have answered, or refused, where the fast path still waits);
* fast path says "not ours" → the connection goes to Hypercorn, which is h11: agreement
  by construction (counted, not compared).

The heads are built from parts chosen to hit what request smuggling and parser confusion
are made of: obsolete line folding, bare LF and bare CR line ends, NUL, CR and other
controls in values, duplicate and conflicting ``Content-Length`` / ``Transfer-Encoding``,
absolute- and authority-form targets, odd versions and methods, spaces around the colon,
overlong lines, many fields, then random byte mutations on top.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import h11
from hypercorn.config import Config as HypercornConfig
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sonantica_core.fastpath.heads import MAX_HEAD, NEED_MORE, NOT_OURS, RequestHead, read_head

#: Examples per property (the fuzzer's case count is the sum over both properties, reported below).
EXAMPLES = 1500
#: Verdicts seen, for the report at the end of the module.
VERDICTS: Counter[str] = Counter()
DIFFERENCES: list[tuple[bytes, str]] = []

_H11_LIMIT = HypercornConfig().h11_max_incomplete_size

METHODS = st.sampled_from([b"GET", b"HEAD", b"POST", b"get", b"GeT", b"OPTIONS", b"G ET", b"GET\x00", b""])
TARGETS = st.one_of(
    st.sampled_from(
        [
            b"/",
            b"/rest/stream/1",
            b"/a?b=c&d=%20",
            b"/a%2F..%2f",
            b"http://sonantica.test/",
            b"http://evil/a?b",
            b"sonantica.test:80",
            b"*",
            b"/a#frag",
            b"//double",
            b"/sp ace",
            b"/\x7f",
            b"/\xc3\xa9",
            b"/a?\x00",
            b"",
        ]
    ),
    st.binary(max_size=24).map(lambda b: b"/" + b),
    st.text(alphabet="abc/%?=&~:@!$'()*+,;.-_#", max_size=30).map(lambda s: b"/" + s.encode()),
)
VERSIONS = st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2.0", b"http/1.1", b"HTTP/1.10", b"HTTP/1", b"HTTP/1.1 "])
NAMES = st.one_of(
    st.sampled_from(
        [
            b"Host",
            b"host",
            b"Content-Length",
            b"content-length",
            b"Transfer-Encoding",
            b"Connection",
            b"Range",
            b"Expect",
            b"Upgrade",
            b"Authorization",
            b"X-A",
            b"Host ",
            b" Host",
            b"Ho st",
            b"Content-Length\x00",
            b"",
            b"\xff",
        ]
    ),
    st.text(alphabet="!#$%&'*+.^_`|~abcXYZ019-", min_size=1, max_size=12).map(str.encode),
)
VALUES = st.one_of(
    st.sampled_from(
        [
            b"sonantica.test",
            b"0",
            b"5",
            b"5, 5",
            b"-1",
            b"+5",
            b"0x10",
            b"chunked",
            b"gzip, chunked",
            b"chunked, gzip",
            b"identity",
            b"close",
            b"keep-alive",
            b"Upgrade",
            b"upgrade, close",
            b"CLOSE",
            b"bytes=0-1",
            b"100-continue",
            b"h2c",
            b"a\x00b",
            b"a\rb",
            b"a\nb",
            b"a\x7fb",
            b"a\tb",
            b"  padded  ",
            b"\t",
            b"\xc3\xa9",
            b"",
        ]
    ),
    st.binary(max_size=16),
)
EOLS = st.sampled_from([b"\r\n"] * 6 + [b"\n", b"\r", b"\r\r\n", b"\n\r"])


GOOD_FIELDS = st.sampled_from(
    [
        b"Range: bytes=0-1",
        b"Range: bytes=10-, -5",
        b"Authorization: Bearer abc.def",
        b"Accept: */*",
        b"Connection: close",
        b"Connection: keep-alive",
        b"Connection: keep-alive, close",
        b"User-Agent: player/1.0 (x)",
        b"If-None-Match: \"abc\"",
        b"X-Empty:",
        b"X-Tabs:\t a \t",
        b"X-High: \xc3\xa9\xff",
    ]
)
#: One thing wrong (or unusual) in an otherwise plain head.
TWEAKS = st.sampled_from(
    [
        b"",
        b"",
        b"",
        b"Content-Length: 0\r\n",
        b"Content-Length: 5\r\nContent-Length: 6\r\n",
        b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n",
        b"Transfer-Encoding: chunked\r\n",
        b"X-Fold: a\r\n b\r\n",
        b"X-Fold: a\r\n\tb\r\n",
        b"X-Nul: a\x00b\r\n",
        b"X-Cr: a\rb\r\n",
        b"X-Lf: a\nb\r\n",
        b"X-Space : a\r\n",
        b" X-Lead: a\r\n",
        b"Host: other\r\n",
        b"Upgrade: websocket\r\nConnection: upgrade\r\n",
        b"Expect: 100-continue\r\n",
        b"X-Del: \x7f\r\n",
    ]
)


PLAIN_PATHS = [b"/", b"/rest/stream/1", b"/api/v1/tracks?page=2&q=%C3%A9", b"/a/b;c=d", b"/~x:@!$&'()*+,="]


@st.composite
def plain_heads(draw: Any) -> bytes:
    """A plain GET or HEAD head, often with one tweak or one damaged byte."""
    method = draw(st.sampled_from([b"GET", b"HEAD"]))
    path = draw(st.sampled_from(PLAIN_PATHS))
    fields = [b"Host: sonantica.test", *draw(st.lists(GOOD_FIELDS, max_size=5))]
    fields = draw(st.permutations(fields))
    head = method + b" " + path + b" HTTP/1.1\r\n" + b"".join(f + b"\r\n" for f in fields)
    head += draw(st.one_of(st.just(b""), TWEAKS)) + b"\r\n"
    if not draw(st.integers(0, 4)):
        at = draw(st.integers(0, len(head) - 1))
        head = head[:at] + draw(st.binary(min_size=1, max_size=1)) + head[at + 1 :]
    return head + draw(st.sampled_from([b"", b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", b"xyz"]))


@st.composite
def hostile_heads(draw: Any) -> bytes:
    """A request head (with perhaps something after it), built to hurt."""
    eol = draw(EOLS)
    line = draw(METHODS) + draw(st.sampled_from([b" ", b"  ", b"\t"])) + draw(TARGETS)
    line += draw(st.sampled_from([b" "] * 8 + [b"  ", b"\t"])) + draw(VERSIONS)
    parts = [line, eol]
    if draw(st.booleans()):
        parts += [b"Host: sonantica.test", draw(EOLS)]
    count = draw(st.integers(0, 6)) if draw(st.integers(0, 9)) else draw(st.integers(50, 400))
    for _ in range(count):
        name, value = draw(NAMES), draw(VALUES)
        colon = draw(st.sampled_from([b": "] * 6 + [b":", b" : ", b":\t", b" :"]))
        parts += [name, colon, value]
        if not draw(st.integers(0, 12)):
            parts += [draw(EOLS), draw(st.sampled_from([b" ", b"\t"])), b"folded"]  # obs-fold
        parts.append(draw(EOLS))
    if not draw(st.integers(0, 15)):
        parts += [b"X-Long: ", b"a" * draw(st.integers(MAX_HEAD - 200, MAX_HEAD + 200)), b"\r\n"]
    parts.append(draw(st.sampled_from([b"\r\n"] * 6 + [b"\n", b"", b"\r", b" \r\n"])))
    data = b"".join(parts)
    for _ in range(draw(st.integers(0, 2))):  # random damage: a byte set, inserted or removed
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        byte = draw(st.binary(min_size=1, max_size=1))
        damaged = [data[:at] + byte + data[at + 1 :], data[:at] + byte + data[at:], data[:at] + data[at + 1 :]]
        data = draw(st.sampled_from(damaged))
    return data + draw(st.sampled_from([b"", b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", b"xyz", b"0\r\n\r\n"]))


def heads() -> st.SearchStrategy[bytes]:
    """Plain heads with a flaw, and hostile ones, in equal parts."""
    return st.one_of(plain_heads(), hostile_heads())


def _h11_verdict(data: bytes) -> tuple[str, Any]:
    """What Hypercorn's h11 makes of ``data``: ("request", details), ("error", status) or ("need", None)."""
    conn = h11.Connection(h11.SERVER, max_incomplete_event_size=_H11_LIMIT)
    conn.receive_data(data)
    try:
        event = conn.next_event()
    except h11.RemoteProtocolError as exc:
        return "error", exc.error_status_hint
    if event is h11.NEED_DATA:
        return "need", None
    assert isinstance(event, h11.Request), event
    try:
        end = conn.next_event()
    except h11.RemoteProtocolError as exc:
        return "error", exc.error_status_hint
    details = {
        "method": event.method,
        "target": event.target,
        "version": event.http_version,
        "headers": [(bytes(name), bytes(value)) for name, value in event.headers],
        "keep_alive": conn.our_state is h11.SEND_RESPONSE and _keep_alive(event),
        "body": end,
        "rest": conn.trailing_data[0],
    }
    return "request", details


def _keep_alive(event: h11.Request) -> bool:
    connection = [v for n, v in event.headers if n == b"connection"]
    tokens = {t.strip().lower() for value in connection for t in value.split(b",")}
    return b"close" not in tokens and event.http_version == b"1.1"


def _compare(buffer: bytes) -> str:
    """The fast path's verdict on ``buffer``; a difference with h11 is recorded."""
    fast = read_head(buffer)
    if fast is NOT_OURS:
        return "not ours"
    kind, details = _h11_verdict(buffer)
    if fast is NEED_MORE:
        if kind != "need":
            DIFFERENCES.append((buffer, f"fast path waits, h11 says {kind} {details}"))
        return "need more"
    assert isinstance(fast, RequestHead)
    if kind != "request":
        DIFFERENCES.append((buffer, f"fast path takes it, h11 says {kind} {details}"))
        return "ours"
    details["target"] = details["target"].partition(b"?")[::2]  # as Hypercorn splits it
    expected = {
        "method": fast.method.encode(),
        "target": (fast.raw_path, fast.query_string),
        "version": b"1.1",
        "headers": fast.headers,
        "keep_alive": fast.keep_alive,
        "body": h11.EndOfMessage(),
        "rest": buffer[fast.length :],
    }
    for key, value in expected.items():
        if details[key] != value:
            DIFFERENCES.append((buffer, f"{key}: fast path {value!r}, h11 {details[key]!r}"))
    return "ours"


def _pieces(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(data)) for c in cuts} | {len(data)})
    return [data[:p] for p in points if p > 0]


FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck), database=None
)


@FUZZ
@given(data=heads())
def test_whole_heads_agree_with_h11(data: bytes) -> None:
    VERDICTS[_compare(data)] += 1
    assert not DIFFERENCES, DIFFERENCES[0]


@FUZZ
@given(data=heads(), cuts=st.lists(st.integers(0, 400), max_size=6))
def test_split_writes_agree_with_h11(data: bytes, cuts: list[int]) -> None:
    """The fast path looks at its buffer after each piece: each of those prefixes must agree."""
    for prefix in _pieces(data, cuts):
        VERDICTS["split " + _compare(prefix)] += 1
        assert not DIFFERENCES, DIFFERENCES[0]


def test_fuzzer_report(capsys: Any) -> None:
    """How many cases the fuzzer ran (run after the two properties), and that none differed."""
    total = sum(VERDICTS.values())
    with capsys.disabled():
        print(f"\nhead fuzzer: {total} comparisons, {len(DIFFERENCES)} differences, {dict(VERDICTS)}")
    if total:  # (0 when this test runs alone)
        assert total >= 2 * EXAMPLES
        assert VERDICTS["ours"] > EXAMPLES // 20, "the generator must reach heads the fast path takes"
    assert not DIFFERENCES
