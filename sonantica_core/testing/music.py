"""Rendered multi-instrument music with known key and tempo, for analyzer tests and benchmarks.

An :class:`Arrangement` (key, mode, tempo, metre, swing, progression, instruments, seed)
is written as a Standard MIDI File (by hand: no MIDI package needed) with drums, bass,
a pad, an accompaniment and a melody, and rendered by the OS ``fluidsynth`` binary with
the General MIDI soundfont ``/usr/share/sounds/sf2/FluidR3_GM.sf2``; the result is
encoded with PyAV into any of :data:`~sonantica_core.testing.signals.ENCODINGS`.

Rendered files are cached under :func:`cache_dir` (``$SONANTICA_MUSIC_CACHE``, else
``~/.cache/sonantica/music``), outside the repository, keyed by a hash of the
arrangement: they are built on demand and reused by later runs.

Harmony is what music has, not a grid of triads: minor keys use the harmonic-minor
dominant (V, V7) and the natural-minor VI, VII and III; major keys borrow iv, bVI and
bVII from the parallel minor. Metres are 4/4, 3/4 and 6/8, optionally swung.

**Tempo truth.** :attr:`Arrangement.bpm` counts the *felt beat*: the quarter note in
4/4 and 3/4, the **dotted quarter** in 6/8 (two beats a bar). The tempo analyzer reads
6/8 the same way.

:func:`corpus` gives two disjoint sets: ``"tune"`` (for developing the analyzers) and
``"heldout"`` (for reporting), with different progressions, instruments and seeds, each
covering all 24 keys.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .signals import ENCODINGS, NOTE_NAMES, write_audio_stream

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
#: Bump when the rendering changes, so cached files are rebuilt.
GENERATOR_VERSION = 1
TICKS = 480  # per quarter note
RENDER_RATE = 44100
DRUM_CHANNEL = 9

#: Chord qualities as intervals above the root.
QUALITIES: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "dim": (0, 3, 6),
    "7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "m7": (0, 3, 7, 10),
}

#: Progressions as (semitones of the root above the tonic, quality), one chord a bar.
#: Minor keys: harmonic-minor dominants and natural-minor VI/VII/III; major keys: borrowed iv, bVI, bVII.
PROGRESSIONS: dict[str, tuple[str, tuple[tuple[int, str], ...]]] = {
    # --- tune set ---
    "maj_pop": ("major", ((0, "maj"), (7, "maj"), (9, "min"), (5, "maj"))),
    "maj_cadence": ("major", ((0, "maj"), (5, "maj"), (7, "7"), (0, "maj"))),
    "maj_borrowed_iv": ("major", ((0, "maj"), (5, "maj"), (5, "min"), (0, "maj"), (2, "m7"), (7, "7"))),
    "maj_mixolydian": ("major", ((0, "maj"), (10, "maj"), (5, "maj"), (0, "maj"))),
    "min_harmonic": ("minor", ((0, "min"), (5, "min"), (7, "7"), (0, "min"))),
    "min_epic": ("minor", ((0, "min"), (8, "maj"), (3, "maj"), (10, "maj"))),
    "min_andalusian": ("minor", ((0, "min"), (10, "maj"), (8, "maj"), (7, "7"))),
    "min_natural": ("minor", ((0, "min"), (5, "min"), (10, "maj"), (3, "maj"), (8, "maj"), (7, "maj"))),
    # --- held-out set ---
    "maj_jazz": ("major", ((0, "maj7"), (9, "m7"), (2, "m7"), (7, "7"))),
    "maj_ballad": ("major", ((0, "maj"), (4, "min"), (5, "maj"), (7, "maj"))),
    "maj_flat_six": ("major", ((0, "maj"), (8, "maj"), (10, "maj"), (0, "maj"), (5, "maj"), (7, "7"))),
    "maj_plagal": ("major", ((0, "maj"), (5, "maj"), (0, "maj"), (9, "min"), (5, "maj"), (7, "maj"))),
    "min_dominant": ("minor", ((0, "min"), (7, "maj"), (0, "min"), (5, "min"), (7, "7"), (0, "min"))),
    "min_pop": ("minor", ((0, "min"), (8, "maj"), (10, "maj"), (0, "min"))),
    "min_descending": ("minor", ((0, "min"), (10, "maj"), (8, "maj"), (10, "maj"))),
    "min_diminished": ("minor", ((0, "min"), (2, "dim"), (7, "7"), (0, "min"), (3, "maj"), (5, "min"))),
}
TUNE_PROGRESSIONS = ("maj_pop", "maj_cadence", "maj_borrowed_iv", "maj_mixolydian",
                     "min_harmonic", "min_epic", "min_andalusian", "min_natural")  # fmt: skip
HELDOUT_PROGRESSIONS = ("maj_jazz", "maj_ballad", "maj_flat_six", "maj_plagal",
                        "min_dominant", "min_pop", "min_descending", "min_diminished")  # fmt: skip

#: General MIDI programs (0-based) by part, for each set.
TUNE_INSTRUMENTS = {
    "bass": (33, 34, 38),  # fingered, picked, synth bass
    "pad": (48, 89, 19),  # strings, warm pad, church organ
    "comp": (0, 24, 4),  # piano, nylon guitar, e-piano
    "lead": (73, 56, 80),  # flute, trumpet, square lead
}
HELDOUT_INSTRUMENTS = {
    "bass": (32, 35, 39),  # acoustic, fretless, synth bass 2
    "pad": (49, 91, 16),  # slow strings, polysynth pad, drawbar organ
    "comp": (1, 25, 5),  # bright piano, steel guitar, e-piano 2
    "lead": (71, 65, 40),  # clarinet, alto sax, violin
}

MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10)


@dataclass(frozen=True, slots=True)
class Arrangement:
    """One piece: what is played, and the truth an analyzer should find."""

    tonic: int  # pitch class, 0 = C
    mode: str  # "major" or "minor"
    bpm: float  # felt beats a minute: quarter (4/4, 3/4) or dotted quarter (6/8)
    metre: str = "4/4"  # "4/4", "3/4" or "6/8"
    swing: bool = False
    progression: str = "maj_pop"
    programs: tuple[int, int, int, int] = (33, 48, 0, 73)  # bass, pad, comp, lead
    seed: int = 0
    seconds: float = 30.0
    drums: bool = True
    tonal: bool = True  # False: drums only
    detune_cents: float = 0.0

    @property
    def key(self) -> str:
        """``"A minor"``, ``"Eb major"``."""
        return f"{NOTE_NAMES[self.tonic]} {self.mode}"

    def digest(self) -> str:
        """Short hash of everything that changes the audio."""
        text = json.dumps([GENERATOR_VERSION, asdict(self)], sort_keys=True)
        return hashlib.sha1(text.encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------
# MIDI file
# ---------------------------------------------------------------------------


def _vlq(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


@dataclass(slots=True)
class _Track:
    """Events as (tick, order, bytes); note-offs (order 0) sort before note-ons at a tick."""

    events: list[tuple[int, int, bytes]] = field(default_factory=list)

    def add(self, tick: int, data: bytes, order: int = 1) -> None:
        self.events.append((max(0, int(tick)), order, data))

    def note(self, channel: int, start: float, length: float, pitch: int, velocity: int) -> None:
        pitch = int(np.clip(pitch, 0, 127))
        velocity = int(np.clip(velocity, 1, 127))
        self.add(round(start), bytes((0x90 | channel, pitch, velocity)), 2)
        self.add(round(start + max(length, 10)), bytes((0x80 | channel, pitch, 0)), 0)

    def encode(self) -> bytes:
        body = bytearray()
        now = 0
        for tick, _, data in sorted(self.events, key=lambda e: (e[0], e[1])):
            body += _vlq(tick - now) + data
            now = tick
        body += b"\x00\xff\x2f\x00"
        return b"MTrk" + struct.pack(">I", len(body)) + bytes(body)


def _smf(tracks: list[_Track]) -> bytes:
    header = b"MThd" + struct.pack(">IHHH", 6, 1, len(tracks), TICKS)
    return header + b"".join(t.encode() for t in tracks)


# ---------------------------------------------------------------------------
# Arranging
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Metre:
    beats: int  # felt beats a bar
    beat_ticks: int  # ticks in a felt beat
    subdivisions: int  # notes of the grid in a beat (2: eighths; 3: 6/8 eighths)
    numerator: int
    denominator_power: int


METRES = {
    "4/4": _Metre(4, TICKS, 2, 4, 2),
    "3/4": _Metre(3, TICKS, 2, 3, 2),
    "6/8": _Metre(2, TICKS * 3 // 2, 3, 6, 3),
}


def _grid_tick(metre: _Metre, beat: int, sub: int, swing: bool) -> float:
    """Start of sub-division ``sub`` of felt beat ``beat``, swung 2:1 when asked."""
    step = metre.beat_ticks / metre.subdivisions
    offset = sub * step
    if swing and metre.subdivisions == 2 and sub == 1:
        offset = metre.beat_ticks * 2 / 3
    return beat * metre.beat_ticks + offset


def _chord_pitches(tonic: int, root: int, quality: str, low: int) -> list[int]:
    """The chord's tones, closely voiced from the first root at or above ``low``."""
    base = low + (tonic + root - low) % 12
    return [base + i for i in QUALITIES[quality]]


