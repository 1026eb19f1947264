"""Folding: the accent-, case- and width-free form of a name, for keys, sorting and search.

``fold("Björk")`` is ``"bjork"``; ``fold("Чайковский, Пётр")`` is ``"чаиковскии, петр"``;
``fold("ＲＡＤＩＯＨＥＡＤ")`` is ``"radiohead"``. The scanner stores it in every ``*_folded``
column (``artists.name_folded``, ``albums.title_folded``, ``tracks.title_folded``,
``genres.name_folded``) and in the ``name:<folded>`` keys that merge artists.

What it does, in order (the SQL function ``sonantica_fold`` of migration 0002 does the
same steps with the same character classes, so text folded in the database and text
folded here agree; a test checks them against each other):

1. NFKD: split accents off their letters and map compatibility forms (full-width
   letters, ligatures, superscripts, half-width katakana) to plain ones.
2. Drop combining accents of Latin, Greek, Cyrillic, Hebrew and Arabic text, and
   zero-width characters. Japanese voicing marks (゛゜) are kept: が stays が.
3. Lower-case, then spell out ß, æ, œ, þ and map letters that have no decomposition
   (ø ł đ ð ħ ı ŧ ŋ ə ...) to their base letter, curly quotes to straight ones and
   dashes to '-'.
4. NFC (recomposes kana and Hangul) and collapse runs of white space to one space.

Punctuation is kept: splitting into words is the job of :mod:`.lexemes`.
"""

from __future__ import annotations

import re
import unicodedata

#: Combining marks removed after NFKD (Latin, Greek, Cyrillic, Hebrew, Arabic accents and
#: zero-width characters). Written so that Python's ``re`` and PostgreSQL's regular
#: expressions read the same class; migration 0002 repeats it verbatim.
STRIP_CLASS = (
    r"[\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"
    r"\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"
    r"\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u00ad\u200b-\u200d\u2060\ufeff]"
)

#: White space collapsed to one space.
SPACE_CLASS = r"[\u0009-\u000d\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"

#: Upper-case letters whose lower case PostgreSQL must not leave to the server's locale
#: (a database in the plain "C" locale lower-cases ASCII only). Python lower-cases them anyway.
UPPER_SOURCE = "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩАБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯЂЄЅІЈЉЊЋЏҐØŁĐÐĦŦŊƏƎƐƑƷÞÆŒ"
UPPER_TARGET = "αβγδεζηθικλμνξοπρστυφχψωабвгдежзиклмнопрстуфхцчшщъыьэюяђєѕіјљњћџґøłđðħŧŋəǝɛƒʒþæœ"

#: Letters spelled out with two (after lower-casing).
EXPANSIONS: tuple[tuple[str, str], ...] = (("ß", "ss"), ("æ", "ae"), ("œ", "oe"), ("þ", "th"))

#: One-to-one replacements (after lower-casing and expansions), as (from, to) pairs.
SINGLES: tuple[tuple[str, str], ...] = (
    ("ø", "o"),
    ("ł", "l"),
    ("đ", "d"),
    ("ð", "d"),
    ("ħ", "h"),
    ("ı", "i"),
    ("ŧ", "t"),
    ("ĸ", "k"),
    ("ŋ", "n"),
    ("ə", "e"),
    ("ǝ", "e"),
    ("ɛ", "e"),
    ("ƒ", "f"),
    ("ʒ", "z"),
    ("ɨ", "i"),
    ("ʉ", "u"),
    ("ƀ", "b"),
    ("ɓ", "b"),
    ("ɗ", "d"),
    ("ɖ", "d"),
    ("ƈ", "c"),
    ("ɠ", "g"),
    ("ƙ", "k"),
    ("ƚ", "l"),
    ("ɲ", "n"),
    ("ɵ", "o"),
    ("ƥ", "p"),
    ("ʠ", "q"),
    ("ɍ", "r"),
    ("ʂ", "s"),
    ("ƭ", "t"),
    ("ʈ", "t"),
    ("ʋ", "v"),
    ("ƴ", "y"),
    ("ƶ", "z"),
    ("ȥ", "z"),
    ("ς", "σ"),
    ("\u2018", "'"),
    ("\u2019", "'"),
    ("\u201a", "'"),
    ("\u201b", "'"),
    ("\u2032", "'"),
    ("\u2035", "'"),
    ("\u201c", '"'),
    ("\u201d", '"'),
    ("\u201e", '"'),
    ("\u201f", '"'),
    ("\u2033", '"'),
    ("\u2036", '"'),
    ("\u2010", "-"),
    ("\u2011", "-"),
    ("\u2012", "-"),
    ("\u2013", "-"),
    ("\u2014", "-"),
    ("\u2015", "-"),
    ("\u2212", "-"),
)
SINGLE_SOURCE = "".join(source for source, _ in SINGLES)
SINGLE_TARGET = "".join(target for _, target in SINGLES)

_STRIP = re.compile(STRIP_CLASS)
_SPACES = re.compile(SPACE_CLASS + "+")
_SINGLE = str.maketrans(SINGLE_SOURCE, SINGLE_TARGET)

assert len(UPPER_SOURCE) == len(UPPER_TARGET) and len(SINGLE_SOURCE) == len(SINGLE_TARGET)


def fold(text: str) -> str:
    """The folded form of ``text``: no accents, lower case, single spaces, trimmed."""
    if text.isascii():  # nothing to decompose, strip, expand or map: the same result, sooner
        return _SPACES.sub(" ", text.lower()).strip(" ")
    value = _STRIP.sub("", unicodedata.normalize("NFKD", text)).lower()
    for source, target in EXPANSIONS:
        value = value.replace(source, target)
    value = unicodedata.normalize("NFC", value.translate(_SINGLE))
    return _SPACES.sub(" ", value).strip(" ")


def fold_optional(text: str | None) -> str | None:
    """:func:`fold`, passing ``None`` through."""
    return None if text is None else fold(text)
