"""The task queue: taskiq on Redis streams, two priorities, acknowledged delivery.

Plugins declare tasks with :func:`task`; the core binds them to the real broker
in the web process (to send) and in workers (to run)::

    from sonantica_core.tasks import Priority, task

    @task("lyrics:fetch", priority=Priority.LOW)
    async def fetch_lyrics(track_id: int) -> None:
        ctx = current_context()
        ...

    await fetch_lyrics.kiq(42)                       # queued at the task's priority
    await send(fetch_lyrics, 42, priority=Priority.HIGH)  # or at another

    @periodic("lyrics:refresh", every=timedelta(days=1))  # queued once a day by one worker
    async def refresh_lyrics() -> None:
        ...
"""

from sonantica_core.tasks.broker import HIGH_STREAM, LOW_STREAM, PriorityRedisBroker
from sonantica_core.tasks.periodic import PeriodicJob, periodic, periodic_jobs
from sonantica_core.tasks.registry import Priority, current_context, send, set_context, task

__all__ = [
    "HIGH_STREAM",
    "LOW_STREAM",
    "PeriodicJob",
    "Priority",
    "PriorityRedisBroker",
    "current_context",
    "periodic",
    "periodic_jobs",
    "send",
    "set_context",
    "task",
]
