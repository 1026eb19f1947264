"""Browsing: artists (by index), albums, songs, genres, directories, info, top and similar songs."""

from __future__ import annotations

import unicodedata
from collections import OrderedDict
from typing import Any

from sqlalchemy import Select, and_, func, select

from sonantica_core.db.analysis import TrackEmbedding
from sonantica_core.db.library import Album, AlbumArtist, Artist, Genre, Track, TrackArtist, TrackGenre
from sonantica_subsonic import ids, shapes
from sonantica_subsonic.api import Call, method
from sonantica_subsonic.envelope import not_found
from sonantica_subsonic.system import folder_root

IGNORED_ARTICLES = "The El La Los Las Le Les Die Der Das"
_ARTICLES = tuple(f"{a.lower()} " for a in IGNORED_ARTICLES.split())


def index_letter(name: str) -> str:
    """The index an artist is filed under: its first letter without accents and articles, or ``#``."""
    text = name.strip()
    lowered = text.lower()
    for article in _ARTICLES:
        if lowered.startswith(article) and len(text) > len(article):
            text = text[len(article) :]
            break
    first = unicodedata.normalize("NFKD", text[:1]).encode("ascii", "ignore").decode().upper()
    return first if first.isalpha() else "#"


def _artists_with_albums(root: str | None) -> Select[Any]:
    counts = shapes.artist_album_counts()
    query = select(Artist, counts.c.album_count).join(counts, counts.c.artist_id == Artist.id)
    if root is not None:
        query = query.where(
            select(Track.id)
            .join(Album, Album.id == Track.album_id)
            .where(Album.album_artist_id == Artist.id, Track.root == root, Track.removed_at.is_(None))
            .exists()
        )
    return query.order_by(Artist.sort_key, Artist.id)


def _indexed(entries: list[dict[str, Any]], rows: list[Any]) -> list[dict[str, Any]]:
    groups: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
    for entry, row in zip(entries, rows, strict=True):
        groups.setdefault(index_letter(row[0].sort_name or row[0].name), []).append(entry)
    return [{"name": letter, "artist": groups[letter]} for letter in sorted(groups, key=lambda x: (x == "#", x))]


@method("getArtists", cached=True)
async def get_artists(call: Call) -> dict[str, Any]:
    root = folder_root(call)
    async with call.ctx.session() as session:
        rows = (await session.execute(_artists_with_albums(root))).all()
        entries = await shapes.artists(session, call.user_id, rows)
    return {"artists": {"ignoredArticles": IGNORED_ARTICLES, "index": _indexed(entries, rows)}}


@method("getIndexes", cached=True)
async def get_indexes(call: Call) -> dict[str, Any]:
    root = folder_root(call)
    async with call.ctx.session() as session:
        rows = (await session.execute(_artists_with_albums(root))).all()
        entries = await shapes.artists(session, call.user_id, rows)
        changed = await session.scalar(select(func.max(Track.updated_at)))
    legacy = [shapes.folder_artist(e) for e in entries]
    modified = int(changed.timestamp() * 1000) if changed else 0
    return {"indexes": {"ignoredArticles": IGNORED_ARTICLES, "lastModified": modified, "index": _indexed(legacy, rows)}}


async def _artist_row(session: Any, artist_id: int) -> Any:
    counts = shapes.artist_album_counts()
    row = (
        await session.execute(
            select(Artist, func.coalesce(counts.c.album_count, 0))
            .outerjoin(counts, counts.c.artist_id == Artist.id)
            .where(Artist.id == artist_id)
        )
    ).first()
    if row is None:
        raise not_found("artist")
    return row


def _albums_of_artist(artist_id: int) -> Select[Any]:
    credited = select(AlbumArtist.album_id).where(AlbumArtist.artist_id == artist_id)
    return (
        shapes.album_select()
        .where((Album.album_artist_id == artist_id) | Album.id.in_(credited))
        .order_by(Album.year.nulls_last(), Album.title_folded, Album.id)
    )


@method("getArtist", cached=True)
async def get_artist(call: Call) -> dict[str, Any]:
    artist_id = ids.number(call.params.required("id"), ids.ARTIST)
    async with call.ctx.session() as session:
        row = await _artist_row(session, artist_id)
        (value,) = await shapes.artists(session, call.user_id, [row])
        value["album"] = await shapes.albums(
            session, call.user_id, (await session.execute(_albums_of_artist(artist_id))).all()
        )
    value["albumCount"] = len(value["album"])
    return {"artist": value}


def _album_songs(album_id: int) -> Select[Any]:
    return (
        shapes.song_select()
        .where(Track.album_id == album_id)
        .order_by(Track.disc_number.nulls_first(), Track.track_number.nulls_last(), Track.title_folded, Track.id)
    )


