"""Key profiles, note names and the Camelot wheel."""

from __future__ import annotations

import numpy as np

#: EDMA profiles (Faraldo et al. 2016, as in Essentia's ``Key``), tonic first.
#: Of the profiles tried on the generated progressions (Krumhansl, Temperley,
#: Shaath, EDMA) EDMA made the fewest minor/major mistakes; Temperley read many
#: natural-minor progressions as the relative major.
MAJOR_PROFILE = np.array(
    [0.16519551, 0.04749026, 0.08293076, 0.06687112, 0.09994645, 0.09274123,
     0.05294487, 0.13159476, 0.05218986, 0.07443653, 0.06940723, 0.0642515]
)  # fmt: skip
MINOR_PROFILE = np.array(
    [0.17235348, 0.05336489, 0.0761009, 0.10043649, 0.05621498, 0.08527853,
     0.0497915, 0.13451001, 0.07458916, 0.05003023, 0.09187879, 0.05545106]
)  # fmt: skip

#: Krumhansl & Kessler (1982) probe-tone ratings.
KRUMHANSL_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KRUMHANSL_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
#: Temperley (1999, "What's key for key?"), revised Krumhansl-Schmuckler profiles.
TEMPERLEY_MAJOR = np.array([5.0, 2.0, 3.5, 2.0, 4.5, 4.0, 2.0, 4.5, 2.0, 3.5, 1.5, 4.0])
TEMPERLEY_MINOR = np.array([5.0, 2.0, 3.5, 4.5, 2.0, 4.0, 2.0, 4.5, 3.5, 2.0, 1.5, 4.0])
#: Albrecht & Shanahan (2013), from a corpus of common-practice music.
ALBRECHT_MAJOR = np.array([0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.080, 0.008, 0.081])
ALBRECHT_MINOR = np.array([0.220, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061, 0.052])

#: The published profiles compared (major, minor).
PROFILES: dict[str, tuple[np.ndarray, np.ndarray]] = {
    "krumhansl": (KRUMHANSL_MAJOR, KRUMHANSL_MINOR),
    "temperley": (TEMPERLEY_MAJOR, TEMPERLEY_MINOR),
    "edma": (MAJOR_PROFILE, MINOR_PROFILE),
    "albrecht": (ALBRECHT_MAJOR, ALBRECHT_MINOR),
}

#: Spelling of tonics: flats for the usual flat major keys, sharps for C#, F#, G# minor.
MAJOR_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
MINOR_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B")

# Camelot numbers by pitch class of the tonic.
_CAMELOT_MAJOR = (8, 3, 10, 5, 12, 7, 2, 9, 4, 11, 6, 1)  # C=8B, Db=3B, ... B=1B
_CAMELOT_MINOR = (5, 12, 7, 2, 9, 4, 11, 6, 1, 8, 3, 10)  # Cm=5A, C#m=12A, ... Am=8A, Bm=10A


def key_name(tonic: int, mode: str) -> str:
    """The tonic's name in ``mode`` (``"major"`` or ``"minor"``)."""
    return (MAJOR_NAMES if mode == "major" else MINOR_NAMES)[tonic % 12]


def camelot(tonic: int, mode: str) -> str:
    """Camelot notation: A minor is ``"8A"``, C major ``"8B"``."""
    if mode == "major":
        return f"{_CAMELOT_MAJOR[tonic % 12]}B"
    return f"{_CAMELOT_MINOR[tonic % 12]}A"
