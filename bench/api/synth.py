"""A synthetic library for the API benchmark, written straight into PostgreSQL with COPY.

Names mix English, accented European, Japanese and Russian words, so folding, dense-script
lexemes and the vocabulary get realistic work; a few well-known names (Björk, Beethoven,
坂本龍一, Чайковский) are there for the search queries. The same seed gives the same library.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import asyncpg

from sonantica_core.text.folding import fold


def _words(text: str, separator: str | None = None) -> list[str]:
    return text.split(separator)


WORDS = {
    "en": _words(
        "love night light heart dream fire rain river blue black white gold silver shadow song dance "
        "summer winter city road home star sky ocean morning evening stone glass garden wild broken "
        "electric golden secret silent lonely sweet little last first young old hollow distant open"
    ),
    "eu": _words(
        "corazón canción noche día amor música sueño fuego lágrimas mañana été rêve lumière cœur "
        "étoile fenêtre übermorgen träume straße mädchen schön grüße søndag ærlig ölüm şarkı "
        "noël façade déjà señorita pájaro niño acción ciudad été mañana"
    ),
    "ja": _words("夜 東京 雨 恋 桜 空 夢 月 花 海 風 光 星 君 僕 歌 涙 朝 青い 白い さくら ひかり ありがとう こころ"),
    "ru": _words(
        "ночь любовь звезда город река небо песня зима весна осень ёлка мёд лёд солнце ветер дорога "
        "море берёза огонь тишина"
    ),
}
FIRST = {
    "en": _words("John Mary Paul Anna David Laura Chris Emma Tom Grace Nick Ruth"),
    "eu": _words("José Zoë Ólafur Åsa Françoise Søren Łukasz Dvořák Jürgen Mónica Ìñigo Ægir"),
    "ja": _words("龍一 ヒカル 譲 林檎 ひばり 晴臣 陽水 美雪"),
    "ru": _words("Пётр Алёна Сергей Наталья Фёдор Юлия Артём Ольга"),
}
LAST = {
    "en": _words("Smith Jones Taylor Brown Wilson Evans Walker Hughes Green Hall"),
    "eu": _words("García Müller Núñez Sørensen Dvořáková Brontë Gómez Öberg Łęcki Çelik"),
    "ja": _words("坂本 宇多田 久石 椎名 美空 細野 井上 中島"),
    "ru": _words("Чайковский Рахманинов Шостакович Земфирова Цой Высоцкий Пугачёва Лазарев"),
}
GENRES = _words(
    "Rock|Pop|Jazz|Classical|Electronic|Hip-Hop|Folk|Blues|Metal|Punk|Soul|Funk|Reggae|Ambient|Techno|House|"
    "Country|Latin|Bossa Nova|J-Pop|Chanson|Schlager|Indie|Trip-Hop|Drum & Bass|Opera|Baroque|Disco|Gospel|"
    "Grunge|Ska|Synthwave|Lo-Fi|Flamenco|Tango|Fado|Городской романс|Enka|K-Pop|Soundtrack",
    "|",
)
FAMOUS = ["Björk", "Ludwig van Beethoven", "坂本龍一", "Пётр Чайковский", "Sigur Rós", "Mötley Crüe"]
FORMATS = [
    ("flac", "flac", True, 16, 44100, 900_000),
    ("flac", "flac", True, 24, 96000, 2_500_000),
    ("mp3", "mp3", False, None, 44100, 320_000),
    ("m4a", "alac", True, 16, 44100, 850_000),
    ("ogg", "opus", False, None, 48000, 160_000),
]
EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Sizes:
    artists: int = 3000
    albums: int = 8000
    tracks: int = 100_000


def _lang(rng: random.Random) -> str:
    return rng.choices(["en", "eu", "ja", "ru"], weights=[55, 25, 10, 10])[0]


def _title(rng: random.Random, words: int) -> str:
    lang = _lang(rng)
    picked = [rng.choice(WORDS[lang]) for _ in range(words)]
    text = ("" if lang == "ja" else " ").join(picked)
    return text[:1].upper() + text[1:]


def _person(rng: random.Random) -> str:
    lang = _lang(rng)
    first, last = rng.choice(FIRST[lang]), rng.choice(LAST[lang])
    return f"{last}{first}" if lang == "ja" else f"{first} {last}"


async def generate(conn: asyncpg.Connection, sizes: Sizes = Sizes(), seed: int = 6) -> None:
    """Fill an empty, migrated database with a library of ``sizes``."""
    rng = random.Random(seed)
    names: list[str] = list(FAMOUS)
    seen = {fold(name) for name in names}
    while len(names) < sizes.artists:
        name = _person(rng) if rng.random() < 0.6 else "The " + _title(rng, rng.randint(1, 2))
        if fold(name) not in seen:
            seen.add(fold(name))
            names.append(name)
    artists = [(i + 1, f"name:{fold(name)}", name, None, fold(name), EPOCH) for i, name in enumerate(names)]
    await conn.copy_records_to_table(
        "artists", records=artists, columns=["id", "key", "name", "sort_name", "name_folded", "created_at"]
    )

    genres = [(i + 1, name, fold(name)) for i, name in enumerate(dict.fromkeys(GENRES))]
    await conn.copy_records_to_table("genres", records=genres, columns=["id", "name", "name_folded"])

    albums, album_artists = [], []
    for album_id in range(1, sizes.albums + 1):
        compilation = rng.random() < 0.05
        artist_id = None if compilation else rng.randint(1, sizes.artists)
        title = _title(rng, rng.randint(1, 4))
        year = rng.randint(1955, 2024) if rng.random() < 0.93 else None
        created = EPOCH + dt.timedelta(minutes=album_id)
        albums.append(
            (
                album_id,
                f"album:{album_id}",
                title,
                fold(title),
                "Various Artists" if compilation else names[artist_id - 1],  # type: ignore[index]
                artist_id,
                compilation,
                year,
                str(year) if year else None,
                1,
                created,
                created,
            )
        )
        if artist_id is not None:
            album_artists.append((album_id, artist_id, 0))
    await conn.copy_records_to_table(
        "albums",
        records=albums,
        columns=[
            "id",
            "key",
            "title",
            "title_folded",
            "album_artist",
            "album_artist_id",
            "compilation",
            "year",
            "date",
            "disc_total",
            "created_at",
            "updated_at",
        ],
    )
    await conn.copy_records_to_table(
        "album_artists", records=album_artists, columns=["album_id", "artist_id", "position"]
    )

    tracks, credits, track_genres, features = [], [], [], []
    album_of = [rng.randint(1, sizes.albums) if rng.random() < 0.99 else None for _ in range(sizes.tracks)]
    position: dict[int | None, int] = {}
    for index, album_id in enumerate(album_of):
        track_id = index + 1
        album = albums[album_id - 1] if album_id else None
        main = album[5] if album and album[5] else rng.randint(1, sizes.artists)
        featured = rng.randint(1, sizes.artists) if rng.random() < 0.1 else None
        artist = names[main - 1] + (f" feat. {names[featured - 1]}" if featured else "")
        number = position[album_id] = position.get(album_id, 0) + 1
        title = _title(rng, rng.randint(1, 5))
        container, codec, lossless, bits, rate, bitrate = rng.choice(FORMATS)
        classical = rng.random() < 0.08
        composer = rng.randint(1, 2) if classical else None  # Björk and Beethoven compose a lot here
        added = EPOCH + dt.timedelta(seconds=30 * track_id)
        tracks.append(
            (
                track_id,
                "music",
                f"{album_id or 0}/{number:03d} {track_id}.{container}",
                rng.randint(2_000_000, 80_000_000),
                track_id,
                f"h{track_id:012x}",
                container,
                codec,
                rate,
                bits,
                2,
                bitrate,
                round(rng.uniform(60, 900), 3) if rng.random() < 0.995 else None,
                lossless,
                title,
                fold(title),
                artist,
                album_id,
                number,
                1,
                album[7] if album else None,
                names[composer - 1] if composer else None,
                added,
                added if rng.random() < 0.005 else None,
            )
        )
        credits.append((track_id, main, "artist", 0))
        if featured and featured != main:
            credits.append((track_id, featured, "artist", 1))
        if composer:
            credits.append((track_id, composer, "composer", 0))
        for slot, genre in enumerate(dict.fromkeys(rng.randint(1, len(genres)) for _ in range(rng.randint(1, 2)))):
            track_genres.append((track_id, genre, slot))
        if rng.random() < 0.8:
            camelot = f"{rng.randint(1, 12)}{rng.choice('AB')}"
            features.append((track_id, round(rng.uniform(60, 180), 1), camelot, round(rng.uniform(-18, -5), 2)))
    await conn.copy_records_to_table(
        "tracks",
        records=tracks,
        columns=[
            "id",
            "root",
            "relative_path",
            "size",
            "mtime_ns",
            "content_hash",
            "container",
            "codec",
            "sample_rate",
            "bit_depth",
            "channels",
            "bitrate",
            "duration",
            "lossless",
            "title",
            "title_folded",
            "artist",
            "album_id",
            "track_number",
            "disc_number",
            "year",
            "composer",
            "added_at",
            "removed_at",
        ],
    )
    await conn.copy_records_to_table(
        "track_artists", records=credits, columns=["track_id", "artist_id", "role", "position"]
    )
    await conn.copy_records_to_table("track_genres", records=track_genres, columns=["track_id", "genre_id", "position"])
    await conn.copy_records_to_table(
        "track_audio_features", records=features, columns=["track_id", "bpm", "camelot_key", "loudness_lufs"]
    )
    for table in ("artists", "genres", "albums", "tracks"):
        await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    await conn.execute("VACUUM ANALYZE")
