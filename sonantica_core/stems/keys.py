"""Redis keys of stem jobs: queued once, run by one worker, their progress."""

from __future__ import annotations

from sonantica_core.stems.files import mix_digest

QUEUED_LOCK = "sonantica:stems:queued:{}"
RUN_LOCK = "sonantica:stems:running:{}"
PROGRESS = "sonantica:stems:progress:{}"
#: A queued job whose task never ran may be queued again after this long.
QUEUED_SECONDS = 6 * 3600
#: A run lock outlives its dead worker by at most this long (kept below TASK_REDELIVERY_SECONDS's default).
RUN_LOCK_SECONDS = 30
HEARTBEAT_SECONDS = 10


def job_key(track_id: int, separator: str, mix: str = "") -> str:
    """One job: a separation (``mix`` empty) or a mix of it."""
    return f"{int(track_id)}:{separator}:{mix_digest(mix) if mix else '-'}"
