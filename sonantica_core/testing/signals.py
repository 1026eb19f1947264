"""Generated music with known truth, for analyzer tests and benchmarks.

Everything is synthesised with numpy from a seed: drum patterns at a known
tempo, chord progressions in a known key, and a mix of both. No audio files
are shipped; tests write what they need to a temporary directory.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sonantica_core.analysis.layouts import default_layout

# ---------------------------------------------------------------------------
# Drums
# ---------------------------------------------------------------------------

#: Sixteenth-note steps of one 4/4 bar for each drum, by pattern name.
DRUM_PATTERNS: dict[str, dict[str, tuple[int, ...]]] = {
    # kick on 1 and 3, snare on 2 and 4, closed hats on eighths
    "rock": {"kick": (0, 8), "snare": (4, 12), "hat": (0, 2, 4, 6, 8, 10, 12, 14)},
    # kick on every beat, clap on 2 and 4, open hats on the off-beats
    "four_on_the_floor": {"kick": (0, 4, 8, 12), "snare": (4, 12), "open_hat": (2, 6, 10, 14)},
    # rock with an extra kick on the "and" of 3 and sixteenth-note hats
    "busy": {"kick": (0, 8, 10), "snare": (4, 12), "hat": tuple(range(16))},
}


def _decay(rate: int, seconds: float, tau: float) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return np.exp(-t / tau)


def drum_sounds(rate: int, seed: int = 0) -> dict[str, np.ndarray]:
    """One-shot kick, snare, hat and open hat at ``rate``."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(rate * 0.35)) / rate
    sweep = 50.0 + 90.0 * np.exp(-t / 0.03)
    kick = np.sin(2 * np.pi * np.cumsum(sweep) / rate) * np.exp(-t / 0.12)
    n = int(rate * 0.25)
    snare = rng.standard_normal(n) * _decay(rate, 0.25, 0.06)[:n] * 0.6
    snare += np.sin(2 * np.pi * 185.0 * np.arange(n) / rate) * _decay(rate, 0.25, 0.05)[:n]
    noise = rng.standard_normal(int(rate * 0.3) + 3)
    bright = np.diff(noise, n=3) / 8.0  # 18 dB/octave high-pass: hats live above a few kHz
    hat = bright[: int(rate * 0.06)] * _decay(rate, 0.06, 0.012) * 0.35
    open_hat = bright * _decay(rate, 0.3, 0.08)[: len(bright)] * 0.3
    return {"kick": kick * 0.9, "snare": snare * 0.55, "hat": hat, "open_hat": open_hat}


def drum_loop(bpm: float, seconds: float, rate: int = 44100, pattern: str = "rock", seed: int = 0) -> np.ndarray:
    """A mono drum track at exactly ``bpm``, float32 in [-1, 1]."""
    rng = np.random.default_rng(seed)
    sounds = drum_sounds(rate, seed)
    out = np.zeros(int(rate * seconds) + rate, dtype=np.float64)
    step = 60.0 / bpm / 4.0  # a sixteenth note, in seconds
    steps = int(seconds / step)
    for drum, positions in DRUM_PATTERNS[pattern].items():
        sound = sounds[drum]
        for s in range(steps):
            if s % 16 in positions:
                start = round(s * step * rate)
                gain = 1.0 + rng.uniform(-0.1, 0.1)
                out[start : start + len(sound)] += gain * sound[: len(out) - start]
    return (out[: int(rate * seconds)] * 0.5).astype(np.float32)


# ---------------------------------------------------------------------------
# Harmony
# ---------------------------------------------------------------------------

NOTE_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")

