"""Key and tempo accuracy on rendered music, ours beside librosa's defaults on the same files.

The music is :func:`sonantica_core.testing.music.corpus`: multi-instrument General MIDI
arrangements rendered by FluidSynth in all 24 keys, 60-190 BPM, 4/4, 3/4, 6/8 and swing,
as FLAC, MP3, Ogg Vorbis and AAC. Files are built on demand and cached outside git
(``$SONANTICA_MUSIC_CACHE``). The analyzers were developed on the ``tune`` split; the
``heldout`` split (other progressions, instruments and seeds) is what the figures report.

References, run in the same script on the same files:

* key: librosa's CQT chroma (``librosa.feature.chroma_cqt``, defaults) averaged over the
  track and matched to the Krumhansl-Kessler profiles (the textbook recipe);
* tempo: ``librosa.beat.beat_track`` with its defaults.

Run from the repository root::

    python bench/analysis/accuracy.py                    # held-out split, writes accuracy.md
    python bench/analysis/accuracy.py --split tune --no-write
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sonantica_core.analysis import run_analyzers
from sonantica_core.testing.music import Piece, cache_dir, corpus
from sonantica_core.testing.signals import NOTE_NAMES

HERE = Path(__file__).resolve().parent
KEY_CLASSES = ("exact", "fifth", "relative", "parallel", "other", "none")
#: MIREX key weights.
MIREX = {"exact": 1.0, "fifth": 0.5, "relative": 0.3, "parallel": 0.2, "other": 0.0, "none": 0.0}
TEMPO_CLASSES = ("exact", "double", "half", "two-thirds", "three-halves", "triple", "third", "other", "none")
TEMPO_FACTORS = {"double": 2.0, "half": 0.5, "two-thirds": 2 / 3, "three-halves": 1.5, "triple": 3.0, "third": 1 / 3}
#: Acc1: within 4 % of the truth; Acc2 also counts double, half, triple and third.
TOLERANCE = 0.04
KRUMHANSL_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KRUMHANSL_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


@dataclass(frozen=True, slots=True)
class Reading:
    """What one method read for one piece."""

    tonic: int | None
    mode: str | None
    bpm: float | None


def key_class(truth: tuple[int, str], tonic: int | None, mode: str | None) -> str:
    """Error class of a key reading (MIREX categories)."""
    if tonic is None or mode is None:
        return "none"
    t, m = truth
    if (tonic, mode) == (t, m):
        return "exact"
    if mode == m and (tonic - t) % 12 in (5, 7):
        return "fifth"
    if mode != m and (tonic - t) % 12 == (9 if m == "major" else 3):
        return "relative"
    if mode != m and tonic == t:
        return "parallel"
    return "other"


def tempo_class(truth: float, bpm: float | None) -> str:
    """Error class of a tempo reading."""
    if bpm is None:
        return "none"
    if abs(bpm - truth) <= TOLERANCE * truth:
        return "exact"
    for name, factor in TEMPO_FACTORS.items():
        if abs(bpm - factor * truth) <= TOLERANCE * factor * truth:
            return name
    return "other"


def ours(path: Path) -> Reading:
    from sonantica_key import KeyAnalyzer
    from sonantica_key.profiles import MAJOR_NAMES, MINOR_NAMES
    from sonantica_tempo import TempoAnalyzer

    results = run_analyzers(path, 1, [KeyAnalyzer(), TempoAnalyzer()])
    key, tempo = results["key"], results["tempo"]
    if isinstance(key, Exception) or isinstance(tempo, Exception):
        raise RuntimeError(f"{path}: {key!r} {tempo!r}")
    name, mode = key.features["key"], key.features["mode"]
    tonic = None if name is None else (MAJOR_NAMES if mode == "major" else MINOR_NAMES).index(str(name))
    bpm = tempo.features["bpm"]
    return Reading(tonic, None if mode is None else str(mode), None if bpm is None else float(bpm))


def librosa_reading(path: Path) -> Reading:
    """librosa's defaults; cached beside the rendered file (they do not change with our code)."""
    import librosa

    stamp = cache_dir() / f"{path.stem}.librosa-{librosa.__version__}.json"
    if stamp.exists():
        return Reading(**json.loads(stamp.read_text()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y, sr = librosa.load(str(path), sr=22050, mono=True)
        chroma = librosa.feature.chroma_cqt(y=y, sr=sr).mean(axis=1)
        tempo, _ = librosa.beat.beat_track(y=y, sr=sr)
    scores = [
        (float(np.corrcoef(chroma, np.roll(profile, tonic))[0, 1]), tonic, mode)
        for mode, profile in (("major", KRUMHANSL_MAJOR), ("minor", KRUMHANSL_MINOR))
        for tonic in range(12)
    ]
    _, tonic, mode = max(scores)
    reading = Reading(int(tonic), mode, float(np.atleast_1d(tempo)[0]))
    stamp.write_text(json.dumps({"tonic": reading.tonic, "mode": reading.mode, "bpm": reading.bpm}))
    return reading


@dataclass(slots=True)
class Tally:
    keys: Counter
    tempi: Counter
    n: int = 0

    def mirex(self) -> float:
        return sum(MIREX[c] * k for c, k in self.keys.items()) / max(1, self.n)

    def acc1(self) -> float:
        return self.tempi["exact"] / max(1, self.n)

    def acc2(self) -> float:
        octave = ("exact", "double", "half", "triple", "third")
        return sum(self.tempi[c] for c in octave) / max(1, self.n)


def evaluate(pieces: list[Piece], verbose: bool) -> tuple[dict[str, Tally], list[str]]:
    tallies = {"ours": Tally(Counter(), Counter()), "librosa": Tally(Counter(), Counter())}
    misses: list[str] = []
    for piece in pieces:
        a = piece.arrangement
        path = piece.path()
        truth = (a.tonic, a.mode)
        for method, read in (("ours", ours), ("librosa", librosa_reading)):
            reading = read(path)
            kc, tc = key_class(truth, reading.tonic, reading.mode), tempo_class(a.bpm, reading.bpm)
            tally = tallies[method]
            tally.keys[kc] += 1
            tally.tempi[tc] += 1
            tally.n += 1
            if method == "ours" and (kc != "exact" or tc != "exact"):
                got = "none" if reading.tonic is None else f"{NOTE_NAMES[reading.tonic]} {reading.mode}"
                misses.append(f"{a.key} {a.bpm} {a.metre}{' swing' if a.swing else ''} {a.progression} "
                              f"{piece.encoding}: key {got} ({kc}), bpm {reading.bpm} ({tc})")  # fmt: skip
        if verbose:
            print(f"{len(misses):3d} misses after {tallies['ours'].n} pieces", file=sys.stderr, end="\r")
    return tallies, misses


def table(tallies: dict[str, Tally]) -> str:
    lines = [
        "| method | key exact | MIREX | " + " | ".join(KEY_CLASSES[1:]) + " |",
        "|---|---|---|" + "---|" * (len(KEY_CLASSES) - 1),
    ]
    for name, t in tallies.items():
        label = "**ours**" if name == "ours" else "librosa (CQT chroma + Krumhansl)"
        cells = " | ".join(str(t.keys[c]) for c in KEY_CLASSES[1:])
        lines.append(f"| {label} | {t.keys['exact'] / t.n:.1%} ({t.keys['exact']}/{t.n}) | {t.mirex():.3f} | {cells} |")
    lines += [
        "",
        "| method | tempo Acc1 | Acc2 | " + " | ".join(TEMPO_CLASSES[1:]) + " |",
        "|---|---|---|" + "---|" * (len(TEMPO_CLASSES) - 1),
    ]
    for name, t in tallies.items():
        label = "**ours**" if name == "ours" else "librosa (`beat_track` defaults)"
        cells = " | ".join(str(t.tempi[c]) for c in TEMPO_CLASSES[1:])
        lines.append(f"| {label} | {t.acc1():.1%} | {t.acc2():.1%} | {cells} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("tune", "heldout", "both"), default="heldout")
    parser.add_argument("--per-key", type=int, default=2, help="pieces per key and split")
    parser.add_argument("--no-write", action="store_true", help="print only; do not write accuracy.md")
    args = parser.parse_args()
    import librosa

    splits = ("tune", "heldout") if args.split == "both" else (args.split,)
    started = time.time()
    sections = []
    for split in splits:
        pieces = corpus(split, per_key=args.per_key)
        tallies, misses = evaluate(pieces, verbose=True)
        text = table(tallies)
        print(f"\n## {split} ({len(pieces)} pieces)\n\n{text}\n")
        print("\n".join(misses))
        sections.append((split, len(pieces), text, misses))
    if args.no_write:
        return
    out = [
        "# Key and tempo accuracy on rendered music",
        "",
        f"Generated by `python bench/analysis/accuracy.py --split {args.split}` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} ({time.time() - started:.0f} s).",
        "",
        f"* Python {platform.python_version()}, numpy {np.__version__}, librosa {librosa.__version__}.",
        "* Music: `sonantica_core.testing.music.corpus` (FluidSynth, FluidR3 GM soundfont): drums, bass, pad,",
        "  accompaniment and melody, all 24 keys, 60-190 BPM in 4/4 and 3/4, 6/8 at 60-110 dotted quarters,",
        "  swing, harmonic-minor dominants and borrowed chords, detuned by up to 30 cents; FLAC, MP3, Ogg, AAC.",
        "* Truth for 6/8 is the dotted-quarter pulse (two beats a bar), which our tempo analyzer reports.",
        "* Key classes are MIREX's (weights 1, 0.5 fifth, 0.3 relative, 0.2 parallel); tempo Acc1 is within 4 %,",
        "  Acc2 also counts double/half/triple/third. *two-thirds* and *three-halves* are metre errors.",
        "",
    ]
    for split, n, text, misses in sections:
        note = " (developed on)" if split == "tune" else " (not looked at while developing)"
        out += [f"## {split} split{note}: {n} pieces", "", text, ""]
        if misses:
            out += ["Our misses:", ""] + [f"* {m}" for m in misses] + [""]
    (HERE / "accuracy.md").write_text("\n".join(out))


if __name__ == "__main__":
    main()
