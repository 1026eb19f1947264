"""Smart playlists: each user's own rules, evaluated live when read.

* ``GET /api/smart-playlists``: the caller's, by name
* ``POST /api/smart-playlists`` ``{name, description?, rules, sort?, order?, limit?}``
* ``POST /api/smart-playlists/preview`` ``{rules, sort?, order?, limit?}``: how many tracks, nothing stored
* ``POST /api/smart-playlists/import``: a Navidrome ``.nsp`` file's JSON as the body
* ``GET|PATCH|DELETE /api/smart-playlists/{id}`` (GET adds ``track_count`` and ``duration``)
* ``GET /api/smart-playlists/{id}/tracks?limit=&cursor=``: its tracks, a page at a time

Rules that name an unknown field, an operator the field does not take or a value of the
wrong type answer 422 with ``details``: ``[{"pointer": "/rules/all/0/field", "problem": ...}]``
(RFC 6901 pointers into the request body); nothing is stored. Another user's smart
playlist answers 404, as if it did not exist.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sonantica_core.auth.principal import Principal
from sonantica_core.db.userdata import SmartPlaylist
from sonantica_core.http.body import parse_id, read_json
from sonantica_core.http.errors import ApiError
from sonantica_core.http.middleware.access import current_user
from sonantica_core.http.models import api as m
from sonantica_core.http.models import library as schemas
from sonantica_core.http.openapi.docs import api_doc
from sonantica_core.http.params import parse_query
from sonantica_core.http.reading import FastJSONResponse, page_response, read_only, secret
from sonantica_core.http.util import core, iso
from sonantica_core.library import smartlists
from sonantica_core.library.cursor import CursorError
from sonantica_core.library.nsp import read_nsp
from sonantica_core.library.queries import SmartTracksQuery
from sonantica_core.library.rules import SORTS, RuleError, check_rules, check_sort

TAGS = ["smart playlists"]
_PLAYLIST = {"playlist_id": "The smart playlist's id."}
_INVALID = {
    400: "The body is not a JSON object",
    413: "The body is too large",
    422: "A rule or field is not valid: `details` points at each problem (`pointer`, `problem`)",
}
_RULES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": 'A group `{"all": [...]}` or `{"any": [...]}` of groups and conditions '
    '`{"field", "op", "value"}`; see docs/api.md.',
}
_DEFINITION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "description": {"type": ["string", "null"], "maxLength": 10000},
        "rules": _RULES_SCHEMA,
        "sort": {"type": "string", "enum": list(SORTS), "default": "title"},
        "order": {"type": "string", "enum": ["asc", "desc"], "default": "asc"},
        "limit": {"type": ["integer", "null"], "minimum": 1, "maximum": 100000},
    },
    "additionalProperties": False,
}
_NEW_SCHEMA = {**_DEFINITION_SCHEMA, "required": ["name", "rules"]}
_PREVIEW_SCHEMA = {**_DEFINITION_SCHEMA, "required": ["rules"]}
_NSP_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A Navidrome smart playlist file: name, comment, all|any, sort, order, limit.",
}


def _invalid(problems: list[tuple[str, str]]) -> ApiError:
    summary = "; ".join(f"{where or '/'}: {problem}" for where, problem in problems[:5])
    details = [{"pointer": where, "problem": problem} for where, problem in problems]
    return ApiError(422, f"the smart playlist is not valid: {summary}", details=details)


async def _object(request: Request) -> dict[str, Any]:
    data = await read_json(request)
    if not isinstance(data, dict):
        raise ApiError(400, "the request body must be a JSON object")
    return data


def _definition(data: dict[str, Any], *, partial: bool = False, need_name: bool = True) -> dict[str, Any]:
    """The body's fields, checked (only those given when ``partial``)."""
    problems: list[tuple[str, str]] = []
    out: dict[str, Any] = {}
    for key in data:
        if key not in _DEFINITION_SCHEMA["properties"]:
            problems.append(
                (f"/{key}", "unknown field; a smart playlist has name, description, rules, sort, order, limit")
            )
    if "name" in data or (need_name and not partial):
        name = data.get("name")
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 200:
            problems.append(("/name", "must be text of 1 to 200 characters"))
        else:
            out["name"] = name.strip()
    if "description" in data:
        description = data["description"]
        if description is not None and (not isinstance(description, str) or len(description) > 10_000):
            problems.append(("/description", "must be text of at most 10000 characters, or null"))
        else:
            out["description"] = description
    if "rules" in data or not partial:
        try:
            out["rules"] = check_rules(data.get("rules"), "/rules")
        except RuleError as exc:
            problems.extend(exc.problems)
    if not partial or {"sort", "order", "limit"} & data.keys():
        try:
            sort, order, limit = check_sort(data.get("sort", "title"), data.get("order", "asc"), data.get("limit"))
        except RuleError as exc:
            problems.extend(exc.problems)
        else:
            for key, value in (("sort", sort), ("order", order), ("limit", limit)):
                if key in data or not partial:
                    out[key] = value
    if problems:
        raise _invalid(problems)
    return out