#: Chords as (root scale degree in semitones from the tonic, quality).
PROGRESSIONS: dict[str, tuple[str, tuple[tuple[int, str], ...]]] = {
    # mode, chords
    "major_I_IV_V_I": ("major", ((0, "maj"), (5, "maj"), (7, "maj"), (0, "maj"))),
    "major_I_vi_IV_V": ("major", ((0, "maj"), (9, "min"), (5, "maj"), (7, "maj"))),
    "major_I_V_vi_IV": ("major", ((0, "maj"), (7, "maj"), (9, "min"), (5, "maj"))),
    "minor_i_iv_V_i": ("minor", ((0, "min"), (5, "min"), (7, "maj"), (0, "min"))),  # harmonic minor V
    "minor_i_iv_v_i": ("minor", ((0, "min"), (5, "min"), (7, "min"), (0, "min"))),  # natural minor
    "minor_i_VI_VII_i": ("minor", ((0, "min"), (8, "maj"), (10, "maj"), (0, "min"))),
    "minor_i_VII_VI_V": ("minor", ((0, "min"), (10, "maj"), (8, "maj"), (7, "maj"))),  # Andalusian
}

_QUALITIES = {"maj": (0, 4, 7), "min": (0, 3, 7)}


def _tone(freq: float, seconds: float, rate: int, partials: int = 8, decay: float = 0.8) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    tone = np.zeros_like(t)
    for k in range(1, partials + 1):
        if k * freq < rate / 2:
            tone += (decay ** (k - 1)) * np.sin(2 * np.pi * k * freq * t + k)
    attack = np.minimum(1.0, t / 0.01)
    release = np.minimum(1.0, (seconds - t) / 0.05)
    return tone * attack * release * np.exp(-t / 3.0)


def _midi_freq(midi: float) -> float:
    return 440.0 * 2.0 ** ((midi - 69) / 12.0)


def chord_progression(
    tonic: int,
    progression: str,
    seconds: float,
    rate: int = 44100,
    chord_seconds: float = 2.0,
    end_on_tonic: bool = True,
) -> np.ndarray:
    """Block chords with a bass note, repeating ``progression`` in the key of ``tonic``.

    ``tonic`` is a pitch class (0 = C). Chords are voiced in the octave above
    C4 with the root in the bass two octaves below; tones have decaying
    harmonics, so the analysis meets the overtones real instruments have. The
    piece starts on the progression's first chord (the tonic) and, with
    ``end_on_tonic``, closes on the tonic chord, as most music does.
    """
    _, chords = PROGRESSIONS[progression]
    out = np.zeros(int(rate * seconds), dtype=np.float64)
    position, i = 0, 0
    n_chord = int(rate * chord_seconds)
    while position < len(out):
        degree, quality = chords[i % len(chords)]
        if end_on_tonic and position + n_chord >= len(out):
            degree, quality = chords[0]
        root = tonic + degree
        root_midi = 60 + root % 12
        voice = np.zeros(n_chord)
        for interval in _QUALITIES[quality]:
            voice += _tone(_midi_freq(root_midi + interval), chord_seconds, rate)
        voice += 1.3 * _tone(_midi_freq(36 + root % 12), chord_seconds, rate, partials=6, decay=0.6)
        take = min(n_chord, len(out) - position)
        out[position : position + take] += voice[:take]
        position += n_chord
        i += 1
    peak = np.max(np.abs(out)) or 1.0
    return (0.5 * out / peak).astype(np.float32)


def melody(tonic: int, seconds: float, rate: int = 44100, seed: int = 0, note_seconds: float = 0.3) -> np.ndarray:
    """A random, never-repeating line of notes from the tonic's major scale, mono float32.

    Loops repeat every few bars; a melody on top makes every moment different
    (for fingerprint offsets, for instance).
    """
    rng = np.random.default_rng(seed)
    scale = np.array([0, 2, 4, 5, 7, 9, 11])
    out = np.zeros(int(rate * seconds))
    n = int(rate * note_seconds)
    for start in range(0, len(out), n):
        degree = scale[rng.integers(len(scale))] + 12 * rng.integers(0, 2)
        tone = _tone(_midi_freq(72 + tonic + degree), note_seconds * rng.uniform(0.6, 1.0), rate, partials=3)
        take = min(len(tone), len(out) - start)
        out[start : start + take] += tone[:take]
    return (0.3 * out / (np.max(np.abs(out)) or 1.0)).astype(np.float32)


