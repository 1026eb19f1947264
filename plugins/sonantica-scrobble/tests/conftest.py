"""Fixtures of the scrobble plugin's tests: the two fake services and a core with the plugin."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib does not

from scrobble_fakes import FakeLastfm, FakeListenBrainz, serving
from sonantica_scrobble.plugin import ScrobblePlugin


@pytest.fixture
def listenbrainz() -> Iterator[FakeListenBrainz]:
    with serving(FakeListenBrainz(tokens={"lb-alice": "alice_lb"})) as fake:
        yield fake


@pytest.fixture
def lastfm() -> Iterator[FakeLastfm]:
    with serving(FakeLastfm(auth_tokens={"approved-alice": "alice_fm"})) as fake:
        yield fake


@pytest.fixture
async def scrobbling(plugin_app, listenbrainz, lastfm) -> AsyncIterator[Any]:
    config = {
        "listenbrainz_url": listenbrainz.url,
        "lastfm_url": f"{lastfm.url}/2.0/",
        "lastfm_api_key": lastfm.api_key,
        "lastfm_api_secret": lastfm.secret,
        "retry_after": 30.0,
        "sweep_interval": 0,
    }
    async with plugin_app(ScrobblePlugin(), config={"scrobble": config}) as harness:
        yield harness
