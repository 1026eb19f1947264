"""HTTP-date formatting and parsing (RFC 9110 §5.6.7).

Dates are sent as IMF-fixdate. All three formats are accepted on input, as the RFC requires of
recipients: IMF-fixdate, the obsolete RFC 850 form (two-digit years read as the most recent year
in the past with those digits once they look more than 50 years ahead) and asctime. Anything else,
including lists of dates, parses as None so the caller can ignore the field.
"""

from __future__ import annotations

import calendar
import re
import time
from email.utils import formatdate

__all__ = ["format_http_date", "parse_http_date"]

_MONTHS = {
    m: i
    for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)
}
_MON = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_TIME = r"(\d\d):(\d\d):(\d\d)"
_IMF = re.compile(rf"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d) {_MON} (\d{{4}}) {_TIME} GMT", re.ASCII)
_RFC850 = re.compile(
    rf"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d\d)-{_MON}-(\d\d) {_TIME} GMT",
    re.ASCII,
)
_ASCTIME = re.compile(rf"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) {_MON} ([ \d]\d) {_TIME} (\d{{4}})", re.ASCII)


def format_http_date(seconds: float) -> str:
    """IMF-fixdate for a POSIX timestamp (fractions of a second are dropped)."""
    return formatdate(int(seconds), usegmt=True)


def _timestamp(year: int, month: int, day: int, hh: int, mm: int, ss: int) -> int | None:
    if not (1 <= day <= calendar.monthrange(year, month)[1] and hh < 24 and mm < 60 and ss < 61):
        return None
    return calendar.timegm((year, month, day, hh, mm, min(ss, 59), 0, 0, 0))


def parse_http_date(value: str | None) -> int | None:
    """POSIX seconds for an HTTP-date, or None when the value is not exactly one HTTP-date."""
    if not value:
        return None
    value = value.strip(" \t")
    if m := _IMF.fullmatch(value):
        day, mon, year, hh, mi, ss = m.groups()
        return _timestamp(int(year), _MONTHS[mon], int(day), int(hh), int(mi), int(ss))
    if m := _RFC850.fullmatch(value):
        day, mon, yy, hh, mi, ss = m.groups()
        this_year = time.gmtime().tm_year
        year = this_year - this_year % 100 + int(yy)
        if year > this_year + 50:
            year -= 100
        return _timestamp(year, _MONTHS[mon], int(day), int(hh), int(mi), int(ss))
    if m := _ASCTIME.fullmatch(value):
        mon, day, hh, mi, ss, year = m.groups()
        return _timestamp(int(year), _MONTHS[mon], int(day), int(hh), int(mi), int(ss))
    return None
