"""What a user keeps: playlists (the core's), stars, ratings, scrobbles (the core's play
history), bookmarks and saved play queues. Every call acts on the caller's own data only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert

from sonantica_core.db.library import Album, Artist, Track
from sonantica_core.db.playback import Playlist, PlaylistTrack
from sonantica_core.db.users import User
from sonantica_core.library import userdata
from sonantica_core.listening.plays import PlayError, record_scrobble
from sonantica_subsonic import ids, shapes
from sonantica_subsonic.api import Call, method
from sonantica_subsonic.envelope import ErrorCode, SubsonicError, missing, not_found
from sonantica_subsonic.lists import note_playing
from sonantica_subsonic.tables import bookmarks, play_queues

MAX_PLAYLIST = 10_000
MAX_QUEUE = 10_000


# --- playlists -------------------------------------------------------------------


def _playlist(p: Playlist, owner: str, count: int, duration: float) -> dict[str, Any]:
    return {
        "id": ids.make(ids.PLAYLIST, p.id),
        "name": p.name,
        "comment": p.description or "",
        "owner": owner,
        "public": p.public,
        "songCount": count,
        "duration": round(duration),
        "created": shapes.iso(p.created_at),
        "changed": shapes.iso(p.updated_at),
        "coverArt": ids.make(ids.PLAYLIST, p.id),
    }


def _readable(call: Call) -> Any:
    return (Playlist.user_id == call.user_id) | Playlist.public.is_(True)


async def _playlist_rows(session: Any, call: Call, playlist_id: int | None = None) -> list[Any]:
    totals = (
        select(
            PlaylistTrack.playlist_id,
            func.count().label("n"),
            func.coalesce(func.sum(Track.duration), 0).label("duration"),
        )
        .join(Track, Track.id == PlaylistTrack.track_id)
        .where(Track.removed_at.is_(None))
        .group_by(PlaylistTrack.playlist_id)
        .subquery()
    )
    query = (
        select(Playlist, User.username, func.coalesce(totals.c.n, 0), func.coalesce(totals.c.duration, 0))
        .join(User, User.id == Playlist.user_id)
        .outerjoin(totals, totals.c.playlist_id == Playlist.id)
        .where(_readable(call))
        .order_by(Playlist.name, Playlist.id)
    )
    if playlist_id is not None:
        query = query.where(Playlist.id == playlist_id)
    return list((await session.execute(query)).all())


@method("getPlaylists")
async def get_playlists(call: Call) -> dict[str, Any]:
    wanted = call.params.get("username")
    assert call.caller is not None
    if wanted and wanted.lower() != call.caller.username.lower() and not call.is_admin:
        raise SubsonicError(ErrorCode.NOT_AUTHORIZED, "only admins may list other users' playlists")
    async with call.ctx.session() as session:
        rows = await _playlist_rows(session, call)
    listed = [_playlist(*row) for row in rows]
    if wanted:
        listed = [p for p in listed if p["owner"].lower() == wanted.lower()]
    return {"playlists": {"playlist": listed}}


async def _with_entries(call: Call, session: Any, playlist_id: int) -> dict[str, Any]:
    rows = await _playlist_rows(session, call, playlist_id)
    if not rows:
        raise not_found("playlist")
    value = _playlist(*rows[0])
    entries = (
        await session.execute(
            shapes.song_select()
            .join(PlaylistTrack, PlaylistTrack.track_id == Track.id)
            .where(PlaylistTrack.playlist_id == playlist_id)
            .order_by(PlaylistTrack.position)
        )
    ).all()
    value["entry"] = await shapes.songs(session, call.user_id, entries)
    return value


@method("getPlaylist")
async def get_playlist(call: Call) -> dict[str, Any]:
    playlist_id = ids.number(call.params.required("id"), ids.PLAYLIST)
    async with call.ctx.session() as session:
        return {"playlist": await _with_entries(call, session, playlist_id)}


async def _own(session: Any, call: Call, playlist_id: int) -> Playlist:
    playlist = await session.get(Playlist, playlist_id)
    if playlist is None or (playlist.user_id != call.user_id and not playlist.public):
        raise not_found("playlist")
    if playlist.user_id != call.user_id:
        raise SubsonicError(ErrorCode.NOT_AUTHORIZED, "only its owner may change this playlist")
    return playlist


async def _song_ids(session: Any, values: list[str]) -> list[int]:
    track_ids = [ids.number(v, ids.SONG) for v in values]
    if len(track_ids) > MAX_PLAYLIST:
        raise SubsonicError(ErrorCode.GENERIC, f"at most {MAX_PLAYLIST} songs per playlist")
    if track_ids:
        known = set(
            (
                await session.execute(select(Track.id).where(Track.id.in_(set(track_ids)), Track.removed_at.is_(None)))
            ).scalars()
        )
        unknown = [t for t in track_ids if t not in known]
        if unknown:
            raise not_found(f"song {ids.make(ids.SONG, unknown[0])}")
    return track_ids


async def _write_entries(session: Any, playlist_id: int, track_ids: list[int]) -> None:
    await session.execute(delete(PlaylistTrack).where(PlaylistTrack.playlist_id == playlist_id))
    if track_ids:
        await session.execute(
            insert(PlaylistTrack),
            [{"playlist_id": playlist_id, "position": i, "track_id": t} for i, t in enumerate(track_ids)],
        )


@method("createPlaylist")
async def create_playlist(call: Call) -> dict[str, Any]:
    """A new playlist (``name``), or ``playlistId``'s songs replaced; either way with ``songId``s in order."""
    existing, name = call.params.get("playlistId"), call.params.get("name")
    async with call.ctx.session() as session:
        track_ids = await _song_ids(session, call.params.all("songId"))
        if existing:
            playlist = await _own(session, call, ids.number(existing, ids.PLAYLIST))
            if name:
                playlist.name = name[:200]
        else:
            if not name:
                raise missing("name")
            playlist = Playlist(user_id=call.user_id, name=name[:200])
            session.add(playlist)
        await session.flush()
        await _write_entries(session, playlist.id, track_ids)
        playlist.updated_at = dt.datetime.now(dt.UTC)
        await session.flush()
        return {"playlist": await _with_entries(call, session, playlist.id)}


