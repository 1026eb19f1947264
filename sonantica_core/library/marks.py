"""The user's stars and ratings in the library listings: filters, orderings, item fields.

A listing that filters or sorts by them (``starred``, ``rating_min``, ``rating_max``,
``sort=starred|rating``) is *personal*: it joins the caller's marks (bind parameter
``user_id``), its items carry ``starred_at`` and ``rating``, and it is never kept in the
shared response cache. Starred first come the most recently starred with ``order=desc``;
what the user has not starred (or rated) comes after, by id, either way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import BigInteger, Boolean, ColumnElement, Integer, and_, bindparam, func

from sonantica_core.db.userdata import ANNOTATIONS
from sonantica_core.library import present
from sonantica_core.library.keyset import Ordering

_ITEM = {"track": "track_id", "album": "album_id", "artist": "artist_id"}
#: The caller's marks of each kind, as joined by personal listings.
MINE = {kind: model.__table__.alias(f"mine_{kind}") for kind, model in ANNOTATIONS.items()}
PERSONAL_SORTS = frozenset({"starred", "rating"})
PARAMETERS = ("starred", "rating_min", "rating_max")
USER = "user_id"


def join(source: Any, kind: str, item_id: ColumnElement[Any]) -> Any:
    """``source`` LEFT JOIN the caller's marks of ``kind`` on ``item_id``."""
    mine = MINE[kind]
    return source.outerjoin(
        mine, and_(mine.c[_ITEM[kind]] == item_id, mine.c.user_id == bindparam(USER, type_=BigInteger))
    )


def orderings(kind: str, id_column: ColumnElement[Any]) -> dict[str, Ordering]:
    """``starred`` (by the time of the star) and ``rating`` orderings of a listing."""
    mine = MINE[kind].c
    return {
        "starred": Ordering("starred", (mine.starred_at, id_column), ("datetime", "int"), nullable=True),
        "rating": Ordering("rating", (mine.rating, id_column), ("int", "int"), nullable=True),
    }


def filters(kind: str) -> dict[str, Callable[[], ColumnElement[bool]]]:
    """The personal filters of a listing, by the bind parameter of each one's value."""
    mine = MINE[kind].c
    return {
        "starred": lambda: (mine.starred_at.is_not(None)) == bindparam("starred", type_=Boolean),
        "rating_min": lambda: func.coalesce(mine.rating, 0) >= bindparam("rating_min", type_=Integer),
        "rating_max": lambda: func.coalesce(mine.rating, 0) <= bindparam("rating_max", type_=Integer),
    }


def columns(kind: str) -> list[ColumnElement[Any]]:
    """The marks a personal page carries to its items (``_m`` columns of the page)."""
    mine = MINE[kind].c
    return [mine.starred_at.label("_m_starred_at"), mine.rating.label("_m_rating")]


def is_personal(query: Any) -> bool:
    return query.sort in PERSONAL_SORTS or any(getattr(query, name, None) is not None for name in PARAMETERS)


def values(query: Any, user_id: int | None) -> dict[str, Any]:
    """The bind parameters of a personal listing (none for another)."""
    if user_id is None or not is_personal(query):
        return {}
    out: dict[str, Any] = {USER: user_id}
    for name in PARAMETERS:
        if getattr(query, name, None) is not None:
            out[name] = getattr(query, name)
    return out


def add_to_item(item: dict[str, Any], row: Any) -> dict[str, Any]:
    """``starred_at`` and ``rating`` on an item of a personal page."""
    item["starred_at"] = present.iso(row._m_starred_at)
    item["rating"] = row._m_rating
    return item


def personal_request(query_params: Any) -> bool:
    """Whether a request's query asks for a personal listing (it then bypasses the shared cache)."""
    return query_params.get("sort") in PERSONAL_SORTS or any(query_params.get(name) for name in PARAMETERS)