@method("getAlbum", cached=True)
async def get_album(call: Call) -> dict[str, Any]:
    album_id = ids.number(call.params.required("id"), ids.ALBUM)
    async with call.ctx.session() as session:
        rows = (await session.execute(shapes.album_select().where(Album.id == album_id))).all()
        if not rows:
            raise not_found("album")
        (value,) = await shapes.albums(session, call.user_id, rows)
        value["song"] = await shapes.songs(session, call.user_id, (await session.execute(_album_songs(album_id))).all())
    return {"album": value}


async def one_song(call: Call, track_id: int) -> dict[str, Any]:
    async with call.ctx.session() as session:
        rows = (await session.execute(shapes.song_select().where(Track.id == track_id))).all()
        if not rows:
            raise not_found("song")
        return (await shapes.songs(session, call.user_id, rows))[0]


@method("getSong", cached=True)
async def get_song(call: Call) -> dict[str, Any]:
    return {"song": await one_song(call, ids.number(call.params.required("id"), ids.SONG))}


@method("getGenres", cached=True)
async def get_genres(call: Call) -> dict[str, Any]:
    present = and_(TrackGenre.track_id == Track.id, Track.removed_at.is_(None))
    async with call.ctx.session() as session:
        rows = (
            await session.execute(
                select(Genre.name, func.count(func.distinct(Track.id)), func.count(func.distinct(Track.album_id)))
                .join(TrackGenre, TrackGenre.genre_id == Genre.id)
                .join(Track, present)
                .group_by(Genre.id, Genre.name)
                .order_by(Genre.name_folded)
            )
        ).all()
    return {"genres": {"genre": [{"value": n, "songCount": s, "albumCount": a} for n, s, a in rows]}}


@method("getMusicDirectory", cached=True)
async def get_music_directory(call: Call) -> dict[str, Any]:
    kind, number = ids.parse(call.params.required("id"), ids.ARTIST, ids.ALBUM)
    async with call.ctx.session() as session:
        if kind == ids.ARTIST:
            row = await _artist_row(session, number)
            rows = (await session.execute(_albums_of_artist(number))).all()
            children = [
                shapes.album_as_child(a, ids.make(ids.ARTIST, number))
                for a in await shapes.albums(session, call.user_id, rows)
            ]
            return {"directory": {"id": ids.make(ids.ARTIST, number), "name": row[0].name, "child": children}}
        album_rows = (await session.execute(shapes.album_select().where(Album.id == number))).all()
        if not album_rows:
            raise not_found("album")
        (album,) = await shapes.albums(session, call.user_id, album_rows)
        songs = await shapes.songs(session, call.user_id, (await session.execute(_album_songs(number))).all())
    directory = {"id": album["id"], "name": album["name"], "child": songs}
    if album.get("artistId"):
        directory["parent"] = album["artistId"]
    return {"directory": directory}


@method("getArtistInfo2", "getArtistInfo", cached=True)
async def get_artist_info(call: Call) -> dict[str, Any]:
    artist_id = ids.number(call.params.required("id"), ids.ARTIST)
    count = call.params.integer("count", 20, high=500) or 0
    async with call.ctx.session() as session:
        row = await _artist_row(session, artist_id)
        similar = (await session.execute(_similar_artists(artist_id, count))).all()
        entries = await shapes.artists(session, call.user_id, similar)
    version2 = call.request.path_params["name"].startswith("getArtistInfo2")
    if not version2:  # the folder-based form lists plain artists
        entries = [shapes.folder_artist(e) for e in entries]
    info: dict[str, Any] = {"biography": "", "similarArtist": entries}
    if row[0].musicbrainz_id:
        info["musicBrainzId"] = row[0].musicbrainz_id
    return {"artistInfo2" if version2 else "artistInfo": info}


def _similar_artists(artist_id: int, count: int) -> Select[Any]:
    """Artists sharing the most genres with this one (tags are all the library knows of artists)."""
    mine = (
        select(TrackGenre.genre_id)
        .join(TrackArtist, TrackArtist.track_id == TrackGenre.track_id)
        .where(TrackArtist.artist_id == artist_id)
        .distinct()
    )
    counts = shapes.artist_album_counts()
    shared = (
        select(TrackArtist.artist_id.label("artist_id"), func.count(func.distinct(TrackGenre.genre_id)).label("n"))
        .join(TrackGenre, TrackGenre.track_id == TrackArtist.track_id)
        .where(TrackGenre.genre_id.in_(mine), TrackArtist.artist_id != artist_id)
        .group_by(TrackArtist.artist_id)
        .subquery()
    )
    return (
        select(Artist, func.coalesce(counts.c.album_count, 0))
        .join(shared, shared.c.artist_id == Artist.id)
        .outerjoin(counts, counts.c.artist_id == Artist.id)
        .order_by(shared.c.n.desc(), Artist.sort_key, Artist.id)
        .limit(count)
    )


