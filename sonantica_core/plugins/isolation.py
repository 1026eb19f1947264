"""Running one plugin's code so that nothing it does can break the caller.

Every call into a plugin goes through :func:`run_isolated` (or its synchronous
twin): an exception becomes an :class:`Outcome` with a one-line error, and an
awaitable is given a time limit when the caller is waiting.
"""

from __future__ import annotations

import inspect
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a call into a plugin produced: a value, or an error in one line."""

    ok: bool
    value: Any = None
    error: str | None = None
    traceback: str | None = None
    timed_out: bool = False


def _failure(exc: BaseException) -> Outcome:
    return Outcome(False, error=f"{type(exc).__name__}: {exc}".rstrip(": "), traceback=traceback.format_exc())


async def run_isolated(call: Callable[[], Any], timeout: float | None = None) -> Outcome:
    """Call ``call()``; await its result if it is awaitable, within ``timeout`` seconds.

    A blocking synchronous call cannot be interrupted: limits apply to ``async`` code.
    """
    scope: anyio.CancelScope | None = None
    try:
        result = call()
        if inspect.isawaitable(result):
            if timeout is None:
                result = await result
            else:
                with anyio.fail_after(timeout) as scope:
                    result = await result
        return Outcome(True, result)
    except TimeoutError as exc:
        if scope is not None and scope.cancel_called:
            return Outcome(False, error=f"took longer than {timeout:g} s and was abandoned", timed_out=True)
        return _failure(exc)
    except Exception as exc:
        return _failure(exc)


def run_isolated_sync(call: Callable[[], Any]) -> Outcome:
    """Call ``call()`` synchronously; an awaitable result is refused (the hook is not async)."""
    try:
        result = call()
    except Exception as exc:
        return _failure(exc)
    if inspect.isawaitable(result):
        if inspect.iscoroutine(result):
            result.close()
        return Outcome(False, error="returned an awaitable, but this hook must not be async")
    return Outcome(True, result)

