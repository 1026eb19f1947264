"""Personal mixes: three playlists per user, made from their own plays, remade once a day.

* **On repeat**: the tracks played most in the last :data:`RECENT_DAYS` days (at least twice).
* **Forgotten favourites**: favourites (:func:`~sonantica_core.listening.favourites.loved_tracks`)
  not played for :data:`FORGOTTEN_DAYS` days, most loved first.
* **Discover**: tracks never played by the user that sound like their favourites: the nearest
  neighbours of the favourites' embeddings for the library's embedding model (the model with the
  most vectors) when the favourites have vectors; otherwise present tracks by the artists, then
  of the genres, the user plays most.

Each mix is an ordinary playlist of the user (every client shows it) whose ``personal_mixes``
row says how it was made (``method``) and why each track is in it (``reasons``). A mix older
than :data:`STALE_AFTER` is remade by the workers' periodic task
(:mod:`sonantica_core.listening.tasks`) or when it is asked for, whichever comes first;
remaking replaces the playlist's tracks, and a user who deleted a mix's playlist gets a new one.
Only the user's own history is read: nothing of another user's plays goes into their mixes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from sonantica_core.db.embeddings import nearest_tracks
from sonantica_core.db.library import Track
from sonantica_core.db.playback import PersonalMix, Playlist, PlaylistTrack
from sonantica_core.listening.favourites import loved_tracks

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext

MIX_KINDS: tuple[str, ...] = ("on-repeat", "forgotten-favourites", "discover")
NAMES = {"on-repeat": "On repeat", "forgotten-favourites": "Forgotten favourites", "discover": "Discover"}
MIX_SIZE = 30
RECENT_DAYS = 30
FORGOTTEN_DAYS = 60
STALE_AFTER = dt.timedelta(days=1)
#: Favourites whose neighbours "discover" looks at, and neighbours asked for per favourite.
SEEDS = 10
NEIGHBOURS = 15
_LOCK_CLASS = 0x5EED  # pg_advisory_xact_lock(class, user id): one remake per user at a time


@dataclass
class Mix:
    """A mix as made: its tracks in order, each with its reason, and how it was made."""

    kind: str
    method: str
    tracks: list[tuple[int, str]] = field(default_factory=list)


_ON_REPEAT = text("""
SELECT h.track_id, count(*) AS plays
FROM playback_history h JOIN tracks t ON t.id = h.track_id AND t.removed_at IS NULL
WHERE h.user_id = :user AND h.played_at >= :since AND NOT h.skipped
GROUP BY h.track_id HAVING count(*) >= 2
ORDER BY plays DESC, max(h.played_at) DESC, h.track_id
LIMIT :limit
""")

_LAST_PLAYED = text("""
SELECT track_id, max(played_at) AS last_play
FROM playback_history WHERE user_id = :user AND track_id = ANY(:ids)
GROUP BY track_id
""")

_PLAYED = text("SELECT DISTINCT track_id FROM playback_history WHERE user_id = :user")

_MODEL = text("""
SELECT model FROM track_embeddings WHERE embedding_type = 'audio'
GROUP BY model ORDER BY count(*) DESC, model LIMIT 1
""")

_SEED_VECTORS = text("""
SELECT track_id, vector::text AS vector FROM track_embeddings
WHERE model = :model AND embedding_type = 'audio' AND track_id = ANY(:ids)
""")

_BY_ARTISTS = text("""
WITH liked AS (
    SELECT ta.artist_id, sum(w.plays) AS weight
    FROM unnest(CAST(:ids AS bigint[]), CAST(:weights AS bigint[])) AS w(track_id, plays)
    JOIN track_artists ta ON ta.track_id = w.track_id
    GROUP BY ta.artist_id
)
SELECT DISTINCT ON (t.id) t.id AS track_id, a.name AS artist, l.weight
FROM liked l JOIN track_artists ta ON ta.artist_id = l.artist_id JOIN tracks t ON t.id = ta.track_id
JOIN artists a ON a.id = l.artist_id
WHERE t.removed_at IS NULL AND NOT (t.id = ANY(:played))
ORDER BY t.id, l.weight DESC
""")

_BY_GENRES = text("""
WITH liked AS (
    SELECT tg.genre_id, sum(w.plays) AS weight
    FROM unnest(CAST(:ids AS bigint[]), CAST(:weights AS bigint[])) AS w(track_id, plays)
    JOIN track_genres tg ON tg.track_id = w.track_id
    GROUP BY tg.genre_id
)
SELECT DISTINCT ON (t.id) t.id AS track_id, g.name AS genre, l.weight
FROM liked l JOIN track_genres tg ON tg.genre_id = l.genre_id JOIN tracks t ON t.id = tg.track_id
JOIN genres g ON g.id = l.genre_id
WHERE t.removed_at IS NULL AND NOT (t.id = ANY(:played))
ORDER BY t.id, l.weight DESC
""")


async def _titles(session: AsyncSession, ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
    rows = await session.execute(select(Track.id, Track.title, Track.artist).where(Track.id.in_(list(ids))))
    return {row.id: (row.title, row.artist) for row in rows}


def _label(titles: dict[int, tuple[str, str | None]], track_id: int) -> str:
    title, artist = titles.get(track_id, ("?", None))
    return f"«{title}»" + (f" by {artist}" if artist else "")


async def on_repeat(session: AsyncSession, user_id: int, now: dt.datetime) -> Mix:
    rows = (
        await session.execute(
            _ON_REPEAT, {"user": user_id, "since": now - dt.timedelta(days=RECENT_DAYS), "limit": MIX_SIZE}
        )
    ).all()
    method = f"The tracks you played most in the last {RECENT_DAYS} days (at least twice; skips do not count)."
    return Mix("on-repeat", method, [(r.track_id, f"played {r.plays} times in the last {RECENT_DAYS} days")
                                     for r in rows])


async def forgotten_favourites(session: AsyncSession, user_id: int, now: dt.datetime) -> Mix:
    loved = await loved_tracks(session, user_id)
    method = f"Favourites of yours that you have not played for {FORGOTTEN_DAYS} days, most loved first."
    if not loved:
        return Mix("forgotten-favourites", method)
    last = {
        row.track_id: row.last_play
        for row in await session.execute(_LAST_PLAYED, {"user": user_id, "ids": list(loved)})
    }
    cutoff = now - dt.timedelta(days=FORGOTTEN_DAYS)
    tracks = [
        (track_id, f"played {plays} times, last on {last[track_id].date().isoformat()}")
        for track_id, plays in loved.items()
        if track_id in last and last[track_id] < cutoff
    ]
    return Mix("forgotten-favourites", method, tracks[:MIX_SIZE])


async def _seeds(session: AsyncSession, user_id: int) -> dict[int, int]:
    """Favourites first, then the most played tracks (a new user has few favourites)."""
    seeds = dict(list((await loved_tracks(session, user_id, limit=SEEDS)).items()))
    if len(seeds) < SEEDS:
        rows = await session.execute(
            text(
                "SELECT track_id, count(*) AS plays FROM playback_history WHERE user_id = :user AND NOT skipped "
                "GROUP BY track_id ORDER BY plays DESC, track_id LIMIT :limit"
            ),
            {"user": user_id, "limit": SEEDS},
        )
        for row in rows:
            seeds.setdefault(row.track_id, row.plays)
    return dict(list(seeds.items())[:SEEDS])


async def discover(session: AsyncSession, user_id: int, now: dt.datetime) -> Mix:
    seeds = await _seeds(session, user_id)
    if not seeds:
        return Mix("discover", "Tracks you have never played that sound like your favourites (no plays yet).")
    played = list((await session.execute(_PLAYED, {"user": user_id})).scalars())
    model = (await session.execute(_MODEL)).scalar()
    if model is not None:
        vectors = (await session.execute(_SEED_VECTORS, {"model": model, "ids": list(seeds)})).all()
        if vectors:
            return await _by_sound(session, model, vectors, played)
    ids, weights = list(seeds), list(seeds.values())
    picked: dict[int, tuple[float, str]] = {}
    for row in await session.execute(_BY_ARTISTS, {"ids": ids, "weights": weights, "played": played}):
        picked[row.track_id] = (1000.0 + float(row.weight), f"by {row.artist}, whom you play often")
    for row in await session.execute(_BY_GENRES, {"ids": ids, "weights": weights, "played": played}):
        picked.setdefault(row.track_id, (float(row.weight), f"{row.genre}, a genre you play often"))
    ranked = sorted(picked.items(), key=lambda item: (-item[1][0], item[0]))[:MIX_SIZE]
    method = (
        "Tracks you have never played by the artists you play most, then of the genres you play most "
        "(no sound similarity: the tracks you play have no embeddings yet)."
    )
    return Mix("discover", method, [(track_id, reason) for track_id, (_, reason) in ranked])


async def _by_sound(session: AsyncSession, model: str, vectors: Sequence[Any], played: list[int]) -> Mix:
    best: dict[int, tuple[float, int]] = {}
    for row in vectors:
        vector = [float(x) for x in row.vector.strip("[]").split(",")]
        for track_id, distance in await nearest_tracks(session, model, vector, limit=NEIGHBOURS, exclude=played):
            if track_id not in best or distance < best[track_id][0]:
                best[track_id] = (distance, row.track_id)
    present = set(
        (await session.execute(select(Track.id).where(Track.id.in_(list(best)), Track.removed_at.is_(None))))
        .scalars()
    )
    ranked = sorted((item for item in best.items() if item[0] in present), key=lambda item: (item[1][0], item[0]))
    ranked = ranked[:MIX_SIZE]
    titles = await _titles(session, [seed for _, (_, seed) in ranked])
    method = (
        f"Tracks you have never played whose sound is nearest (cosine distance of the {model} embeddings) "
        "to one of your favourites."
    )
    return Mix("discover", method, [
        (track_id, f"sounds like {_label(titles, seed)} (distance {distance:.3f})")
        for track_id, (distance, seed) in ranked
    ])


BUILDERS = {"on-repeat": on_repeat, "forgotten-favourites": forgotten_favourites, "discover": discover}


async def _store(session: AsyncSession, user_id: int, mix: Mix, existing: PersonalMix | None, now: dt.datetime) -> None:
    description = mix.method
    if existing is None:
        playlist_id = (
            await session.execute(
                insert(Playlist)
                .values(user_id=user_id, name=NAMES[mix.kind], description=description, public=False)
                .returning(Playlist.id)
            )
        ).scalar_one()
    else:
        playlist_id = existing.playlist_id
        await session.execute(
            update(Playlist).where(Playlist.id == playlist_id).values(description=description, updated_at=now)
        )
        await session.execute(delete(PlaylistTrack).where(PlaylistTrack.playlist_id == playlist_id))
    if mix.tracks:
        await session.execute(
            insert(PlaylistTrack),
            [{"playlist_id": playlist_id, "position": i, "track_id": t} for i, (t, _) in enumerate(mix.tracks)],
        )
    values = {"method": mix.method, "reasons": {str(t): reason for t, reason in mix.tracks}, "generated_at": now}
    if existing is None:
        session.add(PersonalMix(user_id=user_id, kind=mix.kind, playlist_id=playlist_id, **values))
    else:
        await session.execute(
            update(PersonalMix).where(PersonalMix.user_id == user_id, PersonalMix.kind == mix.kind).values(**values)
        )


async def refresh_mixes(ctx: CoreContext, user_id: int, *, force: bool = False) -> list[str]:
    """Remake the user's mixes that are missing or stale (all with ``force``); returns the kinds remade."""
    now = dt.datetime.now(dt.UTC)
    remade = []
    async with ctx.session() as session:
        await session.execute(text("SELECT pg_advisory_xact_lock(:c, :u)"), {"c": _LOCK_CLASS, "u": user_id})
        existing = {
            mix.kind: mix
            for mix in (await session.execute(select(PersonalMix).where(PersonalMix.user_id == user_id))).scalars()
        }
        for kind in MIX_KINDS:
            mix = existing.get(kind)
            if not force and mix is not None and now - mix.generated_at < STALE_AFTER:
                continue
            built = await BUILDERS[kind](session, user_id, now)
            await _store(session, user_id, built, mix, now)
            remade.append(kind)
    return remade


