"""Changes made in one web process reach the others through the invalidation bus."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from sonantica_core.auth.state import get_auth_state
from sonantica_core.bus.invalidation import get_bus
from sonantica_core.context import open_context
from sonantica_core.server.web import build_app_for_context


@asynccontextmanager
async def second_process(settings: Any) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    """Another app on the same database and Redis, as a second web process would be."""
    ctx = await open_context(
        settings, secret_key=settings.secret_key, postgres_url=settings.postgres_url, redis_url=settings.redis_url
    )
    try:
        app = build_app_for_context(ctx)
        async with app.router.lifespan_context(app):
            await asyncio.wait_for(get_bus(ctx).subscribed.wait(), 10)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as client:
                yield ctx, client
    finally:
        await ctx.close()


async def eventually(check, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "not propagated in time"
        await asyncio.sleep(0.05)


async def test_the_directory_is_loaded_at_start(settings, make_user) -> None:
    user, headers = await make_user("early")
    async with second_process(settings) as (ctx, client):
        assert get_auth_state(ctx).directory.known(user.id)
        assert (await client.get("/api/me", headers=headers)).status_code == 200


async def test_disable_and_role_change_reach_other_processes(client, settings, make_user, admin_headers) -> None:
    user, headers = await make_user("roaming")
    async with second_process(settings) as (_ctx, other):
        assert (await other.get("/api/me", headers=headers)).status_code == 200
        disabled = await client.patch(f"/api/users/{user.id}", json={"disabled": True}, headers=admin_headers)
        assert disabled.status_code == 200

        async def refused() -> bool:
            return (await other.get("/api/me", headers=headers)).status_code == 401

        await eventually(refused)


async def test_a_user_unknown_to_a_process_is_looked_up_once(settings, make_user) -> None:
    async with second_process(settings) as (ctx, other):
        user, headers = await make_user("late-comer")  # created after the other process loaded its directory
        directory = get_auth_state(ctx).directory
        assert not directory.known(user.id)
        assert (await other.get("/api/me", headers=headers)).status_code == 200
        assert directory.known(user.id)


async def test_the_bus_reconnects_and_resyncs(app, core, make_user) -> None:
    """Cut off from Redis, a process reconnects and reloads what it may have missed."""
    bus = get_bus(core)
    await asyncio.wait_for(bus.subscribed.wait(), 10)
    user, _ = await make_user("cut-off")
    state = get_auth_state(core)
    await state.directory.load(core, user.id)
    resyncs: list[bool] = []

    async def spy(reconnected: bool) -> None:
        resyncs.append(reconnected)

    bus.on_resync(spy)
    await core.redis.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
    # a change made while this process was cut off (no message reaches it) ...
    from sqlalchemy import update

    from sonantica_core.db.users import User

    async with core.session() as session:
        await session.execute(update(User).where(User.id == user.id).values(token_generation=User.token_generation + 1))

    async def reloaded() -> bool:
        current = state.directory.get(user.id)
        return bool(resyncs) and current is not None and current.generation == user.token_generation + 1

    await eventually(reloaded, timeout=10)
    assert resyncs[0] is True


async def test_a_revoked_app_password_is_refused_by_other_processes(client, settings, make_user) -> None:
    """Process B opened the app passwords (and keeps them briefly); a revocation in A reaches it."""
    import hashlib

    from sonantica_core.auth.app_passwords import verify_subsonic_token

    user, headers = await make_user("subsonic-phone")
    created = (await client.post("/api/auth/app-passwords", json={"name": "phone"}, headers=headers)).json()

    def token(salt: str) -> str:
        return hashlib.md5((created["password"] + salt).encode()).hexdigest()

    async with second_process(settings) as (ctx, _other):
        assert await verify_subsonic_token(ctx, user.id, token("salt-one"), "salt-one")
        assert get_auth_state(ctx).app_secrets.get(user.id)
        revoked = await client.delete(f"/api/auth/app-passwords/{created['id']}", headers=headers)
        assert revoked.status_code == 204

        async def refused() -> bool:
            return not await verify_subsonic_token(ctx, user.id, token("salt-two"), "salt-two")

        await eventually(refused)
