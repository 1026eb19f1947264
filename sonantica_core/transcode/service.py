"""The process's transcoder: running jobs by output key, the caps on them, the cache, problems.

Caps: at most ``TRANSCODE_MAX_CONCURRENT`` jobs in this process (more: 503) and
``TRANSCODE_MAX_PER_USER`` started by one user (more: 429), both with ``Retry-After``. A request
for an output already being made joins that job and counts against neither.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import OrderedDict
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from sonantica_core.context import CoreContext
from sonantica_core.db.library import ScanProblemRow
from sonantica_core.db.users import User

from .cache import TranscodeCache
from .errors import TranscodeBusy
from .job import Job
from .plan import Plan, SourceInfo

__all__ = ["RETRY_AFTER", "Transcoder", "get_transcoder"]

log = logging.getLogger("sonantica.transcode")
#: Seconds a refused client is told to wait.
RETRY_AFTER = 5
_PROBES = 1024
_background: set[asyncio.Future[Any]] = set()


class Transcoder:
    """Running transcodes of one process (create with :func:`get_transcoder`)."""

    def __init__(self, ctx: CoreContext) -> None:
        self.ctx = ctx
        settings = ctx.settings
        self.max_jobs = settings.transcode_max_concurrent
        self.max_per_user = settings.transcode_max_per_user
        self.cache = TranscodeCache(ctx.storage, settings.transcode_cache_mb * 1024 * 1024)
        self.jobs: dict[str, Job] = {}
        self._probes: OrderedDict[tuple[str, int, int], SourceInfo] = OrderedDict()
        self._usernames: dict[int, str | None] = {}

    def probed(self, path: str, size: int, mtime_ns: int) -> SourceInfo | None:
        """A source probed before in this version (size, mtime), or None."""
        found = self._probes.get((path, size, mtime_ns))
        if found is not None:
            self._probes.move_to_end((path, size, mtime_ns))
        return found

    def remember_probe(self, path: str, size: int, mtime_ns: int, info: SourceInfo) -> None:
        self._probes[(path, size, mtime_ns)] = info
        while len(self._probes) > _PROBES:
            self._probes.popitem(last=False)

    async def username(self, user_id: int) -> str | None:
        """The user's name (for ``TRANSCODE_USER_CAPS``); one query per user per process."""
        if user_id not in self._usernames:
            async with self.ctx.session() as session:
                name = (await session.execute(select(User.username).where(User.id == user_id))).scalar()
            self._usernames[user_id] = name
        return self._usernames[user_id]

    def running_for(self, user_id: int) -> int:
        return sum(1 for job in self.jobs.values() if job.owner == user_id)

    def start_or_join(self, key: str, source: str, plan: Plan, user_id: int, problem_at: tuple[str, str]) -> Job:
        """The running job making ``key``, or a new one; :class:`TranscodeBusy` over a cap."""
        job = self.jobs.get(key)
        if job is not None and not job.cancelled.is_set():
            return job
        if len(self.jobs) >= self.max_jobs:
            raise TranscodeBusy("the server is transcoding all it can; try again shortly", 503, RETRY_AFTER)
        if self.running_for(user_id) >= self.max_per_user:
            raise TranscodeBusy(
                f"you already have {self.max_per_user} transcodes running; try again shortly", 429, RETRY_AFTER
            )
        extension = plan.format.extension
        job = Job(
            key,
            source,
            plan,
            self.cache.part_path(key, extension),
            self.cache.path(key, extension),
            user_id,
            asyncio.get_running_loop(),
            lambda done: self._done(done, problem_at),
            self.cache.evict,
        )
        self.jobs[key] = job
        job.start()
        return job

    def _done(self, job: Job, problem_at: tuple[str, str]) -> None:
        if self.jobs.get(job.key) is job:
            del self.jobs[job.key]
        if job.error is not None:
            log.warning("transcode of %s/%s stopped: %s", problem_at[0], problem_at[1], job.error)
            future = asyncio.ensure_future(record_problem(self.ctx, problem_at[0], problem_at[1], job.error))
            _background.add(future)
            future.add_done_callback(_background.discard)

    def stop_all(self) -> None:
        """Cancel every job (the process is ending)."""
        for job in list(self.jobs.values()):
            job.cancel()


async def record_problem(ctx: CoreContext, root: str, relative_path: str, reason: str) -> None:
    """Note the file as unreadable in the library's problem list (as a scan would)."""
    try:
        async with ctx.session() as session:
            statement = insert(ScanProblemRow).values(
                root=root, relative_path=relative_path, kind="corrupt", reason=f"transcoding: {reason}"
            )
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=["root", "relative_path"],
                    set_={
                        "kind": "corrupt",
                        "reason": statement.excluded.reason,
                        "last_seen_at": dt.datetime.now(dt.UTC),
                    },
                )
            )
    except Exception:
        log.exception("could not record the problem with %s/%s", root, relative_path)


def get_transcoder(ctx: CoreContext) -> Transcoder:
    """This process's :class:`Transcoder`."""
    if ctx.services.transcoder is None:
        ctx.services.transcoder = Transcoder(ctx)
    return ctx.services.transcoder
