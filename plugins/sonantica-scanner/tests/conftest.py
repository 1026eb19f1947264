"""Shared fixtures: one generated test library per session, and a scanner."""

from __future__ import annotations

import atexit
import functools
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the plugin, when not pip-installed

from sonantica_scanner.scanner import MutagenScanner

from sonantica_core.testing.audio import LibraryManifest, build_library


@functools.cache
def library() -> LibraryManifest:
    """The test library, built once per process (also at collection time, for parametrisation)."""
    base = Path(tempfile.mkdtemp(prefix="sonantica-scanner-"))
    atexit.register(shutil.rmtree, base, ignore_errors=True)
    return build_library(base / "library")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "good_file" in metafunc.fixturenames:
        files = library().files
        metafunc.parametrize("good_file", [files[k] for k in sorted(files)], ids=sorted(files))
    if "bad_file" in metafunc.fixturenames:
        problems = library().problems
        metafunc.parametrize("bad_file", [problems[k] for k in sorted(problems)], ids=sorted(problems))


@pytest.fixture(scope="session")
def manifest() -> LibraryManifest:
    return library()


@pytest.fixture
def scanner() -> MutagenScanner:
    return MutagenScanner()
