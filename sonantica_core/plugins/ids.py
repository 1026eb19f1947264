"""Database ids in route paths: the ``{name:id}`` path convertor, for the core's routes and plugins'.

Every id the core hands out is a positive 64-bit integer (PostgreSQL ``bigint``), 1 to
:data:`MAX_ID`. A path segment declared ``{track_id:id}`` matches exactly those, written
in plain decimal digits without leading zeros, and the endpoint gets an ``int`` in that
range. Anything else (``0``, ``007``, ``-1``, ``abc``, ``99999999999999999999``, a
5000-digit number) does not match the route, so the router answers 404 before the
endpoint runs: no id ever reaches the database out of range.

Starlette's own ``{name:int}`` is not for ids: it takes any number of digits, so an id past
64 bits overflows in the database and one past Python's 4300-digit limit raises while the
route is matched (both a 500).

Importing :mod:`sonantica_core.plugins` registers the convertor; a plugin's routes use it
by name::

    Route("/lyrics/{track_id:id}", lyrics)  # request.path_params["track_id"] is an int id
"""

from __future__ import annotations

from starlette.convertors import IntegerConvertor, register_url_convertor

#: The largest id: PostgreSQL's ``bigint``, 2**63 - 1.
MAX_ID = 2**63 - 1
#: The convertor's name in route paths, ``{name:id}``.
ID_CONVERTOR = "id"


def decimal_range_pattern(maximum: int) -> str:
    """A regular expression of the decimal numbers 1 to ``maximum``, without leading zeros.

    Shorter numbers are all in range; a number as long as ``maximum`` is, when it shares
    ``maximum``'s first digits and then has a smaller one (or is ``maximum`` itself).
    """
    if maximum < 1:
        raise ValueError("the maximum must be at least 1")
    limit = str(maximum)
    length = len(limit)
    alternatives = [f"[1-9][0-9]{{0,{length - 2}}}"] if length > 1 else []
    for index, digit in enumerate(limit):
        lowest = 1 if index == 0 else 0
        if int(digit) > lowest:
            rest = length - index - 1
            alternatives.append(f"{limit[:index]}[{lowest}-{int(digit) - 1}][0-9]{{{rest}}}")
    alternatives.append(limit)
    return "(?:" + "|".join(alternatives) + ")"


class IdConvertor(IntegerConvertor):
    """``{name:id}``: a database id, 1 to :data:`MAX_ID`; any other segment does not match the route.

    A subclass of Starlette's ``int`` convertor, so that the OpenAPI document calls it an integer.
    """

    regex = decimal_range_pattern(MAX_ID)

    def convert(self, value: str) -> int:  # only digits the pattern matched
        return int(value)

    def to_string(self, value: int) -> str:
        value = int(value)
        if not 1 <= value <= MAX_ID:
            raise ValueError(f"{value} is not an id (1 to {MAX_ID})")
        return str(value)


register_url_convertor(ID_CONVERTOR, IdConvertor())
