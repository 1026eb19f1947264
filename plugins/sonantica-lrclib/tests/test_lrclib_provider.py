"""The provider against a local server that answers like LRCLIB."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from lrclib_fake import SYNCED, FakeLrclib, song
from pydantic import ValidationError
from sonantica_lrclib.client import LrclibError
from sonantica_lrclib.config import LrclibConfig
from sonantica_lrclib.provider import LrclibLyricsProvider

from sonantica_core.contract import LyricsLine, TrackRef


def track(**changes: object) -> TrackRef:
    values = dict(id=1, title="Song", artist="The Band", album="Album", album_artist=None, duration=200.4)
    values.update(changes)
    return TrackRef(**values)  # type: ignore[arg-type]


def provider(ctx: Any, server: FakeLrclib, **config: object) -> LrclibLyricsProvider:
    """The provider on the core's polite client; quick retries and no pause between requests, for tests."""
    options: dict[str, object] = {"interval": 0, "backoff": 0.01, "cache_hours": 0}
    options.update(config)
    return LrclibLyricsProvider(ctx, LrclibConfig(base_url=server.url, **options))


async def test_the_exact_signature_is_asked_first(ctx: Any, lrclib_server: FakeLrclib) -> None:
    lrclib_server.songs.append(song(7, "Song", "The Band", "Album", 201, syncedLyrics=SYNCED, plainLyrics="words"))
    lyrics = await provider(ctx, lrclib_server, user_agent="test-agent/1").find_lyrics(track())
    assert lyrics is not None
    assert lyrics.source == "lrclib" and lyrics.plain == "words"
    assert lyrics.synced[:2] == (LyricsLine(1.5, "First line"), LyricsLine(4.0, "Chorus"))
    [(path, params, headers)] = lrclib_server.requests
    assert path == "/api/get"
    assert params == {"track_name": "Song", "artist_name": "The Band", "album_name": "Album", "duration": "200"}
    assert headers["User-Agent"] == "test-agent/1"


async def test_a_miss_falls_back_to_search_within_the_duration_tolerance(ctx: Any, lrclib_server: FakeLrclib) -> None:
    lrclib_server.songs += [
        song(1, "Song", "The Band", "Live", 250, plainLyrics="live version"),
        song(2, "Song", "The Band", "Other", 203, plainLyrics="plain only"),
        song(3, "Song", "The Band", "Best Of", 198, syncedLyrics=SYNCED),
    ]
    record = await provider(ctx, lrclib_server, duration_tolerance=3).lookup(track(album="Deluxe"))
    assert record is not None and record.id == 3  # close in duration, and synchronised
    assert [path for path, _, _ in lrclib_server.requests] == ["/api/get", "/api/search"]
    assert lrclib_server.requests[1][1] == {"track_name": "Song", "artist_name": "The Band"}


async def test_without_album_or_duration_only_search_is_used(ctx: Any, lrclib_server: FakeLrclib) -> None:
    lrclib_server.songs.append(song(4, "Song", "The Band", "Album", 200, plainLyrics="la"))
    lyrics = await provider(ctx, lrclib_server).find_lyrics(track(album=None, duration=None))
    assert lyrics is not None and lyrics.plain == "la"
    assert [path for path, _, _ in lrclib_server.requests] == ["/api/search"]


async def test_instrumentals_are_found_and_say_so(ctx: Any, lrclib_server: FakeLrclib) -> None:
    lrclib_server.songs.append(song(5, "Song", "The Band", "Album", 200, instrumental=True))
    lyrics = await provider(ctx, lrclib_server).find_lyrics(track())
    assert lyrics is not None and lyrics.instrumental and lyrics.plain is None and lyrics.synced == ()


async def test_an_unknown_song_is_none(ctx: Any, lrclib_server: FakeLrclib) -> None:
    assert await provider(ctx, lrclib_server).find_lyrics(track()) is None
    assert await provider(ctx, lrclib_server).find_lyrics(track(title=None)) is None


async def test_a_failing_server_raises_a_clear_error(ctx: Any, lrclib_server: FakeLrclib) -> None:
    lrclib_server.status = 503
    with pytest.raises(LrclibError, match="LRCLIB answered /api/get with HTTP 503"):
        await provider(ctx, lrclib_server).find_lyrics(track())
    assert len(lrclib_server.requests) == 2  # tried again after a pause


async def test_requests_are_rate_limited_and_answers_cached(ctx: Any, lrclib_server: FakeLrclib) -> None:
    lrclib_server.songs.append(song(8, "Song", "The Band", "Album", 200, plainLyrics="la"))
    lyrics = provider(ctx, lrclib_server, interval=0.5, cache_hours=1)
    assert (await lyrics.find_lyrics(track(album=None))).plain == "la"
    assert (await lyrics.find_lyrics(track(album=None, id=2))).plain == "la"
    assert len(lrclib_server.requests) == 1  # the second answer came from the cache
    await lyrics.find_lyrics(track())
    await lyrics.find_lyrics(track(title="Other"))
    times = lrclib_server.times
    assert len(times) == 4  # search; get (found); get and search (unknown)
    assert min(later - earlier for earlier, later in itertools.pairwise(times)) >= 0.5


async def test_a_slow_server_is_given_up_after_the_timeout(ctx: Any, lrclib_server: FakeLrclib) -> None:
    lrclib_server.delay = 1.0
    with pytest.raises(LrclibError, match=r"did not answer /api/get within 0.2 s"):
        await provider(ctx, lrclib_server, timeout=0.2).find_lyrics(track())


async def test_an_unreachable_server_raises_a_clear_error(ctx: Any) -> None:
    config = LrclibConfig(base_url="http://127.0.0.1:9", timeout=2, interval=0, backoff=0.01)
    unreachable = LrclibLyricsProvider(ctx, config)
    with pytest.raises(LrclibError, match=r"LRCLIB is unreachable at http://127\.0\.0\.1:9"):
        await unreachable.find_lyrics(track())


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"base_url": "lrclib.net"}, "must start with http:// or https://"),
        ({"timeout": 0}, "greater than 0"),
        ({"user_agent": ""}, "at least 1 character"),
        ({"unknown": 1}, "Extra inputs are not permitted"),
    ],
)
def test_wrong_configuration_is_refused(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        LrclibConfig(**values)  # type: ignore[arg-type]


def test_the_base_url_loses_its_trailing_slash() -> None:
    assert LrclibConfig(base_url="https://lrclib.example/").base_url == "https://lrclib.example"