@method("updatePlaylist")
async def update_playlist(call: Call) -> dict[str, Any]:
    playlist_id = ids.number(call.params.required("playlistId"), ids.PLAYLIST)
    async with call.ctx.session() as session:
        playlist = await _own(session, call, playlist_id)
        if call.params.get("name"):
            playlist.name = (call.params.get("name") or "")[:200]
        if call.params.has("comment"):
            playlist.description = call.params.get("comment")
        if call.params.has("public"):
            playlist.public = call.params.flag("public")
        current = list(
            (
                await session.execute(
                    select(PlaylistTrack.track_id)
                    .where(PlaylistTrack.playlist_id == playlist_id)
                    .order_by(PlaylistTrack.position)
                )
            ).scalars()
        )
        drop = set()
        for raw in call.params.all("songIndexToRemove"):
            if not raw.isdigit() or int(raw) >= len(current):
                raise SubsonicError(
                    ErrorCode.GENERIC, f"songIndexToRemove {raw[:20]!r} is not an index of the playlist"
                )
            drop.add(int(raw))
        kept = [t for i, t in enumerate(current) if i not in drop]
        kept += await _song_ids(session, call.params.all("songIdToAdd"))
        if len(kept) > MAX_PLAYLIST:
            raise SubsonicError(ErrorCode.GENERIC, f"at most {MAX_PLAYLIST} songs per playlist")
        await _write_entries(session, playlist_id, kept)
        playlist.updated_at = dt.datetime.now(dt.UTC)
    return {}


@method("deletePlaylist")
async def delete_playlist(call: Call) -> dict[str, Any]:
    playlist_id = ids.number(call.params.required("id"), ids.PLAYLIST)
    async with call.ctx.session() as session:
        await session.delete(await _own(session, call, playlist_id))
    return {}


# --- stars and ratings -----------------------------------------------------------

_TABLE_OF_KIND = {ids.SONG: Track, ids.ALBUM: Album, ids.ARTIST: Artist}


async def _targets(call: Call, session: Any) -> list[tuple[str, int]]:
    found = [ids.parse(v, ids.SONG, ids.ALBUM, ids.ARTIST) for v in call.params.all("id")]
    found += [(ids.ALBUM, ids.number(v, ids.ALBUM)) for v in call.params.all("albumId")]
    found += [(ids.ARTIST, ids.number(v, ids.ARTIST)) for v in call.params.all("artistId")]
    if not found:
        raise missing("id")
    for kind, number in found:
        if await session.get(_TABLE_OF_KIND[kind], number) is None:
            raise not_found(f"{ids.make(kind, number)}")
    return found


_CORE_KIND: dict[str, userdata.Kind] = {ids.SONG: "track", ids.ALBUM: "album", ids.ARTIST: "artist"}


