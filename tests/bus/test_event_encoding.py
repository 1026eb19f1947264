"""Events encode as their fields, one level deep, with nested dataclasses and tuples as JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from sonantica_core.bus.events import encode_event
from sonantica_core.contract import TracksChanged


@dataclasses.dataclass(frozen=True)
class Point:
    root: str
    ids: tuple[int, ...]


@dataclasses.dataclass(frozen=True)
class Nested:
    type: str
    at: dt.datetime
    where: Point
    several: tuple[Point, ...]
    counts: dict[str, int]


def test_a_contract_event_encodes_exactly_as_asdict_would() -> None:
    event = TracksChanged(added=tuple(range(10_000)), changed=(3, 4), removed=(9,))
    decoded = json.loads(encode_event(event))
    assert decoded["type"] == "tracks.changed"
    assert decoded["added"] == list(range(10_000)) and decoded["changed"] == [3, 4] and decoded["removed"] == [9]
    assert decoded["at"] == event.at.isoformat()
    assert decoded == json.loads(json.dumps(dataclasses.asdict(event), default=dt.datetime.isoformat))


def test_nested_dataclasses_are_encoded_through_the_json_default() -> None:
    at = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
    event = Nested("x.happened", at, Point("music", (1, 2)), (Point("a", ()), Point("b", (5,))), {"n": 1})
    assert json.loads(encode_event(event)) == {
        "type": "x.happened",
        "at": "2026-12-06T12:00:00+00:00",
        "where": {"root": "music", "ids": [1, 2]},
        "several": [{"root": "a", "ids": []}, {"root": "b", "ids": [5]}],
        "counts": {"n": 1},
    }


def test_an_event_without_a_type_or_with_an_unencodable_value_is_refused() -> None:
    with pytest.raises(ValueError, match="needs a type"):
        encode_event({"type": ""})
    with pytest.raises(TypeError, match="cannot encode object"):
        encode_event({"type": "x", "value": object()})
