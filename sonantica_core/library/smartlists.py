"""Smart playlists evaluated live: checked rules (:mod:`.rules`) made into one SQL query.

The query reads ``tracks`` with their analysis (``track_audio_features``), and only when
the rules or the sort need them the user's plays (``playback_history``, aggregated per
track from the ``(user_id, track_id, played_at)`` index) and marks (``track_annotations``).
Nothing is materialised: a playlist follows new scans, analysis results, plays and stars
without being saved again.

Pages are keyset pages over ``(sort key, id)``: the sort key is made NULL-free (a track
without a value sorts last in either direction), and the cursor also holds how many
tracks came before, so a playlist's ``limit`` holds across pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    Float,
    Select,
    and_,
    cast,
    exists,
    false,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from sonantica_core.db.analysis import TrackAudioFeatures, TrackEmbedding
from sonantica_core.db.library import Genre, Track, TrackGenre
from sonantica_core.db.playback import PlaybackHistory
from sonantica_core.db.userdata import TrackAnnotation
from sonantica_core.library import present, tracks
from sonantica_core.library.cursor import CursorError, decode_cursor, encode_cursor
from sonantica_core.library.rules import field_type, iter_conditions
from sonantica_core.text.folding import fold
from sonantica_core.text.musickeys import compatible

T, F = Track.__table__.c, TrackAudioFeatures.__table__.c
#: Fields (and sorts) read from ``track_audio_features``: the join is made only for them.
FEATURE_FIELDS = frozenset({"bpm", "energy", "danceability", "loudness", "key", "camelot", "mode"})
_INF = float("inf")


@dataclass(frozen=True)
class Definition:
    """What a smart playlist is: its checked rules, sort, order and limit, and whose it is."""

    user_id: int
    rules: dict[str, Any]
    sort: str = "title"
    order: str = "asc"
    limit: int | None = None
    #: Varies the order of ``sort="random"`` between playlists (it stays stable across pages).
    seed: int = 0
    #: The embedding model ``sounds_like`` compares with when a rule names none.
    default_model: str | None = None


class _Sources:
    """The per-user relations a query needs, made once and joined only when used."""

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        history = PlaybackHistory.__table__.c
        self.plays = (
            select(
                history.track_id,
                func.count().label("plays"),
                func.max(history.played_at).label("last_played"),
            )
            .where(history.user_id == user_id)
            .group_by(history.track_id)
            .subquery("plays")
        )
        self.mine = TrackAnnotation.__table__.alias("mine")
        self.used: set[str] = set()

    def plays_column(self, name: str) -> Any:
        self.used.add("plays")
        return self.plays.c[name]

    def mine_column(self, name: str) -> Any:
        self.used.add("mine")
        return self.mine.c[name]

    def joined(self) -> Any:
        source: Any = Track.__table__
        if "features" in self.used:
            source = source.outerjoin(TrackAudioFeatures.__table__, F.track_id == T.id)
        if "plays" in self.used:
            source = source.outerjoin(self.plays, self.plays.c.track_id == T.id)
        if "mine" in self.used:
            source = source.outerjoin(
                self.mine, and_(self.mine.c.track_id == T.id, self.mine.c.user_id == self.user_id)
            )
        return source


_NUMBER_COLUMNS = {
    "bpm": F.bpm,
    "energy": F.energy,
    "danceability": F.danceability,
    "loudness": F.loudness_lufs,
    "year": T.year,
    "duration": T.duration,
}
_TEXT_COLUMNS = {"title": T.title_folded, "artist": T.sort_artist, "album": T.sort_album}


def _number_column(name: str, sources: _Sources) -> Any:
    if name == "plays":
        return func.coalesce(sources.plays_column("plays"), 0)
    if name == "rating":
        return func.coalesce(sources.mine_column("rating"), 0)
    return _NUMBER_COLUMNS[name]


def _compare(column: Any, op: str, value: Any) -> Any:
    if op == "between":
        return column.between(value[0], value[1])
    return {
        "is": column.__eq__,
        "is_not": column.__ne__,
        "gt": column.__gt__,
        "gte": column.__ge__,
        "lt": column.__lt__,
        "lte": column.__le__,
    }[op](value)


def _text(column: Any, op: str, value: str) -> Any:
    folded = fold(value)
    matches = {
        "is": lambda: column == folded,
        "is_not": lambda: column != folded,
        "contains": lambda: column.contains(folded, autoescape=True),
        "not_contains": lambda: not_(column.contains(folded, autoescape=True)),
        "starts_with": lambda: column.startswith(folded, autoescape=True),
        "ends_with": lambda: column.endswith(folded, autoescape=True),
    }
    return matches[op]()


def _genre(op: str, value: str) -> Any:
    """A genre of the track matches (``is_not``/``not_contains``: none of them does)."""
    tg, g = TrackGenre.__table__.c, Genre.__table__.c
    positive = {"is_not": "is", "not_contains": "contains"}.get(op, op)
    matching = exists(
        select(literal(1))
        .select_from(TrackGenre.__table__.join(Genre.__table__, g.id == tg.genre_id))
        .where(tg.track_id == T.id, _text(g.name_folded, positive, value))
    )
    return not_(matching) if positive != op else matching


def _date(column: Any, op: str, value: Any, *, never_counts: bool) -> Any:
    if op in ("before", "after"):
        moment = dt.datetime.fromisoformat(value)
        return column < moment if op == "before" else column > moment
    since = func.now() - dt.timedelta(days=float(value))
    if op == "in_the_last":
        return column >= since
    older = column < since
    return or_(older, column.is_(None)) if never_counts else older


def _similar(value: dict[str, Any], default_model: str | None) -> Any:
    """Tracks whose embedding is within the threshold of the seed's (cosine similarity,
    1 - distance; the seed itself included), for the rule's model; without one, the default
    model (``SIMILARITY_MODEL``) when the seed has a vector of it, else the model of the
    seed's newest embedding."""
    e = TrackEmbedding.__table__.alias("candidate")
    s = TrackEmbedding.__table__.alias("seed")
    model = value.get("model")
    seed_filter = [s.c.track_id == value["track"], s.c.embedding_type == "audio"]
    if model is not None:
        seed_filter.append(s.c.model == model)
    preference = [s.c.created_at.desc()]
    if model is None and default_model is not None:
        preference.insert(0, (s.c.model == default_model).desc())
    seed = select(s.c.model, s.c.vector).where(*seed_filter).order_by(*preference).limit(1).subquery("s")
    near = (
        select(e.c.track_id)
        .select_from(e.join(seed, and_(e.c.model == seed.c.model, e.c.embedding_type == "audio")))
        .where(e.c.vector.cosine_distance(cast(seed.c.vector, Vector())) <= 1.0 - value["threshold"])
    )
    return T.id.in_(near)


