"""Smart playlist rules: what they may say, checked, and put in one canonical form.

A rule tree is a node: ``{"all": [node, ...]}`` (every one holds), ``{"any": [node, ...]}``
(at least one holds), or a condition ``{"field": F, "op": O, "value": V}``. Each field has
a type, and each type its operators and values (:data:`FIELDS`, :data:`OPERATORS`).
:func:`check_rules` answers the tree in canonical form (keys as Camelot codes, text as
written, dates as ISO 8601 in UTC) or raises :class:`RuleError` naming every problem with a
JSON pointer (RFC 6901) to it, so a client can show it beside the rule that has it.

A condition on something a track does not have (no tempo yet, never analysed) does not
hold, whatever its operator — except ``last_played not_in_the_last``, which a track never
played meets. ``plays``, ``rating`` and ``starred`` are the user's own, and 0/false when
none.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from sonantica_core.errors import SonanticaError
from sonantica_core.text.musickeys import InvalidKey, camelot

MAX_DEPTH = 8
MAX_CONDITIONS = 200
MAX_TEXT = 200
MAX_DAYS = 365 * 100
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class NumberField:
    low: float
    high: float
    integer: bool = False


NUMBER_OPS = ("is", "is_not", "gt", "gte", "lt", "lte", "between")
TEXT_OPS = ("is", "is_not", "contains", "not_contains", "starts_with", "ends_with")
KEY_OPS = ("is", "is_not", "compatible")
DATE_OPS = ("before", "after", "in_the_last", "not_in_the_last")

#: Field → its type: a :class:`NumberField`, or "text", "key", "mode", "date", "bool", "similar".
FIELDS: dict[str, Any] = {
    "bpm": NumberField(0, 1000),
    "energy": NumberField(0, 1),
    "danceability": NumberField(0, 1),
    "loudness": NumberField(-200, 20),
    "year": NumberField(0, 9999, integer=True),
    "duration": NumberField(0, 10**7),
    "plays": NumberField(0, 2**31 - 1, integer=True),
    "rating": NumberField(0, 5, integer=True),
    "title": "text",
    "artist": "text",
    "album": "text",
    "genre": "text",
    "key": "key",
    "camelot": "key",
    "mode": "mode",
    "added": "date",
    "last_played": "date",
    "starred": "bool",
    "lossless": "bool",
    "sounds_like": "similar",
}
OPERATORS: dict[str, tuple[str, ...]] = {
    "number": NUMBER_OPS,
    "text": TEXT_OPS,
    "key": KEY_OPS,
    "mode": ("is", "is_not"),
    "date": DATE_OPS,
    "bool": ("is",),
    "similar": ("is",),
}
#: What a smart playlist may be sorted by.
SORTS = (
    "title",
    "artist",
    "album",
    "year",
    "added",
    "duration",
    "bpm",
    "energy",
    "danceability",
    "loudness",
    "plays",
    "last_played",
    "rating",
    "starred",
    "random",
)


class RuleError(SonanticaError, ValueError):
    """Rules that cannot be used: ``problems`` holds (JSON pointer, what is wrong) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{pointer or '/'}: {message}" for pointer, message in problems))


def pointer(base: str, *parts: str | int) -> str:
    """``base`` extended by path segments, escaped as RFC 6901 says."""
    return base + "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def field_type(name: str) -> str:
    kind = FIELDS[name]
    return "number" if isinstance(kind, NumberField) else kind


