"""First-run setup, admin user management, app passwords."""

from __future__ import annotations

import asyncio
import hashlib

from sonantica_core.auth.app_passwords import verify_app_password, verify_subsonic_token
from sonantica_core.db.users import AppPassword


async def test_setup_creates_the_first_admin_once(client) -> None:
    assert (await client.get("/api/setup")).json() == {"needs_setup": True}
    body = {"username": "root", "password": "a long enough password"}
    short = await client.post("/api/setup", json={"username": "root", "password": "short"})
    assert short.status_code == 422
    created = await client.post("/api/setup", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["user"]["role"] == "admin"
    headers = {"Authorization": f"Bearer {created.json()['access_token']}"}
    assert (await client.get("/api/users", headers=headers)).status_code == 200
    assert (await client.get("/api/setup")).json() == {"needs_setup": False}
    again = await client.post("/api/setup", json={"username": "mallory", "password": "a long enough password"})
    assert again.status_code == 409


async def test_setup_is_race_safe(client) -> None:
    bodies = [{"username": f"admin{i}", "password": "a long enough password"} for i in range(4)]
    results = await asyncio.gather(*(client.post("/api/setup", json=b) for b in bodies))
    assert sorted(r.status_code for r in results) == [201, 409, 409, 409]


async def test_admin_manages_users(client, make_user, admin_headers) -> None:
    created = await client.post(
        "/api/users", json={"username": "newbie", "password": "password 1234"}, headers=admin_headers
    )
    assert created.status_code == 201, created.text
    uid = created.json()["id"]
    assert created.json()["role"] == "user"
    duplicate = await client.post(
        "/api/users", json={"username": "NEWBIE", "password": "password 1234"}, headers=admin_headers
    )
    assert duplicate.status_code == 409
    names = [u["username"] for u in (await client.get("/api/users", headers=admin_headers)).json()["users"]]
    assert "newbie" in names
    login = await client.post("/api/auth/login", json={"username": "newbie", "password": "password 1234"})
    token_headers = {"Authorization": f"Bearer {login.json()['access_token']}"}

    promoted = await client.patch(f"/api/users/{uid}", json={"role": "admin"}, headers=admin_headers)
    assert promoted.status_code == 200 and promoted.json()["role"] == "admin"
    # the role change ended the old token: it said "user"
    assert (await client.get("/api/me", headers=token_headers)).status_code == 401

    reset = await client.patch(f"/api/users/{uid}", json={"password": "another password"}, headers=admin_headers)
    assert reset.status_code == 200
    ok = await client.post("/api/auth/login", json={"username": "newbie", "password": "another password"})
    assert ok.status_code == 200 and ok.json()["user"]["role"] == "admin"

    assert (await client.patch(f"/api/users/{uid}", json={"role": "boss"}, headers=admin_headers)).status_code == 422
    assert (await client.patch("/api/users/999999", json={"disabled": True}, headers=admin_headers)).status_code == 404
    assert (await client.patch("/api/users/abc", json={}, headers=admin_headers)).status_code == 404
    assert (await client.delete(f"/api/users/{uid}", headers=admin_headers)).status_code == 204
    assert (await client.delete(f"/api/users/{uid}", headers=admin_headers)).status_code == 404


async def test_the_last_admin_stays(client, make_user) -> None:
    admin, headers = await make_user("only-admin", admin=True)
    for change in ({"role": "user"}, {"disabled": True}):
        response = await client.patch(f"/api/users/{admin.id}", json=change, headers=headers)
        assert response.status_code == 409, change
    assert (await client.delete(f"/api/users/{admin.id}", headers=headers)).status_code == 409
    await make_user("second-admin", admin=True)
    assert (await client.patch(f"/api/users/{admin.id}", json={"role": "user"}, headers=headers)).status_code == 200


async def test_app_passwords(client, make_user, core) -> None:
    user, headers = await make_user("subsonic-fan")
    other, _ = await make_user("other")
    created = await client.post("/api/auth/app-passwords", json={"name": "phone"}, headers=headers)
    assert created.status_code == 201, created.text
    secret = created.json()["password"]
    listed = (await client.get("/api/auth/app-passwords", headers=headers)).json()["app_passwords"]
    assert [p["name"] for p in listed] == ["phone"] and "password" not in listed[0]

    # stored sealed: the secret is not in the row
    async with core.session() as session:
        row = await session.get(AppPassword, created.json()["id"])
        assert secret.encode() not in row.secret_encrypted

    salt = "c19b2d"
    token = hashlib.md5((secret + salt).encode()).hexdigest()
    assert await verify_subsonic_token(core, user, token, salt)
    assert await verify_subsonic_token(core, user.id, token.upper(), salt)
    assert not await verify_subsonic_token(core, user, token, "other-salt")
    assert not await verify_subsonic_token(core, other, token, salt)
    login_token = hashlib.md5(("correct horse battery staple" + salt).encode()).hexdigest()
    assert not await verify_subsonic_token(core, user, login_token, salt)  # never the login password
    assert await verify_app_password(core, user, secret)
    assert not await verify_app_password(core, user, "correct horse battery staple")

    # a sealed secret moved to another user's row does not open
    async with core.session() as session:
        session.add(AppPassword(user_id=other.id, name="stolen", secret_encrypted=row.secret_encrypted))
    assert not await verify_subsonic_token(core, other, token, salt)

    pid = created.json()["id"]
    assert (await client.delete(f"/api/auth/app-passwords/{pid}", headers=headers)).status_code == 204
    assert not await verify_subsonic_token(core, user, token, salt)
    assert (await client.delete(f"/api/auth/app-passwords/{pid}", headers=headers)).status_code == 404
