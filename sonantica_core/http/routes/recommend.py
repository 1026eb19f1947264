"""Sound similarity and recommendations; every answer says why (``why``) and scores 0–1.

* ``GET /api/tracks/{id}/similar?limit=&model=``: tracks like it (sound, and your plays)
* ``POST /api/radio`` ``{seed: {kind, id}, window?, tempo?}``; ``GET /api/radio/{id}/next?n=``;
  ``POST /api/radio/{id}/feedback`` ``{track_id, action: skip|like}``
* ``GET /api/path?from=&to=&steps=``: a sonic path from one track to another
* ``GET /api/tracks/{id}/harmonic?limit=``: tracks to mix into it (key and tempo)
* ``POST /api/alchemy`` ``{include: [...], exclude: [...], limit?, temperature?, seed?}``
* ``GET /api/tracks/{id}/listened-together?limit=``: from your own plays

Scores of sound similarity are ``1 - cosine distance / 2``: 1.0 is the same recording (what
the OpenSubsonic ``sonicSimilarity`` extension passes on). Answers come from the
recommender plugins (``register_recommenders``), merged with ``RECOMMEND_WEIGHTS``. A radio
session belongs to the user who started it (another user's answers 404).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sonantica_core.contract import RecommendationSeed
from sonantica_core.http.body import parse_body, parse_id
from sonantica_core.http.errors import ApiError
from sonantica_core.http.middleware.access import current_user
from sonantica_core.http.models.library import TrackItem
from sonantica_core.http.openapi.docs import api_doc
from sonantica_core.http.params import parse_query
from sonantica_core.http.reading import FastJSONResponse, path_id, read_only
from sonantica_core.http.util import core
from sonantica_core.recommend import radio
from sonantica_core.recommend.alchemy import alchemy
from sonantica_core.recommend.merge import Recommendation
from sonantica_core.recommend.present import recommendation_items, track_items
from sonantica_core.recommend.seeds import seed_tracks
from sonantica_core.recommend.service import first_answer, recommend

TAGS = ["recommendations"]
_TRACK = {"track_id": "The track's id."}
_MODEL = r"^[A-Za-z0-9_.:/@+-]{1,100}$"


class Recommended(BaseModel):
    track: TrackItem
    score: float = Field(description="0–1, best first; for sound similarity 1.0 is the same recording.")
    why: list[str] = Field(description="Why it is here, one reason per recommender that proposed it.")
    sources: dict[str, float] = Field(description="Each proposing recommender's own score.")


class RecommendedList(BaseModel):
    tracks: list[Recommended]


class SimilarQuery(BaseModel):
    limit: int = Field(20, ge=1, le=200)
    model: str | None = Field(None, pattern=_MODEL, description="Embedding model (default SIMILARITY_MODEL).")


class LimitQuery(BaseModel):
    limit: int = Field(20, ge=1, le=200)


class Seed(BaseModel):
    kind: Literal["track", "album", "artist", "playlist", "smart_playlist"]
    id: int = Field(ge=1)


class RadioBody(BaseModel):
    seed: Seed
    window: int = Field(radio.DEFAULT_WINDOW, ge=1, le=500, description="No track repeats within this many.")
    tempo: bool = Field(False, description="Prefer tracks near the last one's tempo.")


class RadioSession(BaseModel):
    id: str
    seed: Seed
    seed_tracks: int
    window: int
    tempo: bool


class NextQuery(BaseModel):
    n: int = Field(10, ge=1, le=50)


class FeedbackBody(BaseModel):
    track_id: int = Field(ge=1)
    action: Literal["skip", "like"]


class PathQuery(BaseModel):
    from_: int = Field(alias="from", ge=1, description="The first track's id.")
    to: int = Field(ge=1, description="The last track's id.")
    steps: int = Field(8, ge=1, le=50, description="Moves from the first to the last track (at most steps + 1 tracks).")


class PathAnswer(BaseModel):
    tracks: list[Recommended]
    recommender: str | None


class AlchemyBody(BaseModel):
    include: list[Seed] = Field(min_length=1, max_length=50)
    exclude: list[Seed] = Field(default_factory=list, max_length=50)
    limit: int = Field(25, ge=1, le=200)
    temperature: float = Field(0.0, ge=0.0, le=5.0, description="0: the best; more: more variety.")
    seed: int | None = Field(None, description="Makes a draw with temperature repeatable.")


async def _answer(request: Request, found: list[Recommendation]) -> FastJSONResponse:
    async with read_only(request) as conn:
        return FastJSONResponse({"tracks": await recommendation_items(conn, found)})


async def _present_track(request: Request, track_id: int) -> None:
    async with read_only(request) as conn:
        if not await track_items(conn, [track_id]):
            raise ApiError(404, f"no track with id {track_id} in the library")


async def _for_track(request: Request, purpose: str, query: type[LimitQuery] | type[SimilarQuery]) -> Response:
    track_id = path_id(request, "track_id", "track")
    parsed: Any = parse_query(query, request)
    await _present_track(request, track_id)
    seed = RecommendationSeed(
        user_id=current_user(request).id, track_id=track_id, limit=parsed.limit, purpose=purpose,
        model=getattr(parsed, "model", None),
    )
    return await _answer(request, await recommend(core(request), seed))


@api_doc(
    "Tracks that sound like this one",
    description="The nearest tracks in the similarity model's space, merged with the other recommenders "
    "(tracks you play in the same sessions); `score` 1.0 is the same recording.",
    tags=TAGS, path=_TRACK, query=SimilarQuery, response=RecommendedList, responses={404: "No such track"},
)
async def similar(request: Request) -> Response:
    return await _for_track(request, "similar", SimilarQuery)


@api_doc(
    "Tracks to mix into this one",
    description="Camelot-compatible keys (same, one step around the wheel, relative) and tempi within 6 % "
    "(or half or double), those that sound most alike first.",
    tags=TAGS, path=_TRACK, query=LimitQuery, response=RecommendedList, responses={404: "No such track"},
)
async def harmonic(request: Request) -> Response:
    return await _for_track(request, "harmonic", LimitQuery)


@api_doc(
    "Tracks you play together with this one",
    description="From your own play history: tracks played within 30 minutes of a play of this one.",
    tags=TAGS, path=_TRACK, query=LimitQuery, response=RecommendedList, responses={404: "No such track"},
)
async def listened_together(request: Request) -> Response:
    return await _for_track(request, "together", LimitQuery)


async def _seed_ids(request: Request, seeds: list[Seed]) -> list[int]:
    ctx, user_id = core(request), current_user(request).id
    found: list[int] = []
    async with read_only(request) as conn:
        for seed in seeds:
            ids = await seed_tracks(conn, seed.kind, seed.id, user_id, similarity_model=ctx.settings.similarity_model)
            if not ids:
                raise ApiError(404, f"no {seed.kind.replace('_', ' ')} with id {seed.id} that has tracks")
            found.extend(ids)
    return list(dict.fromkeys(found))


def _session(state: radio.RadioState) -> dict[str, Any]:
    return {"id": state.id, "seed": state.seed, "seed_tracks": len(state.seeds), "window": state.window,
            "tempo": state.tempo}


@api_doc(
    "Start a radio",
    description="An endless queue from a track, album, artist, playlist or smart playlist: no repeats within "
    "`window`, artists and albums spread out, each track near the seed and the last one; skips steer away.",
    tags=TAGS, body=RadioBody, response=RadioSession, status=201, responses={404: "No such seed"},
)
async def start_radio(request: Request) -> Response:
    body = await parse_body(request, RadioBody)
    ids = await _seed_ids(request, [body.seed])
    state = await radio.create(
        core(request), current_user(request).id, body.seed.model_dump(), ids, window=body.window, tempo=body.tempo
    )
    return FastJSONResponse(_session(state), status_code=201)


async def _radio(request: Request) -> radio.RadioState:
    state = await radio.load(core(request), request.path_params["radio_id"], current_user(request).id)
    if state is None:
        raise ApiError(404, "no such radio (it may have expired)")
    return state


_RADIO = {"radio_id": "The radio's id (from POST /api/radio)."}


@api_doc(
    "The next tracks of a radio", tags=TAGS, path=_RADIO, query=NextQuery, response=RecommendedList,
    responses={404: "No such radio"},
)
async def radio_next(request: Request) -> Response:
    parsed = parse_query(NextQuery, request)
    state = await _radio(request)
    return await _answer(request, await radio.next_tracks(core(request), state, parsed.n))


@api_doc(
    "Tell a radio you skipped or liked a track", tags=TAGS, path=_RADIO, body=FeedbackBody, response=RadioSession,
    responses={404: "No such radio"},
)
async def radio_feedback(request: Request) -> Response:
    state = await _radio(request)  # the radio first: a wrong id is a 404 whatever the body says
    body = await parse_body(request, FeedbackBody)
    await radio.feedback(core(request), state, body.track_id, body.action)
    return FastJSONResponse(_session(state))


@api_doc(
    "A sonic path from one track to another",
    description="`steps` moves through the similarity model's space from `from` to `to`, each a real track "
    "closer to `to` than the one before; the first is `from`, the last `to`.",
    tags=TAGS, query=PathQuery, response=PathAnswer, responses={404: "No such track, or no vectors for it"},
)
async def sonic_path(request: Request) -> Response:
    parsed = parse_query(PathQuery, request)
    start, end = parse_id(parsed.from_, "track"), parse_id(parsed.to, "track")
    for track_id in (start, end):
        await _present_track(request, track_id)
    seed = RecommendationSeed(
        user_id=current_user(request).id, track_id=start, purpose="path", limit=parsed.steps + 1,
        options={"to": end, "steps": parsed.steps},
    )
    answer = await first_answer(core(request), seed)
    if answer is None:
        raise ApiError(404, "no path: the tracks have no sound vectors yet (are they analysed?)")
    name, steps = answer
    found = [Recommendation(s.track_id, s.score, [s.reason] if s.reason else [], {name: s.score}) for s in steps]
    async with read_only(request) as conn:
        return FastJSONResponse({"tracks": await recommendation_items(conn, found), "recommender": name})


@api_doc(
    "Like these, but not like those",
    description="Tracks that sound like the included tracks, artists, albums or playlists and unlike the "
    "excluded ones (which never come back); `temperature` above 0 draws for variety.",
    tags=TAGS, body=AlchemyBody, response=RecommendedList, responses={404: "No such seed"},
)
async def post_alchemy(request: Request) -> Response:
    body = await parse_body(request, AlchemyBody)
    include = await _seed_ids(request, body.include)
    exclude = await _seed_ids(request, body.exclude) if body.exclude else []
    found = await alchemy(
        core(request), current_user(request).id, [t for t in include if t not in set(exclude)], exclude,
        limit=body.limit, temperature=body.temperature, seed=body.seed,
    )
    return await _answer(request, found)


routes = [
    Route("/api/tracks/{track_id:id}/similar", similar, methods=["GET"]),
    Route("/api/tracks/{track_id:id}/harmonic", harmonic, methods=["GET"]),
    Route("/api/tracks/{track_id:id}/listened-together", listened_together, methods=["GET"]),
    Route("/api/radio", start_radio, methods=["POST"]),
    Route("/api/radio/{radio_id}/next", radio_next, methods=["GET"]),
    Route("/api/radio/{radio_id}/feedback", radio_feedback, methods=["POST"]),
    Route("/api/path", sonic_path, methods=["GET"]),
    Route("/api/alchemy", post_alchemy, methods=["POST"]),
]
