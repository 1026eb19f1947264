"""``/api/library``: tracks, albums, artists and genres, listed and in detail.

Listings page with keyset cursors (``limit`` ≤ 500, ``next`` link), so the last page
of a large library costs what the first does. Items carry links to their stream,
cover and waveform; durations are seconds. See ``docs/api.md``. Answers are kept in
the per-process response cache (:mod:`sonantica_core.http.responsecache`) until the
library changes, with an ``ETag``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from sonantica_core.http.errors import ApiError
from sonantica_core.http.models import library as schemas
from sonantica_core.http.openapi.docs import api_doc
from sonantica_core.http.params import parse_query
from sonantica_core.http.reading import FastJSONResponse, page_response, path_id, position, read_only, secret
from sonantica_core.http.responsecache import cached
from sonantica_core.http.util import core
from sonantica_core.library import albums, artists, genres, tracks
from sonantica_core.library.queries import (
    AlbumListQuery,
    ArtistListQuery,
    GenreListQuery,
    TrackListQuery,
)

TAGS = ["library"]
_LIST_ERRORS = {400: "The cursor cannot be used (damaged, or from another listing or order)"}


@api_doc(
    "List tracks",
    description="Tracks of the library, filtered and sorted, a page at a time.",
    tags=TAGS,
    query=TrackListQuery,
    response=schemas.TrackPage,
    responses=_LIST_ERRORS,
    headers={"Link": 'The next page, as <url>; rel="next" (absent on the last page).'},
)
async def list_tracks(request: Request) -> FastJSONResponse:
    query = parse_query(TrackListQuery, request)
    start = position(request, tracks.listing_name(query), tracks.ORDERINGS[query.sort], query.cursor)
    async with read_only(request) as conn:
        items, next_cursor = await tracks.list_tracks(conn, query, start, secret(request))
    return page_response(request, items, next_cursor, query.limit)


@api_doc(
    "A track",
    description="Everything about one track: tags, technical details, credits, analysis and links.",
    tags=TAGS,
    path={"track_id": "The track's id."},
    response=schemas.TrackDetail,
    responses={404: "No such track in the library"},
)
async def get_track(request: Request) -> FastJSONResponse:
    track_id = path_id(request, "track_id", "track")
    async with read_only(request) as conn:
        track = await tracks.get_track(conn, track_id)
    if track is None:
        raise ApiError(404, f"no track with id {track_id} in the library")
    return FastJSONResponse(track)


@api_doc(
    "List albums",
    description="Albums with at least one track in the library, filtered and sorted, a page at a time.",
    tags=TAGS,
    query=AlbumListQuery,
    response=schemas.AlbumPage,
    responses=_LIST_ERRORS,
    headers={"Link": 'The next page, as <url>; rel="next" (absent on the last page).'},
)
async def list_albums(request: Request) -> FastJSONResponse:
    query = parse_query(AlbumListQuery, request)
    start = position(request, f"albums:{query.sort}:{query.order}", albums.ORDERINGS[query.sort], query.cursor)
    async with read_only(request) as conn:
        items, next_cursor = await albums.list_albums(conn, query, start, secret(request))
    return page_response(request, items, next_cursor, query.limit)


@api_doc(
    "An album",
    description="An album with its tracks in disc and track order.",
    tags=TAGS,
    path={"album_id": "The album's id."},
    response=schemas.AlbumDetail,
    responses={404: "No such album in the library"},
)
async def get_album(request: Request) -> FastJSONResponse:
    album_id = path_id(request, "album_id", "album")
    async with read_only(request) as conn:
        album = await albums.get_album(conn, album_id)
    if album is None:
        raise ApiError(404, f"no album with id {album_id} in the library")
    return FastJSONResponse(album)


@api_doc(
    "List artists",
    description="Artists with something in the library, by name, a page at a time.",
    tags=TAGS,
    query=ArtistListQuery,
    response=schemas.ArtistPage,
    responses=_LIST_ERRORS,
    headers={"Link": 'The next page, as <url>; rel="next" (absent on the last page).'},
)
async def list_artists(request: Request) -> FastJSONResponse:
    query = parse_query(ArtistListQuery, request)
    listing = f"artists:{query.sort}:{query.order}:{query.role}"
    start = position(request, listing, artists.ORDERINGS[query.sort], query.cursor)
    async with read_only(request) as conn:
        items, next_cursor = await artists.list_artists(conn, query, start, secret(request))
    return page_response(request, items, next_cursor, query.limit)


@api_doc(
    "An artist",
    description="An artist with their albums, and the albums (compilations, other artists' albums) they appear on.",
    tags=TAGS,
    path={"artist_id": "The artist's id."},
    response=schemas.ArtistDetail,
    responses={404: "No such artist in the library"},
)
async def get_artist(request: Request) -> FastJSONResponse:
    artist_id = path_id(request, "artist_id", "artist")
    async with read_only(request) as conn:
        artist = await artists.get_artist(conn, artist_id)
    if artist is None:
        raise ApiError(404, f"no artist with id {artist_id} in the library")
    return FastJSONResponse(artist)


@api_doc(
    "List genres",
    description="Genres of the tracks in the library, with how many tracks and albums each has.",
    tags=TAGS,
    query=GenreListQuery,
    response=schemas.GenrePage,
    responses=_LIST_ERRORS,
    headers={"Link": 'The next page, as <url>; rel="next" (absent on the last page).'},
)
async def list_genres(request: Request) -> FastJSONResponse:
    query = parse_query(GenreListQuery, request)
    start = position(request, f"genres:{query.sort}:{query.order}", genres.ORDERINGS[query.sort], query.cursor)
    async with read_only(request) as conn:
        items, next_cursor = await genres.list_genres(conn, query, start, secret(request), core(request).extras)
    return page_response(request, items, next_cursor, query.limit)


routes = [
    Route("/api/library/tracks", cached(list_tracks), methods=["GET", "HEAD"]),
    Route("/api/library/tracks/{track_id:int}", cached(get_track), methods=["GET", "HEAD"]),
    Route("/api/library/albums", cached(list_albums), methods=["GET", "HEAD"]),
    Route("/api/library/albums/{album_id:int}", cached(get_album), methods=["GET", "HEAD"]),
    Route("/api/library/artists", cached(list_artists), methods=["GET", "HEAD"]),
    Route("/api/library/artists/{artist_id:int}", cached(get_artist), methods=["GET", "HEAD"]),
    Route("/api/library/genres", cached(list_genres), methods=["GET", "HEAD"]),
]
