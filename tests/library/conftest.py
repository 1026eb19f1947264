"""Fixtures of the library tests: the standard test library and a signed-in client."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib does not

from librarybuild import Library, build_library


@pytest.fixture
async def library(core: Any) -> Library:
    async with core.session() as session:
        return await build_library(session)


@pytest.fixture
async def api(client: Any, user_headers: dict[str, str]) -> Any:
    """The test client, signed in as a user."""
    client.headers.update(user_headers)
    return client
