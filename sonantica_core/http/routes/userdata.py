"""Stars and ratings: each user's own, of tracks, albums and artists.

* ``PUT /api/{tracks|albums|artists}/{id}/star``: star it (starring again keeps the first time)
* ``DELETE /api/{tracks|albums|artists}/{id}/star``: take the star away
* ``PUT /api/{tracks|albums|artists}/{id}/rating`` ``{"rating": 0-5}`` (0 clears it)
* ``DELETE /api/{tracks|albums|artists}/{id}/rating``: clear the rating
* ``GET /api/{tracks|albums|artists}/{id}/annotation``: the caller's star and rating

Each answers the item's marks, ``{"type", "id", "starred", "starred_at", "rating"}``.
An id the library does not have answers 404 and changes nothing. Lists filter and sort
by them: ``GET /api/library/tracks?starred=true&rating_min=4&sort=starred``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sonantica_core.contract import Annotation
from sonantica_core.http.body import Body, parse_body, parse_id
from sonantica_core.http.errors import ApiError
from sonantica_core.http.middleware.access import current_user
from sonantica_core.http.models import api as m
from sonantica_core.http.openapi.docs import api_doc
from sonantica_core.http.util import core, iso
from sonantica_core.library import userdata

TAGS = ["stars and ratings"]
Endpoint = Callable[[Request], Awaitable[Response]]


class RatingBody(Body):
    rating: Annotated[int, Field(ge=0, le=5, description="1 to 5 stars; 0 clears the rating.")]


def annotation_json(mark: Annotation) -> dict[str, Any]:
    """The API's shape of one item's marks."""
    return {
        "type": mark.kind,
        "id": mark.item_id,
        "starred": mark.starred,
        "starred_at": iso(mark.starred_at),
        "rating": mark.rating,
    }


def _endpoint(kind: userdata.Kind, action: str) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        principal = current_user(request)
        item_id = parse_id(request.path_params["item_id"], kind)
        rating = (await parse_body(request, RatingBody)).rating if action == "rate" else 0
        async with core(request).session() as session:
            if not await userdata.item_exists(session, kind, item_id):
                raise ApiError(404, f"no {kind} with id {item_id} in the library")
            if action == "star":
                mark = await userdata.star(session, principal.id, kind, item_id)
            elif action == "unstar":
                mark = await userdata.unstar(session, principal.id, kind, item_id)
            elif action in ("rate", "unrate"):
                mark = await userdata.set_rating(session, principal.id, kind, item_id, rating)
            else:
                mark = await userdata.annotation(session, principal.id, kind, item_id)
        if action != "show":
            await userdata.data_changed(core(request), principal.id)
        return JSONResponse(annotation_json(mark))

    endpoint.__name__ = endpoint.__qualname__ = f"{action}_{kind}"
    summaries = {
        "star": f"Star a {kind}",
        "unstar": f"Take a {kind}'s star away",
        "rate": f"Rate a {kind}",
        "unrate": f"Clear a {kind}'s rating",
        "show": f"One's star and rating of a {kind}",
    }
    return api_doc(
        summaries[action],
        description="The caller's own marks; other users' are never shown or changed.",
        tags=TAGS,
        path={"item_id": f"The {kind}'s id."},
        body=RatingBody if action == "rate" else None,
        response=m.AnnotationInfo,
        responses={404: f"No such {kind} in the library"},
    )(endpoint)


routes = [
    route
    for kind in ("track", "album", "artist")
    for route in (
        Route(f"/api/{kind}s/{{item_id:id}}/star", _endpoint(kind, "star"), methods=["PUT"]),
        Route(f"/api/{kind}s/{{item_id:id}}/star", _endpoint(kind, "unstar"), methods=["DELETE"]),
        Route(f"/api/{kind}s/{{item_id:id}}/rating", _endpoint(kind, "rate"), methods=["PUT"]),
        Route(f"/api/{kind}s/{{item_id:id}}/rating", _endpoint(kind, "unrate"), methods=["DELETE"]),
        Route(f"/api/{kind}s/{{item_id:id}}/annotation", _endpoint(kind, "show"), methods=["GET"]),
    )
]
