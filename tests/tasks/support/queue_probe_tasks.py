"""Tasks the queue tests run in real worker processes."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sonantica_core.tasks import Priority, task


@task("probe:slow")
def slow(log_path: str, seconds: float) -> None:
    """Log the start (with this worker's pid), sleep, log the end."""
    log = Path(log_path)
    with log.open("a") as fh:
        fh.write(f"start {os.getpid()}\n")
    time.sleep(seconds)
    with log.open("a") as fh:
        fh.write(f"done {os.getpid()}\n")


@task("probe:record", priority=Priority.LOW)
def record(log_path: str, label: str) -> None:
    with Path(log_path).open("a") as fh:
        fh.write(f"{label}\n")
