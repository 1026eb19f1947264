"""The client's address: the peer's, or what a trusted front proxy says it is.

Behind a reverse proxy every peer address is the proxy's, so whatever keys on the
client (the login rate limits, the access log, a session's address) must read the
proxy's ``X-Forwarded-For`` (or, without one, RFC 7239 ``Forwarded``). Anybody can
send those headers, so they count only when the peer is one of ``TRUSTED_PROXIES``.
The list is read right to left, as proxies append to it: the first address that is
not a trusted proxy is the client (a chain of trusted proxies is skipped over); what
stands left of it came from the client and is never believed.

A proxy that sends only ``Forwarded`` must drop a client's ``X-Forwarded-For``: when
both are present, ``X-Forwarded-For`` is read.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    """The networks whose forwarding headers are believed."""

    __slots__ = ("_networks",)

    def __init__(self, networks: Iterable[str]) -> None:
        self._networks: tuple[IPNetwork, ...] = tuple(ipaddress.ip_network(n, strict=False) for n in networks)

    def __bool__(self) -> bool:
        return bool(self._networks)

    def __contains__(self, address: IPAddress) -> bool:
        return any(address in network for network in self._networks)


@lru_cache(maxsize=8)
def trusted_proxies(networks: tuple[str, ...]) -> TrustedProxies:
    """The :class:`TrustedProxies` of a ``TRUSTED_PROXIES`` value (built once per value)."""
    return TrustedProxies(networks)


def _ip(text: str) -> IPAddress | None:
    """``text`` as an address (IPv4-mapped IPv6 as IPv4), or None when it is not one."""
    try:
        ip = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _forwarded_for(value: str) -> Iterable[str]:
    """The ``for=`` nodes of a ``Forwarded`` value, ports and brackets removed."""
    for element in value.split(","):
        for pair in element.split(";"):
            name, _, node = pair.strip().partition("=")
            if name.strip().lower() != "for":
                continue
            node = node.strip().strip('"')
            if node.startswith("["):
                node = node[1 : node.find("]")] if "]" in node else ""
            elif node.count(":") == 1:
                node = node.partition(":")[0]  # IPv4 with a port
            yield node


def _hops(headers: Iterable[tuple[bytes, bytes]]) -> list[str]:
    """The forwarded-for chain, oldest first: every ``X-Forwarded-For``, else every ``Forwarded``."""
    xff: list[str] = []
    forwarded: list[str] = []
    for name, value in headers:
        if name == b"x-forwarded-for":
            xff.extend(value.decode("latin-1").split(","))
        elif name == b"forwarded":
            forwarded.extend(_forwarded_for(value.decode("latin-1")))
    return xff or forwarded


def resolve_client(peer: str | None, headers: Iterable[tuple[bytes, bytes]], trusted: TrustedProxies) -> str | None:
    """The client's address for a connection from ``peer`` with these (lower-case) headers."""
    if not trusted or peer is None:
        return peer
    current = _ip(peer)
    if current is None or current not in trusted:
        return peer
    for hop in reversed(_hops(headers)):
        ip = _ip(hop)
        if ip is None:
            break  # garbage where an address should be: the last proxy that spoke is the client
        current = ip
        if ip not in trusted:
            break
    return str(current)


def scope_client_address(scope: Any) -> str | None:
    """The client's address of an ASGI ``scope`` of the core's app (see the module documentation)."""
    client = scope.get("client")
    peer = client[0] if client else None
    state = getattr(scope.get("app"), "state", None)
    ctx = getattr(state, "core", None)
    if ctx is None or not ctx.settings.trusted_proxies:
        return peer
    return resolve_client(peer, scope.get("headers", ()), trusted_proxies(ctx.settings.trusted_proxies))
