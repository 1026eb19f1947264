"""Personal mixes: ``GET /api/mixes`` (remade when a day old), ``POST /api/mixes/refresh`` (remade now).

How each mix is made: :mod:`sonantica_core.listening.mixes`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sonantica_core.http.middleware.access import current_user
from sonantica_core.http.openapi.docs import api_doc
from sonantica_core.http.util import core
from sonantica_core.listening.mixes import refresh_mixes, user_mixes

TAGS = ["mixes"]


class MixTrack(BaseModel):
    track_id: int
    title: str
    artist: str | None
    duration: float | None
    reason: str | None = Field(description="Why the track is in the mix.")


class PersonalMixShape(BaseModel):
    kind: str = Field(description="`on-repeat`, `forgotten-favourites` or `discover`.")
    name: str
    playlist_id: int = Field(description="The mix is this playlist of yours (every client shows it).")
    generated_at: str
    method: str = Field(description="How the mix was made.")
    tracks: list[MixTrack]


class MixList(BaseModel):
    mixes: list[PersonalMixShape]


class Refreshed(MixList):
    remade: list[str]


@api_doc(
    "Your personal mixes",
    description=(
        "On repeat, forgotten favourites and discover, made from your own plays, each with how it was made "
        "and why each track is there. A mix older than a day is remade first."
    ),
    tags=TAGS,
    response=MixList,
)
async def list_mixes(request: Request) -> Response:
    mixes: list[dict[str, Any]] = await user_mixes(core(request), current_user(request).id)
    return JSONResponse({"mixes": mixes})


@api_doc("Remake your personal mixes now", tags=TAGS, response=Refreshed, body=None)
async def refresh(request: Request) -> Response:
    ctx, user_id = core(request), current_user(request).id
    remade = await refresh_mixes(ctx, user_id, force=True)
    return JSONResponse({"remade": remade, "mixes": await user_mixes(ctx, user_id)})


routes = [
    Route("/api/mixes", list_mixes, methods=["GET"]),
    Route("/api/mixes/refresh", refresh, methods=["POST"]),
]
