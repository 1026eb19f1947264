"""A stream of analysis results bumps the library generation once per window, and never misses the last."""

from __future__ import annotations

import asyncio

from sonantica_core.bus import library


async def test_bumps_are_coalesced_and_the_last_one_is_made(core, monkeypatch) -> None:
    monkeypatch.setattr(library, "COALESCE_SECONDS", 0.3)

    async def generation() -> int:
        return int(await core.redis.get(library.GENERATION_KEY) or 0)

    before = await generation()
    for _ in range(5):
        await library.library_changed(core, library.LibraryChange(analysed=(1,)))
    assert await generation() == before + 1  # the first bump is immediate
    await asyncio.sleep(0.5)
    assert await generation() == before + 2  # the other four share one, at the window's end
    await asyncio.sleep(0.4)
    assert await generation() == before + 2
