"""Parsing of the ``Range`` request header (RFC 9110 §14) for the ``bytes`` unit.

Grammar (RFC 9110 §14.1.1, §14.1.2 and the list rule of §5.6.1)::

    ranges-specifier = range-unit "=" range-set
    range-set        = 1#range-spec            ; OWS "," OWS between elements
    range-spec       = int-range / suffix-range / other-range
    int-range        = first-pos "-" [ last-pos ]
    suffix-range     = "-" suffix-length
    first-pos, last-pos, suffix-length = 1*DIGIT

Choices made where the RFC leaves the server free, all in the client's favour or in favour of
not being abused:

* The unit is compared case-insensitively (range units are tokens, §14.1). A unit other than
  ``bytes`` is ignored (MUST, §14.2): the whole representation is served with 200.
* An *invalid* ranges-specifier is ignored (MAY ignore or reject, §14.2) and the whole
  representation is served with 200. Invalid means anything outside the grammar above: signs,
  whitespace inside a range-spec or around ``=``, ``other-range`` forms such as ``abc`` or
  ``1-2-3``, an ``int-range`` whose last-pos is less than its first-pos (``5-4``, §14.1.2), or
  no range-spec at all. Optional whitespace (SP / HTAB) is allowed around commas, and empty
  list elements (``bytes=0-1,,2-3``) are skipped as §5.6.1 requires.
* More than :data:`MAX_RANGES` range-specs: the header is ignored and 200 is served, the
  behaviour of nginx (``max_ranges``) and Apache (``MaxRanges``) (§14.2 allows it).
* A range set is satisfiable when at least one range in it is (§14.1.2); unsatisfiable ranges
  are dropped and the rest served. ``bytes=-0`` (a zero suffix) is unsatisfiable. When no range is
  satisfiable the answer is 416 with ``Content-Range: bytes */LENGTH`` (§15.5.17).
* A zero-length representation has no satisfiable range; the Range header is then ignored and
  an empty 200 is sent (§14.2 allows ignoring Range) rather than a 416 a player cannot use.
* Satisfiable ranges that overlap or touch are coalesced (§14.3 / §15.3.7.2 allow it). Parts keep
  the order in which their range-specs appeared; a coalesced part takes the place of the
  earliest of its members. This bounds the bytes sent to the size of the representation
  whatever the request, so overlapping-range amplification is impossible.
* Numbers are exact whatever their length: values too long for ``int()`` compare by digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

__all__ = ["MAX_RANGES", "ByteRange", "RangeOutcome", "RangeResult", "parse_range"]

#: Most range-specs accepted in one header; beyond this the header is ignored (200).
MAX_RANGES = 64

_DIGITS = frozenset("0123456789")
_OWS = " \t"
#: Longer digit strings are compared as strings and capped: no file is this big.
_MAX_EXACT_DIGITS = 30
_HUGE = 10**_MAX_EXACT_DIGITS


class RangeOutcome(Enum):
    """What the server must do with a Range header."""

    IGNORE = "ignore"  #: no header, unknown unit, invalid or abusive: send the whole file (200)
    PARTIAL = "partial"  #: send :attr:`RangeResult.ranges` (206)
    UNSATISFIABLE = "unsatisfiable"  #: 416 with ``Content-Range: bytes */LENGTH``


@dataclass(frozen=True, slots=True)
class ByteRange:
    """An inclusive byte range ``start..end`` of a representation."""

    start: int
    end: int

    @property
    def length(self) -> int:
        """Number of bytes in the range."""
        return self.end - self.start + 1

    def content_range(self, total: int) -> str:
        """The ``Content-Range`` value for this range of a ``total``-byte representation."""
        return f"bytes {self.start}-{self.end}/{total}"


@dataclass(frozen=True, slots=True)
class RangeResult:
    """The outcome of :func:`parse_range` and, for :attr:`RangeOutcome.PARTIAL`, the ranges."""

    outcome: RangeOutcome
    ranges: tuple[ByteRange, ...] = ()


IGNORE = RangeResult(RangeOutcome.IGNORE)
#: One int-range of at most 18 digits a side (exact in any integer type): what players send.
_ONE_RANGE = re.compile(r"bytes=([0-9]{1,18})-([0-9]{0,18})")
UNSATISFIABLE = RangeResult(RangeOutcome.UNSATISFIABLE)


def _is_digits(text: str) -> bool:
    return bool(text) and all(c in _DIGITS for c in text)


def _num(text: str) -> int:
    """Value of a digit string, capped at :data:`_HUGE` for absurdly long ones."""
    stripped = text.lstrip("0")
    if len(stripped) > _MAX_EXACT_DIGITS:
        return _HUGE
    return int(stripped) if stripped else 0


def _less(a: str, b: str) -> bool:
    """Exact ``int(a) < int(b)`` for digit strings of any length."""
    a, b = a.lstrip("0"), b.lstrip("0")
    return (len(a), a) < (len(b), b)


# A parsed range-spec: ("int", first, last or None) or ("suffix", length)
_Spec = tuple[str, str, str | None]


def _parse_specs(range_set: str) -> list[_Spec] | None:
    """Split a range-set into range-specs; None when its syntax is invalid."""
    specs: list[_Spec] = []
    for element in range_set.split(","):
        element = element.strip(_OWS)
        if not element:
            continue  # empty list elements are allowed and ignored (RFC 9110 §5.6.1)
        first, dash, last = element.partition("-")
        if not dash:
            return None
        if first:
            if not _is_digits(first) or (last and not _is_digits(last)):
                return None
            if last and _less(last, first):
                return None  # last-pos < first-pos: invalid int-range
            specs.append(("int", first, last or None))
        else:
            if not _is_digits(last):
                return None
            specs.append(("suffix", last, None))
        if len(specs) > MAX_RANGES:
            return None
    return specs or None


def _coalesce(ranges: list[ByteRange]) -> tuple[ByteRange, ...]:
    """Merge overlapping or adjacent ranges, keeping the order of first appearance."""
    if len(ranges) == 1:
        return (ranges[0],)
    order = sorted(range(len(ranges)), key=lambda i: ranges[i].start)
    groups: list[tuple[int, int, int]] = []  # (first index seen, start, end)
    for i in order:
        r = ranges[i]
        if groups and r.start <= groups[-1][2] + 1:
            seen, start, end = groups[-1]
            groups[-1] = (min(seen, i), start, max(end, r.end))
        else:
            groups.append((i, r.start, r.end))
    groups.sort()
    return tuple(ByteRange(start, end) for _, start, end in groups)


def parse_range(header: str | None, size: int) -> RangeResult:
    """Evaluate a ``Range`` header value against a representation of ``size`` bytes.

    ``header`` is the field value as received (None when absent). See the module docstring
    for which headers are ignored, refused or coalesced.
    """
    if not header:
        return IGNORE
    simple = _ONE_RANGE.fullmatch(header)
    if simple is not None:  # the common "bytes=FIRST-" or "bytes=FIRST-LAST", decided the same way below
        first = int(simple[1])
        last = int(simple[2]) if simple[2] else None
        if size <= 0 or (last is not None and last < first):
            return IGNORE
        if first >= size:
            return UNSATISFIABLE
        return RangeResult(RangeOutcome.PARTIAL, (ByteRange(first, size - 1 if last is None else min(last, size - 1)),))
    header = header.strip(_OWS)
    unit, eq, range_set = header.partition("=")
    if not eq or unit.lower() != "bytes":
        return IGNORE
    if range_set.startswith((" ", "\t")):
        return IGNORE  # no OWS between "=" and the first list element
    specs = _parse_specs(range_set)
    if specs is None or size <= 0:
        return IGNORE
    satisfiable: list[ByteRange] = []
    for kind, a, b in specs:
        if kind == "int":
            first = _num(a)
            if first >= size:
                continue
            last = size - 1 if b is None else min(_num(b), size - 1)
            satisfiable.append(ByteRange(first, last))
        else:
            length = _num(a)
            if length == 0:
                continue
            satisfiable.append(ByteRange(max(0, size - length), size - 1))
    if not satisfiable:
        return UNSATISFIABLE
    return RangeResult(RangeOutcome.PARTIAL, _coalesce(satisfiable))
