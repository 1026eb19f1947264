"""A plugin distribution built and pip-installed from nothing works with no change to the core.

The test writes a small plugin (a route, a task, a table) into a temporary
directory, installs it into the running environment with pip, enables it in
a temporary plugins.toml, migrates with ``sonantica migrate``, and checks
that the web app (built the normal way) answers on its route and that a real
``sonantica worker`` process runs its task. The distribution is uninstalled
afterwards.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from third_party_dist import installed

from sonantica_core.context import open_context
from sonantica_core.server.web import build_app_for_context
from sonantica_core.settings import SETTINGS, Settings, load_settings

pytestmark = pytest.mark.slow

PLUGIN_SOURCE = '''
"""A probe plugin written the way a third party would."""

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sonantica_core.plugins import Plugin, PluginConfig, hookimpl
from sonantica_core.tasks import current_context, send, task


class Config(PluginConfig):
    greeting: str = "hello"


@task("{name}:add-note")
async def add_note(words: str) -> None:
    ctx = current_context()
    note = ctx.plugin_config("{name}").greeting + " " + words
    async with ctx.session() as session:
        await session.execute(text("INSERT INTO {name}_notes (text) VALUES (:note)"), {{"note": note}})


class ProbePlugin(Plugin):
    name = "{name}"
    Config = Config
    migrations = "{module}.migrations"

    @hookimpl
    def register_routes(self, ctx):
        async def notes(request: Request) -> JSONResponse:
            if request.method == "POST":
                await send(add_note, request.query_params["text"])
                return JSONResponse({{"queued": True}}, status_code=202)
            async with ctx.session() as session:
                rows = (await session.execute(text("SELECT text FROM {name}_notes ORDER BY id"))).scalars()
                return JSONResponse(list(rows))

        return [Route("/notes", notes, methods=["GET", "POST"])]


plugin = ProbePlugin()
'''

MIGRATION_SOURCE = '''
"""The probe's notes.

Revision ID: {name}_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "{name}_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("{name}_notes", sa.Column("id", sa.Integer(), primary_key=True), sa.Column("text", sa.Text()))


def downgrade() -> None:
    op.drop_table("{name}_notes")
'''

@pytest.fixture
def installed_probe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    name = f"probe_{uuid.uuid4().hex[:8]}"
    module = f"sonantica_{name}"
    with installed(
        tmp_path_factory.mktemp("dist"), name, PLUGIN_SOURCE.format(name=name, module=module),
        {f"{name}_0001.py": MIGRATION_SOURCE.format(name=name)},
    ):
        yield name


@pytest.fixture
def probe_environment(installed_probe: str, settings: Settings, tmp_path: Path) -> dict[str, str]:
    plugins_file = tmp_path / "probe-plugins.toml"
    plugins_file.write_text(f'[plugins.{installed_probe}]\ngreeting = "hi"\n')
    env = {key: value for key, value in os.environ.items() if key not in {spec.env for spec in SETTINGS}}
    assert settings.postgres_url and settings.redis_url and settings.secret_key
    env.update(
        POSTGRES_URL=settings.postgres_url,
        REDIS_URL=settings.redis_url,
        SECRET_KEY=settings.secret_key,
        DATA_DIR=str(tmp_path / "data"),
        PLUGINS_FILE=str(plugins_file),
        LOG_LEVEL="INFO",
        TASK_REDELIVERY_SECONDS="5",
        COLUMNS="250",  # one log record per line
    )
    return env


def sonantica(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sonantica_core", *args], env=env, capture_output=True, text=True,
                          timeout=180)


async def test_an_installed_plugin_serves_its_route_and_its_task_runs_in_a_worker(
    installed_probe: str, probe_environment: dict[str, str], admin_headers: dict[str, str], tmp_path: Path
) -> None:
    name, env = installed_probe, probe_environment
    listed = await asyncio.to_thread(sonantica, env, "plugins")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert name in listed.stdout and "enabled" in listed.stdout

    migrated = await asyncio.to_thread(sonantica, env, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert f"{name}: empty → {name}_0001" in migrated.stdout

    worker_log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen([sys.executable, "-m", "sonantica_core", "worker"], env=env, stdout=worker_log,
                              stderr=subprocess.STDOUT, cwd=tmp_path)
    ctx = await open_context(
        settings := load_settings(environ=env), secret_key=env["SECRET_KEY"],
        postgres_url=env["POSTGRES_URL"], redis_url=env["REDIS_URL"],
    )
    try:
        app = build_app_for_context(ctx)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=admin_headers) as client:
                assert (await client.get(f"/plugins/{name}/notes")).json() == []
                queued = await client.post(f"/plugins/{name}/notes", params={"text": "from the queue"})
                assert queued.status_code == 202
                notes: list[str] = []
                for _ in range(300):
                    notes = (await client.get(f"/plugins/{name}/notes")).json()
                    if notes or worker.poll() is not None:
                        break
                    await asyncio.sleep(0.2)
                assert notes == ["hi from the queue"], (tmp_path / "worker.log").read_text()
                plugins = (await client.get("/api/plugins")).json()["plugins"]
                assert {"name": name, "version": "0.3.0", "status": "enabled"}.items() <= next(
                    plugin for plugin in plugins if plugin["name"] == name
                ).items()
        assert settings.plugins_file.exists()
    finally:
        worker.terminate()
        worker.wait(30)
        worker_log.close()
        await ctx.close()
    log = (tmp_path / "worker.log").read_text()
    assert " ERROR " not in log, log  # the worker loaded the plugin: it ran its task
