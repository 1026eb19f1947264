"""Signing in, refreshing, signing out; access tokens and their expiry."""

from __future__ import annotations

import asyncio
import time

from sonantica_core.auth.tokens import issue_access_token
from sonantica_core.testing.fixtures import TEST_PASSWORD


async def login(client, username: str, password: str = TEST_PASSWORD, **kw):
    return await client.post("/api/auth/login", json={"username": username, "password": password}, **kw)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_login_returns_a_token_pair_that_works(client, make_user) -> None:
    user, _ = await make_user("alice")
    response = await login(client, "ALICE")  # names compare without case
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["user"] == {"id": user.id, "username": "alice", "role": "user"}
    assert body["refresh_token"].startswith("snr_")
    assert 0 < body["expires_in"] <= 900
    me = await client.get("/api/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["username"] == "alice"
    assert me.json()["authenticated_via"] == "token"


async def test_wrong_password_and_unknown_user_look_the_same(client, make_user) -> None:
    await make_user("bob")
    wrong = await login(client, "bob", "not the password")
    unknown = await login(client, "nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "invalid_credentials"


async def test_login_refuses_malformed_bodies(client) -> None:
    for body in (b"not json", b"[1,2]", b'{"username": 5, "password": "x"}', b'{"username": "a"}'):
        response = await client.post("/api/auth/login", content=body, headers={"content-type": "application/json"})
        assert response.status_code in (400, 422), (body, response.text)
        assert "error" in response.json()
    huge = await client.post("/api/auth/login", content=b"{" + b" " * 70_000 + b"}")
    assert huge.status_code == 413


async def test_disabled_account_cannot_sign_in(client, make_user, core) -> None:
    from sqlalchemy import update

    from sonantica_core.db.users import User

    user, _ = await make_user("carol")
    async with core.session() as session:
        await session.execute(update(User).where(User.id == user.id).values(disabled=True))
    response = await login(client, "carol")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "account_disabled"


async def test_expired_access_token_is_refused(client, make_user, core) -> None:
    user, _ = await make_user("dave")
    token, _ = issue_access_token(core.secret_key, user.id, "user", 0, 60, now=time.time() - 3600)
    response = await client.get("/api/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_expired"
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_short_access_token_ttl_expires(make_settings, make_user) -> None:
    import httpx

    from sonantica_core.context import open_context
    from sonantica_core.server.web import build_app_for_context

    settings = make_settings(ACCESS_TOKEN_TTL="1")
    ctx = await open_context(
        settings, secret_key=settings.secret_key, postgres_url=settings.postgres_url, redis_url=settings.redis_url
    )
    try:
        app = build_app_for_context(ctx)
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://t") as client,
        ):
            await make_user("erin")
            body = (await login(client, "erin")).json()
            assert body["expires_in"] <= 1
            assert (await client.get("/api/me", headers=bearer(body["access_token"]))).status_code == 200
            await asyncio.sleep(1.2)
            late = await client.get("/api/me", headers=bearer(body["access_token"]))
            assert late.status_code == 401
            assert late.json()["error"]["code"] == "token_expired"
    finally:
        await ctx.close()


async def test_tampered_and_foreign_tokens_are_refused(client, make_user, core) -> None:
    user, headers = await make_user("frank")
    token = headers["Authorization"].split()[1]
    head, payload, sig = token.split(".")
    tampered = f"{head}.{payload}.{sig[:-2]}{'AA' if sig[-2:] != 'AA' else 'BB'}"
    foreign, _ = issue_access_token("another-secret-" + "y" * 40, user.id, "admin", 0, 600)
    for bad in (tampered, foreign, "not-a-jwt", token + "x", "snt_short"):
        response = await client.get("/api/me", headers=bearer(bad))
        assert response.status_code == 401, bad
    for header in ("Basic dXNlcjpwYXNz", "Bearer", "Token abc"):
        response = await client.get("/api/me", headers={"Authorization": header})
        assert response.status_code == 401, header
