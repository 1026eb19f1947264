"""Folding and lexemes: Python and the database must cut text exactly alike."""

from __future__ import annotations

import random
import unicodedata
from typing import Any

import pytest
from sqlalchemy import text

from sonantica_core.text.folding import fold, fold_optional
from sonantica_core.text.fuzzy import allowed_edits, corrections, deletions, edit_distance, lookup_keys
from sonantica_core.text.lexemes import index_lexemes, query_terms, tsquery_lexeme
from sonantica_core.text.tsvector import vector_text, weighted_vector


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Björk", "bjork"),
        ("Sonántica", "sonantica"),
        ("SONÁNTICA", "sonantica"),
        ("Straße", "strasse"),
        ("Øystein Sevåg", "oystein sevag"),
        ("Ægir Œuvre", "aegir oeuvre"),
        ("Łódź", "lodz"),
        ("Đorđe Balašević", "dorde balasevic"),
        ("Þórður", "thordur"),
        ("Чайковский, Пётр", "чаиковскии, петр"),
        ("ЁЛКА", "елка"),
        ("ΣΟΦΟΚΛΗΣ", "σοφοκλησ"),
        ("ＲＡＤＩＯＨＥＡＤ", "radiohead"),
        ("ｶﾞﾝﾀﾞﾑ", "ガンダム"),
        ("ガンダム", "ガンダム"),
        ("坂本龍一", "坂本龍一"),
        ("방탄소년단", "방탄소년단"),
        ("Guns N’ Roses", "guns n' roses"),
        ("Jay–Z", "jay-z"),
        ("  many \t\n  spaces\u3000here ", "many spaces here"),
        ("ﬁn", "fin"),
        ("Ⅻ", "xii"),
        ("İstanbul", "istanbul"),
        ("soft\u00adhyphen zero\u200bwidth", "softhyphen zerowidth"),
    ],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded
    assert fold(folded) == folded  # idempotent


def test_fold_optional() -> None:
    assert fold_optional(None) is None
    assert fold_optional("Á") == "a"


async def test_database_folds_every_character_like_python(core: Any) -> None:
    """``sonantica_fold`` (SQL) and ``fold`` (Python) agree on every assigned code point."""
    characters = [
        chr(code)
        for code in range(1, 0x30000)
        if not 0xD800 <= code < 0xE000 and unicodedata.category(chr(code)) not in ("Cn", "Co", "Cs")
    ]
    differences = []
    async with core.engine.connect() as conn:
        for start in range(0, len(characters), 8000):
            samples = ["a" + character + "B" for character in characters[start : start + 8000]]
            rows = await conn.execute(
                text("SELECT sample, sonantica_fold(sample) FROM unnest(CAST(:samples AS text[])) AS sample"),
                {"samples": samples},
            )
            differences += [(sample, folded) for sample, folded in rows if folded != fold(sample)]
    assert differences == []


def _random_texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    alphabet = [
        *"abcxyzABC ÀéÖøßÆ'-./_&+!?,;:()[]{}«»“”…·\t0123456789",
        *"坂本龍一の歌ガンダムｶﾞ한국어ทดสอบЧайковскийёЁΣΟΦ",
        "😀",
        "ﬁ",
        "Ⅻ",
        "\u0301",
        "\u3099",
        "\u200b",
        "\u3000",
    ]
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(count)]


async def test_database_cuts_lexemes_like_python(core: Any) -> None:
    samples = [
        *_random_texts(3000, seed=6),
        "坂本龍一 AC/DC don't bz'sの歌 R.E.M.",
        "x" * 254,
        "x" * 255 + " kept",
        "",
        # plain lower-case words and digits take a short cut in Python: same lexemes
        "love me do",
        "  two  spaces  ",
        "track 0042 take 2",
        "x" * 300 + " y",
    ]
    async with core.engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT sample, tsvector_to_array(sonantica_text_vector(sonantica_fold(sample), 'A')) "
                    "FROM unnest(CAST(:samples AS text[])) AS sample"
                ),
                {"samples": samples},
            )
        ).all()
    assert [(sample, sorted(lexemes)) for sample, lexemes in rows if set(lexemes) != index_lexemes(fold(sample))] == []


def test_lexemes() -> None:
    assert index_lexemes("ac/dc") == {"acdc", "ac", "dc"}
    assert index_lexemes("don't stop") == {"dont", "don", "t", "stop"}
    assert index_lexemes("坂本龍一") == {"坂", "本", "龍", "一", "坂本", "本龍", "龍一"}
    assert index_lexemes("bz'sの歌") == {"bzs", "bz", "s", "の", "歌", "の歌"}
    assert index_lexemes("x" * 255) == set()
    assert index_lexemes("") == set()


