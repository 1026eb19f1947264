"""DATA_DIR's disk full while caches are written: a clear ENOSPC error, nothing half-written kept,
and what was there before intact.

A real full filesystem: a 256 KiB tmpfs mounted for the test (as root); skipped with the reason
where mounting is not allowed.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sonantica_core.context import DerivedStorage
from sonantica_core.media.covers import write_atomic as write_cover


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A tiny tmpfs, nearly full."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(mount: Path, leave: int) -> None:
    """Fill ``mount`` until about ``leave`` bytes are free."""
    stat = os.statvfs(mount)
    free = stat.f_bavail * stat.f_frsize
    with (mount / "filler").open("wb") as fh:
        fh.write(b"\0" * max(0, free - leave))


def _leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and p.name.endswith(".tmp")]


def test_a_derived_file_on_a_full_disk_fails_cleanly(full_disk: Path) -> None:
    storage = DerivedStorage(full_disk / "derived")
    target = storage.path("waveforms", 42, "42.json")
    storage.write_atomic(target, b"old peaks")
    _fill(full_disk, 8 * 1024)
    with pytest.raises(OSError) as raised:
        storage.write_atomic(target, b"x" * 64 * 1024)
    assert raised.value.errno == errno.ENOSPC
    assert target.read_bytes() == b"old peaks"  # the previous version stays whole
    assert _leftovers(full_disk) == []


def test_a_cover_on_a_full_disk_fails_cleanly(full_disk: Path) -> None:
    target = full_disk / "covers" / "ab" / "abc.webp"
    _fill(full_disk, 8 * 1024)
    with pytest.raises(OSError) as raised:
        write_cover(target, b"y" * 64 * 1024)
    assert raised.value.errno == errno.ENOSPC
    assert not target.exists()
    assert _leftovers(full_disk) == []
