"""Radio sessions: a seeded, endless queue per user, kept in Redis.

A session remembers its seed tracks, the last :attr:`RadioState.window` tracks it played
(none comes back inside that window), the artists and albums of the last few (the next
track is by another artist than the last :data:`ARTIST_SPREAD` and from another album than
the last :data:`ALBUM_SPREAD`, unless nothing else is left), and the tracks skipped (the
recommenders steer away from them). Each next track is asked of the recommenders with the
``radio`` purpose: near the seeds and the last track. With ``tempo`` on, tracks within 8 %
of the last track's tempo (or its half or double) go first.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select

from sonantica_core.context import CoreContext
from sonantica_core.contract import RecommendationSeed
from sonantica_core.db.analysis import TrackAudioFeatures
from sonantica_core.db.library import Track
from sonantica_core.recommend.merge import Recommendation
from sonantica_core.recommend.service import recommend

#: A session lives this long after its last use.
SESSION_TTL = 24 * 3600
DEFAULT_WINDOW = 50
ARTIST_SPREAD = 3
ALBUM_SPREAD = 5
MAX_SKIPPED = 20
MAX_SEEDS = 50
#: Candidates asked for per next track.
CANDIDATES = 40
TEMPO_SPAN = 0.08


@dataclass
class RadioState:
    """What one session remembers (stored as JSON under ``sonantica:radio:<id>``)."""

    id: str
    user_id: int
    seed: dict[str, Any]
    seeds: list[int]
    window: int = DEFAULT_WINDOW
    tempo: bool = False
    recent: list[int] = field(default_factory=list)
    artists: list[str] = field(default_factory=list)
    albums: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    last: int | None = None
    played: int = 0


def _key(session_id: str) -> str:
    return f"sonantica:radio:{session_id}"


async def create(
    ctx: CoreContext, user_id: int, seed: dict[str, Any], seeds: Sequence[int], *, window: int = DEFAULT_WINDOW,
    tempo: bool = False,
) -> RadioState:
    """Start a session for ``user_id`` from ``seeds`` (the seed's tracks; they count as played)."""
    state = RadioState(
        id=secrets.token_urlsafe(12), user_id=user_id, seed=seed, seeds=list(seeds)[:MAX_SEEDS], window=window,
        tempo=tempo, recent=list(seeds)[-window:], last=seeds[0] if seeds else None,
    )
    if state.last is not None:  # the seed track plays first: the next one is by someone else
        artist, album, _ = (await _details(ctx, [state.last])).get(state.last, ("", None, None))
        state.artists, state.albums = [artist], [album if album is not None else -state.last]
    await save(ctx, state)
    return state


async def save(ctx: CoreContext, state: RadioState) -> None:
    await ctx.redis.set(_key(state.id), json.dumps(asdict(state)), ex=SESSION_TTL)


async def load(ctx: CoreContext, session_id: str, user_id: int) -> RadioState | None:
    """The session, None when it is gone or another user's."""
    raw = await ctx.redis.get(_key(session_id))
    if raw is None:
        return None
    state = RadioState(**json.loads(raw))
    return state if state.user_id == user_id else None


async def feedback(ctx: CoreContext, state: RadioState, track_id: int, action: str) -> None:
    """``skip``: steer away from the track; ``like``: add it to the seeds."""
    if action == "skip":
        state.skipped = [*[t for t in state.skipped if t != track_id][-(MAX_SKIPPED - 1):], track_id]
    elif action == "like":
        state.seeds = [*[t for t in state.seeds if t != track_id], track_id][-MAX_SEEDS:]
        state.skipped = [t for t in state.skipped if t != track_id]
    else:
        raise ValueError(f"feedback is 'skip' or 'like', not {action!r}")
    await save(ctx, state)


@dataclass(frozen=True, slots=True)
class _Candidate:
    found: Recommendation
    artist: str
    album: int | None
    bpm: float | None


async def _details(ctx: CoreContext, ids: Sequence[int]) -> dict[int, tuple[str, int | None, float | None]]:
    async with ctx.session() as session:
        rows = await session.execute(
            select(Track.id, Track.artist, Track.album_id, TrackAudioFeatures.bpm)
            .outerjoin(TrackAudioFeatures, TrackAudioFeatures.track_id == Track.id)
            .where(Track.id.in_(list(ids)), Track.removed_at.is_(None))
        )
        return {row.id: ((row.artist or "").casefold(), row.album_id, row.bpm) for row in rows}


def _tempo_fits(last_bpm: float | None, bpm: float | None) -> bool:
    if not last_bpm or not bpm:
        return False
    return min(abs(bpm / (last_bpm * f) - 1.0) for f in (0.5, 1.0, 2.0)) <= TEMPO_SPAN


def _choose(state: RadioState, candidates: list[_Candidate], last_bpm: float | None) -> _Candidate | None:
    artists, albums = set(state.artists[-ARTIST_SPREAD:]), set(state.albums[-ALBUM_SPREAD:])
    tiers = [
        [c for c in candidates if c.artist not in artists and c.album not in albums],
        [c for c in candidates if c.artist not in artists],
        candidates,
    ]
    for tier in tiers:
        if not tier:
            continue
        if state.tempo and last_bpm:
            steady = [c for c in tier if _tempo_fits(last_bpm, c.bpm)]
            if steady:
                return steady[0]
        return tier[0]
    return None


async def next_tracks(ctx: CoreContext, state: RadioState, n: int) -> list[Recommendation]:
    """The next ``n`` tracks of the session (fewer when the recommenders run out); remembered as played."""
    chosen: list[Recommendation] = []
    last_bpm: float | None = None
    if state.tempo and state.last is not None:
        last_bpm = (await _details(ctx, [state.last])).get(state.last, ("", None, None))[2]
    for _ in range(n):
        seed = RecommendationSeed(
            user_id=state.user_id, purpose="radio", track_ids=tuple(state.seeds), avoid_ids=tuple(state.skipped),
            exclude_ids=tuple(state.recent[-state.window:]), limit=CANDIDATES,
            options={"last": state.last, "tempo": state.tempo},
        )
        found = [r for r in await recommend(ctx, seed) if r.track_id not in state.recent[-state.window:]]
        details = await _details(ctx, [r.track_id for r in found])
        candidates = [_Candidate(r, *details[r.track_id]) for r in found if r.track_id in details]
        pick = _choose(state, candidates, last_bpm)
        if pick is None:
            break
        chosen.append(pick.found)
        state.recent = [*state.recent, pick.found.track_id][-state.window:]
        state.artists = [*state.artists, pick.artist][-ARTIST_SPREAD:]
        album = pick.album if pick.album is not None else -pick.found.track_id  # no album: its own
        state.albums = [*state.albums, album][-ALBUM_SPREAD:]
        state.last, state.played = pick.found.track_id, state.played + 1
        last_bpm = pick.bpm or last_bpm
    await save(ctx, state)
    return chosen
