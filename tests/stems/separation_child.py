"""A worker of its own, for the kill test: runs one separation with a slow separator until killed.

``python separation_child.py '<json>'`` with the settings (by env name), the track id and the
separator's delay per chunk. The run lock is kept short so a killed run shows as interrupted soon.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from stems_helpers import ThirdPartyStems

from sonantica_core.context import open_context
from sonantica_core.plugins import load_plugins
from sonantica_core.plugins.discovery import Candidate
from sonantica_core.settings import load_settings
from sonantica_core.stems import jobs, keys
from sonantica_core.tasks.registry import set_context


async def main(spec: dict) -> None:
    keys.RUN_LOCK_SECONDS, keys.HEARTBEAT_SECONDS = 2, 0.5
    settings = dataclasses.replace(load_settings(environ=spec["env"]), plugins_config={"thirdparty": {}})
    plugin = ThirdPartyStems(delay=spec["delay"])
    manager = load_plugins(settings, process="worker", candidates=[Candidate.from_object(plugin)])
    ctx = await open_context(settings, secret_key=settings.secret_key, postgres_url=settings.postgres_url,
                             redis_url=settings.redis_url)
    ctx.services.plugins = manager
    await manager.start(ctx)
    set_context(ctx)
    print(await jobs.run_separation(ctx, spec["track"], "scale"), flush=True)
    await ctx.close()


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
