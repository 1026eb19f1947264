"""Refresh tokens rotate on every use; reusing a rotated one ends every session of the user."""

from __future__ import annotations

from sonantica_core.testing.fixtures import TEST_PASSWORD


async def sign_in(client, make_user, name: str) -> dict:
    await make_user(name)
    response = await client.post("/api/auth/login", json={"username": name, "password": TEST_PASSWORD})
    assert response.status_code == 200, response.text
    return response.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def refresh(client, token: str):
    return await client.post("/api/auth/refresh", json={"refresh_token": token})


async def test_refresh_rotates(client, make_user) -> None:
    first = await sign_in(client, make_user, "alice")
    second = await refresh(client, first["refresh_token"])
    assert second.status_code == 200, second.text
    pair = second.json()
    assert pair["refresh_token"] != first["refresh_token"]
    assert (await client.get("/api/me", headers=bearer(pair["access_token"]))).status_code == 200
    third = await refresh(client, pair["refresh_token"])
    assert third.status_code == 200


async def test_reuse_of_a_rotated_token_revokes_the_family(client, make_user) -> None:
    first = await sign_in(client, make_user, "bob")
    other_device = await sign_in(client, make_user, "bob2")  # another user: untouched
    rotated = (await refresh(client, first["refresh_token"])).json()
    assert (await client.get("/api/me", headers=bearer(rotated["access_token"]))).status_code == 200

    reuse = await refresh(client, first["refresh_token"])  # the stolen copy comes back
    assert reuse.status_code == 401
    assert reuse.json()["error"]["code"] == "refresh_token_reused"

    # the legitimate successor is dead too, and so are the access tokens of that user
    assert (await refresh(client, rotated["refresh_token"])).status_code == 401
    me = await client.get("/api/me", headers=bearer(rotated["access_token"]))
    assert me.status_code == 401
    assert me.json()["error"]["code"] == "token_revoked"
    # a second sign-in of the same user is ended as well (all of the user's refresh tokens)
    # while the other user keeps working
    assert (await refresh(client, other_device["refresh_token"])).status_code == 200
    again = await sign_in(client, make_user, "bob3")
    assert (await refresh(client, again["refresh_token"])).status_code == 200


async def test_reuse_ends_every_session_of_that_user(client, make_user) -> None:
    await make_user("carol")
    sessions = []
    for _ in range(2):
        response = await client.post("/api/auth/login", json={"username": "carol", "password": TEST_PASSWORD})
        sessions.append(response.json())
    stolen = sessions[0]["refresh_token"]
    assert (await refresh(client, stolen)).status_code == 200
    assert (await refresh(client, stolen)).status_code == 401
    assert (await refresh(client, sessions[1]["refresh_token"])).status_code == 401


async def test_unknown_and_malformed_refresh_tokens(client) -> None:
    for token in ("snr_" + "A" * 43, "garbage", "snt_" + "A" * 43):
        response = await refresh(client, token)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_refresh_token"
    assert (await client.post("/api/auth/refresh", json={})).status_code == 422


async def test_expired_refresh_token(client, make_user, core) -> None:
    import datetime as dt

    from sqlalchemy import update

    from sonantica_core.db.users import RefreshToken

    pair = await sign_in(client, make_user, "dave")
    async with core.session() as session:
        await session.execute(
            update(RefreshToken).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    response = await refresh(client, pair["refresh_token"])
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "refresh_token_expired"


async def test_logout_revokes_the_refresh_token(client, make_user) -> None:
    pair = await sign_in(client, make_user, "erin")
    out = await client.post(
        "/api/auth/logout", json={"refresh_token": pair["refresh_token"]}, headers=bearer(pair["access_token"])
    )
    assert out.status_code == 204
    assert (await refresh(client, pair["refresh_token"])).status_code == 401


async def test_logout_everywhere_ends_access_tokens(client, make_user) -> None:
    pair = await sign_in(client, make_user, "fay")
    headers = bearer(pair["access_token"])
    assert (await client.post("/api/auth/logout", json={"everywhere": True}, headers=headers)).status_code == 204
    assert (await client.get("/api/me", headers=headers)).status_code == 401
    assert (await refresh(client, pair["refresh_token"])).status_code == 401


async def test_password_change_ends_other_sessions(client, make_user) -> None:
    pair = await sign_in(client, make_user, "gus")
    headers = bearer(pair["access_token"])
    wrong = await client.post(
        "/api/me/password", json={"current_password": "nope", "new_password": "new password 123"}, headers=headers
    )
    assert wrong.status_code == 403
    changed = await client.post(
        "/api/me/password",
        json={"current_password": TEST_PASSWORD, "new_password": "new password 123"},
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    assert (await client.get("/api/me", headers=headers)).status_code == 401
    assert (await refresh(client, pair["refresh_token"])).status_code == 401
    assert (await client.get("/api/me", headers=bearer(changed.json()["access_token"]))).status_code == 200
    relogin = await client.post("/api/auth/login", json={"username": "gus", "password": "new password 123"})
    assert relogin.status_code == 200