@method("getAlbumInfo2", "getAlbumInfo", cached=True)
async def get_album_info(call: Call) -> dict[str, Any]:
    kind, number = ids.parse(call.params.required("id"), ids.ALBUM, ids.SONG)
    async with call.ctx.session() as session:
        if kind == ids.SONG:
            number = await session.scalar(select(Track.album_id).where(Track.id == number)) or 0
        album = await session.get(Album, number)
    if album is None:
        raise not_found("album")
    info: dict[str, Any] = {"notes": ""}
    if album.musicbrainz_release_id:
        info["musicBrainzId"] = album.musicbrainz_release_id
    return {"albumInfo": info}


@method("getTopSongs", cached=True)
async def get_top_songs(call: Call) -> dict[str, Any]:
    """The artist's songs most played on this server (by everyone), then by album order."""
    from sonantica_core.db.playback import PlaybackHistory

    count = call.params.integer("count", 50, high=500) or 0
    artist_id_param = call.params.get("artistId")
    async with call.ctx.session() as session:
        if artist_id_param:
            artist_id = ids.number(artist_id_param, ids.ARTIST)
        else:
            name = call.params.required("artist")
            artist_id = await session.scalar(select(Artist.id).where(func.lower(Artist.name) == name.lower()))
            if artist_id is None:
                return {"topSongs": {}}
        plays = (
            select(PlaybackHistory.track_id, func.count().label("plays")).group_by(PlaybackHistory.track_id).subquery()
        )
        query = (
            shapes.song_select()
            .join(TrackArtist, and_(TrackArtist.track_id == Track.id, TrackArtist.artist_id == artist_id))
            .outerjoin(plays, plays.c.track_id == Track.id)
            .order_by(
                func.coalesce(plays.c.plays, 0).desc(),
                Track.year.nulls_last(),
                Track.album_id,
                Track.disc_number,
                Track.track_number,
                Track.id,
            )
            .limit(count)
        )
        songs = await shapes.songs(session, call.user_id, (await session.execute(query)).unique().all())
    return {"topSongs": {"song": songs}}


@method("getSimilarSongs2", "getSimilarSongs")
async def get_similar_songs(call: Call) -> dict[str, Any]:
    """Songs whose sound is nearest (the default embedding model, cosine), else by the same artists.

    For an artist id, songs near that artist's songs; for a song or album id, near that one."""
    kind, number = ids.parse(call.params.required("id"), ids.SONG, ids.ALBUM, ids.ARTIST)
    count = call.params.integer("count", 50, high=500) or 0
    key = "similarSongs2" if call.request.path_params["name"].startswith("getSimilarSongs2") else "similarSongs"
    async with call.ctx.session() as session:
        seeds = await _seed_tracks(session, kind, number)
        if not seeds:
            raise not_found({"tr": "song", "al": "album", "ar": "artist"}[kind])
        track_ids = await _nearest(session, seeds, count)
        rows = (await session.execute(shapes.song_select().where(Track.id.in_(track_ids)))).all() if track_ids else []
        by_id = {row.Track.id: row for row in rows}
        songs = await shapes.songs(session, call.user_id, [by_id[t] for t in track_ids if t in by_id])
    return {key: {"song": songs}}


async def _seed_tracks(session: Any, kind: str, number: int) -> list[int]:
    if kind == ids.SONG:
        query = select(Track.id).where(Track.id == number)
    elif kind == ids.ALBUM:
        query = select(Track.id).where(Track.album_id == number)
    else:
        query = select(TrackArtist.track_id).where(TrackArtist.artist_id == number)
    query = query.where(Track.removed_at.is_(None)) if kind != ids.ARTIST else query
    return list((await session.execute(query.limit(200))).scalars())


async def _nearest(session: Any, seeds: list[int], count: int) -> list[int]:
    """Nearest tracks by embedding when the seeds have one; else the seeds' artists' other songs."""
    seed_vectors = (
        await session.execute(
            select(TrackEmbedding.model, TrackEmbedding.vector).where(TrackEmbedding.track_id.in_(seeds)).limit(1)
        )
    ).first()
    if seed_vectors is not None:
        model, vector = seed_vectors
        query = (
            select(TrackEmbedding.track_id)
            .join(Track, Track.id == TrackEmbedding.track_id)
            .where(TrackEmbedding.model == model, Track.removed_at.is_(None), TrackEmbedding.track_id.not_in(seeds))
            .order_by(TrackEmbedding.vector.cosine_distance(vector))
            .limit(count)
        )
        return list((await session.execute(query)).scalars())
    artists = select(TrackArtist.artist_id).where(TrackArtist.track_id.in_(seeds))
    genres = select(TrackGenre.genre_id).where(TrackGenre.track_id.in_(seeds))
    query = (
        select(Track.id)
        .where(Track.removed_at.is_(None), Track.id.not_in(seeds))
        .where(
            Track.id.in_(select(TrackArtist.track_id).where(TrackArtist.artist_id.in_(artists)))
            | Track.id.in_(select(TrackGenre.track_id).where(TrackGenre.genre_id.in_(genres)))
        )
        .order_by(func.random())
        .limit(count)
    )
    return list((await session.execute(query)).scalars())
