"""Musical keys and the Camelot wheel, for key filters and harmonic mixing.

:func:`camelot` reads ``8A``, ``A minor``, ``Am``, ``a min``, ``F# major``, ``Gb``,
``C♯m`` or ``Bbm`` and answers the Camelot code (``8A``); :func:`compatible` gives
the codes that mix well with one: itself, its neighbours on the wheel and its
relative major or minor (``8A`` → ``8A 7A 9A 8B``).
"""

from __future__ import annotations

import re

from sonantica_core.errors import SonanticaError

#: Camelot number of each major key (B side); minor keys (A side) are the relative minors.
_MAJOR = {"B": 1, "F#": 2, "C#": 3, "G#": 4, "D#": 5, "A#": 6, "F": 7, "C": 8, "G": 9, "D": 10, "A": 11, "E": 12}
_MINOR = {"G#": 1, "D#": 2, "A#": 3, "F": 4, "C": 5, "G": 6, "D": 7, "A": 8, "E": 9, "B": 10, "F#": 11, "C#": 12}
_FLATS = {"DB": "C#", "EB": "D#", "GB": "F#", "AB": "G#", "BB": "A#", "CB": "B", "FB": "E", "E#": "F", "B#": "C"}

_CAMELOT = re.compile(r"^0?([1-9]|1[0-2])\s*([AB])$", re.IGNORECASE)
_KEY = re.compile(
    r"^([A-G])\s*([#♯b♭]?)\s*(major|maj|minor|min|m|dur|moll)?$",
    re.IGNORECASE,
)


class InvalidKey(SonanticaError, ValueError):
    """A key that cannot be read, with what was expected."""


def camelot(text: str) -> str:
    """The Camelot code (``"8A"``) of a key written as a code or a name."""
    value = text.strip()
    match = _CAMELOT.match(value)
    if match:
        return f"{int(match.group(1))}{match.group(2).upper()}"
    match = _KEY.match(value)
    if not match:
        raise InvalidKey(f"{text!r} is not a key: use a Camelot code such as 8A or a name such as 'A minor' or 'F#'")
    letter, accidental, quality = match.group(1).upper(), match.group(2), match.group(3) or ""
    # "m" is minor and "M" major, as chord symbols write them; words in any case.
    minor = quality != "M" and quality.lower() in ("m", "min", "minor", "moll")
    note = letter + {"♯": "#", "♭": "B", "b": "B", "#": "#"}.get(accidental, "")
    note = _FLATS.get(note, note)
    wheel = _MINOR if minor else _MAJOR
    return f"{wheel[note]}{'A' if minor else 'B'}"


def compatible(code: str) -> list[str]:
    """Codes that mix harmonically with ``code``: same, one step either way, relative key."""
    number, letter = int(code[:-1]), code[-1]
    down = 12 if number == 1 else number - 1
    up = 1 if number == 12 else number + 1
    other = "B" if letter == "A" else "A"
    return [code, f"{down}{letter}", f"{up}{letter}", f"{number}{other}"]


#: The usual spelling of each Camelot code's key.
_NAMES = {
    "A": ["Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E", "B", "F#", "Db"],
    "B": ["B", "F#", "Db", "Ab", "Eb", "Bb", "F", "C", "G", "D", "A", "E"],
}


def describe(code: str) -> str:
    """A readable name for a Camelot code: ``8A`` → ``A minor``, ``3B`` → ``Db major``."""
    number, letter = int(code[:-1]), code[-1]
    return f"{_NAMES[letter][number - 1]} {'minor' if letter == 'A' else 'major'}"
