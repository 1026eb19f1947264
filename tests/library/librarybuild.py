"""A small library built row by row (as the scanner would write it), and test helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from sonantica_core.db.analysis import TrackAudioFeatures
from sonantica_core.db.library import Album, AlbumArtist, Artist, Genre, Track, TrackArtist, TrackGenre
from sonantica_core.text.folding import fold

EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
FORMATS = {
    "flac": {"container": "flac", "codec": "flac", "lossless": True, "bit_depth": 16, "sample_rate": 44100},
    "hires": {"container": "flac", "codec": "flac", "lossless": True, "bit_depth": 24, "sample_rate": 96000},
    "mp3": {"container": "mp3", "codec": "mp3", "lossless": False, "bit_depth": None, "sample_rate": 44100},
    "alac": {"container": "m4a", "codec": "alac", "lossless": True, "bit_depth": 16, "sample_rate": 44100},
    "opus": {"container": "ogg", "codec": "opus", "lossless": False, "bit_depth": None, "sample_rate": 48000},
}


@dataclass
class LibraryBuilder:
    """Inserts library rows directly, as the scanner would, with sensible defaults."""

    session: AsyncSession
    clock: int = 0
    genres: dict[str, int] = field(default_factory=dict)

    def tick(self) -> dt.datetime:
        self.clock += 1
        return EPOCH + dt.timedelta(hours=self.clock)

    async def _insert(self, table: Any, values: dict[str, Any]) -> int:
        return (await self.session.execute(insert(table).values(**values).returning(table.id))).scalar_one()

    async def artist(self, name: str, sort_name: str | None = None) -> int:
        return await self._insert(
            Artist, {"key": f"name:{fold(name)}", "name": name, "sort_name": sort_name, "name_folded": fold(name)}
        )

    async def genre(self, name: str) -> int:
        if fold(name) not in self.genres:
            self.genres[fold(name)] = await self._insert(Genre, {"name": name, "name_folded": fold(name)})
        return self.genres[fold(name)]

    async def album(
        self,
        title: str,
        artists: Sequence[int] = (),
        *,
        artist_name: str | None = None,
        year: int | None = None,
        compilation: bool = False,
        cover_hash: str | None = None,
        disc_total: int | None = None,
    ) -> int:
        album_id = await self._insert(
            Album,
            {
                "key": f"album:{fold(title)}:{self.clock}",
                "title": title,
                "title_folded": fold(title),
                "album_artist": artist_name,
                "album_artist_id": artists[0] if artists else None,
                "compilation": compilation,
                "year": year,
                "date": str(year) if year else None,
                "disc_total": disc_total,
                "cover_hash": cover_hash,
                "created_at": self.tick(),
            },
        )
        for position, artist_id in enumerate(artists):
            await self.session.execute(
                insert(AlbumArtist).values(album_id=album_id, artist_id=artist_id, position=position)
            )
        return album_id

    async def track(
        self,
        title: str,
        *,
        album: int | None = None,
        artists: Sequence[int] = (),
        artist: str | None = None,
        composers: Sequence[int] = (),
        composer: str | None = None,
        number: int | None = None,
        disc: int | None = None,
        year: int | None = None,
        duration: float | None = 200.0,
        fmt: str = "flac",
        genres: Sequence[str] = (),
        bpm: float | None = None,
        camelot: str | None = None,
        loudness: float | None = None,
        removed: bool = False,
        cover_hash: str | None = None,
    ) -> int:
        added = self.tick()
        track_id = await self._insert(
            Track,
            {
                "root": "music",
                "relative_path": f"{self.clock:04d} {title}.{fmt}",
                "size": 1000 + self.clock,
                "mtime_ns": self.clock,
                "content_hash": f"hash-{self.clock}",
                "bitrate": 320_000 if fmt in ("mp3", "opus") else 900_000,
                "channels": 2,
                "duration": duration,
                "title": title,
                "title_folded": fold(title),
                "artist": artist,
                "album_id": album,
                "track_number": number,
                "disc_number": disc,
                "year": year,
                "composer": composer,
                "cover_hash": cover_hash,
                "added_at": added,
                "removed_at": added if removed else None,
                **FORMATS[fmt],
            },
        )
        for role, ids in (("artist", artists), ("composer", composers)):
            for position, artist_id in enumerate(ids):
                await self.session.execute(
                    insert(TrackArtist).values(track_id=track_id, artist_id=artist_id, role=role, position=position)
                )
        for position, name in enumerate(genres):
            genre_id = await self.genre(name)
            await self.session.execute(
                insert(TrackGenre).values(track_id=track_id, genre_id=genre_id, position=position)
            )
        if bpm is not None or camelot is not None or loudness is not None:
            await self.session.execute(
                insert(TrackAudioFeatures).values(
                    track_id=track_id, bpm=bpm, camelot_key=camelot, loudness_lufs=loudness
                )
            )
        return track_id


@dataclass
class Library:
    """Ids of the standard test library, by name."""

    artists: dict[str, int]
    albums: dict[str, int]
    tracks: dict[str, int]
    genres: dict[str, int]


async def build_library(session: AsyncSession) -> Library:
    """The standard library of these tests: accents, Japanese, Cyrillic, a compilation,
    two discs, a track without album, a removed track, analysed and unanalysed tracks."""
    b = LibraryBuilder(session)
    ar = {
        "bjork": await b.artist("Björk"),
        "beethoven": await b.artist("Ludwig van Beethoven", "Beethoven, Ludwig van"),
        "orchestra": await b.artist("Royal Philharmonic"),
        "sakamoto": await b.artist("坂本龍一", "Sakamoto, Ryuichi"),
        "tchaikovsky": await b.artist("Пётр Чайковский", "Tchaikovsky, Pyotr"),
        "ensemble": await b.artist("Sonántica Ensemble"),
        "beatles": await b.artist("The Beatles", "Beatles, The"),
    }
    al = {
        "homogenic": await b.album("Homogenic", [ar["bjork"]], artist_name="Björk", year=1997, cover_hash="ab" * 32),
        "debut": await b.album("Debut", [ar["bjork"]], artist_name="Björk", year=1993),
        "ninth": await b.album(
            "Symphony No. 9", [ar["orchestra"]], artist_name="Royal Philharmonic", year=1990, disc_total=2
        ),
        "ongaku": await b.album("音楽図鑑", [ar["sakamoto"]], artist_name="坂本龍一", year=1984),
        "swan": await b.album("Лебединое озеро", [ar["tchaikovsky"]], artist_name="Пётр Чайковский"),
        "now": await b.album("Now That's Sonántica", artist_name="Various Artists", year=2005, compilation=True),
    }
    tr = {
        "hunter": await b.track(
            "Hunter",
            album=al["homogenic"],
            artists=[ar["bjork"]],
            artist="Björk",
            number=1,
            year=1997,
            duration=255.5,
            genres=["Electronic"],
            bpm=90.0,
            camelot="8A",
            loudness=-9.5,
        ),
        "joga": await b.track(
            "Jóga",
            album=al["homogenic"],
            artists=[ar["bjork"]],
            artist="Björk",
            number=2,
            year=1997,
            duration=305.0,
            genres=["Electronic", "Pop"],
            bpm=80.0,
            camelot="9A",
        ),
        "bachelorette": await b.track(
            "Bachelorette",
            album=al["homogenic"],
            artists=[ar["bjork"]],
            artist="Björk",
            number=6,
            year=1997,
            duration=312.0,
            genres=["Electronic"],
            bpm=130.0,
            camelot="8B",
        ),
        "ghost": await b.track(
            "Ghost Track",
            album=al["homogenic"],
            artists=[ar["bjork"]],
            artist="Björk",
            number=11,
            year=1997,
            removed=True,
        ),
        "human": await b.track(
            "Human Behaviour",
            album=al["debut"],
            artists=[ar["bjork"]],
            artist="Björk",
            number=1,
            year=1993,
            duration=252.0,
            genres=["Pop"],
            bpm=120.0,
            camelot="2B",
            fmt="mp3",
        ),
        "venus": await b.track(
            "Venus as a Boy",
            album=al["debut"],
            artists=[ar["bjork"]],
            artist="Björk",
            number=3,
            year=1993,
            duration=281.0,
            genres=["Pop"],
            bpm=100.0,
            camelot="7A",
            fmt="mp3",
        ),
        "presto": await b.track(
            "Presto – Allegro assai",
            album=al["ninth"],
            artists=[ar["orchestra"]],
            artist="Royal Philharmonic",
            composers=[ar["beethoven"]],
            composer="Ludwig van Beethoven",
            number=1,
            disc=2,
            year=1990,
            duration=1400.0,
            genres=["Classical"],
            fmt="hires",
        ),
        "allegro": await b.track(
            "Allegro ma non troppo",
            album=al["ninth"],
            artists=[ar["orchestra"]],
            artist="Royal Philharmonic",
            composers=[ar["beethoven"]],
            composer="Ludwig van Beethoven",
            number=1,
            disc=1,
            year=1990,
            duration=900.0,
            genres=["Classical"],
            fmt="hires",
            bpm=70.0,
            camelot="10A",
        ),
        "molto": await b.track(
            "Molto vivace",
            album=al["ninth"],
            artists=[ar["orchestra"]],
            artist="Royal Philharmonic",
            composers=[ar["beethoven"]],
            composer="Ludwig van Beethoven",
            number=2,
            disc=1,
            year=1990,
            duration=700.0,
            genres=["Classical"],
            fmt="hires",
        ),
        "tibetan": await b.track(
            "Tibetan Dance",
            album=al["ongaku"],
            artists=[ar["sakamoto"]],
            artist="坂本龍一",
            number=1,
            year=1984,
            duration=311.0,
            genres=["Electronic"],
            fmt="alac",
            bpm=110.0,
            camelot="9B",
        ),
        "hane": await b.track(
            "羽の林で",
            album=al["ongaku"],
            artists=[ar["sakamoto"]],
            artist="坂本龍一",
            number=2,
            year=1984,
            duration=290.0,
            genres=["Electronic"],
            fmt="alac",
        ),
        "waltz": await b.track(
            "Вальс",
            album=al["swan"],
            artists=[ar["tchaikovsky"]],
            artist="Пётр Чайковский",
            number=2,
            duration=420.0,
            genres=["Classical"],
            fmt="opus",
        ),
        "scene": await b.track(
            "Сцена у озера",
            album=al["swan"],
            artists=[ar["tchaikovsky"]],
            artist="Пётр Чайковский",
            number=1,
            duration=180.0,
            genres=["Classical"],
            fmt="opus",
        ),
        "army": await b.track(
            "Army of Me",
            album=al["now"],
            artists=[ar["bjork"]],
            artist="Björk",
            number=1,
            year=2005,
            duration=233.0,
            genres=["Electronic"],
            bpm=105.0,
            camelot="8A",
        ),
        "yesterday": await b.track(
            "Yesterday",
            album=al["now"],
            artists=[ar["beatles"]],
            artist="The Beatles",
            number=2,
            year=2005,
            duration=125.0,
            genres=["Rock"],
            fmt="mp3",
        ),
        "loose": await b.track(
            "Loose End",
            artists=[ar["ensemble"]],
            artist="Sonántica Ensemble",
            duration=None,
            fmt="flac",
        ),
    }
    return Library(ar, al, tr, dict(b.genres))


async def walk_pages(api: Any, url: str, limit: int) -> list[dict[str, Any]]:
    """Every item of a listing, following ``next`` links (and checking they stay consistent)."""
    items: list[dict[str, Any]] = []
    separator = "&" if "?" in url else "?"
    next_url: str | None = f"{url}{separator}limit={limit}"
    pages = 0
    while next_url is not None:
        response = await api.get(next_url)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= limit
        if body["next"] is not None:
            assert len(body["items"]) == limit
            assert response.headers["link"] == f'<{body["next"]}>; rel="next"'
        items.extend(body["items"])
        next_url = body["next"]
        pages += 1
        assert pages < 1000
    return items


async def present_ids(session: AsyncSession) -> list[int]:
    return list((await session.execute(select(Track.id).where(Track.removed_at.is_(None)))).scalars())
