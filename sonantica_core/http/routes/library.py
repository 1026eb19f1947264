"""``/api/library``: tracks, albums, artists and genres, listed and in detail.

Listings page with keyset cursors (``limit`` ≤ 500, ``next`` link), so the last page
of a large library costs what the first does. Items carry links to their stream,
cover and waveform; durations are seconds. See ``docs/api.md``. Answers are kept in
the per-process response cache (:mod:`sonantica_core.http.responsecache`) until the
library changes, with an ``ETag``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.requests import Request
from starlette.routing import Route

from sonantica_core.http.errors import ApiError
from sonantica_core.http.middleware.access import current_user
from sonantica_core.http.models import library as schemas
from sonantica_core.http.openapi.docs import api_doc
from sonantica_core.http.params import parse_query
from sonantica_core.http.reading import FastJSONResponse, page_response, path_id, position, read_only, secret
from sonantica_core.http.responsecache import cached, genre_stats
from sonantica_core.http.util import core
from sonantica_core.library import albums, artists, genres, marks, tracks
from sonantica_core.library.keyset import Ordering
from sonantica_core.library.queries import (
    AlbumListQuery,
    ArtistListQuery,
    GenreListQuery,
    TrackListQuery,
)

TAGS = ["library"]
_LIST_ERRORS = {400: "The cursor cannot be used (damaged, or from another listing or order)"}
_NEXT_LINK = {"Link": 'The next page, as <url>; rel="next" (absent on the last page).'}

Q = TypeVar("Q", bound=BaseModel)
Endpoint = Callable[[Request], Awaitable[FastJSONResponse]]
#: ``fetch(conn, query, start, cursor key, *extra)`` → (items, next cursor or None).
PageFetcher = Callable[..., Awaitable[tuple[list[dict[str, Any]], str | None]]]
#: ``fetch(conn, id)`` → the item, or None when the library has no such one.
ItemFetcher = Callable[[AsyncConnection, int], Awaitable[dict[str, Any] | None]]


def list_endpoint(
    name: str,
    *,
    summary: str,
    description: str,
    query: type[Q],
    response: type[BaseModel],
    orderings: Mapping[str, Ordering],
    fetch: PageFetcher,
    listing: Callable[[Q], str] | None = None,
    extra: Callable[[Request], tuple[Any, ...]] | None = None,
) -> Endpoint:
    """A documented endpoint answering one page of ``name`` (``tracks``...) with a ``next`` link.

    It reads the query as ``query``, starts where its cursor says (the cursor belongs to
    the listing ``listing(query)``, by default ``"{name}:{sort}:{order}"``, in the order
    ``orderings[query.sort]``) and asks ``fetch`` for the page, passing ``extra(request)``
    after the usual arguments. The endpoint is called ``list_{name}``.
    """

    async def endpoint(request: Request) -> FastJSONResponse:
        parsed: Any = parse_query(query, request)
        listed = listing(parsed) if listing is not None else f"{name}:{parsed.sort}:{parsed.order}"
        start = position(request, listed, orderings[parsed.sort], parsed.cursor)
        async with read_only(request) as conn:
            more = extra(request) if extra is not None else ()
            items, next_cursor = await fetch(conn, parsed, start, secret(request), *more)
        return page_response(request, items, next_cursor, parsed.limit)

    endpoint.__name__ = endpoint.__qualname__ = f"list_{name}"
    return api_doc(
        summary,
        description=description,
        tags=TAGS,
        query=query,
        response=response,
        responses=_LIST_ERRORS,
        headers=_NEXT_LINK,
    )(endpoint)


def detail_endpoint(
    what: str, *, summary: str, description: str, response: type[BaseModel], fetch: ItemFetcher
) -> Endpoint:
    """A documented endpoint answering one ``what`` (``track``...) by the id in ``{what}_id``.

    404 for an id that cannot be one and for one ``fetch`` does not find (``no {what}
    with id N in the library``). The endpoint is called ``get_{what}``.
    """
    param = f"{what}_id"

    async def endpoint(request: Request) -> FastJSONResponse:
        item_id = path_id(request, param, what)
        async with read_only(request) as conn:
            item = await fetch(conn, item_id)
        if item is None:
            raise ApiError(404, f"no {what} with id {item_id} in the library")
        return FastJSONResponse(item)

    endpoint.__name__ = endpoint.__qualname__ = f"get_{what}"
    return api_doc(
        summary,
        description=description,
        tags=TAGS,
        path={param: f"The {what}'s id."},
        response=response,
        responses={404: f"No such {what} in the library"},
    )(endpoint)


list_tracks = list_endpoint(
    "tracks",
    summary="List tracks",
    description="Tracks of the library, filtered and sorted, a page at a time.",
    query=TrackListQuery,
    response=schemas.TrackPage,
    orderings=tracks.ORDERINGS,
    fetch=tracks.list_tracks,
    extra=lambda request: (current_user(request).id,),
    listing=tracks.listing_name,
)
get_track = detail_endpoint(
    "track",
    summary="A track",
    description="Everything about one track: tags, technical details, credits, analysis and links.",
    response=schemas.TrackDetail,
    fetch=tracks.get_track,
)
list_albums = list_endpoint(
    "albums",
    summary="List albums",
    description="Albums with at least one track in the library, filtered and sorted, a page at a time.",
    query=AlbumListQuery,
    response=schemas.AlbumPage,
    orderings=albums.ORDERINGS,
    fetch=albums.list_albums,
    extra=lambda request: (current_user(request).id,),
)
get_album = detail_endpoint(
    "album",
    summary="An album",
    description="An album with its tracks in disc and track order.",
    response=schemas.AlbumDetail,
    fetch=albums.get_album,
)
list_artists = list_endpoint(
    "artists",
    summary="List artists",
    description="Artists with something in the library, by name, a page at a time.",
    query=ArtistListQuery,
    response=schemas.ArtistPage,
    orderings=artists.ORDERINGS,
    fetch=artists.list_artists,
    extra=lambda request: (current_user(request).id,),
    listing=lambda query: f"artists:{query.sort}:{query.order}:{query.role}",
)
get_artist = detail_endpoint(
    "artist",
    summary="An artist",
    description="An artist with their albums, and the albums (compilations, other artists' albums) they appear on.",
    response=schemas.ArtistDetail,
    fetch=artists.get_artist,
)
list_genres = list_endpoint(
    "genres",
    summary="List genres",
    description="Genres of the tracks in the library, with how many tracks and albums each has.",
    query=GenreListQuery,
    response=schemas.GenrePage,
    orderings=genres.ORDERINGS,
    fetch=genres.list_genres,
    extra=lambda request: (genre_stats(core(request)),),
)


def _personal(request: Request) -> bool:
    """A listing by the caller's stars or ratings: the caller's own answer, never shared."""
    return marks.personal_request(request.query_params)


#: ``{name:id}`` is :class:`~sonantica_core.plugins.ids.IdConvertor`: ids 1 to 2**63-1 only (any other
#: segment, an overlong id included, is a 404 from the router, not a 500).
routes = [
    Route("/api/library/tracks", cached(list_tracks, bypass=_personal), methods=["GET", "HEAD"]),
    Route("/api/library/tracks/{track_id:id}", cached(get_track), methods=["GET", "HEAD"]),
    Route("/api/library/albums", cached(list_albums, bypass=_personal), methods=["GET", "HEAD"]),
    Route("/api/library/albums/{album_id:id}", cached(get_album), methods=["GET", "HEAD"]),
    Route("/api/library/artists", cached(list_artists, bypass=_personal), methods=["GET", "HEAD"]),
    Route("/api/library/artists/{artist_id:id}", cached(get_artist), methods=["GET", "HEAD"]),
    Route("/api/library/genres", cached(list_genres), methods=["GET", "HEAD"]),
]