@method("star", writes=True)
async def star(call: Call) -> dict[str, Any]:
    async with call.ctx.session() as session:
        for kind, number in await _targets(call, session):
            await userdata.star(session, call.user_id, _CORE_KIND[kind], number)
    return {}


@method("unstar", writes=True)
async def unstar(call: Call) -> dict[str, Any]:
    async with call.ctx.session() as session:
        for kind, number in await _targets(call, session):
            await userdata.unstar(session, call.user_id, _CORE_KIND[kind], number)
    return {}


@method("setRating", writes=True)
async def set_rating(call: Call) -> dict[str, Any]:
    kind, number = ids.parse(call.params.required("id"), ids.SONG, ids.ALBUM, ids.ARTIST)
    rating = call.params.required_integer("rating")
    if rating > 5:
        raise SubsonicError(ErrorCode.GENERIC, "rating must be from 0 (none) to 5")
    async with call.ctx.session() as session:
        if await session.get(_TABLE_OF_KIND[kind], number) is None:
            raise not_found(ids.make(kind, number))
        await userdata.set_rating(session, call.user_id, _CORE_KIND[kind], number, rating)
    return {}


# --- scrobbles ---------------------------------------------------------------------


@method("scrobble", writes=True)
async def scrobble(call: Call) -> dict[str, Any]:
    """``submission=false`` (a song started) shows it as playing and opens a play; ``true`` (the
    default) ends that play with the time really listened, or records a whole play at ``time``.
    The core's play rule tells plays from skips, and a repeated scrobble counts once."""
    songs = [ids.number(v, ids.SONG) for v in call.params.all("id")]
    if not songs:
        raise missing("id")
    times = call.params.all("time")
    if times and len(times) != len(songs):
        raise SubsonicError(ErrorCode.GENERIC, "give one time per id, or none")
    moments: list[dt.datetime | None] = []
    for raw in times or [None] * len(songs):
        if raw is None:
            moments.append(None)
            continue
        if not raw.isdigit() or len(raw) > 15:
            raise SubsonicError(ErrorCode.GENERIC, "time must be milliseconds since 1970")
        moments.append(dt.datetime.fromtimestamp(int(raw) / 1000, dt.UTC))
    submission = call.params.flag("submission", True)
    client = (call.params.get("c") or "")[:100] or None
    async with call.ctx.session() as session:
        known = set(
            (await session.execute(select(Track.id).where(Track.id.in_(songs), Track.removed_at.is_(None)))).scalars()
        )
    for track_id in songs:
        if track_id not in known:
            raise not_found(f"song {ids.make(ids.SONG, track_id)}")
    for track_id, at in zip(songs, moments, strict=True):
        try:
            await record_scrobble(call.ctx, call.user_id, track_id, submission=submission, at=at, client=client)
        except PlayError as exc:
            raise not_found(f"song {ids.make(ids.SONG, track_id)}") from exc
        if not submission:
            await note_playing(call, track_id)
    return {}


# --- bookmarks -------------------------------------------------------------------


@method("getBookmarks", cached=True)
async def get_bookmarks(call: Call) -> dict[str, Any]:
    assert call.caller is not None
    async with call.ctx.session() as session:
        rows = (
            await session.execute(
                select(bookmarks).where(bookmarks.c.user_id == call.user_id).order_by(bookmarks.c.changed_at.desc())
            )
        ).all()
        songs = {}
        if rows:
            song_rows = (
                await session.execute(shapes.song_select().where(Track.id.in_([r.track_id for r in rows])))
            ).all()
            songs = {s["id"]: s for s in await shapes.songs(session, call.user_id, song_rows)}
    listed = []
    for r in rows:
        song = songs.get(ids.make(ids.SONG, r.track_id))
        if song is not None:
            listed.append(
                {
                    "position": r.position_ms,
                    "username": call.caller.username,
                    "comment": r.comment or "",
                    "created": shapes.iso(r.created_at),
                    "changed": shapes.iso(r.changed_at),
                    "entry": song,
                }
            )
    return {"bookmarks": {"bookmark": listed}}


@method("createBookmark", writes=True)
async def create_bookmark(call: Call) -> dict[str, Any]:
    track_id = ids.number(call.params.required("id"), ids.SONG)
    position = call.params.required_integer("position", high=2**62)
    comment = (call.params.get("comment") or "")[:1000]
    async with call.ctx.session() as session:
        if await session.get(Track, track_id) is None:
            raise not_found("song")
        statement = insert(bookmarks).values(
            user_id=call.user_id, track_id=track_id, position_ms=position, comment=comment
        )
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[bookmarks.c.user_id, bookmarks.c.track_id],
                set_={"position_ms": position, "comment": comment, "changed_at": func.now()},
            )
        )
    return {}


