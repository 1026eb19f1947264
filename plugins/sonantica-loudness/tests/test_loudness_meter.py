"""Accuracy of the loudness meter on EBU Tech 3341 / 3342 signals, generated here.

Generated cases (the EBU test set itself is not shipped):
* Tech 3341 cases 1-5: stereo 1 kHz sine sequences, expected -23.0 / -33.0 LUFS ±0.1.
* Tech 3341 case 6: five channels (L, R -28; C -24; Ls, Rs -30 dBFS), -23.0 LUFS,
  here with a loud LFE channel added that must be left out.
* Tech 3341 cases 15-19 (after their descriptions): fs/4 and fs/6 sines whose peaks
  fall between samples, expected true peak ±(+0.2/-0.4) dB.
* Tech 3342 cases 1-4: LRA 10, 5, 20 and 15 LU ±1.
"""

from __future__ import annotations

import numpy as np
import pytest
from loudness_signals import sequence, sine, stereo
from sonantica_loudness.channels import channel_weights
from sonantica_loudness.kweighting import k_weighting_sos
from sonantica_loudness.meter import LoudnessMeter


def measure(x: np.ndarray, rate: int, layout: str = "stereo", block: int = 48000, **kw):
    meter = LoudnessMeter(rate, channel_weights(layout, x.shape[1], **kw))
    for i in range(0, len(x), block):
        meter.feed(x[i : i + block])
    return meter.report()


def test_k_weighting_at_48k_matches_bs1770_table():
    sos = k_weighting_sos(48000)
    np.testing.assert_allclose(
        sos[0],
        [1.53512485958697, -2.69169618940638, 1.19839281085285, 1, -1.69065929318241, 0.73248077421585],
        atol=1e-9,
    )
    np.testing.assert_allclose(sos[1], [1, -2, 1, 1, -1.99004745483398, 0.99007225036621], atol=1e-9)


@pytest.mark.parametrize("rate", [44100, 48000, 88200, 96000])
def test_minus_23_dbfs_sine_reads_minus_23_lufs(rate):
    report = measure(sequence(rate, [(-23, 10)]), rate)
    assert report.integrated_lufs == pytest.approx(-23.0, abs=0.1)


@pytest.mark.parametrize(
    ("case", "parts", "expected", "rate"),
    [
        (1, [(-23, 20)], -23.0, 48000),
        (2, [(-33, 20)], -33.0, 44100),
        (3, [(-36, 10), (-23, 60), (-36, 10)], -23.0, 48000),
        (4, [(-72, 10), (-36, 10), (-23, 60), (-36, 10), (-72, 10)], -23.0, 44100),
        (5, [(-26, 20), (-20, 20.1), (-26, 20)], -23.0, 96000),
    ],
)
def test_tech3341_integrated_cases(case, parts, expected, rate):
    assert measure(sequence(rate, parts), rate).integrated_lufs == pytest.approx(expected, abs=0.1)


@pytest.mark.parametrize("layout", ["5.1", "5.1(side)"])
def test_tech3341_case6_surround_weights_and_lfe_excluded(layout):
    rate = 48000
    front, centre, surround = sine(rate, -28, 20), sine(rate, -24, 20), sine(rate, -30, 20)
    lfe = sine(rate, -6, 20, freq=60)  # loud: must not count
    x = np.stack([front, front, centre, lfe, surround, surround], axis=1)
    assert measure(x, rate, layout).integrated_lufs == pytest.approx(-23.0, abs=0.1)


def test_mono_counts_once_and_dual_mono_twice():
    rate = 48000
    x = sine(rate, -20, 10)[:, None]
    single = measure(x, rate, "mono").integrated_lufs
    dual = measure(x, rate, "mono", dual_mono=True).integrated_lufs
    # One channel of a -20 dBFS sine has the power of -23 LUFS; dual mono adds 3 dB.
    assert single == pytest.approx(-23.0, abs=0.1)
    assert dual == pytest.approx(-23.0 + 3.01, abs=0.1)


@pytest.mark.parametrize("rate", [44100, 48000])
@pytest.mark.parametrize(
    ("freq_div", "phase", "dbtp"),
    [(4, 0.0, -6.0), (4, np.pi / 4, -6.0), (6, np.pi / 3, -6.0), (6, np.pi / 2, -6.0), (4, np.pi / 4, 3.0)],
)
def test_true_peak_between_samples(rate, freq_div, phase, dbtp):
    x = sine(rate, dbtp, 3, freq=rate / freq_div, phase=phase, fade=0.05)
    report = measure(stereo(x), rate)
    measured = 20 * np.log10(report.true_peak)
    assert dbtp - 0.4 <= measured <= dbtp + 0.2
    assert report.sample_peak <= report.true_peak


def test_true_peak_at_96k_and_192k():
    for rate in (96000, 192000):
        x = sine(rate, -1.0, 2, freq=997, phase=0.3, fade=0.05)
        assert 20 * np.log10(measure(stereo(x), rate).true_peak) == pytest.approx(-1.0, abs=0.05)


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ([(-20, 20), (-30, 20)], 10.0),
        ([(-20, 20), (-15, 20)], 5.0),
        ([(-40, 20), (-20, 20)], 20.0),
        ([(-50, 20), (-35, 20), (-20, 20), (-35, 20), (-50, 20)], 15.0),
    ],
)
def test_tech3342_loudness_range_cases(parts, expected):
    rate = 44100
    assert measure(sequence(rate, parts), rate).loudness_range_lu == pytest.approx(expected, abs=1.0)


def test_60hz_sine_matches_ffmpeg_reading():
    # ffmpeg's ebur128 reads a -23 dBFS 60 Hz sine as -26.6 LUFS (research/analysis.md §2).
    rate = 44100
    assert measure(sequence(rate, [(-23, 20)], freq=60), rate).integrated_lufs == pytest.approx(-26.6, abs=0.1)


def test_result_does_not_depend_on_block_size():
    rate = 44100
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((rate * 12, 2)) * 0.1).astype(np.float32)
    a = measure(x, rate, block=rate * 5)
    b = measure(x, rate, block=777)
    assert a.integrated_lufs == pytest.approx(b.integrated_lufs, abs=1e-9)
    assert a.loudness_range_lu == pytest.approx(b.loudness_range_lu, abs=1e-9)
    assert a.true_peak == pytest.approx(b.true_peak, rel=1e-6)


def test_silence_and_very_short_input_have_no_loudness():
    rate = 48000
    silent = measure(np.zeros((rate * 5, 2), dtype=np.float32), rate)
    assert silent.integrated_lufs is None and silent.loudness_range_lu is None
    assert silent.sample_peak == 0.0
    short = measure(sequence(rate, [(-23, 0.3)]), rate)
    assert short.integrated_lufs is None  # shorter than one 400 ms gating block
