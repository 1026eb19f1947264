"""Credentials: token auth with a fresh salt per request, failures counted toward the login limits,
never the right credential's own burst."""

from __future__ import annotations

import asyncio
import hashlib
import secrets


def _token(password: str) -> dict[str, str]:
    salt = secrets.token_hex(8)
    return {"t": hashlib.md5((password + salt).encode()).hexdigest(), "s": salt}


async def test_a_burst_of_fresh_salts_all_pass(library) -> None:
    async def one() -> str:
        params = {"u": library.username, **_token(library.app_password), "f": "json", "c": "t", "v": "1.16.1"}
        response = await library.harness.client.get("/rest/ping", params=params)
        return response.json()["subsonic-response"]["status"]

    assert await asyncio.gather(*(one() for _ in range(40))) == ["ok"] * 40


async def test_wrong_passwords_count_toward_the_login_limit(library) -> None:
    wrong = {"u": library.username, "p": "nope", "f": "json"}
    codes = []
    for _ in range(6):
        response = await library.harness.client.get("/rest/ping", params=wrong)
        codes.append((response.status_code, response.json()["subsonic-response"]["error"]["code"]))
    assert codes[:5] == [(200, 40)] * 5 and codes[5] == (429, 40)
    # now even the right app password is refused from this address, with a time to wait...
    right = await library.harness.client.get("/rest/ping", params=library.params())
    assert right.status_code == 429 and int(right.headers["retry-after"]) > 0
    # ...and the core's login shares the counters
    login = await library.harness.client.post("/api/auth/login", json={"username": "alice", "password": "x"})
    assert login.status_code == 429
    # another account from this address is not blocked
    other = {"u": library.other_username, "p": library.other_app_password, "f": "json"}
    assert (await library.harness.client.get("/rest/ping", params=other)).json()["subsonic-response"]["status"] == "ok"


async def test_a_revoked_app_password_stops_working(library) -> None:
    from sonantica_subsonic import auth

    client, bearer = library.harness.client, {"Authorization": f"Bearer {library.api_key}"}
    params = {"u": library.username, **_token(library.app_password), "f": "json"}
    assert (await client.get("/rest/ping", params=params)).json()["subsonic-response"]["status"] == "ok"
    (listed,) = (await client.get("/api/auth/app-passwords", headers=bearer)).json()["app_passwords"]
    assert listed["last_used_at"] is not None
    assert (await client.delete(f"/api/auth/app-passwords/{listed['id']}", headers=bearer)).status_code == 204
    params = {"u": library.username, **_token(library.app_password), "f": "json"}  # a new salt: checked again
    body = (await client.get("/rest/ping", params=params)).json()["subsonic-response"]
    assert body["error"]["code"] == 40
    assert auth.REMEMBER_SECONDS <= 30  # a remembered plain password lasts at most this long


async def test_fresh_salts_open_the_app_passwords_once(library) -> None:
    """A call signed with a fresh salt reads no app password rows once they were opened."""
    from sqlalchemy import event

    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    engine = library.ctx.engine.sync_engine
    params = {"u": library.username, **_token(library.app_password), "f": "json"}
    assert (await library.harness.client.get("/rest/ping", params=params)).json()["subsonic-response"]["status"] == "ok"
    event.listen(engine, "before_cursor_execute", record)
    try:
        for _ in range(5):
            params = {"u": library.username, **_token(library.app_password), "f": "json"}
            response = await library.harness.client.get("/rest/ping", params=params)
            assert response.json()["subsonic-response"]["status"] == "ok"
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert not [s for s in statements if "app_passwords" in s]
