"""A password set from the server's shell ends every session, as the admin API's does."""

from __future__ import annotations

from sonantica_core.auth.state import announce_user
from sonantica_core.auth.users import set_password
from sonantica_core.testing.fixtures import TEST_PASSWORD


async def sign_in(client, name: str) -> dict:
    response = await client.post("/api/auth/login", json={"username": name, "password": TEST_PASSWORD})
    assert response.status_code == 200, response.text
    return response.json()


async def test_set_password_ends_refresh_tokens_and_access_tokens(client, core, make_user) -> None:
    await make_user("dana")
    pair = await sign_in(client, "dana")
    async with core.session() as session:
        user = await set_password(session, "dana", "a brand new password")
    assert user.token_generation == 1
    await announce_user(core, user)

    refreshed = await client.post("/api/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert refreshed.status_code == 401
    assert refreshed.json()["error"]["code"] == "invalid_refresh_token"
    me = await client.get("/api/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.status_code == 401
    new = await client.post("/api/auth/login", json={"username": "dana", "password": "a brand new password"})
    assert new.status_code == 200
