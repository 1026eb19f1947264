"""The task workers ``serve`` runs give way to web traffic.

Those workers already run at the lowest CPU priority (``SCHED_IDLE``, nice 19, see
:func:`~sonantica_core.embedded.process.lower_priority`): the scheduler gives them no
CPU that a web process wants. What priorities cannot keep apart is everything else two
busy processes share (caches, memory bandwidth, the host's cores under a virtual
machine): with an analysis backlog running beside one loaded web process, the p99 time
to first byte of stream requests went from 6 to 9 ms on the benchmark machine, while
the median did not move.

So while the web processes are busy (together above :attr:`YieldPolicy.busy_cores` of CPU),
``serve`` stops its task workers (``SIGSTOP``) and continues them once the load has been
gone for :attr:`YieldPolicy.calm` seconds. Only the workers themselves are stopped: the
processes a scan reads with finish the batch in hand and then wait for the next one.
Should ``serve`` itself be killed, a stopped worker still dies with it: its parent-death
signal is ``SIGKILL``, which ends even a stopped process.

A worker is never held longer than :attr:`YieldPolicy.max_pause` in one go (at most a
quarter of ``TASK_REDELIVERY_SECONDS``, see :func:`policy_for`): it then runs for
:attr:`YieldPolicy.run_between` seconds, which keeps its tasks' heartbeats (a task without
one is given to another worker) and keeps background work moving under constant load.
``WORKERS_YIELD=false`` turns this off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import psutil

log = logging.getLogger("sonantica.workers")


@dataclass(frozen=True)
class YieldPolicy:
    """When workers pause and continue. Times in seconds."""

    #: How often the web processes' CPU use is sampled.
    interval: float = 0.1
    #: CPU (in cores) the web processes use together, over one interval, that counts as busy.
    busy_cores: float = 0.2
    #: Quiet time after which paused workers continue.
    calm: float = 0.5
    #: Longest pause in one go.
    max_pause: float = 20.0
    #: Time workers run between two pauses when the load does not stop.
    run_between: float = 1.0


class Decision:
    """What :meth:`YieldState.observe` asks for."""

    PAUSE = "pause"
    RESUME = "resume"


@dataclass
class YieldState:
    """The decision rule, apart from processes and clocks."""

    policy: YieldPolicy
    paused_since: float | None = None
    last_busy: float = float("-inf")
    #: After a pause cut short by ``max_pause``, no new one before this time.
    hold_off_until: float = float("-inf")

    def observe(self, now: float, busy: bool) -> str | None:
        """Record one sample (``busy``: the web processes were busy over the last interval);
        returns :attr:`Decision.PAUSE`, :attr:`Decision.RESUME` or None."""
        policy = self.policy
        if busy:
            self.last_busy = now
        if self.paused_since is None:
            if busy and now >= self.hold_off_until:
                self.paused_since = now
                return Decision.PAUSE
            return None
        if now - self.last_busy >= policy.calm:
            self.paused_since = None
            return Decision.RESUME
        if now - self.paused_since >= policy.max_pause:
            self.paused_since = None
            self.hold_off_until = now + policy.run_between
            return Decision.RESUME
        return None


class WorkerYield:
    """Pauses the processes of ``workers()`` while those of ``web_pids()`` are busy.

    ``workers()`` gives the worker processes as :class:`subprocess.Popen` objects: a signal
    goes only to one not yet reaped, so never to a recycled pid. Workers started during a
    pause are paused too."""

    def __init__(
        self,
        web_pids: Callable[[], Iterable[int]],
        workers: Callable[[], Iterable[subprocess.Popen[bytes]]],
        policy: YieldPolicy | None = None,
    ) -> None:
        self.web_pids = web_pids
        self.workers = workers
        self.state = YieldState(policy or YieldPolicy())
        self.paused = False
        #: How many times workers were paused (for logs and tests).
        self.pauses = 0
        self._processes: dict[int, psutil.Process] = {}
        self._cpu: dict[int, float] = {}

    def web_cpu_delta(self) -> float:
        """CPU seconds the web processes used since the last call (a new process counts from now)."""
        used = 0.0
        pids = set(self.web_pids())
        seen: dict[int, float] = {}
        for pid in pids:
            process = self._processes.get(pid)
            try:
                if process is None:
                    process = self._processes[pid] = psutil.Process(pid)
                times = process.cpu_times()
            except psutil.Error:
                self._processes.pop(pid, None)
                continue
            seen[pid] = times.user + times.system
            if pid in self._cpu:
                used += max(0.0, seen[pid] - self._cpu[pid])
        for gone in set(self._processes) - pids:
            del self._processes[gone]
        self._cpu = seen
        return used

    def _signal(self, sig: int) -> None:
        for worker in self.workers():
            try:
                worker.send_signal(sig)  # does nothing once the process is reaped
            except OSError as exc:
                log.debug("could not signal task worker %s: %s", worker.pid, exc)

    def pause(self) -> None:
        """Stop every worker."""
        self._signal(signal.SIGSTOP)
        self.paused = True
        self.pauses += 1

    def hold(self) -> None:
        """Stop the workers again: one continued by someone else, or started since, stays paused."""
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Continue every worker."""
        if self.paused:
            self._signal(signal.SIGCONT)
        self.paused = False

    async def run(self, stop: asyncio.Event) -> None:
        """Sample and decide every interval until ``stop`` is set; workers always end up running."""
        policy = self.state.policy
        self.web_cpu_delta()
        since = time.monotonic()
        try:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), policy.interval)
                now, used = time.monotonic(), self.web_cpu_delta()
                cores = used / max(now - since, 1e-3)
                since = now
                decision = self.state.observe(now, cores >= policy.busy_cores)
                if decision == Decision.PAUSE:
                    self.pause()
                elif decision == Decision.RESUME:
                    self.resume()
                elif self.paused:
                    self.hold()
        finally:
            self.resume()
            if self.pauses:
                log.debug("task workers gave way to web traffic %d times", self.pauses)


def policy_for(redelivery_seconds: float) -> YieldPolicy:
    """The default policy, with pauses short enough that no running task is given to another
    worker: a task's heartbeat comes every third of ``redelivery_seconds``."""
    default = YieldPolicy()
    return replace(default, max_pause=min(default.max_pause, redelivery_seconds / 4))


def log_failure(task: asyncio.Task[None]) -> None:
    """Done-callback: a yielding task that failed is logged (it runs unawaited beside the server)."""
    if not task.cancelled() and task.exception() is not None:
        log.error("task workers stopped giving way to web traffic", exc_info=task.exception())