def _as_definition(request: Request, user_id: int, values: dict[str, Any], seed: int = 0) -> smartlists.Definition:
    return smartlists.Definition(
        user_id=user_id,
        rules=values["rules"],
        sort=values.get("sort", "title"),
        order=values.get("order", "asc"),
        limit=values.get("limit"),
        seed=seed,
        default_model=getattr(core(request).settings, "similarity_model", None),
    )


def _of(request: Request, playlist: SmartPlaylist) -> smartlists.Definition:
    return _as_definition(
        request,
        playlist.user_id,
        {"rules": playlist.rules, "sort": playlist.sort, "order": playlist.sort_order, "limit": playlist.track_limit},
        seed=playlist.id,
    )


def _json(playlist: SmartPlaylist, counted: tuple[int, float | None] | None = None) -> dict[str, Any]:
    out = {
        "id": playlist.id,
        "name": playlist.name,
        "description": playlist.description,
        "rules": playlist.rules,
        "sort": playlist.sort,
        "order": playlist.sort_order,
        "limit": playlist.track_limit,
        "created_at": iso(playlist.created_at),
        "updated_at": iso(playlist.updated_at),
    }
    if counted is not None:
        out["track_count"], out["duration"] = counted
    return out


async def _own(session: Any, playlist_id: int, principal: Principal) -> SmartPlaylist:
    playlist = await session.get(SmartPlaylist, playlist_id)
    if playlist is None or playlist.user_id != principal.id:
        raise ApiError(404, "no such smart playlist")
    return playlist


async def _create(request: Request, principal: Principal, values: dict[str, Any]) -> Response:
    async with core(request).session() as session:
        playlist = SmartPlaylist(
            user_id=principal.id,
            name=values["name"],
            description=values.get("description"),
            rules=values["rules"],
            sort=values["sort"],
            sort_order=values["order"],
            track_limit=values["limit"],
        )
        session.add(playlist)
        await session.flush()
        await session.refresh(playlist)
    return JSONResponse(_json(playlist), status_code=201)


@api_doc(
    "List smart playlists",
    description="The caller's smart playlists, by name.",
    tags=TAGS,
    response=m.SmartPlaylistList,
)
async def smart_index(request: Request) -> Response:
    principal = current_user(request)
    query = (
        select(SmartPlaylist)
        .where(SmartPlaylist.user_id == principal.id)
        .order_by(func.lower(SmartPlaylist.name), SmartPlaylist.id)
    )
    async with core(request).session() as session:
        playlists = (await session.execute(query)).scalars().all()
    return JSONResponse({"smart_playlists": [_json(p) for p in playlists]})


@api_doc(
    "Create a smart playlist", tags=TAGS, body=_NEW_SCHEMA, response=m.SmartPlaylistInfo, status=201, responses=_INVALID
)
async def smart_create(request: Request) -> Response:
    principal = current_user(request)
    return await _create(request, principal, _definition(await _object(request)))


@api_doc(
    "Import a Navidrome smart playlist",
    description="The JSON of an `.nsp` file as the body. Fields and operators it has no equivalent for "
    "answer 422 with pointers into the file; nothing is stored.",
    tags=TAGS,
    body=_NSP_SCHEMA,
    response=m.SmartPlaylistInfo,
    status=201,
    responses=_INVALID,
)
async def smart_import(request: Request) -> Response:
    principal = current_user(request)
    try:
        values = read_nsp(await read_json(request))
    except RuleError as exc:
        raise _invalid(exc.problems) from None
    return await _create(request, principal, values)


@api_doc(
    "Preview a smart playlist",
    description="How many tracks rules match now, and their duration; nothing is stored.",
    tags=TAGS,
    body=_PREVIEW_SCHEMA,
    response=m.SmartPreview,
    responses=_INVALID,
)
async def smart_preview(request: Request) -> Response:
    principal = current_user(request)
    values = _definition(await _object(request), need_name=False)
    async with read_only(request) as conn:
        total, duration = await smartlists.count(conn, _as_definition(request, principal.id, values))
    return JSONResponse({"track_count": total, "duration": duration})


