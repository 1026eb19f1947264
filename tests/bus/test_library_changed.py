"""One call announces that the library changed: caches of every process, clients, plugins, subscribers."""

from __future__ import annotations

from sonantica_core.bus import library
from sonantica_core.bus.invalidation import get_bus


async def test_a_scan_change_reaches_every_listener_and_a_failing_one_is_contained(core) -> None:
    seen: list[library.LibraryChange] = []
    track_messages: list[dict] = []
    get_bus(core).on("track", track_messages.append)

    async def broken(ctx, change) -> None:
        raise RuntimeError("this subscriber is broken")

    async def listener(ctx, change) -> None:
        seen.append(change)

    library.on_library_changed(core, broken)
    library.on_library_changed(core, listener)
    before = int(await core.redis.get(library.GENERATION_KEY) or 0)
    change = library.LibraryChange(added=(1,), changed=(3, 2), moved=(4,), removed=(5,))
    await library.library_changed(core, change)

    assert seen == [change]  # the broken subscriber before it did not stop it
    assert int(await core.redis.get(library.GENERATION_KEY)) == before + 1
    assert track_messages[-1]["ids"] == [2, 3, 4, 5]  # moved, changed and removed: locations dropped


async def test_no_change_announces_nothing(core) -> None:
    before = await core.redis.get(library.GENERATION_KEY)
    await library.library_changed(core, library.LibraryChange())
    assert await core.redis.get(library.GENERATION_KEY) == before
