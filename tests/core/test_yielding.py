"""Task workers give way to web traffic: the rule, and real processes stopped and continued."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import psutil
import pytest

from sonantica_core.yielding import Decision, WorkerYield, YieldPolicy, YieldState

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


async def test_workers_stop_while_the_web_is_busy_and_continue_after() -> None:
    """Only the worker is stopped: its children (a scan's readers) are never left stopped."""
    worker = _spinner()
    web = subprocess.Popen([sys.executable, "-c", "import time\nwhile True: pass"])
    web_busy = True
    try:
        child = _wait_for_child(worker)
        giving_way = WorkerYield(
            web_pids=lambda: [web.pid] if web_busy else [],
            worker_pids=lambda: [worker.pid],
            policy=YieldPolicy(interval=0.05, busy_cores=0.2, calm=0.3, max_pause=30.0, run_between=1.0),
        )
        stop = asyncio.Event()
        task = asyncio.create_task(giving_way.run(stop))
        for _ in range(100):
            await asyncio.sleep(0.05)
            if giving_way.paused:
                break
        assert giving_way.paused, "a busy web process pauses the workers"
        await asyncio.sleep(0.2)
        assert psutil.Process(worker.pid).status() == psutil.STATUS_STOPPED
        assert child.status() != psutil.STATUS_STOPPED
        frozen = _cpu(psutil.Process(worker.pid))
        await asyncio.sleep(0.3)
        assert _cpu(psutil.Process(worker.pid)) == pytest.approx(frozen, abs=0.02)

        web.kill()
        web.wait()
        web_busy = False  # no web CPU any more: calm
        for _ in range(100):
            await asyncio.sleep(0.05)
            if not giving_way.paused:
                break
        assert not giving_way.paused
        assert psutil.Process(worker.pid).status() != psutil.STATUS_STOPPED
        stop.set()
        await task
        assert giving_way.pauses == 1
    finally:
        for proc in (worker, web):
            for descendant in psutil.Process(proc.pid).children(recursive=True) if proc.poll() is None else []:
                descendant.kill()
            proc.kill()
            proc.wait()


async def test_stopping_the_yield_always_leaves_workers_running() -> None:
    worker = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    web = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        giving_way = WorkerYield(lambda: [web.pid], lambda: [worker.pid], YieldPolicy(interval=0.05))
        stop = asyncio.Event()
        task = asyncio.create_task(giving_way.run(stop))
        for _ in range(100):
            await asyncio.sleep(0.05)
            if giving_way.paused:
                break
        assert psutil.Process(worker.pid).status() == psutil.STATUS_STOPPED
        task.cancel()  # as serve's shutdown does
        with pytest.raises(asyncio.CancelledError):
            await task
        assert psutil.Process(worker.pid).status() != psutil.STATUS_STOPPED
    finally:
        for proc in (worker, web):
            proc.kill()
            proc.wait()


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
        gone, _ = psutil.wait_procs([worker], timeout=10)
        assert gone, "the stopped worker was left behind"
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()


def test_workers_yield_is_a_setting_on_by_default() -> None:
    from sonantica_core.settings import load_settings

    assert load_settings(environ={"PLUGINS_FILE": ""}).workers_yield is True
    assert load_settings(environ={"PLUGINS_FILE": "", "WORKERS_YIELD": "false"}).workers_yield is False
