"""The task queue: a killed worker's task runs again; high priority goes first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from taskiq import async_shared_broker

from sonantica_core.settings import SETTINGS
from sonantica_core.tasks import Priority, PriorityRedisBroker, send

pytestmark = pytest.mark.slow

SUPPORT = Path(__file__).parent / "support"


@pytest.fixture
async def broker(redis_url: str) -> AsyncIterator[PriorityRedisBroker]:
    sender = PriorityRedisBroker(redis_url, redelivery_seconds=1.0)
    async_shared_broker.default_broker(sender)
    await sender.startup()
    yield sender
    await sender.shutdown()


@pytest.fixture
def start_worker(database_url: str, redis_url: str, tmp_path: Path) -> Callable[[], subprocess.Popen[bytes]]:
    started: list[subprocess.Popen[bytes]] = []
    env = {k: v for k, v in os.environ.items() if k not in {s.env for s in SETTINGS}}
    env.update(
        POSTGRES_URL=database_url,
        REDIS_URL=redis_url,
        DATA_DIR=str(tmp_path / "data"),
        SECRET_KEY="s" * 40,
        TASK_REDELIVERY_SECONDS="1",
        LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join([str(SUPPORT), env.get("PYTHONPATH", "")]),
    )

    def start() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sonantica_core", "worker", "--import", "queue_probe_tasks"], env=env, cwd=tmp_path
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _wait_for(predicate: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached")


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


async def test_task_of_a_killed_worker_runs_again(broker, start_worker, tmp_path: Path) -> None:
    sys.path.insert(0, str(SUPPORT))
    try:
        import queue_probe_tasks
    finally:
        sys.path.remove(str(SUPPORT))
    log = tmp_path / "probe.log"
    first = start_worker()
    await queue_probe_tasks.slow.kiq(str(log), 3.0)
    _wait_for(lambda: any(line.startswith("start") for line in _lines(log)))
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert _lines(log) == [f"start {first.pid}"]

    second = start_worker()
    _wait_for(lambda: any(line.startswith("done") for line in _lines(log)))
    assert _lines(log) == [f"start {first.pid}", f"start {second.pid}", f"done {second.pid}"]
    # acknowledged: it does not run a third time
    time.sleep(2.5)
    assert len(_lines(log)) == 3


async def test_high_priority_jumps_the_backlog(broker, start_worker, tmp_path: Path) -> None:
    sys.path.insert(0, str(SUPPORT))
    try:
        import queue_probe_tasks
    finally:
        sys.path.remove(str(SUPPORT))
    log = tmp_path / "order.log"
    for n in range(20):
        await queue_probe_tasks.record.kiq(str(log), f"low-{n}")
    await send(queue_probe_tasks.record, str(log), "HIGH", priority=Priority.HIGH)
    start_worker()
    _wait_for(lambda: len(_lines(log)) == 21)
    assert _lines(log)[0] == "HIGH"
    assert _lines(log)[1:] == [f"low-{n}" for n in range(20)]


async def test_a_long_task_is_not_taken_over_while_its_worker_lives(broker, start_worker, tmp_path: Path) -> None:
    sys.path.insert(0, str(SUPPORT))
    try:
        import queue_probe_tasks
    finally:
        sys.path.remove(str(SUPPORT))
    log = tmp_path / "long.log"
    first = start_worker()
    await queue_probe_tasks.slow.kiq(str(log), 4.0)  # four times the redelivery delay
    _wait_for(lambda: bool(_lines(log)))
    second = start_worker()
    _wait_for(lambda: any(line.startswith("done") for line in _lines(log)))
    time.sleep(1.5)
    assert _lines(log) == [f"start {first.pid}", f"done {first.pid}"]
    assert second.poll() is None
