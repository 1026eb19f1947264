"""Personal mixes are remade daily in the background: by the periodic task, in a real worker."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from sonantica_core.db.playback import PersonalMix
from sonantica_core.listening.plays import PlayReport, report_play
from sonantica_core.listening.tasks import remake_all_stale
from sonantica_core.settings import SETTINGS


async def _play(core: Any, user_id: int, track_id: int, key: str) -> None:
    await report_play(core, user_id, PlayReport(track_id, "end", key, 10_000.0))


async def _generated(core: Any, user_id: int) -> dict[str, dt.datetime]:
    async with core.session() as session:
        rows = await session.execute(select(PersonalMix).where(PersonalMix.user_id == user_id))
        return {mix.kind: mix.generated_at for mix in rows.scalars()}


async def test_stale_mixes_of_listeners_are_remade_and_fresh_ones_left(core, make_user, lib) -> None:
    alice, _ = await make_user()
    silent, _ = await make_user()
    await _play(core, alice.id, lib["a1"], "one")
    remade = await remake_all_stale(core)
    assert remade == {alice.id: ["on-repeat", "forgotten-favourites", "discover"]}
    assert await _generated(core, silent.id) == {}  # no plays: nothing to make
    assert await remake_all_stale(core) == {}  # made today: left alone
    async with core.session() as session:
        await session.execute(
            update(PersonalMix)
            .where(PersonalMix.user_id == alice.id, PersonalMix.kind == "discover")
            .values(generated_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=2))
        )
    assert await remake_all_stale(core) == {alice.id: ["discover"]}


@pytest.mark.slow
async def test_a_worker_remakes_the_mixes_without_anyone_asking(
    core, make_user, lib, database_url: str, redis_url: str, tmp_path: Path
) -> None:
    alice, _ = await make_user()
    await _play(core, alice.id, lib["b1"], "first")
    await _play(core, alice.id, lib["b1"], "second")
    env = {k: v for k, v in os.environ.items() if k not in {s.env for s in SETTINGS}}
    env.update(POSTGRES_URL=database_url, REDIS_URL=redis_url, DATA_DIR=str(tmp_path / "data"),
               SECRET_KEY="s" * 40, LOG_LEVEL="WARNING", PERIODIC_TICK_SECONDS="1")
    worker = subprocess.Popen([sys.executable, "-m", "sonantica_core", "worker"], env=env, cwd=tmp_path)
    try:
        for _ in range(600):
            if len(await _generated(core, alice.id)) == 3:
                break
            await asyncio.sleep(0.1)
        assert set(await _generated(core, alice.id)) == {"on-repeat", "forgotten-favourites", "discover"}
    finally:
        worker.kill()
        worker.wait()
