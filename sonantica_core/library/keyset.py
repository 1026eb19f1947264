"""Keyset pagination over one ordering, with NULLs last in both directions.

An ordering is a tuple of columns ending in a unique id, matched by an index, so
that every page (the last one too) is an index range scan: ``(k1, k2, id) > (:k1,
:k2, :id) ORDER BY k1, k2, id LIMIT n``. An ordering whose first column may be
NULL (year, duration, BPM) is walked in two phases: the rows with a value, in
order, then the rows without one, by id; the second phase only runs when the first
runs out, and the cursor says which phase comes next.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, Integer, Select, Subquery, bindparam, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from sonantica_core.library.cursor import CursorError, decode_cursor, encode_cursor

Kind = Literal["text", "int", "float", "datetime"]


@dataclass(frozen=True)
class Ordering:
    """One sort of a listing: its columns (the last is the unique id) and their kinds."""

    name: str
    columns: tuple[ColumnElement[Any], ...]
    kinds: tuple[Kind, ...]
    #: The first column may be NULL: those rows come last, by id.
    nullable: bool = False
    #: How to find those rows, when ``first column IS NULL`` is not the fast way.
    null_filter: ColumnElement[bool] | None = None

    @property
    def id_column(self) -> ColumnElement[Any]:
        return self.columns[-1]


@dataclass(frozen=True)
class Page:
    rows: Sequence[Any]
    next_cursor: str | None


def _decode_value(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind == "text" and isinstance(value, str):
        return value
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**63:
        return value
    if kind == "float" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind == "datetime" and isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is not None:
                return parsed
    raise CursorError("the cursor is damaged")


def _encode_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value


@dataclass(frozen=True)
class Position:
    """Where a page starts: the phase (1: values, 2: NULLs) and the last row's key."""

    phase: int
    key: tuple[Any, ...]


def read_cursor(secret: bytes, listing: str, ordering: Ordering, cursor: str | None) -> Position | None:
    """The position a cursor holds (None for the first page); CursorError if unusable."""
    if cursor is None:
        return None
    values = decode_cursor(secret, listing, cursor)
    if not values or values[0] not in (1, 2):
        raise CursorError("the cursor is damaged")
    phase, key = values[0], values[1:]
    if phase == 2:
        if not ordering.nullable or len(key) != 1:
            raise CursorError("the cursor is damaged")
        return Position(2, (_decode_value("int", key[0]),))
    if len(key) != len(ordering.columns):
        raise CursorError("the cursor is damaged")
    decoded = tuple(_decode_value(kind, value) for kind, value in zip(ordering.kinds, key, strict=True))
    if any(value is None for value in decoded):
        raise CursorError("the cursor is damaged")
    return Position(1, decoded)


def _ordered(stmt: Select[Any], columns: Sequence[ColumnElement[Any]], descending: bool) -> Select[Any]:
    return stmt.order_by(*(column.desc() if descending else column.asc() for column in columns))


def key_columns(ordering: Ordering) -> list[ColumnElement[Any]]:
    """The ordering's columns labelled ``_k0``, ``_k1``, ...: select them in the page query."""
    return [column.label(f"_k{i}") for i, column in enumerate(ordering.columns)]


def phase_query(
    base: Select[Any],
    ordering: Ordering,
    descending: bool,
    phase: int,
    after: Sequence[Any] | None,
    limit: int | ColumnElement[int],
) -> Select[Any]:
    """The rows of one phase of a page, ``after`` a key (values or bind parameters, or None
    for the start), in order."""
    columns = ordering.columns
    if phase == 2:
        stmt = base.where(ordering.null_filter if ordering.null_filter is not None else columns[0].is_(None))
        if after is not None:
            stmt = stmt.where(ordering.id_column < after[-1] if descending else ordering.id_column > after[-1])
        return _ordered(stmt, (ordering.id_column,), descending).limit(limit)
    stmt = base.where(columns[0].is_not(None)) if ordering.nullable else base
    if after is not None:
        keyset = tuple_(*columns)
        stmt = stmt.where(keyset < tuple_(*after) if descending else keyset > tuple_(*after))
    return _ordered(stmt, columns, descending).limit(limit)


#: Builds the query of a page's items from the page's rows (a subquery with ``id`` and
#: the ``_k`` columns), keeping their order (see :func:`page_order`).
Hydrate = Callable[[Subquery, Sequence[ColumnElement[Any]]], Select[Any]]


def page_order(page: Subquery, ordering: Ordering, descending: bool, phase: int) -> list[ColumnElement[Any]]:
    """ORDER BY of the hydrated items: the page's ``_k`` columns (its id in phase 2)."""
    names = [f"_k{len(ordering.columns) - 1}"] if phase == 2 else [f"_k{i}" for i in range(len(ordering.columns))]
    return [page.c[name].desc() if descending else page.c[name].asc() for name in names]


def page_statement(
    base: Select[Any], ordering: Ordering, descending: bool, phase: int, with_after: bool, hydrate: Hydrate
) -> Select[Any]:
    """The whole statement of one phase of a page, with bind parameters ``limit`` and
    ``after_0``, ``after_1``, ... (the last row's key): build it once, run it often."""
    after = None
    if with_after:
        columns = ordering.columns[-1:] if phase == 2 else ordering.columns
        after = [bindparam(f"after_{i}", type_=column.type) for i, column in enumerate(columns)]
    page = phase_query(base, ordering, descending, phase, after, bindparam("limit", type_=Integer)).subquery("page")
    return hydrate(page, page_order(page, ordering, descending, phase))


#: ``statement(phase, with_after)``: the (memoised) statement of a page phase.
StatementFor = Callable[[int, bool], Select[Any]]


async def fetch_page(
    conn: AsyncConnection,
    statement: StatementFor,
    params: dict[str, Any],
    ordering: Ordering,
    *,
    position: Position | None,
    limit: int,
    secret: bytes,
    listing: str,
) -> Page:
    """One page: up to ``limit`` items in ``ordering`` and the next cursor.

    ``statement`` gives the statement of a phase (see :func:`page_statement`): its page is
    cut from the candidate rows by the index, then only those rows are made into items.
    ``params`` are the values of its bind parameters other than the limit and the key.
    """
    phase = position.phase if position else 1
    after = position.key if position else None
    rows: list[Any] = []

    async def run(phase: int, after: tuple[Any, ...] | None, wanted: int) -> list[Any]:
        values = {**params, "limit": wanted}
        if after is not None:
            values.update({f"after_{i}": value for i, value in enumerate(after)})
        return list((await conn.execute(statement(phase, after is not None), values)).all())

    if phase == 1:
        rows = await run(1, after, limit + 1)
        if len(rows) <= limit and ordering.nullable:
            phase, after = 2, None
    if phase == 2:
        rows += await run(2, after, limit + 1 - len(rows))
    if len(rows) <= limit:
        return Page(rows, None)
    rows = rows[:limit]
    last = tuple(rows[-1]._mapping[f"_k{i}"] for i in range(len(ordering.columns)))
    if ordering.nullable and last[0] is None:
        values: list[Any] = [2, last[-1]]
    else:
        values = [1, *(_encode_value(value) for value in last)]
    return Page(rows, encode_cursor(secret, listing, values))
