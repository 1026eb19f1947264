"""Conditional requests (RFC 9110 §13) for a file with a strong ETag and a Last-Modified date.

Evaluation follows §13.2.2 to the letter:

1. ``If-Match`` present: false (no strong match, ``*`` matches any) → 412.
2. Else ``If-Unmodified-Since`` with a valid HTTP-date: Last-Modified later → 412.
3. ``If-None-Match`` present: a weak match (or ``*``) → 304 for GET/HEAD, 412 otherwise.
4. Else, for GET/HEAD, ``If-Modified-Since`` with a valid HTTP-date: not modified since → 304.
5. ``Range`` is honoured only for GET and only when ``If-Range`` is absent or true:
   a strong match of an entity-tag, or an HTTP-date exactly equal to Last-Modified. A weak
   entity-tag, a different tag or date, or anything unparsable makes it false: Range is ignored.

Invalid dates in ``If-Modified-Since`` / ``If-Unmodified-Since`` make the field ignored (§13.1.3,
§13.1.4). Malformed members of an entity-tag list never match.
"""

from __future__ import annotations

from enum import Enum

from .etag import EntityTag, as_entity_tag, parse_etag_list, strong_match, weak_match
from .httpdate import parse_http_date

__all__ = ["Precondition", "evaluate_preconditions", "if_range_allows"]


class Precondition(Enum):
    """Outcome of :func:`evaluate_preconditions`."""

    PROCEED = 200
    NOT_MODIFIED = 304
    FAILED = 412


def _any(value: str, etag: EntityTag, strong: bool) -> bool:
    tags = parse_etag_list(value)
    if tags is None:  # "*": the representation exists
        return True
    compare = strong_match if strong else weak_match
    return any(compare(tag, etag) for tag in tags)


def evaluate_preconditions(
    method: str,
    etag: str,
    last_modified: int,
    *,
    if_match: str | None = None,
    if_none_match: str | None = None,
    if_modified_since: str | None = None,
    if_unmodified_since: str | None = None,
) -> Precondition:
    """Steps 1–4 of RFC 9110 §13.2.2 for the current representation.

    ``etag`` is the response's ETag value (quotes included), ``last_modified`` its Last-Modified
    as POSIX seconds; header arguments are field values as received, or None when absent.
    """
    tag = as_entity_tag(etag)
    if if_match is not None:
        if not _any(if_match, tag, strong=True):
            return Precondition.FAILED
    elif if_unmodified_since is not None:
        date = parse_http_date(if_unmodified_since)
        if date is not None and last_modified > date:
            return Precondition.FAILED
    safe = method in ("GET", "HEAD")
    if if_none_match is not None:
        if _any(if_none_match, tag, strong=False):
            return Precondition.NOT_MODIFIED if safe else Precondition.FAILED
    elif if_modified_since is not None and safe:
        date = parse_http_date(if_modified_since)
        if date is not None and last_modified <= date:
            return Precondition.NOT_MODIFIED
    return Precondition.PROCEED


def if_range_allows(if_range: str | None, etag: str, last_modified: int) -> bool:
    """Step 5 of §13.2.2: True when a Range header may be honoured (§13.1.5)."""
    if if_range is None:
        return True
    value = if_range.strip(" \t")
    if value.startswith(('"', "W/")):
        tags = parse_etag_list(value)
        return bool(tags) and len(tags) == 1 and strong_match(tags[0], as_entity_tag(etag))
    date = parse_http_date(value)
    return date is not None and date == last_modified