@api_doc(
    "A smart playlist",
    description="Its definition, with how many tracks it has now.",
    tags=TAGS,
    path=_PLAYLIST,
    response=m.SmartPlaylistInfo,
    responses={404: "No such smart playlist (or another user's)"},
)
async def smart_show(request: Request) -> Response:
    principal = current_user(request)
    playlist_id = parse_id(request.path_params["playlist_id"], "smart playlist")
    async with core(request).session() as session:
        playlist = await _own(session, playlist_id, principal)
    async with read_only(request) as conn:
        counted = await smartlists.count(conn, _of(request, playlist))
    return JSONResponse(_json(playlist, counted))


@api_doc(
    "Change a smart playlist",
    description="Any of its fields; the others stay.",
    tags=TAGS,
    path=_PLAYLIST,
    body=_DEFINITION_SCHEMA,
    response=m.SmartPlaylistInfo,
    responses={**_INVALID, 404: "No such smart playlist (or another user's)"},
)
async def smart_update(request: Request) -> Response:
    principal = current_user(request)
    playlist_id = parse_id(request.path_params["playlist_id"], "smart playlist")
    values = _definition(await _object(request), partial=True)
    async with core(request).session() as session:
        playlist = await _own(session, playlist_id, principal)
        for key, column in (
            ("name", "name"),
            ("description", "description"),
            ("rules", "rules"),
            ("sort", "sort"),
            ("order", "sort_order"),
            ("limit", "track_limit"),
        ):
            if key in values:
                setattr(playlist, column, values[key])
        playlist.updated_at = func.now()
        await session.flush()
        await session.refresh(playlist)
    return JSONResponse(_json(playlist))


@api_doc(
    "Delete a smart playlist",
    tags=TAGS,
    path=_PLAYLIST,
    response=None,
    status=204,
    responses={404: "No such smart playlist (or another user's)"},
)
async def smart_delete(request: Request) -> Response:
    principal = current_user(request)
    playlist_id = parse_id(request.path_params["playlist_id"], "smart playlist")
    async with core(request).session() as session:
        await _own(session, playlist_id, principal)
        await session.execute(delete(SmartPlaylist).where(SmartPlaylist.id == playlist_id))
    return Response(status_code=204)


@api_doc(
    "A smart playlist's tracks",
    description="The tracks its rules match now, in its order, a page at a time (`next` link).",
    tags=TAGS,
    path=_PLAYLIST,
    query=SmartTracksQuery,
    response=schemas.TrackPage,
    responses={400: "The cursor cannot be used", 404: "No such smart playlist (or another user's)"},
)
async def smart_tracks(request: Request) -> Response:
    principal = current_user(request)
    playlist_id = parse_id(request.path_params["playlist_id"], "smart playlist")
    query = parse_query(SmartTracksQuery, request)
    async with core(request).session() as session:
        playlist = await _own(session, playlist_id, principal)
    # The cursor belongs to this version of the playlist: a changed playlist starts again.
    name = f"{smartlists.listing(playlist.id)}:{playlist.updated_at.timestamp()}"
    async with read_only(request) as conn:
        try:
            items, next_cursor = await smartlists.page(
                conn,
                _of(request, playlist),
                limit=query.limit,
                cursor=query.cursor,
                secret=secret(request),
                listing_name=name,
            )
        except CursorError as exc:
            raise ApiError(400, f"cursor: {exc}", code="bad_cursor") from None
    response: FastJSONResponse = page_response(request, items, next_cursor, query.limit)
    return response


routes = [
    Route("/api/smart-playlists", smart_index, methods=["GET"]),
    Route("/api/smart-playlists", smart_create, methods=["POST"]),
    Route("/api/smart-playlists/preview", smart_preview, methods=["POST"]),
    Route("/api/smart-playlists/import", smart_import, methods=["POST"]),
    Route("/api/smart-playlists/{playlist_id:id}", smart_show, methods=["GET"]),
    Route("/api/smart-playlists/{playlist_id:id}", smart_update, methods=["PATCH"]),
    Route("/api/smart-playlists/{playlist_id:id}", smart_delete, methods=["DELETE"]),
    Route("/api/smart-playlists/{playlist_id:id}/tracks", smart_tracks, methods=["GET"]),
]
