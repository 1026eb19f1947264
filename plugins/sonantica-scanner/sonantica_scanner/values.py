"""Parsing of single tag values: text, numbers, dates, ReplayGain, ids, separators.

Pure functions, no I/O. Every parser returns None (or an empty tuple) for a value
it cannot make sense of, never raises.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

#: Separators that split one display string into several names, besides NUL (always).
#: ``;`` and `` / `` (a slash with spaces around it) are real list separators; a bare
#: "/" is not ("AC/DC"), nor are "&", "and", "feat." ("Simon & Garfunkel").
DEFAULT_SEPARATORS: tuple[str, ...] = (";", " / ")

_WS = " \t\r\n\x00\ufeff\u200b"


def clean(value: object) -> str | None:
    """``value`` as text with surrounding whitespace, NULs and BOMs removed; None if empty."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = decode_bytes(value)
    text = str(value).strip(_WS)
    return text or None


def decode_bytes(data: bytes) -> str:
    """Decode tag bytes of unknown encoding: UTF-8 (with or without BOM), else cp1252, else Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


class Splitter:
    """Splits display strings into names on NUL and the configured separators."""

    def __init__(self, separators: Sequence[str] = DEFAULT_SEPARATORS) -> None:
        parts = ["\x00"]
        for sep in separators:
            if sep.strip() == sep:  # no spaces given: allow any spacing around it
                parts.append(r"\s*" + re.escape(sep) + r"\s*")
            else:  # spaces are part of the separator (" / ")
                parts.append(r"\s+" + re.escape(sep.strip()) + r"\s+")
        self.separators = tuple(separators)
        self._pattern = re.compile("|".join(parts))
        #: Finds a character without which a value cannot split (the common case: no split at
        #: all). None when a separator is all spaces (any run of white space may match it).
        self._marks = None if any(not sep.strip() for sep in separators) else re.compile(
            "|".join(re.escape(mark) for mark in dict.fromkeys(("\x00", *(sep.strip() for sep in separators))))
        )

    def split(self, values: Iterable[str], *, extra: re.Pattern[str] | None = None) -> tuple[str, ...]:
        """Every non-empty name in ``values``, split, cleaned and de-duplicated in order."""
        out: list[str] = []
        seen: set[str] = set()
        marks = self._marks
        for value in values:
            pieces = [value] if marks is not None and marks.search(value) is None else self._pattern.split(value)
            if extra is not None:
                pieces = [p for piece in pieces for p in extra.split(piece)]
            for piece in pieces:
                name = clean(piece)
                if name:
                    folded = name.casefold()
                    if folded not in seen:
                        seen.add(folded)
                        out.append(name)
        return tuple(out)


def first(values: Iterable[str] | None) -> str | None:
    """The first non-empty cleaned value (a value with NULs counts as its first part)."""
    if isinstance(values, list) and values:
        value = values[0]
        if isinstance(value, str) and "\x00" not in value:  # the usual single text value
            text = value.strip(_WS)
            if text:
                return text
    for value in values or ():
        for part in str(value).split("\x00"):
            text = clean(part)
            if text:
                return text
    return None


def display(values: Iterable[str] | None) -> str | None:
    """A display string: the single value as written, or several values joined with "; "."""
    if isinstance(values, list | tuple) and len(values) == 1 and "\x00" not in str(values[0]):
        return clean(str(values[0]))  # the usual single value, as below
    parts = [p for v in values or () for p in (clean(x) for x in str(v).split("\x00")) if p]
    if not parts:
        return None
    return "; ".join(dict.fromkeys(parts))


_NUMBER = re.compile(r"^\s*0*(\d{1,6})\s*(?:(?:/|of|von|de|sur)\s*0*(\d{1,6}))?", re.IGNORECASE)


def number_pair(value: str | None) -> tuple[int | None, int | None]:
    """Parse "3", "03", "3/12", "3 of 12" into (3, 12); 0 and garbage give None."""
    if not value:
        return None, None
    if len(value) <= 6 and value.isdecimal():  # the usual "3" or "03"
        return int(value) or None, None
    m = _NUMBER.match(value)
    if not m:
        return None, None
    n = int(m.group(1)) or None
    total = int(m.group(2)) if m.group(2) else None
    return n, total or None


def number(value: str | None) -> int | None:
    """A positive integer from ``value`` ("12", "12/12"), else None."""
    return number_pair(value)[0]


_ISO_DATE = re.compile(r"^\s*(\d{4})(?:[-./](\d{1,2})(?:[-./](\d{1,2}))?)?(?=$|[T\s])")
_DMY = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4})\s*$")
_YEAR = re.compile(r"(?<!\d)(1[0-9]{3}|2[0-9]{3})(?!\d)")


def date(value: str | None) -> str | None:
    """An ISO-like date ("1997", "1997-05", "1997-05-21") from a tag value.

    Accepts "1997-5-21", "1997.05.21", "1997-05-21T07:00:00Z" (MP4), "21.05.1997";
    impossible months or days are dropped ("1997-13-40" gives "1997"). Any other text
    is returned as written (trimmed) so nothing is lost.
    """
    if value is not None and len(value) == 4 and value.isdecimal():  # the usual year alone
        return value
    text = clean(value)
    if text is None:
        return None
    m = _ISO_DATE.match(text)
    if m:
        year, month, day = m.group(1), m.group(2), m.group(3)
        if month and 1 <= int(month) <= 12:
            if day and 1 <= int(day) <= 31:
                return f"{year}-{int(month):02d}-{int(day):02d}"
            return f"{year}-{int(month):02d}"
        return year
    m = _DMY.match(text)
    if m and 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(1)) <= 31:
        return f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
    return text


def year(value: str | None) -> int | None:
    """The first plausible four-digit year (1000-2999) in ``value``."""
    if not value:
        return None
    if len(value) == 4 and value.isascii() and value.isdigit():  # the usual "1997"
        return int(value) if value[0] in "12" else None
    m = _YEAR.search(value)
    return int(m.group(1)) if m else None


_GAIN = re.compile(r"^\s*([+-]?\s*\d+(?:[.,]\d*)?|[+-]?[.,]\d+)\s*(?:db)?\s*$", re.IGNORECASE)


def gain(value: str | None) -> float | None:
    """A ReplayGain gain in dB from "-6.54 dB", "+2,1 dB", "-6.54"; None if unparsable."""
    if not value:
        return None
    m = _GAIN.match(value)
    if not m:
        return None
    try:
        g = float(m.group(1).replace(",", ".").replace(" ", ""))
    except ValueError:
        return None
    return g if math.isfinite(g) and -100.0 < g < 100.0 else None


def peak(value: str | None) -> float | None:
    """A ReplayGain peak (linear, ≥ 0) from "0.988", "1,000000"; None if unparsable."""
    if not value:
        return None
    try:
        p = float(value.strip().replace(",", "."))
    except ValueError:
        return None
    return p if math.isfinite(p) and 0.0 <= p < 100.0 else None


def r128_to_replaygain(value: str | None) -> float | None:
    """Opus R128_*_GAIN (Q7.8 dB relative to -23 LUFS) as a ReplayGain gain (-18 LUFS reference)."""
    if not value:
        return None
    try:
        q = int(value.strip())
    except ValueError:
        return None
    if not -32768 <= q <= 32767:
        return None
    return round(q / 256.0 + 5.0, 2)


def boolean(value: str | None) -> bool:
    """True for "1", "true", "yes" (any case), False otherwise."""
    return (clean(value) or "").lower() in {"1", "true", "yes", "y", "on"}


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def mbids(values: Iterable[str] | None) -> tuple[str, ...]:
    """Every MusicBrainz id (UUID) in ``values``, lower case, in order, without duplicates."""
    out: dict[str, None] = {}
    for value in values or ():
        for m in _UUID.finditer(str(value)):
            out[m.group(0).lower()] = None
    return tuple(out)


_ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")


def isrc(values: Iterable[str] | None) -> str | None:
    """The first ISRC, upper case without dashes or spaces when well formed, else as written."""
    text = first(values)
    if text is None:
        return None
    compact = re.sub(r"[\s-]", "", text).upper()
    return compact if _ISRC.match(compact) else text


def lyrics(values: Iterable[str] | None) -> str | None:
    """The first non-empty lyrics, with line endings normalised to "\\n" and outer blank space trimmed."""
    for value in values or ():
        text = clean(str(value).replace("\r\n", "\n").replace("\r", "\n"))
        if text:
            return "\n".join(line.rstrip() for line in text.split("\n"))
    return None


_ID3V1_GENRE_REF = re.compile(r"^\((\d{1,3})\)$")


def genre_refs(value: str) -> str:
    """Resolve an ID3v1 numeric genre written as "(17)" into its name ("Rock")."""
    m = _ID3V1_GENRE_REF.match(value.strip())
    if m:
        from mutagen._constants import GENRES

        index = int(m.group(1))
        if index < len(GENRES):
            return GENRES[index]
    return value
