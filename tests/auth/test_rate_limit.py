"""Login attempts are limited per account and per client address (429 with Retry-After)."""

from __future__ import annotations

import asyncio

import httpx

from sonantica_core.auth.ratelimit import address_key
from sonantica_core.testing.fixtures import TEST_PASSWORD


def client_from(app, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://sonantica.test")


async def attempt(client: httpx.AsyncClient, username: str, password: str = "wrong password"):
    return await client.post("/api/auth/login", json={"username": username, "password": password})


async def test_wrong_passwords_never_lock_the_owner_out_from_elsewhere(app, make_user) -> None:
    await make_user("alice")
    async with client_from(app, "10.0.0.1") as guesser, client_from(app, "10.0.0.2") as owner:
        for _ in range(5):
            assert (await attempt(guesser, "alice")).status_code == 401
        limited = await attempt(guesser, "alice", TEST_PASSWORD)  # even the right password, from there
        assert limited.status_code == 429
        assert 0 < int(limited.headers["retry-after"]) <= 900
        assert limited.json()["error"]["code"] == "too_many_requests"
        assert limited.json()["error"]["details"]["limit"] == "account"
        # the owner, from another address, is not locked out, and their own mistakes count apart
        assert (await attempt(owner, "alice", TEST_PASSWORD)).status_code == 200
        assert (await attempt(owner, "alice")).status_code == 401
        assert (await attempt(owner, "alice", TEST_PASSWORD)).status_code == 200
        # the guesser may still sign in to other accounts
        await make_user("bob")
        assert (await attempt(guesser, "bob", TEST_PASSWORD)).status_code == 200


async def test_only_failures_count(app, make_user) -> None:
    await make_user("dora")
    async with client_from(app, "10.0.0.4") as client:
        for _ in range(25):  # more than either limit, all right
            assert (await attempt(client, "dora", TEST_PASSWORD)).status_code == 200
        for _ in range(5):
            assert (await attempt(client, "dora")).status_code == 401
        assert (await attempt(client, "dora")).status_code == 429


async def test_concurrent_guesses_do_not_slip_past_the_limit(app, make_user) -> None:
    await make_user("erin")
    async with client_from(app, "10.0.0.5") as client:
        answers = await asyncio.gather(*(attempt(client, "erin") for _ in range(15)))
    codes = sorted(answer.status_code for answer in answers)
    assert codes == [401] * 5 + [429] * 10


async def test_success_clears_the_account_counter(app, make_user) -> None:
    await make_user("carol")
    async with client_from(app, "10.0.0.3") as client:
        for _ in range(4):
            assert (await attempt(client, "carol")).status_code == 401
        assert (await attempt(client, "carol", TEST_PASSWORD)).status_code == 200
        for _ in range(5):
            assert (await attempt(client, "carol")).status_code == 401
        assert (await attempt(client, "carol")).status_code == 429


async def test_per_address_limit(app, make_user) -> None:
    names = [f"user{i}" for i in range(7)]
    for name in names:
        await make_user(name)
    async with client_from(app, "192.0.2.7") as attacker, client_from(app, "192.0.2.8") as neighbour:
        for i in range(20):  # spread over accounts so no account limit is reached
            assert (await attempt(attacker, names[i % 7])).status_code == 401
        limited = await attempt(attacker, "user6", TEST_PASSWORD)
        assert limited.status_code == 429
        assert limited.json()["error"]["details"]["limit"] == "address"
        assert int(limited.headers["retry-after"]) > 0
        assert (await attempt(attacker, "someone-new")).status_code == 429
        assert (await attempt(neighbour, "user6", TEST_PASSWORD)).status_code == 200


def test_ipv6_addresses_are_counted_per_64() -> None:
    assert address_key("2001:db8:1:2::1") == address_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert address_key(None) == "unknown"
