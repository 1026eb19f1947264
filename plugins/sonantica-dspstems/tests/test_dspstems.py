"""The DSP separator on generated music with known parts: drums + bass + a sustained tone,
and a repeating accompaniment under a voice-like melody that does not repeat.

Figures: SDR (signal-to-distortion ratio, dB) of a stem against the true part, and the
"share" of a part in a stem: the least-squares gain of that part in the stem (1: all of it,
0: none of it).
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile
from sonantica_dspstems import DspSeparator
from sonantica_dspstems.plugin import plugin
from sonantica_dspstems.spectral import istft, stft

from sonantica_core.contract import StemQuality
from sonantica_core.stems import jobs
from sonantica_core.testing.signals import drum_loop

RATE = 44100


def sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    return float(10 * np.log10(np.sum(reference**2) / np.sum((reference - estimate) ** 2)))


def share(estimate: np.ndarray, part: np.ndarray) -> float:
    return float(np.dot(estimate, part) / np.dot(part, part))


@pytest.fixture(scope="module")
def parts() -> dict[str, np.ndarray]:
    seconds = 20
    t = np.arange(seconds * RATE) / RATE
    notes = np.repeat([55.0, 55.0, 73.4, 65.4], seconds * RATE // 4 + 1)[: len(t)]
    return {
        "drums": drum_loop(120, seconds, RATE, "rock", seed=1).astype(np.float64),
        "bass": 0.3 * np.sin(2 * np.pi * np.cumsum(notes) / RATE),
        "tone": 0.2 * (np.sin(2 * np.pi * 440 * t) + 0.5 * np.sin(2 * np.pi * 880 * t)),
    }


@pytest.fixture(scope="module")
def separated(parts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    mix = sum(parts.values())
    out = DspSeparator().separate(np.stack([mix, mix], axis=1).astype(np.float32))
    return {name: array[:, 0].astype(np.float64) for name, array in out.items()}


def test_the_drum_stem_holds_the_drums_and_little_of_the_tone(parts, separated) -> None:
    drums = separated["drums"]
    assert sdr(parts["drums"], drums) >= 4.0  # measured 6.6 dB
    assert share(drums, parts["drums"]) >= 0.6  # most of the drums (measured 0.70)
    assert abs(share(drums, parts["tone"])) <= 0.02  # little of the tone (measured 0.001)
    assert abs(share(drums, parts["bass"])) <= 0.15  # measured 0.06


def test_the_harmonic_stems_hold_the_bass_and_the_tone(parts, separated) -> None:
    assert sdr(parts["bass"], separated["bass"]) >= 8.0  # measured 12 dB
    harmonic = separated["bass"] + separated["other"] + separated["vocals"]
    assert sdr(parts["bass"] + parts["tone"], harmonic) >= 10.0  # measured 16 dB
    assert share(separated["other"] + separated["vocals"], parts["tone"]) >= 0.8


def test_a_melody_that_does_not_repeat_goes_to_the_vocals() -> None:
    rng = np.random.default_rng(4)
    seconds, beat = 24, 0.5
    t = np.arange(seconds * RATE) / RATE
    bar = drum_loop(120, 2.0, RATE, "rock", seed=2).astype(np.float64)  # one repeating 2-second pattern
    chord = 0.15 * sum(np.sin(2 * np.pi * f * t[: len(bar)]) for f in (220.0, 277.2, 329.6))
    accompaniment = np.tile(bar + chord, seconds // 2)
    pitches = 440.0 * 2 ** (rng.integers(0, 12, int(seconds / beat)) / 12)
    f = np.repeat(pitches, int(beat * RATE))[: len(t)] * (1 + 0.01 * np.sin(2 * np.pi * 5.5 * t))  # vibrato
    voice = 0.25 * np.sin(2 * np.pi * np.cumsum(f) / RATE) * (0.6 + 0.4 * np.sin(np.pi * t / beat) ** 2)
    mix = accompaniment + voice
    out = DspSeparator().separate(np.stack([mix, mix], axis=1).astype(np.float32))
    vocals = out["vocals"][:, 0].astype(np.float64)
    rest = (out["drums"] + out["bass"] + out["other"])[:, 0].astype(np.float64)
    assert sdr(voice, vocals) >= 8.0  # measured 14 dB
    assert share(vocals, voice) >= 0.6  # measured 0.86
    assert abs(share(vocals, accompaniment)) <= 0.1  # measured 0.02
    assert share(rest, accompaniment) >= 0.9  # measured 0.98


def test_the_stems_add_up_to_the_input_and_it_declares_its_quality() -> None:
    separator = DspSeparator()
    assert separator.quality == StemQuality.DSP and not separator.needs_gpu
    x = np.random.default_rng(0).standard_normal((RATE * 3, 2)).astype(np.float32) * 0.1
    out = separator.separate(x)
    assert set(out) == set(separator.stems) and all(a.shape == x.shape for a in out.values())
    np.testing.assert_allclose(sum(out.values()), x, atol=1e-5)
    short = separator.separate(x[:100])
    np.testing.assert_allclose(sum(short.values()), x[:100], atol=1e-6)


def test_the_transform_gives_its_input_back() -> None:
    x = np.random.default_rng(1).standard_normal((12_345, 2)).astype(np.float32)
    np.testing.assert_allclose(istft(stft(x), len(x)), x, atol=1e-5)


async def test_separated_by_the_core_in_chunks_into_flac_files(plugin_app, parts) -> None:
    """Through the core: chunks with overlap (5 s here), cross-faded; the stems still add up to the track."""
    mix = (sum(parts.values())[: 12 * RATE] * 0.8).astype(np.float32)
    stereo = np.stack([mix, 0.9 * mix], axis=1)
    async with plugin_app(plugin) as core:
        [separator] = core.manager.stem_separators()
        separator.chunk_seconds = 5.0
        track = await core.add_audio(stereo, RATE)
        answer = await core.client.post(f"/api/tracks/{track}/stems")
        assert answer.json() == {"track_id": track, "separator": "dsp", "status": "queued"}
        assert await core.run_task(jobs.separate_track, track, "dsp") == "ready"
        listing = (await core.client.get(f"/api/tracks/{track}/stems")).json()
        [separation] = listing["separations"]
        assert separation["quality"] == "dsp" and listing["separators"][0]["quality"] == "dsp"
        folder = core.ctx.settings.data_dir / "stems" / str(track) / "dsp"
        stems = {}
        for name in ("vocals", "drums", "bass", "other"):
            stems[name], rate = soundfile.read(str(folder / f"{name}.flac"), dtype="float64")
            assert rate == RATE and stems[name].shape == stereo.shape
        np.testing.assert_allclose(sum(stems.values()), stereo, atol=2e-4)  # 24-bit FLAC of each stem
        assert sdr(parts["drums"][: 12 * RATE] * 0.8, stems["drums"][:, 0]) >= 4.0
