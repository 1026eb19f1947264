"""The time ranges statistics are asked for: a named period ending now, or any range."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from sonantica_core.errors import SonanticaError

#: Named periods, each ending now.
PERIODS: dict[str, dt.timedelta | None] = {
    "week": dt.timedelta(days=7),
    "month": dt.timedelta(days=30),
    "year": dt.timedelta(days=365),
    "all": None,
}
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
FAR = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


class PeriodError(SonanticaError, ValueError):
    """A period, range bound or time zone that cannot be used; ``field`` names the parameter."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True, slots=True)
class Range:
    """``start <= played_at < end``, and the time zone days and hours are counted in."""

    start: dt.datetime
    end: dt.datetime
    tz: str = "UTC"
    name: str = "all"


def _bound(field: str, text: str, tz: zoneinfo.ZoneInfo, end: bool) -> dt.datetime:
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            moment = dt.datetime.combine(day, dt.time(), tz)
            return moment + dt.timedelta(days=1) if end else moment  # a day given as the end is included
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise PeriodError(field, "must be a date (2026-01-31) or an ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def time_zone(name: str | None) -> str:
    """``name`` checked as an IANA time zone (default UTC)."""
    if not name:
        return "UTC"
    if len(name) > 64:
        raise PeriodError("tz", "is not a known time zone")
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise PeriodError("tz", f"{name!r} is not a known time zone") from None
    return name


def parse_range(
    period: str | None, start: str | None, end: str | None, tz: str | None = None,
    now: dt.datetime | None = None,
) -> Range:
    """The range a request asks for: ``from``/``to`` when given, else ``period`` (default all)."""
    zone_name = time_zone(tz)
    zone = zoneinfo.ZoneInfo(zone_name)
    now = now or dt.datetime.now(dt.UTC)
    if start or end:
        if period not in (None, ""):
            raise PeriodError("period", "give a period or from/to, not both")
        low = _bound("from", start, zone, False) if start else EPOCH
        high = _bound("to", end, zone, True) if end else FAR
        if high <= low:
            raise PeriodError("to", "must be after from")
        return Range(low, high, zone_name, "range")
    name = period or "all"
    if name not in PERIODS:
        raise PeriodError("period", f"must be one of {', '.join(PERIODS)}")
    span = PERIODS[name]
    return Range(EPOCH if span is None else now - span, FAR, zone_name, name)
