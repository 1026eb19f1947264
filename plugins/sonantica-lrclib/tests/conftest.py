"""Fixtures of the lrclib plugin's tests (the core's fixtures come from sonantica_core.testing.fixtures)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib does not

from lrclib_fake import FakeLrclib, running_fake_lrclib


@pytest.fixture
async def ctx(make_settings: Any) -> AsyncIterator[Any]:
    """An open core context (Redis for the polite client's limiter, cache and breaker)."""
    from sonantica_core.context import open_context

    settings = make_settings(CONTACT="tests@example.org")
    context = await open_context(settings, secret_key="k" * 40, postgres_url=settings.postgres_url,
                                 redis_url=settings.redis_url)
    yield context
    await context.close()


@pytest.fixture
def lrclib_server() -> Iterator[FakeLrclib]:
    """A running fake LRCLIB; ``lrclib_server.url`` goes into the plugin's ``base_url``."""
    with running_fake_lrclib() as fake:
        yield fake