@method("deleteBookmark", writes=True)
async def delete_bookmark(call: Call) -> dict[str, Any]:
    track_id = ids.number(call.params.required("id"), ids.SONG)
    async with call.ctx.session() as session:
        done = await session.execute(
            delete(bookmarks).where(bookmarks.c.user_id == call.user_id, bookmarks.c.track_id == track_id)
        )
    if done.rowcount == 0:
        raise not_found("bookmark")
    return {}


# --- play queue ------------------------------------------------------------------


async def _save_queue(call: Call, track_ids: list[int], current_index: int | None) -> None:
    if len(track_ids) > MAX_QUEUE:
        raise SubsonicError(ErrorCode.GENERIC, f"at most {MAX_QUEUE} songs in a play queue")
    position = call.params.integer("position", 0, high=2**62) or 0
    client = (call.params.get("c") or "")[:100]
    async with call.ctx.session() as session:
        if track_ids:
            known = set((await session.execute(select(Track.id).where(Track.id.in_(set(track_ids))))).scalars())
            missing_ids = [t for t in track_ids if t not in known]
            if missing_ids:
                raise not_found(f"song {ids.make(ids.SONG, missing_ids[0])}")
        values = {
            "track_ids": track_ids,
            "current_index": current_index,
            "position_ms": position,
            "changed_by": client,
            "changed_at": func.now(),
        }
        statement = insert(play_queues).values(user_id=call.user_id, **values)
        await session.execute(statement.on_conflict_do_update(index_elements=[play_queues.c.user_id], set_=values))


async def _queue(call: Call) -> tuple[Any, list[dict[str, Any]]] | None:
    async with call.ctx.session() as session:
        row = (await session.execute(select(play_queues).where(play_queues.c.user_id == call.user_id))).first()
        if row is None:
            return None
        song_rows = (
            (await session.execute(shapes.song_select().where(Track.id.in_(row.track_ids)))).all()
            if row.track_ids
            else []
        )
        by_id = {s["id"]: s for s in await shapes.songs(session, call.user_id, song_rows)}
    return row, [by_id[ids.make(ids.SONG, t)] for t in row.track_ids if ids.make(ids.SONG, t) in by_id]


def _queue_facts(call: Call, row: Any) -> dict[str, Any]:
    assert call.caller is not None
    return {
        "position": row.position_ms,
        "username": call.caller.username,
        "changed": shapes.iso(row.changed_at),
        "changedBy": row.changed_by or "",
    }


@method("savePlayQueue", writes=True)
async def save_play_queue(call: Call) -> dict[str, Any]:
    track_ids = [ids.number(v, ids.SONG) for v in call.params.all("id")]
    current = call.params.get("current")
    index = None
    if current:
        current_id = ids.number(current, ids.SONG)
        if current_id not in track_ids:
            raise SubsonicError(ErrorCode.GENERIC, "current must be one of the queue's ids")
        index = track_ids.index(current_id)
    await _save_queue(call, track_ids, index)
    return {}


@method("getPlayQueue", cached=True)
async def get_play_queue(call: Call) -> dict[str, Any]:
    found = await _queue(call)
    if found is None:
        return {}
    row, songs = found
    queue = _queue_facts(call, row)
    if row.current_index is not None and row.current_index < len(row.track_ids):
        queue["current"] = ids.make(ids.SONG, row.track_ids[row.current_index])
    queue["entry"] = songs
    return {"playQueue": queue}


@method("savePlayQueueByIndex", writes=True)
async def save_play_queue_by_index(call: Call) -> dict[str, Any]:
    track_ids = [ids.number(v, ids.SONG) for v in call.params.all("id")]
    index = call.params.integer("currentIndex")
    if index is not None and not 0 <= index < len(track_ids):
        raise SubsonicError(ErrorCode.GENERIC, "currentIndex must be an index of the queue")
    await _save_queue(call, track_ids, index)
    return {}


@method("getPlayQueueByIndex", cached=True)
async def get_play_queue_by_index(call: Call) -> dict[str, Any]:
    found = await _queue(call)
    if found is None:
        return {}
    row, songs = found
    queue = _queue_facts(call, row)
    if row.current_index is not None:
        queue["currentIndex"] = row.current_index
    queue["entry"] = songs
    return {"playQueueByIndex": queue}
