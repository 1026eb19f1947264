"""Declaring tasks before the broker exists, and the context tasks run with."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, TypeVar

from taskiq import AsyncTaskiqDecoratedTask, async_shared_broker

F = TypeVar("F", bound=Callable[..., Any])


class Priority(enum.StrEnum):
    """HIGH: someone is waiting for the result. LOW: background work."""

    HIGH = "high"
    LOW = "low"


def task(
    name: str, *, priority: Priority = Priority.LOW, **labels: Any
) -> Callable[[F], AsyncTaskiqDecoratedTask[Any, Any]]:
    """Declare a task named ``name`` (by convention ``"<plugin>:<what>"``).

    The function may be ``async`` (runs on the worker's event loop) or plain
    (runs in the worker's thread pool; use this for CPU-bound work).
    """

    def decorate(func: F) -> AsyncTaskiqDecoratedTask[Any, Any]:
        return async_shared_broker.task(task_name=name, priority=str(priority), **labels)(func)

    return decorate


async def send(
    task_obj: AsyncTaskiqDecoratedTask[Any, Any], *args: Any, priority: Priority | None = None, **kwargs: Any
) -> None:
    """Queue ``task_obj`` with arguments, optionally at another priority."""
    kicker = task_obj.kicker()
    if priority is not None:
        kicker.labels = dict(kicker.labels)  # with_labels changes them in place: keep the task's own intact
        kicker = kicker.with_labels(priority=str(priority))
    await kicker.kiq(*args, **kwargs)


_context: Any = None


def set_context(context: Any) -> None:
    """Install the process's core context (done by the worker and the web app)."""
    global _context
    _context = context


def current_context() -> Any:
    """The :class:`sonantica_core.context.CoreContext` of this process."""
    if _context is None:
        raise RuntimeError("no Sonántica context in this process: tasks run inside `sonantica worker` or `serve`")
    return _context
