"""Every local lyrics form read right, through the core's lyrics chain and GET /api/tracks/{id}/lyrics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mutagen
from mutagen.flac import FLAC
from mutagen.id3 import ID3, SYLT, USLT, Encoding
from mutagen.mp4 import MP4
from sonantica_lyrics.plugin import LyricsPlugin

ENHANCED = (
    "[ti:Song]\n[la:en]\n[offset:+100]\n"
    "[00:01.10]<00:01.10>Hello <00:01.60>bright <00:02.10>world\n"
    "[00:03.10]<00:03.10>Second <00:03.60>line\n"
)


async def _track(core: Any, encoding: str = "flac", name: str | None = None) -> tuple[int, Path]:
    track_id = await core.add_audio(encoding=encoding, name=name, title="Song", artist="Band")
    media = Path(core.ctx.settings.root("music").path)
    path = next(p for p in media.iterdir() if p.suffix != ".lrc" and (name is None or p.stem == name)
                and p.stat().st_size > 0)
    return track_id, path


async def _lyrics(core: Any, track_id: int, status: int = 200) -> dict[str, Any]:
    response = await core.client.get(f"/api/tracks/{track_id}/lyrics")
    assert response.status_code == status, response.text
    return response.json()


async def test_id3_uslt_and_sylt_with_languages(plugin_app: Any) -> None:
    async with plugin_app(LyricsPlugin()) as core:
        track_id, path = await _track(core, "mp3", "id3")
        tags = ID3()
        tags.add(USLT(encoding=Encoding.UTF8, lang="deu", desc="", text="Hallo Welt\nZweite Zeile"))
        tags.add(SYLT(encoding=Encoding.UTF8, lang="eng", format=2, type=1, desc="",
                      text=[("Hello ", 1000), ("world", 1500), ("\nSecond ", 3000), ("line", 3400)]))
        tags.save(path)
        body = await _lyrics(core, track_id)
    assert body["source"] == "embedded" and body["synced"] is True and body["language"] == "eng"
    first, second = body["structuredLyrics"]
    assert first["lang"] == "eng" and first["synced"] is True
    assert first["line"][0] == {"start": 1000, "value": "Hello world",
                                "words": [{"start": 1000, "value": "Hello"}, {"start": 1500, "value": "world"}]}
    assert first["line"][1]["start"] == 3000 and first["line"][1]["value"] == "Second line"
    assert second == {"lang": "deu", "synced": False, "offset": 0, "displayArtist": "Band", "displayTitle": "Song",
                      "line": [{"value": "Hallo Welt"}, {"value": "Zweite Zeile"}]}


async def test_flac_lyrics_and_unsyncedlyrics(plugin_app: Any) -> None:
    async with plugin_app(LyricsPlugin()) as core:
        synced_id, synced_path = await _track(core, "flac", "synced")
        audio = FLAC(synced_path)
        audio["LYRICS"] = "[00:00.50]One\n[00:02.00]Two"
        audio.save()
        plain_id, plain_path = await _track(core, "flac", "plain")
        audio = FLAC(plain_path)
        audio["UNSYNCEDLYRICS"] = "Just words\nno times"
        audio.save()
        synced = await _lyrics(core, synced_id)
        plain = await _lyrics(core, plain_id)
    assert [(line["start"], line["value"]) for line in synced["structuredLyrics"][0]["line"]] == [
        (500, "One"), (2000, "Two")]
    assert plain["synced"] is False and plain["plain"] == "Just words\nno times"
    assert plain["structuredLyrics"][0]["line"] == [{"value": "Just words"}, {"value": "no times"}]


async def test_mp4_lyr(plugin_app: Any) -> None:
    async with plugin_app(LyricsPlugin()) as core:
        track_id, path = await _track(core, "m4a", "mp4")
        audio = MP4(path)
        audio["\xa9lyr"] = ["Words in an MP4"]
        audio.save()
        body = await _lyrics(core, track_id)
    assert body["source"] == "embedded" and body["plain"] == "Words in an MP4"


async def test_sidecars_plain_and_enhanced_in_two_languages(plugin_app: Any) -> None:
    async with plugin_app(LyricsPlugin()) as core:
        track_id, path = await _track(core, "flac", "side")
        path.with_suffix(".lrc").write_text(ENHANCED)
        path.with_name("side.fr.lrc").write_text("[00:01.00]Bonjour\n[00:03.00]Deuxième ligne\n")
        body = await _lyrics(core, track_id)
        again = await _lyrics(core, track_id)
    assert body["source"] == "sidecar" and body["synced"] and body["language"] == "en"
    english, french = body["structuredLyrics"]
    assert english["line"][0] == {"start": 1000, "value": "Hello bright world", "words": [
        {"start": 1000, "value": "Hello"}, {"start": 1500, "value": "bright"}, {"start": 2000, "value": "world"}]}
    assert english["line"][1]["start"] == 3000
    assert french["lang"] == "fr" and french["line"][0] == {"start": 1000, "value": "Bonjour"}
    assert again["fetched_at"] == body["fetched_at"]  # cached


async def test_a_malformed_lrc_gives_its_lines_with_a_note(plugin_app: Any) -> None:
    async with plugin_app(LyricsPlugin()) as core:
        track_id, path = await _track(core, "flac", "broken")
        path.with_suffix(".lrc").write_bytes(b"[00:01.00]Fine line\n[00:7x.00]Broken time\n[01:75.00]Too many seconds\n"
                                             b"[00:05.00]Caf\xe9\n")
        body = await _lyrics(core, track_id)
    lines = body["structuredLyrics"][0]["line"]
    assert [(line["start"], line["value"]) for line in lines] == [(1000, "Fine line"), (5000, "Café")]
    assert any("line 2" in note and "[00:7x.00]" in note for note in body["notes"])
    assert any("line 3" in note for note in body["notes"])
    assert any("Windows-1252" in note for note in body["notes"])


async def test_only_garbage_is_plain_lyrics_with_a_note(plugin_app: Any) -> None:
    async with plugin_app(LyricsPlugin()) as core:
        track_id, path = await _track(core, "flac", "garbage")
        path.with_suffix(".lrc").write_text("[0:xx] la la\n[zz] da da\n")
        body = await _lyrics(core, track_id)
    assert body["synced"] is False and body["plain"] == "la la\nda da"
    assert any("plain lyrics" in note for note in body["notes"])


async def test_order_setting_decides_and_no_lyrics_is_404(plugin_app: Any) -> None:
    async with plugin_app(LyricsPlugin(), LYRICS_ORDER="sidecar,embedded") as core:
        track_id, path = await _track(core, "flac", "both")
        audio = FLAC(path)
        audio["LYRICS"] = "from the tags"
        audio.save()
        path.with_suffix(".lrc").write_text("[00:01.00]from the sidecar")
        body = await _lyrics(core, track_id)
        empty_id, _ = await _track(core, "flac", "empty")
        missing = await _lyrics(core, empty_id, 404)
        absent = await core.client.get("/api/tracks/999999/lyrics")
    assert body["source"] == "sidecar"
    assert missing["error"]["code"] == "no_lyrics"
    assert missing["error"]["details"]["asked"] == ["sidecar", "embedded"]
    assert absent.status_code == 404


async def test_the_files_are_never_written(plugin_app: Any) -> None:
    async with plugin_app(LyricsPlugin()) as core:
        track_id, path = await _track(core, "flac", "untouched")
        path.with_suffix(".lrc").write_text("[00:01.00]x")
        before = {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in path.parent.iterdir()}
        await _lyrics(core, track_id)
        after = {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in path.parent.iterdir()}
    assert before == after
    assert mutagen.File(path) is not None