def _scale(arrangement: Arrangement, root: int, quality: str) -> tuple[int, ...]:
    """Scale tones (semitones above the tonic) for the melody over a chord."""
    if arrangement.mode == "major":
        if (root, quality) in {(5, "min"), (8, "maj"), (10, "maj")}:  # borrowed: lower 3, 6, 7 as the chord has it
            return (0, 2, 3, 5, 7, 8, 10) if root != 10 else (0, 2, 4, 5, 7, 9, 10)
        return MAJOR_SCALE
    if root == 7 and quality in {"maj", "7"}:
        return (0, 2, 3, 5, 7, 8, 11)  # harmonic minor over the dominant
    if root == 2 and quality == "dim":
        return (0, 2, 3, 5, 7, 8, 11)
    return MINOR_SCALE


def _drums(track: _Track, metre: _Metre, bar_start: float, swing: bool, rng: np.random.Generator) -> None:
    kick, snare, hat, ride = 36, 38, 42, 51

    def hit(beat: int, sub: int, pitch: int, velocity: int) -> None:
        start = bar_start + _grid_tick(metre, beat, sub, swing) + rng.integers(-6, 7)
        track.note(DRUM_CHANNEL, start, TICKS // 8, pitch, velocity + int(rng.integers(-8, 9)))

    if metre.numerator == 4:
        for beat in range(4):
            hit(beat, 0, kick if beat in (0, 2) else snare, 100 if beat in (0, 2) else 95)
            hit(beat, 0, hat, 70)
            hit(beat, 1, hat, 55)
        if rng.random() < 0.5:
            hit(2, 1, kick, 80)
    elif metre.numerator == 3:
        hit(0, 0, kick, 105)
        for beat in range(3):
            hit(beat, 0, ride if beat else hat, 75 if beat else 65)
        hit(1, 0, snare, 70)
        hit(2, 0, snare, 70)
    else:  # 6/8: kick on 1, snare on 4, eighths on the hat
        hit(0, 0, kick, 105)
        hit(1, 0, snare, 90)
        for beat in range(2):
            for sub in range(3):
                hit(beat, sub, hat, 70 if sub == 0 else 50)


def arrange(arrangement: Arrangement) -> bytes:
    """The arrangement as a Standard MIDI File (format 1)."""
    a = arrangement
    rng = np.random.default_rng(a.seed)
    metre = METRES[a.metre]
    quarter_bpm = a.bpm * metre.beat_ticks / TICKS
    conductor = _Track()
    conductor.add(0, b"\xff\x51\x03" + round(60_000_000 / quarter_bpm).to_bytes(3, "big"))
    conductor.add(0, bytes((0xFF, 0x58, 0x04, metre.numerator, metre.denominator_power, 24, 8)))
    parts = {name: _Track() for name in ("bass", "pad", "comp", "lead", "drums")}
    channels = {"bass": 0, "pad": 1, "comp": 2, "lead": 3}
    bend = int(np.clip(8192 + a.detune_cents / 200.0 * 8192, 0, 16383))
    for (name, channel), program in zip(channels.items(), a.programs, strict=True):
        track = parts[name]
        track.add(0, bytes((0xC0 | channel, program)))
        track.add(0, bytes((0xE0 | channel, bend & 0x7F, bend >> 7)))
        track.add(0, bytes((0xB0 | channel, 7, (100, 60, 80, 95)[channel])))

    bar_ticks = metre.beats * metre.beat_ticks
    bar_seconds = metre.beats * 60.0 / a.bpm
    bars = max(2, int(a.seconds / bar_seconds))
    _, chords = PROGRESSIONS[a.progression]
    lead_pitch = 72 + a.tonic % 12
    step = metre.beat_ticks / metre.subdivisions
    for bar in range(bars):
        start = bar * bar_ticks
        root, quality = chords[bar % len(chords)]
        if bar == bars - 1:
            root, quality = 0, ("maj" if a.mode == "major" else "min")  # end on the tonic
        if a.drums:
            _drums(parts["drums"], metre, start, a.swing, rng)
        if not a.tonal:
            continue
        tones = _chord_pitches(a.tonic, root, quality, 55)
        for pitch in tones:
            parts["pad"].note(channels["pad"], start, bar_ticks - 20, pitch, 60)
        # Bass: root on the downbeat, fifth or octave later in the bar.
        bass_root = 36 + (a.tonic + root) % 12
        parts["bass"].note(channels["bass"], start, metre.beat_ticks * 0.9, bass_root, 100)
        for beat in range(1, metre.beats):
            choice = rng.choice([0, 7, 12]) if beat % 2 == 0 else rng.choice([0, 12, 7, QUALITIES[quality][1]])
            tick = start + _grid_tick(metre, beat, 0, a.swing)
            parts["bass"].note(channels["bass"], tick, metre.beat_ticks * 0.8, bass_root + int(choice), 85)
        # Accompaniment: broken chord on the grid.
        comp = _chord_pitches(a.tonic, root, quality, 60)
        for beat in range(metre.beats):
            for sub in range(metre.subdivisions):
                if rng.random() < 0.25:
                    continue
                tick = start + _grid_tick(metre, beat, sub, a.swing)
                pitch = comp[(beat * metre.subdivisions + sub) % len(comp)]
                parts["comp"].note(channels["comp"], tick, step * 0.9, pitch, 60 + int(rng.integers(0, 20)))
        # Melody: chord tones on beats, scale steps between; phrase ends rest.
        scale = _scale(a, root, quality)
        for beat in range(metre.beats):
            for sub in range(metre.subdivisions):
                if (bar % 4 == 3 and beat >= metre.beats - 1) or rng.random() < 0.3:
                    continue
                if sub == 0:
                    targets = [p for p in range(lead_pitch - 7, lead_pitch + 8) if (p - comp[0]) % 12 in
                               {(t - comp[0]) % 12 for t in comp}]  # fmt: skip
                else:
                    targets = [p for p in range(lead_pitch - 3, lead_pitch + 4) if (p - a.tonic) % 12 in scale]
                if not targets:
                    continue
                lead_pitch = int(np.clip(rng.choice(targets), 64, 86))
                tick = start + _grid_tick(metre, beat, sub, a.swing)
                length = step * (1.0 if sub < metre.subdivisions - 1 else 0.8)
                parts["lead"].note(channels["lead"], tick, length, lead_pitch, 80 + int(rng.integers(0, 25)))
    return _smf([conductor, *parts.values()])


# ---------------------------------------------------------------------------
# Rendering and the cache
# ---------------------------------------------------------------------------


def cache_dir() -> Path:
    """Where rendered pieces are kept (outside the repository)."""
    configured = os.environ.get("SONANTICA_MUSIC_CACHE")
    path = Path(configured) if configured else Path.home() / ".cache" / "sonantica" / "music"
    path.mkdir(parents=True, exist_ok=True)
    return path


def available() -> bool:
    """True when ``fluidsynth`` and the General MIDI soundfont are installed."""
    return shutil.which("fluidsynth") is not None and SOUNDFONT.is_file()


def _render_wav(arrangement: Arrangement, wav: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        midi = Path(tmp) / "piece.mid"
        midi.write_bytes(arrange(arrangement))
        command = ["fluidsynth", "-ni", "-q", "-g", "0.5", "-r", str(RENDER_RATE), "-F", str(wav),
                   str(SOUNDFONT), str(midi)]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True, timeout=600)


def _decoded(path: Path, seconds: float) -> np.ndarray:
    from sonantica_core.analysis.decode import AudioDecoder

    with AudioDecoder(path) as decoder:
        data = np.concatenate(list(decoder.blocks(RENDER_RATE * 10)))
    return data[: int(seconds * RENDER_RATE)]


def render(arrangement: Arrangement, encoding: str = "flac") -> Path:
    """The arrangement rendered and encoded (an :data:`ENCODINGS` name), from the cache when there."""
    suffix = ENCODINGS[encoding].suffix
    target = cache_dir() / f"{arrangement.digest()}-{encoding}{suffix}"
    if target.exists():
        return target
    if not available():
        raise RuntimeError("fluidsynth and /usr/share/sounds/sf2/FluidR3_GM.sf2 are needed to render music")
    with tempfile.TemporaryDirectory(dir=cache_dir()) as tmp:
        wav = Path(tmp) / "render.wav"
        _render_wav(arrangement, wav)
        samples = _decoded(wav, arrangement.seconds)
        peak = float(np.max(np.abs(samples))) or 1.0
        samples = samples * min(1.0, 0.9 / peak)
        chunks = (samples[i : i + 65536] for i in range(0, len(samples), 65536))
        out = write_audio_stream(Path(tmp) / "out", chunks, RENDER_RATE, samples.shape[1], encoding)
        os.replace(out, target)
    return target


# ---------------------------------------------------------------------------
# The development corpus
# ---------------------------------------------------------------------------

CORPUS_ENCODINGS = ("flac", "mp3", "ogg", "m4a")


@dataclass(frozen=True, slots=True)
class Piece:
    """A corpus entry: the arrangement and the format it is encoded in."""

    arrangement: Arrangement
    encoding: str

    def path(self) -> Path:
        """The rendered file (rendered now if not cached)."""
        return render(self.arrangement, self.encoding)


def corpus(split: str = "heldout", per_key: int = 2, seconds: float = 30.0) -> list[Piece]:
    """``per_key`` pieces in each of the 24 keys: tempos 60-190, all metres, swing, every format.

    ``"tune"`` and ``"heldout"`` share no progression, instrument or seed.
    """
    if split not in {"tune", "heldout"}:
        raise ValueError("split is 'tune' or 'heldout'")
    tune = split == "tune"
    progressions = TUNE_PROGRESSIONS if tune else HELDOUT_PROGRESSIONS
    instruments = TUNE_INSTRUMENTS if tune else HELDOUT_INSTRUMENTS
    rng = np.random.default_rng(1 if tune else 2)
    pieces = []
    index = 0
    for repeat in range(per_key):
        for mode in ("major", "minor"):
            names = [p for p in progressions if PROGRESSIONS[p][0] == mode]
            for tonic in range(12):
                metre = ("4/4", "4/4", "3/4", "6/8")[(tonic + repeat) % 4]
                swing = metre == "4/4" and (tonic + 3 * repeat) % 5 == 0
                bpm = float(rng.uniform(60, 110) if metre == "6/8" else rng.uniform(60, 190))
                programs = tuple(int(rng.choice(instruments[part])) for part in ("bass", "pad", "comp", "lead"))
                arrangement = Arrangement(
                    tonic=tonic,
                    mode=mode,
                    bpm=round(bpm, 1),
                    metre=metre,
                    swing=swing,
                    progression=names[(tonic + repeat) % len(names)],
                    programs=programs,  # type: ignore[arg-type]
                    seed=(1000 if tune else 5000) + index,
                    seconds=seconds,
                    detune_cents=float(rng.choice([0.0, 0.0, -30.0, 20.0])),
                )
                pieces.append(Piece(arrangement, CORPUS_ENCODINGS[index % len(CORPUS_ENCODINGS)]))
                index += 1
    return pieces
