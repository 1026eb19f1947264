"""Chromaprint fingerprints: duplicates across encodings, different music apart."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from sonantica_fingerprint import FingerprintAnalyzer, compare, is_duplicate
from sonantica_fingerprint.chromaprint import compress, encode
from sonantica_fingerprint.plugin import plugin

from sonantica_core.analysis import run_analyzers
from sonantica_core.testing.signals import melody, song, write_audio

RATE = 44100


@pytest.fixture(scope="module")
def music() -> np.ndarray:
    x = song(123, 4, "minor_i_VI_VII_i", 45, RATE, "rock", seed=3) + melody(4, 45, RATE, seed=3)
    return np.stack([x, 0.8 * x], axis=1)


def fingerprint(path: Path, **options) -> list[int]:
    result = run_analyzers(path, 1, [FingerprintAnalyzer(**options)])["fingerprint"]
    assert result.fingerprint is not None
    return list(result.fingerprint)


@pytest.fixture(scope="module")
def encoded(tmp_path_factory: pytest.TempPathFactory, music: np.ndarray) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("fp")
    return {e: write_audio(folder / f"song_{e}", music, RATE, e) for e in ("flac", "mp3", "opus", "m4a")}


def test_same_music_in_other_encodings_is_a_duplicate(encoded: dict[str, Path]):
    reference = fingerprint(encoded["flac"])
    # A row every 1365 samples at 11025 Hz, less 4 for smoothing and 14 for the widest filter.
    assert len(reference) == pytest.approx((45 * 11025 - 4096) // 1365 + 1 - 18, abs=2)
    assert all(-(2**31) <= w < 2**31 for w in reference)  # signed 32-bit
    for encoding in ("mp3", "opus", "m4a"):
        other = fingerprint(encoded[encoding])
        match = compare(reference, other)
        assert match.bit_error_rate < 0.1, (encoding, match)
        assert match.offset == 0 and is_duplicate(reference, other)


def test_different_music_is_not(tmp_path: Path, encoded: dict[str, Path]):
    reference = fingerprint(encoded["flac"])
    for i, other in enumerate(
        [
            song(97, 7, "major_I_IV_V_I", 45, RATE, "busy", seed=4),
            song(110, 4, "minor_i_VI_VII_i", 45, RATE, "rock", seed=3) + melody(4, 45, RATE, seed=9),
        ]
    ):
        path = write_audio(tmp_path / f"other{i}", other, RATE, "mp3")
        match = compare(reference, fingerprint(path))
        assert match.bit_error_rate > 0.3 and not is_duplicate(reference, fingerprint(path))


def test_an_excerpt_is_found_at_its_offset(tmp_path: Path, music: np.ndarray, encoded: dict[str, Path]):
    reference = fingerprint(encoded["flac"])
    excerpt = write_audio(tmp_path / "cut", music[RATE * 5 :], RATE, "mp3")  # starts 5 s later
    match = compare(reference, fingerprint(excerpt))
    assert match.bit_error_rate < 0.1
    assert match.offset == pytest.approx(5 * 11025 / 1365, abs=1.5)


def test_max_seconds_limits_the_fingerprint(encoded: dict[str, Path]):
    short = fingerprint(encoded["flac"], max_seconds=20)
    full = fingerprint(encoded["flac"], max_seconds=None)
    assert len(short) < len(full) / 2
    # The first 20 s give the same words as the start of the whole (but the last few,
    # whose filters reach past the cut).
    assert short[:-20] == full[: len(short) - 20]


def test_compressed_format_known_vector():
    # Header: algorithm 1, 3 words; then 3-bit and 5-bit packed bit-position deltas.
    words = np.array([1, 3, 0x80000000], dtype=np.uint32)
    data = compress(words)
    assert data[:4] == bytes([1, 0, 0, 3])
    assert encode(np.zeros(0, dtype=np.uint32)) == "AQAAAA"


@pytest.mark.skipif(shutil.which("fpcalc") is None, reason="fpcalc (libchromaprint-tools) not installed")
def test_matches_fpcalc(encoded: dict[str, Path]):
    for encoding in ("flac", "mp3"):
        path = encoded[encoding]
        result = run_analyzers(path, 1, [FingerprintAnalyzer()])["fingerprint"]
        # fpcalc 1.5 exits 3 after "Error decoding audio frame (End of file)" but prints its result.
        out = subprocess.run(["fpcalc", "-json", "-raw", str(path)], capture_output=True, text=True)
        raw = json.loads(out.stdout)["fingerprint"]
        assert compare(result.fingerprint, raw).bit_error_rate < 0.01
        if [w & 0xFFFFFFFF for w in result.fingerprint] == raw:  # same words: same compressed string
            out = subprocess.run(["fpcalc", "-json", str(path)], capture_output=True, text=True)
            assert json.loads(out.stdout)["fingerprint"] == result.extras["chromaprint"]


def test_plugin_object_provides_the_analyzer():
    (analyzer,) = plugin.register_analyzers()
    assert plugin.name == "fingerprint" and analyzer.needs.sample_rate == 11025 and analyzer.needs.mono
