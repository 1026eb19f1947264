"""The plugin's tasks (run in workers): send a user's queue, tell the services what plays now."""

from __future__ import annotations

from sonantica_core.tasks import Priority, current_context, task
from sonantica_scrobble.forwarder import flush, now_playing


@task("scrobble:flush", priority=Priority.LOW)
async def flush_scrobbles(user_id: int) -> dict[str, int]:
    """Send the user's due scrobbles; what cannot be sent stays queued for the next try."""
    return await flush(current_context(), user_id)


@task("scrobble:now-playing", priority=Priority.HIGH)
async def send_now_playing(user_id: int, track_id: int, client: str | None = None) -> list[str]:
    """Tell the user's services that ``track_id`` plays now (not retried: it is soon stale)."""
    return await now_playing(current_context(), user_id, track_id, client)