class _Checker:
    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []
        self.conditions = 0

    def fail(self, where: str, message: str) -> None:
        self.problems.append((where, message))

    def node(self, node: Any, where: str, depth: int) -> dict[str, Any] | None:
        if not isinstance(node, dict):
            self.fail(where, 'a rule must be an object: {"all": [...]}, {"any": [...]} or a condition')
            return None
        groups = [key for key in ("all", "any") if key in node]
        if groups:
            if len(node) != 1:
                extra = next(key for key in node if key not in groups[:1])
                self.fail(pointer(where, extra), f'a group holds only "{groups[0]}"')
                return None
            group = groups[0]
            children = node[group]
            if not isinstance(children, list):
                self.fail(pointer(where, group), "must be a list of rules")
                return None
            if depth >= MAX_DEPTH:
                self.fail(pointer(where, group), f"rules nest at most {MAX_DEPTH} deep")
                return None
            checked = [self.node(child, pointer(where, group, i), depth + 1) for i, child in enumerate(children)]
            return {group: checked}
        return self.condition(node, where)

    def condition(self, node: dict[str, Any], where: str) -> dict[str, Any] | None:
        self.conditions += 1
        if self.conditions == MAX_CONDITIONS + 1:
            self.fail(where, f"at most {MAX_CONDITIONS} conditions")
        for key in node:
            if key not in ("field", "op", "value"):
                self.fail(pointer(where, key), "unknown key: a condition has field, op and value")
        name = node.get("field")
        if not isinstance(name, str) or name not in FIELDS:
            known = ", ".join(FIELDS)
            self.fail(pointer(where, "field"), f"unknown field {name!r}; known fields: {known}")
            return None
        kind = field_type(name)
        op = node.get("op")
        if op not in OPERATORS[kind]:
            self.fail(pointer(where, "op"), f"{name} takes the operators {', '.join(OPERATORS[kind])} (got {op!r})")
            return None
        if "value" not in node:
            self.fail(pointer(where, "value"), "missing")
            return None
        value = self.value(name, kind, op, node["value"], pointer(where, "value"))
        return None if value is None else {"field": name, "op": op, "value": value}

    def value(self, name: str, kind: str, op: str, value: Any, where: str) -> Any:
        if kind == "number":
            spec: NumberField = FIELDS[name]
            if op == "between":
                if not isinstance(value, list) or len(value) != 2:
                    self.fail(where, "between takes [low, high]")
                    return None
                low = self.number(spec, value[0], pointer(where, 0))
                high = self.number(spec, value[1], pointer(where, 1))
                if low is None or high is None:
                    return None
                if low > high:
                    self.fail(where, "low must not be above high")
                    return None
                return [low, high]
            return self.number(spec, value, where)
        if kind == "text":
            if not isinstance(value, str) or not value or len(value) > MAX_TEXT or "\x00" in value:
                self.fail(where, f"must be text of 1 to {MAX_TEXT} characters")
                return None
            return value
        if kind == "key":
            if not isinstance(value, str) or len(value) > 16:
                self.fail(where, "must be a musical key: a Camelot code (8A) or a name (A minor, F#m)")
                return None
            try:
                return camelot(value)
            except InvalidKey as exc:
                self.fail(where, str(exc))
                return None
        if kind == "mode":
            if value not in ("major", "minor"):
                self.fail(where, 'must be "major" or "minor"')
                return None
            return value
        if kind == "bool":
            if not isinstance(value, bool):
                self.fail(where, "must be true or false")
                return None
            return value
        if kind == "date":
            return self.date(op, value, where)
        return self.similar(value, where)

    def number(self, spec: NumberField, value: Any, where: str) -> float | int | None:
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if ok and spec.integer and value != int(value):
            ok = False
        if not ok or not spec.low <= value <= spec.high:
            what = "a whole number" if spec.integer else "a number"
            self.fail(where, f"must be {what} from {spec.low:g} to {spec.high:g}")
            return None
        return int(value) if spec.integer else float(value)

    def date(self, op: str, value: Any, where: str) -> Any:
        if op in ("in_the_last", "not_in_the_last"):
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_DAYS:
                self.fail(where, f"must be a number of days, above 0 and at most {MAX_DAYS}")
                return None
            return value
        parsed = parse_time(value)
        if parsed is None:
            self.fail(where, "must be an ISO 8601 date or time (2024-05-01, 2024-05-01T12:00:00Z)")
            return None
        return parsed.isoformat()

    def similar(self, value: Any, where: str) -> Any:
        if not isinstance(value, dict):
            self.fail(where, 'must be {"track": id, "threshold": 0–1}')
            return None
        for key in value:
            if key not in ("track", "threshold", "model"):
                self.fail(pointer(where, key), "unknown key: sounds_like takes track, threshold and model")
        track = value.get("track")
        if isinstance(track, bool) or not isinstance(track, int) or not 1 <= track <= MAX_ID:
            self.fail(pointer(where, "track"), "must be a track id")
            track = None
        threshold = value.get("threshold", 0.8)
        if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0 <= threshold <= 1:
            self.fail(pointer(where, "threshold"), "must be a similarity from 0 to 1 (1: the same recording)")
            threshold = None
        model = value.get("model")
        if model is not None and (not isinstance(model, str) or not 1 <= len(model) <= 100):
            self.fail(pointer(where, "model"), "must be the name of an embedding model")
            model = None
        if track is None or threshold is None:
            return None
        checked: dict[str, Any] = {"track": track, "threshold": float(threshold)}
        if model is not None:
            checked["model"] = model
        return checked


def parse_time(value: Any) -> dt.datetime | None:
    """An ISO 8601 date (its midnight, UTC) or time (UTC when it names no zone), or None."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def check_rules(rules: Any, where: str = "") -> dict[str, Any]:
    """The rule tree in canonical form; :class:`RuleError` naming every problem otherwise.

    ``where`` is the JSON pointer of the tree in the document it came in (``/rules``).
    """
    checker = _Checker()
    if not isinstance(rules, dict) or not any(key in rules for key in ("all", "any")):
        checker.fail(where, 'the rules must be a group: {"all": [...]} or {"any": [...]}')
        raise RuleError(checker.problems)
    checked = checker.node(rules, where, 0)
    if checker.problems or checked is None:
        raise RuleError(checker.problems)
    return checked


def check_sort(sort: Any, order: Any, limit: Any, where: str = "") -> tuple[str, str, int | None]:
    """A smart playlist's sort field, order and limit, checked (same errors as :func:`check_rules`)."""
    problems = []
    if sort not in SORTS:
        problems.append((pointer(where, "sort"), f"sort must be one of {', '.join(SORTS)} (got {sort!r})"))
    if order not in ("asc", "desc"):
        problems.append((pointer(where, "order"), f"order must be asc or desc (got {order!r})"))
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 100_000):
        problems.append((pointer(where, "limit"), "limit must be a whole number from 1 to 100000, or null"))
    if problems:
        raise RuleError(problems)
    return sort, order, limit


def iter_conditions(node: dict[str, Any]) -> list[dict[str, Any]]:
    """Every condition of a (checked) tree."""
    for group in ("all", "any"):
        if group in node:
            return [condition for child in node[group] for condition in iter_conditions(child)]
    return [node]
