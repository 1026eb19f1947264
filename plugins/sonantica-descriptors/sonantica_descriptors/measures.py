"""From per-frame measures to descriptors in 0..1, each with a confidence. What each measures:

* ``energy``: loudness and activity: the mean frame RMS in dBFS mapped from −50 dB (0) to −6 dB
  (1), weighted 0.6, and the onset rate (spectral-flux peaks a second, 0 to 6) weighted 0.4.
* ``danceability``: how regular and strong the beat is: the highest normalised autocorrelation of
  the onset envelope at a lag of 60–180 BPM, times how much the onsets stand out (their peak
  to median ratio, saturating at 4).
* ``instrumental``: 1 − speech-likeness. Speech has syllables at 2–8 Hz and pauses: the share of
  the loudness envelope's modulation energy between 2 and 8 Hz (of 0.5–20 Hz) and the share of
  "low-energy" frames (below half the mean RMS, Scheirer & Slaney 1997), scaled (0.6 and 0.4 count
  as fully speech-like) and combined by their geometric mean: both must be there. It hears talking, not
  singing over a band: sung vocals in a mix count as instrumental.
* ``acoustic``: a spectrum of partials rather than noise: 1 − the mean spectral flatness scaled
  (0.0 → 1, 0.3 → 0). Synth pads, distortion and drum machines are noisy; piano, strings and voice
  are not. A timbre measure, not a detector of electric instruments.
* ``tonal``: how clearly the music sits in a key: the best correlation of the mean chroma with the
  24 Krumhansl–Kessler key profiles (clipped at 0). Drums, noise and speech score low.
* moods (heuristic combinations, lower confidence): ``mood_party`` = danceability × energy;
  ``mood_aggressive`` = energy × noisiness (1 − acoustic); ``mood_relaxed`` = (1 − energy) × (1 −
  onset rate); ``mood_happy`` = the major-key share of the key correlation × (0.5 + 0.5 × energy).

Confidences (``extras["confidence.<name>"]``): the share of 30 s that was heard, times a factor
for the method (0.8 for measures, 0.4 for the moods; danceability also times its peak's clarity).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .frames import FrameMeasures

MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


@dataclass(frozen=True)
class Descriptors:
    values: dict[str, float]
    confidence: dict[str, float]


def _clip(x: float) -> float:
    return float(min(1.0, max(0.0, x)))


def _onsets(flux: np.ndarray, fps: float) -> tuple[np.ndarray, float, float]:
    """The onset envelope (mean-removed), onsets a second, and how much onsets stand out."""
    if len(flux) < 3 or not flux.any():
        return np.zeros(len(flux)), 0.0, 0.0
    median = float(np.median(flux)) + 1e-9
    peaks = (flux[1:-1] > flux[:-2]) & (flux[1:-1] >= flux[2:]) & (flux[1:-1] > 1.5 * median + 0.05 * flux.max())
    rate = float(peaks.sum()) / (len(flux) / fps)
    salience = float(np.percentile(flux, 95) / median)
    return flux - flux.mean(), rate, salience


def _beat_strength(envelope: np.ndarray, fps: float) -> float:
    if len(envelope) < fps * 4 or not envelope.any():
        return 0.0
    n = len(envelope)
    spectrum = np.fft.rfft(envelope, 2 * n)
    ac = np.fft.irfft(np.abs(spectrum) ** 2)[:n]
    ac /= ac[0] + 1e-12
    lo, hi = int(fps * 60 / 180), int(np.ceil(fps * 60 / 60))
    return _clip(float(ac[lo : hi + 1].max())) if hi < n else 0.0


def _speechiness(rms: np.ndarray, fps: float) -> float:
    if len(rms) < fps * 3 or rms.mean() <= 1e-6:
        return 0.0
    envelope = rms - rms.mean()
    power = np.abs(np.fft.rfft(envelope * np.hanning(len(envelope)))) ** 2
    freqs = np.fft.rfftfreq(len(envelope), 1.0 / fps)
    band = power[(freqs >= 2) & (freqs <= 8)].sum()
    total = power[(freqs >= 0.5) & (freqs <= min(20, fps / 2))].sum() + 1e-12
    low_energy = float(np.mean(rms < 0.5 * rms.mean()))
    return _clip(float(np.sqrt(_clip(float(band / total) / 0.6) * _clip(low_energy / 0.4))))


def _key_clarity(chroma: np.ndarray) -> tuple[float, float]:
    """The best correlation with a key profile, and the major keys' share of it."""
    mean = chroma.mean(axis=0)
    if mean.sum() <= 0:
        return 0.0, 0.5
    best = {"major": -1.0, "minor": -1.0}
    for mode, profile in (("major", MAJOR), ("minor", MINOR)):
        for shift in range(12):
            best[mode] = max(best[mode], float(np.corrcoef(mean, np.roll(profile, shift))[0, 1]))
    clarity = _clip(max(best.values()))
    major, minor = max(best["major"], 0.0), max(best["minor"], 0.0)
    return clarity, major / (major + minor) if major + minor > 0 else 0.5


def describe(frames: FrameMeasures) -> Descriptors | None:
    """The descriptors of what ``frames`` heard, or None for silence or under 3 s."""
    rms = np.asarray(frames.rms)
    if frames.seconds < 3 or len(rms) == 0 or rms.max() < 1e-4:
        return None
    fps = frames.fps
    loud = 20 * np.log10(float(rms.mean()) + 1e-12)
    envelope, onset_rate, salience = _onsets(np.asarray(frames.flux), fps)
    energy = _clip(0.6 * (loud + 50) / 44 + 0.4 * onset_rate / 6)
    beat = _beat_strength(envelope, fps)
    danceability = _clip(beat * min(salience / 4, 1.0))
    flatness = float(np.mean(np.asarray(frames.flatness)[rms > 0.1 * rms.max()]))
    acoustic = _clip(1 - flatness / 0.3)
    instrumental = 1 - _speechiness(rms, fps)
    tonal, major_share = _key_clarity(np.asarray(frames.chroma)[rms > 0.1 * rms.max()])
    values = {
        "energy": energy,
        "danceability": danceability,
        "instrumental": instrumental,
        "acoustic": acoustic,
        "tonal": tonal,
        "mood_party": danceability * energy,
        "mood_aggressive": energy * (1 - acoustic),
        "mood_relaxed": (1 - energy) * (1 - _clip(onset_rate / 6)),
        "mood_happy": major_share * (0.5 + 0.5 * energy) * tonal,
    }
    heard = min(frames.seconds / 30.0, 1.0)
    confidence = {name: heard * (0.4 if name.startswith("mood_") else 0.8) for name in values}
    confidence["danceability"] *= 0.5 + 0.5 * beat
    return Descriptors({k: round(float(v), 4) for k, v in values.items()},
                       {k: round(float(v), 3) for k, v in confidence.items()})
