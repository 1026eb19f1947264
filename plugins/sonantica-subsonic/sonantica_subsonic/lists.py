"""Lists: albums by every ``getAlbumList2`` type, random songs, songs by genre, starred, now playing."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Select, and_, func, select

from sonantica_core.db.library import Album, Artist, Genre, Track, TrackGenre
from sonantica_core.db.playback import PlaybackHistory
from sonantica_subsonic import ids, shapes
from sonantica_subsonic.api import Call, method
from sonantica_subsonic.envelope import ErrorCode, SubsonicError, missing
from sonantica_subsonic.system import folder_root
from sonantica_subsonic.tables import ratings, stars

MAX_PAGE = 500
ALBUM_LIST_TYPES = (
    "random",
    "newest",
    "highest",
    "frequent",
    "recent",
    "alphabeticalByName",
    "alphabeticalByArtist",
    "starred",
    "byYear",
    "byGenre",
)
#: Seconds a song reported as playing (a stream start or a scrobble with submission=false) stays in now playing.
NOW_PLAYING_SECONDS = 15 * 60
NOW_PLAYING_KEY = "sonantica:subsonic:now-playing"


def _page(call: Call, default: int = 10) -> tuple[int, int]:
    size = call.params.integer("size", default, high=MAX_PAGE) or 0
    offset = call.params.integer("offset", 0, high=2**31 - 1) or 0
    return size, offset


def _album_list_query(call: Call, list_type: str) -> Select[Any]:
    query = shapes.album_select()
    root = folder_root(call)
    if root is not None:
        query = query.where(select(Track.id).where(Track.album_id == Album.id, Track.root == root).exists())
    user = call.user_id
    if list_type == "random":
        return query.order_by(func.random())
    if list_type == "newest":
        return query.order_by(Album.created_at.desc(), Album.id.desc())
    if list_type == "alphabeticalByName":
        return query.order_by(Album.title_folded, Album.id)
    if list_type == "alphabeticalByArtist":
        return query.order_by(Album.sort_artist, Album.title_folded, Album.id)
    if list_type in ("frequent", "recent"):
        plays = (
            select(
                Track.album_id.label("album_id"),
                func.count().label("plays"),
                func.max(PlaybackHistory.played_at).label("last"),
            )
            .join(Track, Track.id == PlaybackHistory.track_id)
            .where(PlaybackHistory.user_id == user)
            .group_by(Track.album_id)
            .subquery()
        )
        order = plays.c.plays.desc() if list_type == "frequent" else plays.c.last.desc()
        return query.join(plays, plays.c.album_id == Album.id).order_by(order, Album.id)
    if list_type == "starred":
        return query.join(
            stars, and_(stars.c.item_id == Album.id, stars.c.kind == ids.ALBUM, stars.c.user_id == user)
        ).order_by(stars.c.starred_at.desc(), Album.id)
    if list_type == "highest":
        return query.join(
            ratings, and_(ratings.c.item_id == Album.id, ratings.c.kind == ids.ALBUM, ratings.c.user_id == user)
        ).order_by(ratings.c.rating.desc(), Album.id)
    if list_type == "byYear":
        first = call.params.integer("fromYear", low=-9999, high=9999)
        last = call.params.integer("toYear", low=-9999, high=9999)
        if first is None:
            raise missing("fromYear")
        if last is None:
            raise missing("toYear")
        year = Album.year
        low, high = min(first, last), max(first, last)
        order = (year.asc() if first <= last else year.desc(), Album.id)
        return query.where(year.between(low, high)).order_by(*order)
    if list_type == "byGenre":
        genre = call.params.required("genre")
        tagged = (
            select(Track.album_id)
            .join(TrackGenre, TrackGenre.track_id == Track.id)
            .join(Genre, Genre.id == TrackGenre.genre_id)
            .where(func.lower(Genre.name) == genre.lower(), Track.removed_at.is_(None))
        )
        return query.where(Album.id.in_(tagged)).order_by(Album.title_folded, Album.id)
    raise SubsonicError(
        ErrorCode.GENERIC, f"unknown list type {list_type[:40]!r}; one of {', '.join(ALBUM_LIST_TYPES)}"
    )


@method("getAlbumList2", "getAlbumList", cached=lambda params: params.get("type") != "random")
async def get_album_list(call: Call) -> dict[str, Any]:
    list_type = call.params.required("type")
    size, offset = _page(call)
    query = _album_list_query(call, list_type).limit(size).offset(offset)
    async with call.ctx.session() as session:
        albums = await shapes.albums(session, call.user_id, (await session.execute(query)).all())
    if call.request.path_params["name"].startswith("getAlbumList2"):
        return {"albumList2": {"album": albums}}
    legacy = [shapes.album_as_child(a) for a in albums]
    return {"albumList": {"album": legacy}}


@method("getRandomSongs")
async def get_random_songs(call: Call) -> dict[str, Any]:
    size = call.params.integer("size", 10, high=MAX_PAGE) or 0
    query = shapes.song_select()
    genre = call.params.get("genre")
    if genre:
        query = query.where(
            Track.id.in_(
                select(TrackGenre.track_id)
                .join(Genre, Genre.id == TrackGenre.genre_id)
                .where(func.lower(Genre.name) == genre.lower())
            )
        )
    first = call.params.integer("fromYear", low=-9999, high=9999)
    last = call.params.integer("toYear", low=-9999, high=9999)
    if first is not None:
        query = query.where(Track.year >= first)
    if last is not None:
        query = query.where(Track.year <= last)
    root = folder_root(call)
    if root is not None:
        query = query.where(Track.root == root)
    async with call.ctx.session() as session:
        songs = await shapes.songs(
            session, call.user_id, (await session.execute(query.order_by(func.random()).limit(size))).all()
        )
    return {"randomSongs": {"song": songs}}


@method("getSongsByGenre", cached=True)
async def get_songs_by_genre(call: Call) -> dict[str, Any]:
    genre = call.params.required("genre")
    size = call.params.integer("count", 10, high=MAX_PAGE) or 0
    offset = call.params.integer("offset", 0) or 0
    query = shapes.song_select().where(
        Track.id.in_(
            select(TrackGenre.track_id)
            .join(Genre, Genre.id == TrackGenre.genre_id)
            .where(func.lower(Genre.name) == genre.lower())
        )
    )
    root = folder_root(call)
    if root is not None:
        query = query.where(Track.root == root)
    query = query.order_by(Track.sort_artist, Track.sort_album, Track.disc_number, Track.track_number, Track.id)
    async with call.ctx.session() as session:
        songs = await shapes.songs(
            session, call.user_id, (await session.execute(query.limit(size).offset(offset))).all()
        )
    return {"songsByGenre": {"song": songs}}


async def starred_lists(call: Call) -> dict[str, Any]:
    user = call.user_id

    def joined(kind: str, column: Any) -> Any:
        return and_(stars.c.item_id == column, stars.c.kind == kind, stars.c.user_id == user)

    async with call.ctx.session() as session:
        song_rows = (
            await session.execute(
                shapes.song_select().join(stars, joined(ids.SONG, Track.id)).order_by(stars.c.starred_at.desc())
            )
        ).all()
        album_rows = (
            await session.execute(
                shapes.album_select().join(stars, joined(ids.ALBUM, Album.id)).order_by(stars.c.starred_at.desc())
            )
        ).all()
        counts = shapes.artist_album_counts()
        artist_rows = (
            await session.execute(
                select(Artist, func.coalesce(counts.c.album_count, 0))
                .outerjoin(counts, counts.c.artist_id == Artist.id)
                .join(stars, joined(ids.ARTIST, Artist.id))
                .order_by(stars.c.starred_at.desc())
            )
        ).all()
        return {
            "artist": await shapes.artists(session, user, artist_rows),
            "album": await shapes.albums(session, user, album_rows),
            "song": await shapes.songs(session, user, song_rows),
        }


@method("getStarred2", cached=True)
async def get_starred2(call: Call) -> dict[str, Any]:
    return {"starred2": await starred_lists(call)}


@method("getStarred", cached=True)
async def get_starred(call: Call) -> dict[str, Any]:
    lists = await starred_lists(call)
    artists = [shapes.folder_artist(a) for a in lists["artist"]]
    albums = [shapes.album_as_child(a) for a in lists["album"]]
    return {"starred": {"artist": artists, "album": albums, "song": lists["song"]}}


async def note_playing(call: Call, track_id: int) -> None:
    """Show ``track_id`` as playing for the caller (a stream start, or a scrobble not yet submitted)."""
    assert call.caller is not None
    client = (call.params.get("c") or "")[:100]
    member = f"{call.user_id}:{track_id}:{call.caller.username}:{client}"
    now = time.time()
    async with call.ctx.redis.pipeline(transaction=False) as pipe:
        pipe.zremrangebyscore(NOW_PLAYING_KEY, "-inf", now - NOW_PLAYING_SECONDS)
        pipe.zadd(NOW_PLAYING_KEY, {member: now})
        pipe.expire(NOW_PLAYING_KEY, NOW_PLAYING_SECONDS)
        await pipe.execute()


@method("getNowPlaying")
async def get_now_playing(call: Call) -> dict[str, Any]:
    now = time.time()
    members = await call.ctx.redis.zrevrangebyscore(
        NOW_PLAYING_KEY, "+inf", now - NOW_PLAYING_SECONDS, withscores=True, start=0, num=100
    )
    latest: dict[tuple[int, str], tuple[int, str, float]] = {}
    for raw, score in members:
        user_id, track_id, username, client = raw.decode().split(":", 3)
        if int(user_id) != call.user_id and not call.is_admin:
            continue  # listeners see their own players; admins see everyone's
        latest.setdefault((int(user_id), client), (int(track_id), username, score))
    track_ids = [t for t, _, _ in latest.values()]
    async with call.ctx.session() as session:
        rows = (await session.execute(shapes.song_select().where(Track.id.in_(track_ids)))).all() if track_ids else []
        songs = {s["id"]: s for s in await shapes.songs(session, call.user_id, rows)}
    entries = []
    for (user_id, client), (track_id, username, score) in latest.items():
        song = songs.get(ids.make(ids.SONG, track_id))
        if song is not None:
            entries.append(
                {
                    **song,
                    "username": username,
                    "minutesAgo": int((now - score) // 60),
                    "playerId": user_id,
                    "playerName": client,
                }
            )
    return {"nowPlaying": {"entry": entries}}
