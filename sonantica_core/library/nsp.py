"""Navidrome smart playlist files (``.nsp``) made into this server's rules.

An ``.nsp`` file is JSON: ``name``, ``comment``, a group ``all`` or ``any`` of expressions
``{"<operator>": {"<field>": value}}`` (or nested groups), ``sort`` (fields separated by
commas, ``-`` before one reverses it), ``order`` and ``limit``. Operators and fields are
read in any case, as Navidrome does. What this server has no equivalent for (a field such
as ``filepath``, the ``inPlaylist`` operator) is refused with a JSON pointer into the file,
like every other problem: nothing is half imported.
"""

from __future__ import annotations

from typing import Any

from sonantica_core.library.rules import RuleError, check_rules, check_sort, field_type, pointer

#: Navidrome's field names (lower case) → this server's.
FIELD_NAMES = {
    "title": "title",
    "album": "album",
    "artist": "artist",
    "albumartist": "artist",
    "year": "year",
    "genre": "genre",
    "rating": "rating",
    "loved": "starred",
    "playcount": "plays",
    "lastplayed": "last_played",
    "dateadded": "added",
    "bpm": "bpm",
    "duration": "duration",
}
#: Navidrome's operators (lower case) → this server's, for fields that are not dates.
OPERATOR_NAMES = {
    "is": "is",
    "isnot": "is_not",
    "gt": "gt",
    "lt": "lt",
    "contains": "contains",
    "notcontains": "not_contains",
    "startswith": "starts_with",
    "endswith": "ends_with",
    "intherange": "between",
}
_DATE_OPERATORS = {
    "before": "before",
    "after": "after",
    "lt": "before",
    "gt": "after",
    "inthelast": "in_the_last",
    "notinthelast": "not_in_the_last",
}
SORT_NAMES = {
    **{name: ours for name, ours in FIELD_NAMES.items() if ours not in ("genre", "starred")},
    "loved": "starred",
    "dateloved": "starred",
    "random": "random",
}
_TOP_LEVEL = {"name", "comment", "all", "any", "sort", "order", "limit", "public"}


class _Reader:
    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []
        #: Our condition's pointer → the pointer of the expression it came from.
        self.origins: dict[str, str] = {}

    def group(self, items: Any, kind: str, where: str, ours: str) -> dict[str, Any]:
        if not isinstance(items, list):
            self.problems.append((where, "must be a list of expressions"))
            return {kind: []}
        children = []
        for item in items:
            child = self.expression(item, pointer(where, len(children)), pointer(ours, kind, len(children)))
            children.append(child)
        return {kind: children}

    def expression(self, item: Any, where: str, ours: str) -> dict[str, Any]:
        if not isinstance(item, dict) or len(item) != 1:
            self.problems.append((where, 'an expression is an object with one operator: {"is": {"year": 1990}}'))
            return {"all": []}
        ((operator, body),) = item.items()
        name = operator.lower()
        if name in ("all", "any"):
            return self.group(body, name, pointer(where, operator), ours)
        if name not in OPERATOR_NAMES and name not in _DATE_OPERATORS:
            known = ", ".join(sorted({*OPERATOR_NAMES, *_DATE_OPERATORS}))
            self.problems.append((pointer(where, operator), f"unknown operator {operator!r}; known: {known}"))
            return {"all": []}
        if not isinstance(body, dict) or len(body) != 1:
            self.problems.append((pointer(where, operator), "must hold one field and its value"))
            return {"all": []}
        ((field, value),) = body.items()
        at = pointer(where, operator, field)
        ours_field = FIELD_NAMES.get(field.lower())
        if ours_field is None:
            self.problems.append((at, f"the field {field!r} cannot be used here; known: {', '.join(FIELD_NAMES)}"))
            return {"all": []}
        if field_type(ours_field) == "date":
            if name == "intherange" and isinstance(value, list) and len(value) == 2:
                self.origins[pointer(ours, "all", 0)] = pointer(at, 0)
                self.origins[pointer(ours, "all", 1)] = pointer(at, 1)
                return {
                    "all": [
                        {"field": ours_field, "op": "after", "value": value[0]},
                        {"field": ours_field, "op": "before", "value": value[1]},
                    ]
                }
            ours_op = _DATE_OPERATORS.get(name)
        else:
            ours_op = OPERATOR_NAMES.get(name)
        if ours_op is None:
            self.problems.append((pointer(where, operator), f"the operator {operator!r} cannot be used with {field}"))
            return {"all": []}
        self.origins[ours] = at
        return {"field": ours_field, "op": ours_op, "value": value}

    def where(self, problem: str) -> str:
        """The file's pointer for a problem our checker found at ``problem``."""
        for ours in sorted(self.origins, key=len, reverse=True):
            if problem == ours or problem.startswith(ours + "/"):
                rest = problem[len(ours) :]
                rest = rest.removeprefix("/value").removeprefix("/field").removeprefix("/op")
                return self.origins[ours] + rest
        return problem


def read_nsp(document: Any) -> dict[str, Any]:
    """``{name, description, rules, sort, order, limit}`` from an ``.nsp`` file's JSON;
    :class:`RuleError` with pointers into the file otherwise."""
    if not isinstance(document, dict):
        raise RuleError([("", "a smart playlist file is a JSON object")])
    reader = _Reader()
    for key in document:
        if key not in _TOP_LEVEL:
            reader.problems.append(
                (pointer("", key), f"unknown key; a smart playlist file has {', '.join(sorted(_TOP_LEVEL))}")
            )
    name = document.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 200:
        reader.problems.append(("/name", "the playlist needs a name of 1 to 200 characters"))
    comment = document.get("comment")
    if comment is not None and not isinstance(comment, str):
        reader.problems.append(("/comment", "must be text"))
    groups = [key for key in ("all", "any") if key in document]
    if len(groups) != 1:
        reader.problems.append(("", 'a smart playlist file has exactly one of "all" and "any"'))
        raise RuleError(reader.problems)
    rules = reader.group(document[groups[0]], groups[0], pointer("", groups[0]), "")
    sort, order = _sort(document, reader)
    if reader.problems:
        raise RuleError(reader.problems)
    try:
        checked = check_rules(rules)
    except RuleError as exc:
        raise RuleError([(reader.where(where), message) for where, message in exc.problems]) from None
    sort, order, limit = check_sort(sort, order, document.get("limit"))
    return {
        "name": name.strip(),
        "description": comment,
        "rules": checked,
        "sort": sort,
        "order": order,
        "limit": limit,
    }


def _sort(document: dict[str, Any], reader: _Reader) -> tuple[str, str]:
    order = document.get("order", "asc")
    if not isinstance(order, str) or order.lower() not in ("asc", "desc"):
        reader.problems.append(("/order", "must be asc or desc"))
        order = "asc"
    order = order.lower()
    sort = document.get("sort", "title")
    if not isinstance(sort, str):
        reader.problems.append(("/sort", "must be a field name"))
        return "title", order
    first = next((part.strip() for part in sort.split(",") if part.strip()), "title")
    if first[0] in "+-":
        if first[0] == "-":
            order = "asc" if order == "desc" else "desc"
        first = first[1:].strip()
    ours = SORT_NAMES.get(first.lower())
    if ours is None:
        reader.problems.append(("/sort", f"cannot sort by {first!r}; known: {', '.join(SORT_NAMES)}"))
        return "title", order
    return ours, order
