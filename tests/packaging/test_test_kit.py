"""The test kit is opt-in: installing the core does not put its fixtures into other test runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _fixtures(folder: Path, *options: str) -> str:
    (folder / "test_nothing.py").write_text("def test_nothing():\n    pass\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--fixtures", "-p", "no:cacheprovider", *options],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_another_projects_run_does_not_get_the_kit(tmp_path: Path) -> None:
    assert "sonantica_services" not in _fixtures(tmp_path)


def test_a_run_that_asks_gets_the_kit(tmp_path: Path) -> None:
    listed = _fixtures(tmp_path, "-p", "sonantica_core.testing.fixtures")
    assert "sonantica_services" in listed and "plugin_app" in listed
