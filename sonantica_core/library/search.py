"""Ranked search over artists, albums and tracks.

The query is folded and cut into terms like the index (:mod:`.lexemes`); each word
term matches as a prefix (``beeth`` finds Beethoven), dense-script terms by their
character pairs (``坂本`` finds 坂本龍一), and all terms must match. When that finds
fewer results than asked for, mistyped words are corrected from the library's own
vocabulary (:mod:`.fuzzy`: ``bjrok`` finds Björk) and the search runs again with each
word or its corrections.

Ranking, per kind: every term matched as typed, before matches that needed a
correction; then the name equal to the query; then the name starting with it; then
PostgreSQL's ``ts_rank`` (a title or name outweighs an artist or composer); then
the shorter name; then the id, so equal results keep a stable order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, cast, func, select, text, union
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import Integer, Text

from sonantica_core.db.library import Album, Artist, Track
from sonantica_core.library import albums, artists, present, tracks
from sonantica_core.text import fuzzy
from sonantica_core.text.folding import fold
from sonantica_core.text.lexemes import QueryTerm, query_terms, tsquery_lexeme

#: Most rows of one kind ranked per search; a query matching more (one letter, say) is
#: ranked among the first this many matches, plus those whose name is the query.
CANDIDATES = 1000
#: Most corrections tried for one word.
MAX_CORRECTIONS = 8


@dataclass
class SearchResult:
    query: str
    artists: list[dict[str, Any]] = field(default_factory=list)
    albums: list[dict[str, Any]] = field(default_factory=list)
    tracks: list[dict[str, Any]] = field(default_factory=list)
    #: Query word → the library words it was taken to mean (only when corrections were used).
    corrections: dict[str, list[str]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.artists) + len(self.albums) + len(self.tracks)

    def as_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "artists": self.artists,
            "albums": self.albums,
            "tracks": self.tracks,
            "corrections": self.corrections or None,
        }


def term_query(term: QueryTerm, corrections: Sequence[str] = ()) -> str:
    """One term as ``tsquery`` text: a prefix word (or its corrections), or all dense pairs."""
    if not term.word:
        return "(" + " & ".join(tsquery_lexeme(lexeme) for lexeme in term.lexemes) + ")"
    options = [tsquery_lexeme(term.text, prefix=True), *(tsquery_lexeme(word) for word in corrections)]
    return options[0] if len(options) == 1 else "(" + " | ".join(options) + ")"


def build_tsquery(terms: Sequence[QueryTerm], corrections: dict[str, list[str]] | None = None) -> str:
    corrections = corrections or {}
    return " & ".join(term_query(term, corrections.get(term.text, ())) for term in terms)


def _ranked(
    source: Any,
    vector: ColumnElement[Any],
    name: ColumnElement[str],
    row_id: ColumnElement[int],
    items_from: Any,
    item_columns: Sequence[ColumnElement[Any]],
    *where: ColumnElement[bool],
) -> Select[Any]:
    """Items of the best matches in ``source``: ranked on the bare rows, then hydrated (so
    the work of making an item is done for the few rows shown, not for every match)."""
    query = cast(bindparam("query", type_=Text), TSQUERY)
    exact = cast(bindparam("exact", type_=Text), TSQUERY)
    folded = bindparam("folded", type_=Text)
    ranks = (
        row_id.label("id"),
        vector.op("@@")(exact).label("exact"),
        (name == folded).label("equal"),
        func.starts_with(name, folded).label("starts"),
        func.ts_rank(vector, query).label("rank"),
        func.length(name).label("length"),
    )
    # A query matching more than CANDIDATES rows is ranked among the first CANDIDATES; a name
    # equal to the query is always among them (its btree lookup costs next to nothing).
    matches = select(*ranks).select_from(source).where(vector.op("@@")(query), *where).limit(CANDIDATES)
    equal = select(*ranks).select_from(source).where(name == folded, vector.op("@@")(query), *where)
    candidates = union(matches, equal).subquery("candidates")
    c = candidates.c
    order = (c.exact.desc(), c.equal.desc(), c.starts.desc(), c.rank.desc(), c.length, c.id)
    top = select(candidates).order_by(*order).limit(bindparam("limit", type_=Integer)).subquery("top")
    t = top.c
    return (
        select(*item_columns)
        .select_from(top.join(items_from, row_id == t.id))
        .order_by(t.exact.desc(), t.equal.desc(), t.starts.desc(), t.rank.desc(), t.length, t.id)
    )


AR, AL, T = Artist.__table__.c, Album.__table__.c, Track.__table__.c

#: Per kind: the ranked query, and how a row becomes an item.
STATEMENTS: dict[str, tuple[Select[Any], Callable[[Any], dict[str, Any]]]] = {
    "artists": (
        _ranked(artists.listed("any"), AR.search_vector, AR.name_folded, AR.id, Artist.__table__, artists.ITEM_COLUMNS),
        present.artist_item,
    ),
    "albums": (
        _ranked(albums.LISTED, AL.search_vector, AL.title_folded, AL.id, albums.FROM, albums.ITEM_COLUMNS),
        present.album_item,
    ),
    "tracks": (
        _ranked(
            Track.__table__,
            T.search_vector,
            T.title_folded,
            T.id,
            tracks.FROM,
            tracks.ITEM_COLUMNS,
            tracks.PRESENT,
        ),
        present.track_item,
    ),
}


async def _run(conn: AsyncConnection, result: SearchResult, params: dict[str, Any]) -> None:
    for kind, (statement, make) in STATEMENTS.items():
        rows = (await conn.execute(statement, params)).all()
        setattr(result, kind, [make(row) for row in rows])


_VOCABULARY = text("SELECT DISTINCT word FROM search_words WHERE deletions && :keys OR word = ANY(:keys)").bindparams(
    bindparam("keys", type_=ARRAY(Text))
)


async def find_corrections(conn: AsyncConnection, terms: Sequence[QueryTerm]) -> dict[str, list[str]]:
    """For each word that may hold a typo: the library's words it may mean, closest first
    (not those it already finds as a prefix)."""
    fuzzy_terms = [term for term in terms if term.word and fuzzy.allowed_edits(term.text)]
    if not fuzzy_terms:
        return {}
    keys = sorted(set().union(*(fuzzy.lookup_keys(term.text) for term in fuzzy_terms)))
    words = (await conn.execute(_VOCABULARY, {"keys": keys})).scalars().all()
    found: dict[str, list[str]] = {}
    for term in fuzzy_terms:
        options = [word for word in fuzzy.corrections(term.text, words) if not word.startswith(term.text)]
        found[term.text] = options[:MAX_CORRECTIONS]
    return {word: options for word, options in found.items() if options}


#: Matches are found through the search indexes, whatever the planner guesses: with the
#: LIMIT on candidates it would otherwise read a whole table for a broad query, because it
#: takes checking a search vector for nearly free.
_INDEXES_ONLY = text("SET LOCAL enable_seqscan = off")


async def search(conn: AsyncConnection, query: str, limit: int) -> SearchResult:
    """Artists, albums and tracks matching ``query``, at most ``limit`` of each, best first.

    ``conn`` must not be in autocommit: the search runs in a transaction of its own.
    """
    async with conn.begin():
        await conn.execute(_INDEXES_ONLY)
        return await _search(conn, query, limit)


async def _search(conn: AsyncConnection, query: str, limit: int) -> SearchResult:
    result = SearchResult(query)
    folded = fold(query)
    terms = query_terms(folded)
    if not terms:
        return result
    exact = build_tsquery(terms)
    params: dict[str, Any] = {"query": exact, "exact": exact, "folded": folded, "limit": limit}
    await _run(conn, result, params)
    if result.total >= limit:
        return result
    corrections = await find_corrections(conn, terms)
    if not corrections:
        return result
    params["query"] = build_tsquery(terms, corrections)
    result.corrections = corrections
    await _run(conn, result, params)
    return result
