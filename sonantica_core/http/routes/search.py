"""``GET /api/search``: artists, albums and tracks for what someone typed.

Accent- and case-insensitive, prefix-matching, typo-tolerant, right for Japanese and
Chinese (no spaces) and Cyrillic. How it works: :mod:`sonantica_core.library.search`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from sonantica_core.http.models import library as schemas
from sonantica_core.http.openapi.docs import api_doc
from sonantica_core.http.params import parse_query
from sonantica_core.http.reading import FastJSONResponse
from sonantica_core.http.responsecache import cached
from sonantica_core.http.util import core
from sonantica_core.library.queries import SearchQuery
from sonantica_core.library.search import search


@api_doc(
    "Search the library",
    description=(
        "Artists, albums and tracks matching every word of `q` (words match their beginnings: "
        "`beeth` finds Beethoven), in any case and with or without accents; mistyped words are "
        "corrected from the library's own words when the words as typed find too little "
        "(`corrections` says how). Each kind is ranked: exact words first, then names equal to "
        "or starting with the query, then titles and names before artists and composers."
    ),
    tags=["search"],
    query=SearchQuery,
    response=schemas.SearchResults,
)
async def search_library(request: Request) -> FastJSONResponse:
    query = parse_query(SearchQuery, request)
    async with core(request).engine.connect() as conn:
        result = await search(conn, query.q, query.limit)
    return FastJSONResponse(result.as_json())


routes = [Route("/api/search", cached(search_library), methods=["GET", "HEAD"])]
