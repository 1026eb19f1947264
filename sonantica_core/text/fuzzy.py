"""Typo tolerance: which words of the library a mistyped query word may mean.

The library's words live in ``search_words`` with their one-deletion neighbourhoods
(``bjork`` → ``jork bork bjrk bjok bjor``), kept by triggers. A query word finds its
candidates by sharing a deletion (or being one), which covers one insertion, deletion,
substitution or transposition at any position: ``bjrok`` and ``bjork`` share ``bjrk``.
Long words also try two deletions on the query side. Candidates are then checked with
the optimal-string-alignment distance, allowing one edit for words of 4 to 6 letters
and two from 7. Nothing here needs pg_trgm or fuzzystrmatch.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Shortest word worth correcting, and the length from which two edits are allowed.
MIN_FUZZY, TWO_EDITS_FROM = 4, 7
#: Longest word in the vocabulary (same as ``sonantica_is_vocabulary``).
MAX_WORD = 32


def allowed_edits(word: str) -> int:
    """How many edits a query word of this length may contain."""
    if len(word) < MIN_FUZZY or len(word) > MAX_WORD:
        return 0
    return 2 if len(word) >= TWO_EDITS_FROM else 1


def deletions(word: str) -> set[str]:
    """``word`` with one character removed, each way (``sonantica_deletions``)."""
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def lookup_keys(word: str) -> set[str]:
    """The keys a query word is looked up by: itself and its deletions (two deep if long)."""
    keys = {word, *deletions(word)}
    if allowed_edits(word) >= 2:
        keys.update(key for first in deletions(word) for key in deletions(first))
    return keys


def edit_distance(a: str, b: str, *, limit: int) -> int:
    """Optimal-string-alignment distance of ``a`` and ``b``, or ``limit + 1`` if it is larger."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def corrections(word: str, candidates: Iterable[str]) -> list[str]:
    """The candidates within the allowed edits of ``word`` (not ``word`` itself), closest first."""
    limit = allowed_edits(word)
    scored = []
    for candidate in set(candidates):
        if candidate == word:
            continue
        distance = edit_distance(word, candidate, limit=limit)
        if distance <= limit:
            scored.append((distance, candidate))
    return [candidate for _, candidate in sorted(scored)]
