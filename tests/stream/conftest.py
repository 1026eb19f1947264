"""Fixtures for the stream route: a media root with a generated FLAC file, a secret outside it,
and tracks in the database pointing wherever a test wants."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from sonantica_core.db.library import Track
from sonantica_core.settings import Settings

#: What the file outside the media root holds; no response may ever contain it.
SECRET = b"SONANTICA-SECRET-OUTSIDE-THE-ROOT-7f3a9c"
SONG = "Artist/Album/01 Söng \"one\".flac"


@dataclass(frozen=True)
class Media:
    root: Path
    song: Path
    secret: Path
    data: bytes


@pytest.fixture
def media(tmp_path: Path) -> Media:
    root = tmp_path / "music"
    song = root / SONG
    song.parent.mkdir(parents=True)
    t = np.arange(44_100 * 2) / 44_100
    left, right = np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 660 * t)
    soundfile.write(song, np.stack([left, right], axis=1) * 0.3, 44_100, subtype="PCM_16", format="FLAC")
    secret_dir = tmp_path / "private"
    secret_dir.mkdir()
    secret = secret_dir / "secret.flac"
    secret.write_bytes(SECRET * 50)
    (tmp_path / "passwd").write_bytes(SECRET)
    # symbolic links: one out of the root, one inside, loops, a folder pointing out
    os.symlink(secret, root / "escape.flac")
    os.symlink(secret_dir, root / "escape-dir")
    os.symlink(song, root / "inside.flac")
    os.symlink(root / "loop-b", root / "loop-a")
    os.symlink(root / "loop-a", root / "loop-b")
    os.symlink("self", root / "self")
    os.symlink("../private/secret.flac", root / "Artist" / "relative-escape.flac")
    return Media(root=root, song=song, secret=secret, data=song.read_bytes())


@pytest.fixture
def settings(make_settings: Callable[..., Settings], media: Media) -> Settings:
    return make_settings(MEDIA_PATH=f"music={media.root}")


@pytest.fixture
def add_track(core: Any) -> Callable[..., Any]:
    """``await add_track(relative_path, root="music", removed=False)`` → the new track's id."""
    counter = iter(range(1, 1_000_000))

    async def add(relative_path: str, *, root: str = "music", removed: bool = False, path: Path | None = None) -> int:
        n = next(counter)
        size, mtime, digest = 0, 0, hashlib.sha256(relative_path.encode("utf-8", "surrogateescape")).hexdigest()
        if path is not None and path.is_file():
            data = path.read_bytes()
            size, mtime, digest = len(data), path.stat().st_mtime_ns, hashlib.sha256(data).hexdigest()
        async with core.session() as session:
            track = Track(
                root=root,
                relative_path=relative_path,
                size=size,
                mtime_ns=mtime,
                content_hash=f"sha256:{digest}",
                title=f"track {n}",
                title_folded=f"track {n}",
                codec="flac",
                container="flac",
            )
            if removed:
                import datetime as dt

                track.removed_at = dt.datetime.now(dt.UTC)
            session.add(track)
            await session.flush()
            return track.id

    return add


@pytest.fixture
async def song_id(add_track: Callable[..., Any], media: Media) -> int:
    return await add_track(SONG, path=media.song)
