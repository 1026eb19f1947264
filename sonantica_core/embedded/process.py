"""Child processes that die with their parent, even when it is SIGKILLed."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import signal
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGTERM) -> Callable[[], None]:
    """A ``preexec_fn`` that asks Linux to send ``sig`` to the child when its parent dies."""
    libc_name = ctypes.util.find_library("c")

    def preexec() -> None:
        if libc_name is None:
            return
        libc = ctypes.CDLL(libc_name, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)

    return preexec


def lower_priority(niceness: int = 10, death_signal: int = signal.SIGTERM) -> Callable[[], None]:
    """A ``preexec_fn`` that combines :func:`die_with_parent` with the lowest CPU priority.

    Background workers run in the ``SCHED_IDLE`` class where Linux offers it: they
    only get CPU time nobody else wants, so a scan or an analysis backlog does not
    lengthen the web process's response times (a plain ``nice`` still does).

    With ``start_new_session=True`` the child is also the first process of a new
    *autogroup* (Linux, ``/proc/sys/kernel/sched_autogroup_enabled``): a scheduling
    group that competes with the server's group as an equal, whatever the policy of
    the tasks inside it. So the group's own nice value is set to ``19`` as well;
    without it, two busy ``SCHED_IDLE`` workers kept the web process waiting for a
    CPU a third of the time (bench/stream, d'').

    ``death_signal`` is what the child gets when its parent dies (see :func:`die_with_parent`).
    """
    parent_death = die_with_parent(death_signal)

    def preexec() -> None:
        import os

        parent_death()
        os.nice(niceness)
        if hasattr(os, "SCHED_IDLE"):
            with contextlib.suppress(OSError):
                os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        with contextlib.suppress(OSError), open("/proc/self/autogroup", "w") as autogroup:
            autogroup.write("19")

    return preexec