def song(
    bpm: float, tonic: int, progression: str, seconds: float, rate: int = 44100, pattern: str = "rock", seed: int = 0
) -> np.ndarray:
    """Drums and chords together (one chord per bar), mono float32."""
    bar = 4 * 60.0 / bpm
    music = chord_progression(tonic, progression, seconds, rate, chord_seconds=bar)
    drums = drum_loop(bpm, seconds, rate, pattern, seed)
    return (0.6 * music + 0.7 * drums).astype(np.float32)


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Encoding:
    """How :func:`write_audio` encodes: a container and a codec with options."""

    suffix: str
    codec: str
    sample_format: str
    bit_rate: int | None = None


ENCODINGS: dict[str, Encoding] = {
    "flac": Encoding(".flac", "flac", "s16"),
    "flac24": Encoding(".flac", "flac", "s32"),
    "wav": Encoding(".wav", "pcm_s16le", "s16"),
    "wav_float": Encoding(".wav", "pcm_f32le", "flt"),
    "aiff": Encoding(".aiff", "pcm_s16be", "s16"),
    "mp3": Encoding(".mp3", "libmp3lame", "fltp", 128_000),
    "ogg": Encoding(".ogg", "vorbis", "fltp", 128_000),  # FFmpeg's own (experimental) encoder
    "opus": Encoding(".opus", "libopus", "flt", 96_000),
    "m4a": Encoding(".m4a", "aac", "fltp", 160_000),
    "alac": Encoding(".m4a", "alac", "s16p", None),
    "wavpack": Encoding(".wv", "wavpack", "fltp", None),
}


def write_audio(
    path: str | Path, samples: np.ndarray, rate: int, encoding: str = "flac", layout: str | None = None
) -> Path:
    """Encode float samples ``(frames,)`` or ``(frames, channels)`` with PyAV.

    ``encoding`` names an entry of :data:`ENCODINGS`; the path's suffix is replaced
    by the encoding's. Opus is resampled to 48 kHz by the encoder, as in real files.
    """
    data = np.asarray(samples, dtype=np.float32)
    if data.ndim == 1:
        data = data[:, None]
    chunks = (data[i : i + 65536] for i in range(0, len(data), 65536))
    return write_audio_stream(path, chunks, rate, data.shape[1], encoding, layout)


def write_audio_stream(
    path: str | Path,
    chunks: Iterable[np.ndarray],
    rate: int,
    channels: int,
    encoding: str = "flac",
    layout: str | None = None,
) -> Path:
    """Like :func:`write_audio`, from ``(frames, channels)`` chunks: long files in little memory."""
    import av

    spec = ENCODINGS[encoding]
    path = Path(path).with_suffix(spec.suffix)
    layout = layout or default_layout(channels)
    with av.open(str(path), "w") as container:
        stream = container.add_stream(spec.codec, rate=48000 if spec.codec == "libopus" else rate)
        stream.layout = layout
        stream.format = spec.sample_format
        if spec.bit_rate:
            stream.bit_rate = spec.bit_rate
        if spec.codec == "vorbis":
            stream.codec_context.options = {"strict": "experimental"}
        resampler = av.AudioResampler(format=spec.sample_format, layout=layout, rate=stream.rate)

        def encode(frames: list[av.AudioFrame]) -> None:
            for converted in frames:
                converted.pts = None
                container.mux(stream.encode(converted))

        for chunk in chunks:
            piece = np.ascontiguousarray(np.asarray(chunk, dtype=np.float32).reshape(-1, channels).T)
            frame = av.AudioFrame.from_ndarray(piece, format="fltp", layout=layout)
            frame.sample_rate = rate
            encode(resampler.resample(frame))
        encode(resampler.resample(None))
        container.mux(stream.encode(None))
    return path


def pitch_class(name: str) -> int:
    """Pitch class of a note name (``"C#"``, ``"Eb"``, ``"A"``...)."""
    aliases = {"Db": "C#", "D#": "Eb", "Gb": "F#", "G#": "Ab", "A#": "Bb"}
    return NOTE_NAMES.index(aliases.get(name, name))


def mix(*tracks: Sequence[float]) -> np.ndarray:
    """Sum tracks of possibly different lengths."""
    length = max(len(t) for t in tracks)
    out = np.zeros(length, dtype=np.float64)
    for t in tracks:
        out[: len(t)] += np.asarray(t)
    return out.astype(np.float32)
