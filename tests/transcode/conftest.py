"""Fixtures of the transcode tests: a media root with generated FLAC files and their tracks."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib does not

from transcode_testkit import signal, write_flac

from sonantica_core.db.library import Track
from sonantica_core.settings import Settings


@pytest.fixture(scope="session")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``music/short.flac`` (6 s, 44.1/16), ``music/long.flac`` (34 s), ``music/hires.flac`` (4 s, 96/24)."""
    root = tmp_path_factory.mktemp("music")
    write_flac(root / "short.flac", signal(6.0))
    write_flac(root / "long.flac", signal(34.0, seed=3))
    write_flac(root / "hires.flac", signal(4.0, 96_000, seed=5), 96_000, "PCM_24")
    return root


@pytest.fixture
def settings(make_settings: Callable[..., Settings], sources: Path) -> Settings:
    return make_settings(MEDIA_PATH=f"music={sources}")


@pytest.fixture
def add_track(core: Any, sources: Path) -> Callable[..., Any]:
    """``await add_track("short.flac")`` → the new track's id."""

    async def add(name: str, root: Path | None = None) -> int:
        path = (root or sources) / name
        data = path.read_bytes()
        async with core.session() as session:
            track = Track(
                root="music",
                relative_path=name,
                size=len(data),
                mtime_ns=path.stat().st_mtime_ns,
                content_hash="sha256:" + hashlib.sha256(data).hexdigest(),
                title=name,
                title_folded=name,
                codec="flac",
                container="flac",
            )
            session.add(track)
            await session.flush()
            return track.id

    return add
