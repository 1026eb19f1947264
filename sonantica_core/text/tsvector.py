"""Search vectors made in Python, in PostgreSQL's binary ``tsvector`` form.

The scanner writes ``tracks.search_vector`` itself (migration 0006): its reader
processes build the vector that the SQL expression of migration 0002 would build,

    sonantica_text_vector(title_folded, 'A')
      || sonantica_text_vector(sonantica_fold(artist), 'B')
      || sonantica_text_vector(sonantica_fold(composer), 'B')

so the database does not run its regular expressions for every track of a scan.
:func:`weighted_vector` follows that expression exactly:

* ``sonantica_text_vector(folded, weight)`` holds each lexeme of
  :func:`~sonantica_core.text.lexemes.index_lexemes` once, at position 1 with the
  weight; a NULL or empty text gives an empty vector.
* ``a || b`` shifts the positions of ``b`` by the largest position in ``a``, and a
  lexeme found in both keeps the positions of both.

The bytes are what PostgreSQL's ``tsvector_send`` writes: the number of lexemes; each
lexeme (UTF-8, NUL-terminated), its number of positions and each position, the weight
in the top two bits. :func:`register_tsvector_codec` makes asyncpg send such bytes
as they are (``COPY`` and parameters) and read vectors back as ``tsvector_out`` text,
as it does without the codec. Tests compare both directions with the database.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from sonantica_core.text.lexemes import index_lexemes

#: Names repeat from track to track (an album's artist, a composer): their lexemes are remembered.
_lexemes = functools.lru_cache(maxsize=4096)(index_lexemes)

_WEIGHT_BITS = {"A": 3, "B": 2, "C": 1, "D": 0}
_WEIGHT_LETTERS = ("", "C", "B", "A")


def weighted_vector(parts: Iterable[tuple[str | None, str]]) -> bytes:
    """The binary ``tsvector`` of ``sonantica_text_vector(text, weight) || ...`` over ``parts``
    (folded text, or None, and weight letter), in order."""
    positions: dict[str, bytes] = {}
    shift = 0
    for folded, weight in parts:
        lexemes = _lexemes(folded) if folded else ()
        if not lexemes:
            continue
        shift += 1
        position = (shift | (_WEIGHT_BITS[weight] << 14)).to_bytes(2, "big")
        for lexeme in lexemes:
            positions[lexeme] = positions.get(lexeme, b"") + position
    out = [len(positions).to_bytes(4, "big")]
    for lexeme, posted in sorted((lexeme.encode(), posted) for lexeme, posted in positions.items()):
        out.append(lexeme + b"\x00" + (len(posted) // 2).to_bytes(2, "big") + posted)
    return b"".join(out)


def vector_text(data: bytes) -> str:
    """The text PostgreSQL prints for the binary ``tsvector`` ``data`` (``'word':1A,2B ...``)."""
    view = memoryview(data)
    count = int.from_bytes(view[:4], "big")
    pos = 4
    words = []
    for _ in range(count):
        end = data.index(b"\x00", pos)
        lexeme = data[pos:end].decode().replace("'", "''").replace("\\", "\\\\")
        npos = int.from_bytes(view[end + 1 : end + 3], "big")
        pos = end + 3
        posted = []
        for _ in range(npos):
            value = int.from_bytes(view[pos : pos + 2], "big")
            posted.append(f"{value & 0x3FFF}{_WEIGHT_LETTERS[value >> 14]}")
            pos += 2
        words.append(f"'{lexeme}':{','.join(posted)}" if posted else f"'{lexeme}'")
    return " ".join(words)


def _encode(value: bytes) -> bytes:
    if not isinstance(value, bytes | bytearray):
        raise TypeError("tsvector values are sent in binary form: build them with weighted_vector()")
    return bytes(value)


async def register_tsvector_codec(connection: Any) -> None:
    """Let an asyncpg connection send binary vectors from :func:`weighted_vector` (``COPY``
    needs a binary form); vectors read back are text, as asyncpg's own codec gives them."""
    await connection.set_type_codec(
        "tsvector", schema="pg_catalog", encoder=_encode, decoder=vector_text, format="binary"
    )
