"""Task workers get the lowest CPU priority, their autogroup included (Linux)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from sonantica_core.embedded.process import lower_priority


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="SCHED_IDLE is Linux only")
def test_lower_priority_sets_sched_idle_and_the_autogroup_nice() -> None:
    script = "cat /proc/self/autogroup 2>/dev/null; cat /proc/self/stat"
    out = subprocess.run(
        ["sh", "-c", script], preexec_fn=lower_priority(), start_new_session=True, capture_output=True, text=True
    ).stdout
    stat = out.splitlines()[-1].rsplit(")", 1)[1].split()
    assert int(stat[38]) == os.SCHED_IDLE  # field 41 of /proc/PID/stat: the scheduling policy
    if Path("/proc/self/autogroup").exists():
        assert out.splitlines()[0].endswith("nice 19")
