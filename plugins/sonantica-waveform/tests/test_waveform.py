"""Waveform peaks in the audiowaveform JSON format (version 2)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sonantica_waveform import WaveformAnalyzer
from sonantica_waveform.audiowaveform import quantise
from sonantica_waveform.peaks import PeakAccumulator
from sonantica_waveform.plugin import plugin

from sonantica_core.analysis import AudioDecoder, run_analyzers
from sonantica_core.testing.signals import song, write_audio


def waveform(path: Path, **options) -> dict:
    result = run_analyzers(path, 1, [WaveformAnalyzer(**options)])["waveform"]
    assert set(result.artifacts) == {"waveform.json"}
    return json.loads(result.artifacts["waveform.json"])


def reference(x: np.ndarray, spp: int, bits: int) -> list[int]:
    """Interleaved min/max per pixel and channel, straight from the definition."""
    out = []
    for start in range(0, len(x), spp):
        piece = x[start : start + spp]
        for c in range(x.shape[1]):
            out += [int(quantise(piece[:, c].min(), bits)), int(quantise(piece[:, c].max(), bits))]
    return out


def test_stereo_document_matches_the_format(tmp_path: Path):
    rate = 44100
    x = song(120, 0, "major_I_IV_V_I", 30, rate)
    stereo = np.stack([x, -0.5 * x], axis=1)
    doc = waveform(write_audio(tmp_path / "s", stereo, rate, "wav_float"))
    assert set(doc) == {"version", "channels", "sample_rate", "samples_per_pixel", "bits", "length", "data"}
    assert (doc["version"], doc["channels"], doc["sample_rate"], doc["bits"]) == (2, 2, rate, 8)
    # 30 s at 44.1 kHz: 1.32 M samples; 256 per pixel would be 5168 points, within 8000.
    assert doc["samples_per_pixel"] == 256 and doc["length"] == -(-len(x) // 256)
    assert len(doc["data"]) == doc["length"] * doc["channels"] * 2
    assert doc["data"] == reference(stereo, 256, 8)
    assert all(-128 <= v <= 127 for v in doc["data"])


def test_resolution_adapts_to_length(tmp_path: Path):
    rate = 44100
    x = (np.random.default_rng(0).standard_normal(rate * 190) * 0.2).astype(np.float32)
    path = write_audio(tmp_path / "long", x, rate, "flac")
    doc = waveform(path)
    # 190 s: 256 -> 32730 points, 512 -> 16365, 1024 -> 8183, 2048 -> 4092 <= 8000
    assert doc["channels"] == 1 and doc["samples_per_pixel"] == 2048 and doc["length"] == 4092
    with AudioDecoder(path) as decoder:  # the 16-bit samples FLAC holds
        pcm = np.concatenate(list(decoder.blocks(rate)))
    assert doc["data"] == reference(pcm, 2048, 8)


def test_sixteen_bits_and_custom_resolution(tmp_path: Path):
    rate = 48000
    t = np.arange(rate * 2) / rate
    x = (0.9 * np.sin(2 * np.pi * 50 * t)).astype(np.float32)
    doc = waveform(
        write_audio(tmp_path / "t", x, rate, "wav_float"), bits=16, base_samples_per_pixel=480, max_points=100
    )
    assert doc["bits"] == 16 and doc["samples_per_pixel"] == 960 and doc["length"] == 100
    assert max(doc["data"]) == pytest.approx(0.9 * 32768, abs=40)
    assert min(doc["data"]) == pytest.approx(-0.9 * 32768, abs=40)


def test_surround_is_averaged_to_one_channel(tmp_path: Path):
    x = np.tile(np.linspace(-0.6, 0.6, 6, dtype=np.float32), (44100, 1))
    x[:, 0] = 0.9
    doc = waveform(write_audio(tmp_path / "six", x, 44100, "wav_float", layout="5.1"))
    assert doc["channels"] == 1
    assert doc["data"][:2] == [int(quantise(np.float32(x[0].mean()), 8))] * 2


def test_accumulator_is_exact_whatever_the_block_sizes():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 300_001)).astype(np.float32)
    for max_points in (10_000, 37, 3):
        acc = PeakAccumulator(2, 64, max_points)
        i = 0
        while i < x.shape[1]:
            n = int(rng.integers(1, 20_000))
            acc.feed(x[:, i : i + n])
            i += n
        mins, maxs, spp = acc.result()
        assert mins.shape[1] <= max_points
        pixels = -(-x.shape[1] // spp)
        assert mins.shape == (2, pixels)
        padded = np.pad(x, ((0, 0), (0, pixels * spp - x.shape[1])), mode="edge")
        np.testing.assert_array_equal(mins, padded.reshape(2, pixels, spp).min(axis=2))
        np.testing.assert_array_equal(maxs, padded.reshape(2, pixels, spp).max(axis=2))


def test_plugin_object_provides_the_analyzer():
    (analyzer,) = plugin.register_analyzers()
    assert plugin.name == "waveform" and analyzer.name == "waveform" and analyzer.needs.sample_rate is None
