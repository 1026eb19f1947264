"""Fixtures of the lrclib plugin's tests (the core's fixtures come from sonantica_core.testing.fixtures)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib does not

from lrclib_fake import FakeLrclib, running_fake_lrclib


@pytest.fixture
def lrclib_server() -> Iterator[FakeLrclib]:
    """A running fake LRCLIB; ``lrclib_server.url`` goes into the plugin's ``base_url``."""
    with running_fake_lrclib() as fake:
        yield fake