def condition_sql(condition: dict[str, Any], sources: _Sources, default_model: str | None) -> Any:
    """The SQL of one checked condition."""
    name, op, value = condition["field"], condition["op"], condition["value"]
    kind = field_type(name)
    if kind == "number":
        return _compare(_number_column(name, sources), op, value)
    if kind == "text":
        return _genre(op, value) if name == "genre" else _text(_TEXT_COLUMNS[name], op, value)
    if kind == "key":
        if op == "compatible":
            return F.camelot_key.in_(compatible(value))
        return F.camelot_key == value if op == "is" else F.camelot_key != value
    if kind == "mode":
        return F.mode == value if op == "is" else F.mode != value
    if kind == "date":
        if name == "added":
            return _date(T.added_at, op, value, never_counts=False)
        return _date(sources.plays_column("last_played"), op, value, never_counts=True)
    if kind == "bool":
        if name == "lossless":
            return T.lossless.is_(value)
        starred = sources.mine_column("starred_at").is_not(None)
        return starred if value else not_(starred)
    return _similar(value, default_model)


def rules_sql(node: dict[str, Any], sources: _Sources, default_model: str | None) -> Any:
    """The SQL of a checked rule tree (an empty ``all`` holds, an empty ``any`` does not)."""
    if "all" in node:
        return and_(true(), *(rules_sql(child, sources, default_model) for child in node["all"]))
    if "any" in node:
        return or_(false(), *(rules_sql(child, sources, default_model) for child in node["any"]))
    return condition_sql(node, sources, default_model)


def _epoch(column: Any) -> Any:
    return func.extract("epoch", column)


def sort_key(sort: str, descending: bool, sources: _Sources, seed: int) -> tuple[Any, str]:
    """The NULL-free sort key of ``sort`` (missing values last either way) and its kind."""
    if sort in ("title", "artist", "album"):
        return _TEXT_COLUMNS[sort], "text"
    expressions = {
        "year": lambda: T.year,
        "duration": lambda: T.duration,
        "bpm": lambda: F.bpm,
        "energy": lambda: F.energy,
        "danceability": lambda: F.danceability,
        "loudness": lambda: F.loudness_lufs,
        "added": lambda: _epoch(T.added_at),
        "plays": lambda: func.coalesce(sources.plays_column("plays"), 0),
        "last_played": lambda: _epoch(sources.plays_column("last_played")),
        "rating": lambda: func.coalesce(sources.mine_column("rating"), 0),
        "starred": lambda: _epoch(sources.mine_column("starred_at")),
        # A stable shuffle: a multiplicative hash of the id, varied by the playlist.
        "random": lambda: func.mod(func.mod(T.id + seed, 2147483647) * 48271, 2147483647),
    }
    last = literal_column("'-Infinity'::float8" if descending else "'Infinity'::float8", Float)
    return func.coalesce(cast(expressions[sort](), Float), last), "float"


