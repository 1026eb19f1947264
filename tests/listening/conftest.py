"""Fixtures of the listening tests: a small library with artists, albums and genres."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib does not

from listening_library import build_small_library


@pytest.fixture
async def lib(core: Any) -> dict[str, int]:
    async with core.session() as session:
        return await build_small_library(session)
