"""API keys: shown once, listed by prefix, refused the moment they are revoked."""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx

from sonantica_core.auth.state import get_auth_state
from sonantica_core.context import open_context
from sonantica_core.server.web import build_app_for_context


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_create_list_use_revoke(client, make_user) -> None:
    user, headers = await make_user("alice")
    created = await client.post("/api/auth/api-keys", json={"name": "living-room speaker"}, headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    key = body["key"]
    assert key.startswith("snt_") and body["prefix"] == key[:12]

    listed = (await client.get("/api/auth/api-keys", headers=headers)).json()["api_keys"]
    assert [k["name"] for k in listed] == ["living-room speaker"]
    assert "key" not in listed[0] and listed[0]["last_used_at"] is None

    me = await client.get("/api/me", headers=bearer(key))
    assert me.status_code == 200 and me.json()["id"] == user.id
    assert me.json()["authenticated_via"] == "api_key"
    listed = (await client.get("/api/auth/api-keys", headers=headers)).json()["api_keys"]
    assert listed[0]["last_used_at"] is not None

    revoked = await client.delete(f"/api/auth/api-keys/{body['id']}", headers=headers)
    assert revoked.status_code == 204
    after = await client.get("/api/me", headers=bearer(key))  # cached a moment ago, refused now
    assert after.status_code == 401
    assert after.json()["error"]["code"] == "invalid_api_key"
    assert (await client.get("/api/auth/api-keys", headers=headers)).json()["api_keys"] == []
    assert (await client.delete(f"/api/auth/api-keys/{body['id']}", headers=headers)).status_code == 404


async def test_keys_are_private_to_their_owner(client, make_user) -> None:
    _, alice = await make_user("alice")
    _, bob = await make_user("bob")
    key_id = (await client.post("/api/auth/api-keys", json={"name": "k"}, headers=alice)).json()["id"]
    assert (await client.get("/api/auth/api-keys", headers=bob)).json()["api_keys"] == []
    assert (await client.delete(f"/api/auth/api-keys/{key_id}", headers=bob)).status_code == 404
    assert len((await client.get("/api/auth/api-keys", headers=alice)).json()["api_keys"]) == 1


async def test_bad_and_expired_keys(client, make_user, core) -> None:
    from sqlalchemy import update

    from sonantica_core.db.users import ApiKey

    _, headers = await make_user("carol")
    for bad in ("snt_" + "A" * 43, "snt_short", "snt_" + "!" * 43):
        assert (await client.get("/api/me", headers=bearer(bad))).status_code == 401
    key = (await client.post("/api/auth/api-keys", json={"name": "k", "expires_in_days": 1}, headers=headers)).json()
    assert (await client.get("/api/me", headers=bearer(key["key"]))).status_code == 200
    get_auth_state(core).keys.clear()
    async with core.session() as session:
        await session.execute(update(ApiKey).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    assert (await client.get("/api/me", headers=bearer(key["key"]))).status_code == 401
    invalid = await client.post("/api/auth/api-keys", json={"name": ""}, headers=headers)
    assert invalid.status_code == 422


async def test_disabling_a_user_stops_their_keys(client, make_user, admin_headers) -> None:
    user, headers = await make_user("dave")
    key = (await client.post("/api/auth/api-keys", json={"name": "k"}, headers=headers)).json()["key"]
    assert (await client.get("/api/me", headers=bearer(key))).status_code == 200
    patched = await client.patch(f"/api/users/{user.id}", json={"disabled": True}, headers=admin_headers)
    assert patched.status_code == 200
    assert (await client.get("/api/me", headers=bearer(key))).status_code == 401


async def test_revocation_reaches_another_process(client, core, make_user, settings) -> None:
    """A second app (as another web process would) drops the key within moments."""
    _, headers = await make_user("erin")
    created = (await client.post("/api/auth/api-keys", json={"name": "k"}, headers=headers)).json()
    other_ctx = await open_context(
        settings, secret_key=settings.secret_key, postgres_url=settings.postgres_url, redis_url=settings.redis_url
    )
    try:
        other_app = build_app_for_context(other_ctx)
        async with other_app.router.lifespan_context(other_app):
            from sonantica_core.bus.invalidation import get_bus

            await asyncio.wait_for(get_bus(other_ctx).subscribed.wait(), 10)
            transport = httpx.ASGITransport(app=other_app)
            async with httpx.AsyncClient(transport=transport, base_url="http://other") as other:
                assert (await other.get("/api/me", headers=bearer(created["key"]))).status_code == 200
                assert len(get_auth_state(other_ctx).keys) == 1
                assert (await client.delete(f"/api/auth/api-keys/{created['id']}", headers=headers)).status_code == 204
                for _ in range(100):
                    if len(get_auth_state(other_ctx).keys) == 0:
                        break
                    await asyncio.sleep(0.05)
                assert (await other.get("/api/me", headers=bearer(created["key"]))).status_code == 401
    finally:
        await other_ctx.close()