def matching(definition: Definition) -> tuple[Select[Any], Any, str]:
    """``SELECT id, _k0 (sort key), _k1 (id)`` of the matching tracks, unordered; the key; its kind."""
    sources = _Sources(definition.user_id)
    fields = {condition["field"] for condition in iter_conditions(definition.rules)}
    if fields & FEATURE_FIELDS or definition.sort in FEATURE_FIELDS:
        sources.used.add("features")
    where = rules_sql(definition.rules, sources, definition.default_model)
    key, kind = sort_key(definition.sort, definition.order == "desc", sources, definition.seed)
    base = (
        select(T.id.label("id"), key.label("_k0"), T.id.label("_k1"))
        .select_from(sources.joined())
        .where(tracks.PRESENT, where)
    )
    return base, key, kind


def _ordered(stmt: Select[Any], key: Any, descending: bool) -> Select[Any]:
    return stmt.order_by(key.desc(), T.id.desc()) if descending else stmt.order_by(key.asc(), T.id.asc())


def listing(playlist_id: int) -> str:
    return f"smart:{playlist_id}"


async def page(
    conn: AsyncConnection,
    definition: Definition,
    *,
    limit: int,
    cursor: str | None,
    secret: bytes,
    listing_name: str,
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the playlist's tracks as items (in its order) and the next cursor."""
    served, after = 0, None
    if cursor is not None:
        values = decode_cursor(secret, listing_name, cursor)
        served, after = _read_position(values)
    wanted = limit
    if definition.limit is not None:
        wanted = min(limit, definition.limit - served)
    if wanted <= 0:
        return [], None
    base, key, _ = matching(definition)
    descending = definition.order == "desc"
    if after is not None:
        keyset = tuple_(key, T.id)
        position = tuple_(literal(after[0]), literal(after[1]))
        base = base.where(keyset < position if descending else keyset > position)
    rows_query = _ordered(base, key, descending).limit(wanted + 1).subquery("page")
    order = (rows_query.c._k0.desc(), rows_query.c._k1.desc()) if descending else (rows_query.c._k0, rows_query.c._k1)
    hydrated = (
        select(*tracks.ITEM_COLUMNS, rows_query.c._k0, rows_query.c._k1)
        .select_from(rows_query.join(tracks.FROM, T.id == rows_query.c.id))
        .order_by(*order)
    )
    rows = list((await conn.execute(hydrated)).all())
    more = len(rows) > wanted
    rows = rows[:wanted]
    served += len(rows)
    next_cursor = None
    if more and (definition.limit is None or served < definition.limit) and rows:
        last = rows[-1]
        next_cursor = encode_cursor(secret, listing_name, [served, _json_number(last._k0), last._k1])
    return [present.track_item(row) for row in rows], next_cursor


def _json_number(value: Any) -> Any:
    if isinstance(value, float) and value in (_INF, -_INF):
        return "inf" if value > 0 else "-inf"
    return value


def _read_position(values: Sequence[Any]) -> tuple[int, tuple[Any, int]]:
    if len(values) != 3 or not isinstance(values[0], int) or values[0] < 0 or not isinstance(values[2], int):
        raise CursorError("the cursor is damaged")
    key = values[1]
    if key in ("inf", "-inf"):
        key = float(key)
    elif isinstance(key, bool) or not isinstance(key, int | float | str):
        raise CursorError("the cursor is damaged")
    return values[0], (key, values[2])


async def count(conn: AsyncConnection, definition: Definition) -> tuple[int, float | None]:
    """How many tracks the playlist has now (its limit applied) and their total duration."""
    base, key, _ = matching(definition)
    rows = base.add_columns(T.duration.label("duration"))
    if definition.limit is not None:
        rows = _ordered(rows, key, definition.order == "desc").limit(definition.limit)
    subquery = rows.subquery("matching")
    total = (await conn.execute(select(func.count(), func.sum(subquery.c.duration)))).one()
    return int(total[0]), present.seconds(total[1])


async def track_ids(conn: AsyncConnection, definition: Definition, *, limit: int = 100_000) -> list[int]:
    """The playlist's track ids in its order (for queues, exports and plugins)."""
    base, key, _ = matching(definition)
    cap = min(limit, definition.limit) if definition.limit is not None else limit
    query = _ordered(base, key, definition.order == "desc").limit(cap)
    return [row.id for row in (await conn.execute(query)).all()]
