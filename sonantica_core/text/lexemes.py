"""Search lexemes: how folded text is cut into the words the search index holds.

The database builds the index side with the SQL functions ``sonantica_tokens`` and
``sonantica_text_vector`` (migration 0002); this module builds the query side the same
way, with the same character classes:

* Text splits into chunks at white space and punctuation (:data:`SEPARATOR_CLASS`).
* A chunk with joiners inside (``' - . / _ & +``) is indexed joined and in parts:
  ``ac/dc`` gives ``acdc``, ``ac`` and ``dc``; ``don't`` gives ``dont``, ``don`` and ``t``.
  A query chunk is only joined, so ``jay-z``, ``jayz`` and ``jay z`` all find Jay-Z.
* Runs of scripts written without spaces (Chinese, Japanese, Korean, Thai, ...;
  :data:`DENSE_CLASS`) are indexed as single characters and pairs of neighbouring
  characters: ``坂本龍一`` gives ``坂 本 龍 一 坂本 本龍 龍一``. A query run is looked up by its
  pairs (or its only character), so ``坂本`` and ``龍一`` both find 坂本龍一.
* Other runs are words. Lexemes of :data:`MAX_LEXEME` characters or more are left out
  (PostgreSQL refuses lexemes over 2047 bytes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: White space and punctuation between words (after folding). Repeated verbatim in SQL.
SEPARATOR_CLASS = (
    r"[\u0001-\u0025\u0028-\u002a\u002c\u003a-\u0040\u005b-\u005e\u0060\u007b-\u00bf\u00d7\u00f7"
    r"\u2000-\u206f\u2190-\u2bff\u2e00-\u2e7f\u3000-\u3004\u3008-\u3020\u3030\u303d\u30fb"
    r"\ufe10-\ufe1f\ufe30-\ufe6f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\U0001f000-\U0001faff]"
)
#: Punctuation that joins the parts of one word: ' - . / _ & +
JOINER_CLASS = r"['\-./_&+]"
#: Scripts written without spaces between words.
DENSE_CLASS = (
    r"[\u0e00-\u0eff\u1000-\u109f\u1100-\u11ff\u1780-\u17ff\u3005-\u3007\u3040-\u30fa\u30fc-\u30ff"
    r"\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]"
)
#: Lexemes this long or longer are left out.
MAX_LEXEME = 255

_SEPARATORS = re.compile(SEPARATOR_CLASS + "+")
_JOINERS = re.compile(JOINER_CLASS + "+")
_RUNS = re.compile(f"({DENSE_CLASS}+)")
_DENSE = re.compile(DENSE_CLASS)


def _chunks(folded: str) -> list[str]:
    return [chunk for chunk in _SEPARATORS.split(folded) if chunk]


def _runs(word: str) -> list[tuple[str, bool]]:
    """``word`` cut into (run, dense?) pieces."""
    return [(run, bool(_DENSE.match(run))) for run in _RUNS.split(word) if run]


_PLAIN = re.compile("[a-z0-9 ]*")


def index_lexemes(folded: str) -> set[str]:
    """The lexemes the index holds for ``folded`` (the words of ``sonantica_tokens``)."""
    if _PLAIN.fullmatch(folded):  # plain words and spaces, as most titles and names: the words themselves
        return {word for word in folded.split(" ") if 0 < len(word) < MAX_LEXEME}
    words: list[str] = []
    for chunk in _chunks(folded):
        words.append(_JOINERS.sub("", chunk))
        if _JOINERS.search(chunk):
            words.extend(part for part in _JOINERS.split(chunk) if part)
    lexemes: set[str] = set()
    for word in words:
        for run, dense in _runs(word):
            if dense:
                lexemes.update(run)
                lexemes.update(run[i : i + 2] for i in range(len(run) - 1))
            else:
                lexemes.add(run)
    return {lexeme for lexeme in lexemes if 0 < len(lexeme) < MAX_LEXEME}


@dataclass(frozen=True)
class QueryTerm:
    """One thing a query asks for: a word (matched as a prefix) or dense-script pairs."""

    text: str
    #: False for a dense-script run: its lexemes must all be present, exactly.
    word: bool
    lexemes: tuple[str, ...]


def query_terms(folded: str, *, limit: int = 12) -> list[QueryTerm]:
    """The terms of a folded query, in order, without repeats, at most ``limit``."""
    terms: list[QueryTerm] = []
    seen: set[str] = set()
    for chunk in _chunks(folded):
        for run, dense in _runs(_JOINERS.sub("", chunk)):
            if run in seen:
                continue
            seen.add(run)
            if dense:
                pairs = tuple(dict.fromkeys(run[i : i + 2] for i in range(len(run) - 1))) or (run,)
                terms.append(QueryTerm(run, False, pairs))
            elif len(run) < MAX_LEXEME:
                terms.append(QueryTerm(run, True, (run,)))
    return terms[:limit]


def tsquery_lexeme(lexeme: str, *, prefix: bool = False, weights: str = "") -> str:
    """``lexeme`` quoted for the ``tsquery`` input syntax (no parser or dictionary involved)."""
    quoted = "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"
    suffix = ("*" if prefix else "") + weights
    return f"{quoted}:{suffix}" if suffix else quoted