def test_query_terms() -> None:
    terms = query_terms("jay-z 坂本 龍 love love")
    assert [(term.text, term.word, term.lexemes) for term in terms] == [
        ("jayz", True, ("jayz",)),
        ("坂本", False, ("坂本",)),
        ("龍", False, ("龍",)),
        ("love", True, ("love",)),
    ]
    assert [term.lexemes for term in query_terms("坂本龍一")] == [("坂本", "本龍", "龍一")]
    assert query_terms("!!! ???") == []
    assert len(query_terms(" ".join(f"w{i}" for i in range(40)))) == 12


def test_tsquery_lexemes_are_quoted() -> None:
    assert tsquery_lexeme("it's") == "'it''s'"
    assert tsquery_lexeme("a\\b", prefix=True) == "'a\\\\b':*"
    assert tsquery_lexeme("x", weights="A") == "'x':A"


def test_edit_distance_and_corrections() -> None:
    assert edit_distance("bjrok", "bjork", limit=1) == 1  # transposition
    assert edit_distance("bjork", "bjrk", limit=1) == 1
    assert edit_distance("bjork", "bjarke", limit=1) == 2  # over the limit
    assert edit_distance("tchaikovsky", "chaikowsky", limit=2) == 2
    assert allowed_edits("abc") == 0 and allowed_edits("abcd") == 1 and allowed_edits("abcdefg") == 2
    assert deletions("abc") == {"bc", "ac", "ab"}
    assert {"bjrk", "bjok"} <= lookup_keys("bjrok")
    assert corrections("bjrok", ["bjork", "bjorn", "bork", "bjrok", "beethoven"]) == ["bjork"]
    assert corrections("beethovn", ["beethoven", "beethovens"]) == ["beethoven", "beethovens"]


async def test_python_builds_track_vectors_as_the_database_does(core: Any) -> None:
    """The scanner writes tracks.search_vector itself (migration 0006): it must equal the SQL expression,
    and travel in PostgreSQL's binary form unchanged."""
    texts = _random_texts(1500, seed=7)
    rng = random.Random(8)
    triples = [(title, rng.choice([*texts, None, ""]), rng.choice([None, None, *texts])) for title in texts]
    triples += [("Love Me Do", "The Beatles", "Lennon; McCartney"), ("love", "love", "love"), ("", "x", None)]
    triples += [("it's", None, "it's"), ("Back\\slash 'quote'", "a", "b"), ("x" * 300, "坂本龍一", "Чайковский")]

    def folded(value: str | None) -> str | None:
        return None if value is None else fold(value)

    built = [weighted_vector(((fold(t), "A"), (folded(a), "B"), (folded(c), "B"))) for t, a, c in triples]
    columns = {"t": [t for t, _, _ in triples], "a": [a for _, a, _ in triples], "c": [c for _, _, c in triples]}
    async with core.engine.connect() as conn:
        in_sql = (
            await conn.execute(
                text(
                    "SELECT (sonantica_text_vector(sonantica_fold(t), 'A')"
                    " || sonantica_text_vector(sonantica_fold(a), 'B')"
                    " || sonantica_text_vector(sonantica_fold(c), 'B'))::text FROM unnest(CAST(:t AS text[]),"
                    " CAST(:a AS text[]), CAST(:c AS text[])) WITH ORDINALITY AS x(t, a, c, n) ORDER BY n"
                ),
                columns,
            )
        ).scalars().all()
        sent = (
            await conn.execute(
                text("SELECT v::text FROM unnest(CAST(:v AS tsvector[])) WITH ORDINALITY AS x(v, n) ORDER BY n"),
                {"v": built},
            )
        ).scalars().all()
        read_back = (
            await conn.execute(
                text("SELECT v FROM unnest(CAST(:v AS tsvector[])) WITH ORDINALITY AS x(v, n) ORDER BY n"),
                {"v": built},
            )
        ).scalars().all()
    mine = [vector_text(vector) for vector in built]
    assert [(t, s, m) for t, s, m in zip(triples, in_sql, mine, strict=True) if s != m] == []
    assert sent == in_sql  # the binary form is read by PostgreSQL as built
    assert read_back == in_sql  # and vectors read back are PostgreSQL's text
