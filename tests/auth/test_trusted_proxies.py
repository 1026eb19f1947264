"""Behind a trusted front proxy, login limits count the client's address from X-Forwarded-For."""

from __future__ import annotations

import logging

import httpx
import pytest

from sonantica_core.testing.fixtures import TEST_PASSWORD

PROXY = "127.0.0.1"


@pytest.fixture
def settings(make_settings):
    return make_settings(TRUSTED_PROXIES=f"{PROXY}, 10.9.0.0/16")


def client_from(app, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://sonantica.test")


async def attempt(client: httpx.AsyncClient, username: str, password: str = "wrong password", **headers: str):
    return await client.post("/api/auth/login", json={"username": username, "password": password}, headers=headers)


async def test_clients_behind_the_proxy_are_counted_apart(app, make_user) -> None:
    await make_user("alice")
    async with client_from(app, PROXY) as nginx:
        for i in range(20):  # random usernames from one attacker, through the proxy
            assert (await attempt(nginx, f"nobody{i}", **{"X-Forwarded-For": "203.0.113.9"})).status_code == 401
        blocked = await attempt(nginx, "alice", TEST_PASSWORD, **{"X-Forwarded-For": "203.0.113.9"})
        assert blocked.status_code == 429
        assert blocked.json()["error"]["details"]["limit"] == "address"
        # every other client of the same proxy still signs in
        ok = await attempt(nginx, "alice", TEST_PASSWORD, **{"X-Forwarded-For": "198.51.100.4"})
        assert ok.status_code == 200, ok.text
        forwarded = await attempt(nginx, "alice", TEST_PASSWORD, Forwarded='for="198.51.100.5:4711";proto=https')
        assert forwarded.status_code == 200


async def test_what_the_client_wrote_before_the_proxy_is_not_believed(app, make_user) -> None:
    await make_user("bob")
    async with client_from(app, PROXY) as nginx:
        for i in range(5):  # nginx appends the real address to whatever the client sent
            spoofed = {"X-Forwarded-For": f"192.0.2.{i}, 203.0.113.10"}
            assert (await attempt(nginx, "bob", **spoofed)).status_code == 401
        assert (await attempt(nginx, "bob", **{"X-Forwarded-For": "192.0.2.99, 203.0.113.10"})).status_code == 429
        # a chain of trusted proxies is skipped over: the client is the first untrusted hop
        chained = {"X-Forwarded-For": "203.0.113.10, 10.9.1.1"}
        assert (await attempt(nginx, "bob", TEST_PASSWORD, **chained)).status_code == 429


async def test_forwarding_headers_from_other_peers_are_ignored(app, make_user) -> None:
    await make_user("carol")
    async with client_from(app, "192.0.2.50") as direct:
        for i in range(5):
            assert (await attempt(direct, "carol", **{"X-Forwarded-For": f"198.51.100.{i}"})).status_code == 401
        assert (await attempt(direct, "carol", **{"X-Forwarded-For": "198.51.100.77"})).status_code == 429


async def test_the_access_log_names_the_client(app, user_headers, caplog) -> None:
    access = logging.getLogger("sonantica.access")
    handlers, propagate, level = access.handlers, access.propagate, access.level
    access.handlers, access.propagate = [], True
    access.setLevel(logging.INFO)
    try:
        with caplog.at_level(logging.INFO, logger="sonantica.access"):
            async with client_from(app, PROXY) as nginx:
                await nginx.get("/api/me", headers={**user_headers, "X-Forwarded-For": "198.51.100.8"})
    finally:
        access.handlers, access.propagate = handlers, propagate
        access.setLevel(level)
    lines = [record.getMessage() for record in caplog.records if record.name == "sonantica.access"]
    assert any(line.startswith('198.51.100.8 "GET /api/me"') for line in lines), lines
