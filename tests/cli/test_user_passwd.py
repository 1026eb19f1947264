"""``sonantica user passwd`` signs the user out everywhere: the old refresh token is refused."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from sonantica_core.settings import SETTINGS, Settings
from sonantica_core.testing.fixtures import TEST_PASSWORD


def run_cli(settings: Settings, cwd: Path, *args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {s.env for s in SETTINGS}}
    env.update(
        POSTGRES_URL=settings.postgres_url or "",
        REDIS_URL=settings.redis_url or "",
        DATA_DIR=str(settings.data_dir),
        SECRET_KEY=settings.secret_key or "",
    )
    command = [sys.executable, "-m", "sonantica_core", *args]
    return subprocess.run(command, env=env, input=stdin, capture_output=True, text=True, timeout=120, cwd=cwd)


async def test_passwd_revokes_refresh_tokens(client, settings, make_user, tmp_path: Path) -> None:
    await make_user("erin")
    login = await client.post("/api/auth/login", json={"username": "erin", "password": TEST_PASSWORD})
    assert login.status_code == 200, login.text
    old = login.json()

    result = await asyncio.to_thread(
        run_cli, settings, tmp_path, "user", "passwd", "erin", "--password-stdin", stdin="a new password\n"
    )
    assert result.returncode == 0, result.stderr
    assert "old sessions are signed out" in result.stdout

    refreshed = await client.post("/api/auth/refresh", json={"refresh_token": old["refresh_token"]})
    assert refreshed.status_code == 401, refreshed.text
    assert refreshed.json()["error"]["code"] == "invalid_refresh_token"
    for _ in range(50):  # the CLI's announcement reaches this process over Redis
        me = await client.get("/api/me", headers={"Authorization": f"Bearer {old['access_token']}"})
        if me.status_code == 401:
            break
        await asyncio.sleep(0.1)
    assert me.status_code == 401
    login = await client.post("/api/auth/login", json={"username": "erin", "password": "a new password"})
    assert login.status_code == 200