async def user_mixes(ctx: CoreContext, user_id: int) -> list[dict[str, Any]]:
    """The user's mixes, remade first where stale: each with its tracks and why they are there."""
    await refresh_mixes(ctx, user_id)
    async with ctx.session() as session:
        mixes = {
            mix.kind: mix
            for mix in (await session.execute(select(PersonalMix).where(PersonalMix.user_id == user_id))).scalars()
        }
        rows = (
            await session.execute(
                select(PlaylistTrack.playlist_id, PlaylistTrack.position, Track.id, Track.title, Track.artist,
                       Track.duration)
                .join(Track, Track.id == PlaylistTrack.track_id)
                .where(PlaylistTrack.playlist_id.in_([mix.playlist_id for mix in mixes.values()]))
                .order_by(PlaylistTrack.playlist_id, PlaylistTrack.position)
            )
        ).all()
    listed = []
    for kind in MIX_KINDS:
        mix = mixes[kind]
        tracks = [
            {"track_id": r.id, "title": r.title, "artist": r.artist, "duration": r.duration,
             "reason": mix.reasons.get(str(r.id))}
            for r in rows if r.playlist_id == mix.playlist_id
        ]
        listed.append({
            "kind": kind, "name": NAMES[kind], "playlist_id": mix.playlist_id,
            "generated_at": mix.generated_at.isoformat(), "method": mix.method, "tracks": tracks,
        })
    return listed
