"""The client's address: forwarding headers count only from trusted proxies, read right to left."""

from __future__ import annotations

import pytest

from sonantica_core.http.clientaddr import TrustedProxies, resolve_client

TRUSTED = TrustedProxies(["127.0.0.1/32", "10.0.0.0/8", "fd00::/8"])


def headers(*pairs: tuple[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode(), value.encode()) for name, value in pairs]


@pytest.mark.parametrize(
    ("peer", "sent", "client"),
    [
        ("192.0.2.1", [("X-Forwarded-For", "198.51.100.1")], "192.0.2.1"),  # not a proxy: ignored
        ("127.0.0.1", [], "127.0.0.1"),  # a proxy that forwarded nothing
        ("127.0.0.1", [("X-Forwarded-For", "198.51.100.1")], "198.51.100.1"),
        ("::ffff:127.0.0.1", [("X-Forwarded-For", "198.51.100.1")], "198.51.100.1"),
        ("127.0.0.1", [("X-Forwarded-For", "6.6.6.6, 198.51.100.1")], "198.51.100.1"),  # left: the client's
        ("127.0.0.1", [("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-For", "198.51.100.1")], "198.51.100.1"),
        ("127.0.0.1", [("X-Forwarded-For", "198.51.100.1, 10.1.2.3")], "198.51.100.1"),  # a chain of proxies
        ("127.0.0.1", [("X-Forwarded-For", "10.1.2.3")], "10.1.2.3"),  # all trusted: the farthest
        ("127.0.0.1", [("X-Forwarded-For", "garbage, 10.1.2.3")], "10.1.2.3"),
        ("127.0.0.1", [("X-Forwarded-For", "2001:db8::7")], "2001:db8::7"),
        ("127.0.0.1", [("Forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43")], "192.0.2.60"),
        ("127.0.0.1", [("Forwarded", 'for="[2001:db8:cafe::17]:4711"')], "2001:db8:cafe::17"),
        ("127.0.0.1", [("Forwarded", "for=6.6.6.6, for=198.51.100.2:80")], "198.51.100.2"),
        ("127.0.0.1", [("Forwarded", "for=_hidden")], "127.0.0.1"),
        # X-Forwarded-For wins over Forwarded (see the module documentation)
        ("127.0.0.1", [("Forwarded", "for=6.6.6.6"), ("X-Forwarded-For", "198.51.100.3")], "198.51.100.3"),
        (None, [("X-Forwarded-For", "198.51.100.1")], None),
    ],
)
def test_resolve_client(peer: str | None, sent: list[tuple[str, str]], client: str | None) -> None:
    assert resolve_client(peer, headers(*sent), TRUSTED) == client


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    forwarded = headers(("X-Forwarded-For", "198.51.100.1"))
    assert resolve_client("127.0.0.1", forwarded, TrustedProxies([])) == "127.0.0.1"
