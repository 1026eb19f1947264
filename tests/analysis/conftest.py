"""Fixtures for the analysis engine tests: generated audio files and recording analyzers."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib does not

from analysis_helpers import Recorder

from sonantica_core.testing.signals import song, write_audio


@pytest.fixture(scope="session")
def stereo_song() -> np.ndarray:
    x = song(120, 9, "minor_i_iv_V_i", 8.0, rate=44100, seed=1)
    return np.stack([x, 0.8 * x], axis=1)


@pytest.fixture(scope="session")
def flac_file(tmp_path_factory: pytest.TempPathFactory, stereo_song: np.ndarray) -> Path:
    return write_audio(tmp_path_factory.mktemp("audio") / "song", stereo_song, 44100, "flac")


@pytest.fixture
def recorder() -> type[Recorder]:
    return Recorder
