"""Where stems live: ``DATA_DIR/stems/<track id>/<separator>/``, never in a media folder.

::

    stems/<track>/<separator>/<stem>.flac           the stems of a finished separation
    stems/<track>/<separator>/mix-<digest>.flac     a mix rendered from them
    stems/<track>/.<separator>.<token>.part/        a separation being made

A separation is written into its ``.part`` folder and renamed into place whole when
it is done (a mix: into a ``.part`` file, renamed likewise), so a reader never sees
half a stem, and a worker killed midway leaves only a hidden ``.part`` that the next
run (or eviction) removes. The original file is only ever read.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import uuid
from pathlib import Path

#: Names of separators and stems that may become path segments.
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
PART = ".part"


class StemFiles:
    """The stems folder of a data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "stems"

    def track_dir(self, track_id: int) -> Path:
        return self.root / str(int(track_id))

    def separation_dir(self, track_id: int, separator: str) -> Path:
        return self.track_dir(track_id) / _segment(separator)

    def stem_path(self, track_id: int, separator: str, stem: str) -> Path:
        return self.separation_dir(track_id, separator) / f"{_segment(stem)}.flac"

    def mix_path(self, track_id: int, separator: str, mix_key: str) -> Path:
        return self.separation_dir(track_id, separator) / f"mix-{mix_digest(mix_key)}.flac"

    def new_part_dir(self, track_id: int, separator: str) -> Path:
        """A fresh hidden folder to write a separation into."""
        folder = self.track_dir(track_id) / f".{_segment(separator)}.{uuid.uuid4().hex}{PART}"
        folder.mkdir(parents=True)
        return folder

    def publish(self, part_dir: Path, track_id: int, separator: str) -> Path:
        """Move a finished ``.part`` folder into place (replacing an older separation)."""
        final = self.separation_dir(track_id, separator)
        if final.exists():
            old = final.with_name(f".{final.name}.{uuid.uuid4().hex}.old")
            os.rename(final, old)
            os.rename(part_dir, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(part_dir, final)
        return final

    def drop_parts(self, track_id: int, separator: str) -> int:
        """Remove what unfinished runs of this separation left; how many were removed."""
        folder = self.track_dir(track_id)
        prefix = f".{_segment(separator)}."
        removed = 0
        with contextlib.suppress(FileNotFoundError):
            for item in os.scandir(folder):
                if item.name.startswith(prefix) and item.name.endswith((PART, ".old")):
                    shutil.rmtree(item.path, ignore_errors=True)
                    removed += 1
        return removed

    def remove_separation(self, track_id: int, separator: str) -> None:
        shutil.rmtree(self.separation_dir(track_id, separator), ignore_errors=True)
        with contextlib.suppress(OSError):
            self.track_dir(track_id).rmdir()  # only when empty

    def remove_mix(self, track_id: int, separator: str, mix_key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.mix_path(track_id, separator, mix_key).unlink()

    def separations_on_disk(self) -> list[tuple[int, str]]:
        """``(track, separator)`` of every finished separation folder."""
        found: list[tuple[int, str]] = []
        if not self.root.is_dir():
            return found
        for track in os.scandir(self.root):
            if not track.is_dir(follow_symlinks=False) or not track.name.isdigit():
                continue
            for item in os.scandir(track.path):
                if item.is_dir(follow_symlinks=False) and not item.name.startswith("."):
                    found.append((int(track.name), item.name))
        return found

    def parts_on_disk(self) -> list[tuple[int, str, Path]]:
        """``(track, separator, path)`` of every unfinished ``.part`` (or left-over ``.old``) folder."""
        found: list[tuple[int, str, Path]] = []
        if not self.root.is_dir():
            return found
        for track in os.scandir(self.root):
            if not track.is_dir(follow_symlinks=False) or not track.name.isdigit():
                continue
            for item in os.scandir(track.path):
                if item.name.startswith(".") and item.name.endswith((PART, ".old")):
                    separator = item.name[1:].split(".", 1)[0]
                    found.append((int(track.name), separator, Path(item.path)))
        return found


def mix_digest(mix_key: str) -> str:
    """A short file-name-safe name of a mix key."""
    return hashlib.blake2b(mix_key.encode(), digest_size=8).hexdigest()


def _segment(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise ValueError(f"{name!r} cannot name a stem folder or file")
    return name
