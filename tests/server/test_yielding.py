"""Task workers give way to web traffic: the rule, and real processes stopped and continued."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
from collections.abc import Callable

import psutil
import pytest

from sonantica_core.server.yielding import Decision, WorkerYield, YieldPolicy, YieldState, policy_for

POLICY = YieldPolicy(interval=0.1, busy_cores=0.2, calm=0.5, max_pause=3.0, run_between=1.0)


def test_busy_pauses_at_once_and_calm_resumes_after_the_quiet_time() -> None:
    state = YieldState(POLICY)
    assert state.observe(0.0, busy=False) is None
    assert state.observe(0.1, busy=True) == Decision.PAUSE
    assert state.observe(0.2, busy=True) is None
    assert state.observe(0.5, busy=False) is None  # quiet for 0.3 s only
    assert state.observe(0.8, busy=False) == Decision.RESUME
    assert state.observe(0.9, busy=True) == Decision.PAUSE  # a new burst pauses again at once


def test_a_pause_never_outlasts_max_pause_and_workers_then_run_between_pauses() -> None:
    state = YieldState(POLICY)
    decisions = {}
    now = 0.0
    while now < 9.0:
        decision = state.observe(round(now, 1), busy=True)
        if decision:
            decisions[round(now, 1)] = decision
        now += 0.1
    assert decisions == {
        0.0: Decision.PAUSE, 3.0: Decision.RESUME, 4.0: Decision.PAUSE, 7.0: Decision.RESUME, 8.0: Decision.PAUSE
    }


def _spinner() -> subprocess.Popen[bytes]:
    """A process that burns CPU, with a child that does too."""
    code = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'while True: pass'])\n"
        "while True: pass\n"
    )
    return subprocess.Popen([sys.executable, "-c", code])


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def _wait_for_child(proc: subprocess.Popen[bytes]) -> psutil.Process:
    for _ in range(100):
        children = psutil.Process(proc.pid).children()
        if children:
            return children[0]
        time.sleep(0.05)
    raise AssertionError("the worker's child did not start")


async def _until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    for _ in range(int(timeout / 0.02)):
        if condition():
            return True
        await asyncio.sleep(0.02)
    return condition()


def _status(proc: subprocess.Popen[bytes] | psutil.Process) -> str:
    try:
        return psutil.Process(proc.pid).status()
    except psutil.NoSuchProcess:
        return "gone"


def _kill(*procs: subprocess.Popen[bytes]) -> None:
    for proc in procs:
        if proc.poll() is None:
            with contextlib.suppress(psutil.Error):
                for descendant in psutil.Process(proc.pid).children(recursive=True):
                    descendant.kill()
            proc.kill()
        proc.wait()


async def _finish(task: asyncio.Task[None], stop: asyncio.Event) -> None:
    stop.set()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)


async def test_workers_stop_while_the_web_is_busy_and_continue_after() -> None:
    """Only the worker is stopped: its children (a scan's readers) are never left stopped."""
    worker = _spinner()
    web = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    web_busy = True
    stop = asyncio.Event()
    task = None
    try:
        child = _wait_for_child(worker)
        giving_way = WorkerYield(
            web_pids=lambda: [web.pid] if web_busy else [],
            workers=lambda: [worker],
            policy=YieldPolicy(interval=0.05, busy_cores=0.2, calm=0.3, max_pause=30.0, run_between=1.0),
        )
        task = asyncio.create_task(giving_way.run(stop))
        assert await _until(lambda: giving_way.paused), "a busy web process pauses the workers"
        assert await _until(lambda: _status(worker) == psutil.STATUS_STOPPED)
        assert child.status() != psutil.STATUS_STOPPED
        frozen = _cpu(psutil.Process(worker.pid))
        await asyncio.sleep(0.3)
        assert _cpu(psutil.Process(worker.pid)) == pytest.approx(frozen, abs=0.02)

        _kill(web)
        web_busy = False  # no web CPU any more: calm
        assert await _until(lambda: not giving_way.paused)
        assert await _until(lambda: _status(worker) != psutil.STATUS_STOPPED)
        await _finish(task, stop)
        assert giving_way.pauses == 1
    finally:
        if task is not None:
            await _finish(task, stop)
        _kill(worker, web)


async def test_stopping_the_yield_always_leaves_workers_running() -> None:
    worker = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    web = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    stop = asyncio.Event()
    task = None
    try:
        giving_way = WorkerYield(lambda: [web.pid], lambda: [worker], YieldPolicy(interval=0.05))
        task = asyncio.create_task(giving_way.run(stop))
        assert await _until(lambda: _status(worker) == psutil.STATUS_STOPPED)
        task.cancel()  # as serve's shutdown does
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await _until(lambda: _status(worker) != psutil.STATUS_STOPPED)
    finally:
        if task is not None:
            await _finish(task, stop)
        _kill(worker, web)


async def test_a_worker_that_died_while_paused_is_not_signalled_and_a_new_one_is_paused() -> None:
    """Signals go to processes not yet reaped only (never to a recycled pid); a worker started
    during a pause is paused too."""
    first = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    web = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    workers = [first]
    stop = asyncio.Event()
    task = None
    try:
        giving_way = WorkerYield(lambda: [web.pid], lambda: list(workers), YieldPolicy(interval=0.05))
        task = asyncio.create_task(giving_way.run(stop))
        assert await _until(lambda: _status(first) == psutil.STATUS_STOPPED)
        first.kill()
        first.wait()  # reaped, as serve's supervisor does
        second = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        workers.append(second)
        assert await _until(lambda: _status(second) == psutil.STATUS_STOPPED)
        assert not task.done(), "a dead worker does not end the yielding"
        await _finish(task, stop)
        assert await _until(lambda: _status(second) != psutil.STATUS_STOPPED)
    finally:
        if task is not None:
            await _finish(task, stop)
        _kill(*workers, web)


def test_a_new_web_process_counts_from_when_it_is_first_seen() -> None:
    """Its start-up CPU (before it was seen) is not taken for load."""
    web = subprocess.Popen([sys.executable, "-c", "import time\nt = time.process_time()\n"
                            "while time.process_time() - t < 0.5: pass\ntime.sleep(30)"])
    try:
        psutil.Process(web.pid)
        time.sleep(1.0)  # it has burnt its 0.5 s and sleeps now
        giving_way = WorkerYield(lambda: [web.pid], lambda: [], YieldPolicy())
        assert giving_way.web_cpu_delta() == 0.0
        time.sleep(0.1)
        assert giving_way.web_cpu_delta() < 0.05
    finally:
        _kill(web)


def test_pauses_stay_shorter_than_task_redelivery() -> None:
    assert policy_for(60).max_pause == 15
    assert policy_for(600).max_pause == YieldPolicy().max_pause
    assert policy_for(2).max_pause == 0.5


def test_a_paused_worker_does_not_outlive_a_killed_serve() -> None:
    """A worker stopped for web traffic cannot act on SIGTERM: its parent-death signal is SIGKILL."""
    code = (
        "import signal, subprocess, sys, time\n"
        "from sonantica_core.embedded.process import lower_priority\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time\\nwhile True: time.sleep(1)'],\n"
        "                         preexec_fn=lower_priority(death_signal=signal.SIGKILL), start_new_session=True)\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    serve = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        worker = psutil.Process(int(serve.stdout.readline()))  # type: ignore[union-attr]
        worker.suspend()
        for _ in range(100):
            if worker.status() == psutil.STATUS_STOPPED:
                break
            time.sleep(0.01)
        assert worker.status() == psutil.STATUS_STOPPED
        serve.kill()
        serve.wait()
        gone, alive = psutil.wait_procs([worker], timeout=10)
        for left in alive:
            left.kill()
        assert gone, "the stopped worker was left behind"
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()


def test_workers_yield_is_a_setting_on_by_default() -> None:
    from sonantica_core.settings import load_settings

    assert load_settings(environ={"PLUGINS_FILE": ""}).workers_yield is True
    assert load_settings(environ={"PLUGINS_FILE": "", "WORKERS_YIELD": "false"}).workers_yield is False
