"""Fixtures of the MusicBrainz plugin's tests (the core's fixtures come from sonantica_core.testing.fixtures)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib does not

from mb_fake import FakeMusicBrainz

from sonantica_core.testing.fakeservice import running_fake_service


@pytest.fixture
def musicbrainz() -> Iterator[FakeMusicBrainz]:
    """A running fake MusicBrainz and Cover Art Archive (one server; ``musicbrainz.url`` is both)."""
    fake = FakeMusicBrainz()
    with running_fake_service(fake.answer) as server:
        fake.url = server.url
        fake.server = server  # type: ignore[attr-defined]
        yield fake
