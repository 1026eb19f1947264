"""Details of a track, an album and an artist: exact content, links, and 404s."""

from __future__ import annotations

from typing import Any

from librarybuild import Library


async def test_track_detail(api: Any, library: Library) -> None:
    track_id, album_id, artist_id = library.tracks["hunter"], library.albums["homogenic"], library.artists["bjork"]
    response = await api.get(f"/api/library/tracks/{track_id}")
    assert response.status_code == 200
    track = response.json()
    features = track.pop("features")
    updated_at = track.pop("updated_at")
    assert updated_at.endswith("+00:00")
    assert track == {
        "id": track_id,
        "title": "Hunter",
        "artist": "Björk",
        "artists": [{"id": artist_id, "name": "Björk"}],
        "album": {"id": album_id, "title": "Homogenic"},
        "album_artist": "Björk",
        "track_number": 1,
        "disc_number": None,
        "year": 1997,
        "genres": [{"id": library.genres["electronic"], "name": "Electronic"}],
        "duration": 255.5,
        "added_at": "2024-01-01T07:00:00+00:00",
        "audio": {
            "container": "flac",
            "codec": "flac",
            "sample_rate": 44100,
            "bit_depth": 16,
            "channels": 2,
            "bitrate": 900000,
            "lossless": True,
            "size": 1007,
        },
        "analysis": {
            "bpm": 90.0,
            "key": "A minor",
            "camelot_key": "8A",
            "loudness_lufs": -9.5,
            "replaygain_track_gain": None,
        },
        "links": {
            "self": f"/api/library/tracks/{track_id}",
            "stream": f"/api/stream/{track_id}",
            "cover": f"/api/covers/track/{track_id}?v={'ab' * 6}",
            "waveform": f"/api/tracks/{track_id}/waveform",
            "album": f"/api/library/albums/{album_id}",
            "artist": f"/api/library/artists/{artist_id}",
        },
        "composers": [],
        "composer": None,
        "track_total": None,
        "disc_total": None,
        "date": None,
        "original_date": None,
        "label": None,
        "isrc": None,
        "musicbrainz_track_id": None,
        "musicbrainz_recording_id": None,
        "lyrics": None,
        "replaygain": {"track_gain": None, "track_peak": None, "album_gain": None, "album_peak": None},
        "tags_guessed": False,
        "path": {"root": "music", "relative_path": "0007 Hunter.flac"},
        "is_separated": False,
        "stems": [],
    }
    assert features["bpm"] == 90.0 and features["camelot_key"] == "8A" and features["loudness_lufs"] == -9.5
    assert features["danceability"] is None and features["analyzed_at"].endswith("+00:00")


async def test_track_detail_composers_and_no_analysis(api: Any, library: Library) -> None:
    track = (await api.get(f"/api/library/tracks/{library.tracks['presto']}")).json()
    assert track["composers"] == [{"id": library.artists["beethoven"], "name": "Ludwig van Beethoven"}]
    assert track["composer"] == "Ludwig van Beethoven"
    assert track["analysis"] is None and track["features"] is None
    assert track["audio"]["bit_depth"] == 24 and track["audio"]["sample_rate"] == 96000
    loose = (await api.get(f"/api/library/tracks/{library.tracks['loose']}")).json()
    assert loose["album"] is None and loose["duration"] is None
    assert loose["links"]["album"] is None and loose["links"]["cover"] == f"/api/covers/track/{loose['id']}"


async def test_album_detail_lists_tracks_in_disc_and_track_order(api: Any, library: Library) -> None:
    album = (await api.get(f"/api/library/albums/{library.albums['ninth']}")).json()
    assert [track["title"] for track in album["tracks"]] == [
        "Allegro ma non troppo",
        "Molto vivace",
        "Presto – Allegro assai",
    ]
    assert [(t["disc_number"], t["track_number"]) for t in album["tracks"]] == [(1, 1), (1, 2), (2, 1)]
    assert album["discs"] == [1, 2]
    assert album["disc_total"] == 2 and album["track_count"] == 3 and album["duration"] == 3000.0
    assert album["genres"] == [{"id": library.genres["classical"], "name": "Classical"}]
    assert album["lossless"] is True
    homogenic = (await api.get(f"/api/library/albums/{library.albums['homogenic']}")).json()
    assert [t["title"] for t in homogenic["tracks"]] == ["Hunter", "Jóga", "Bachelorette"]  # not the removed one
    assert homogenic["genres"] == [
        {"id": library.genres["electronic"], "name": "Electronic"},
        {"id": library.genres["pop"], "name": "Pop"},
    ]


async def test_artist_detail_albums_and_appearances(api: Any, library: Library) -> None:
    bjork = (await api.get(f"/api/library/artists/{library.artists['bjork']}")).json()
    assert [a["title"] for a in bjork["albums"]] == ["Debut", "Homogenic"]
    assert [a["title"] for a in bjork["appearances"]] == ["Now That's Sonántica"]
    assert bjork["appearances"][0]["compilation"] is True
    assert (bjork["album_count"], bjork["track_count"], bjork["composed_track_count"]) == (2, 6, 0)
    beatles = (await api.get(f"/api/library/artists/{library.artists['beatles']}")).json()
    assert beatles["albums"] == [] and [a["title"] for a in beatles["appearances"]] == ["Now That's Sonántica"]
    beethoven = (await api.get(f"/api/library/artists/{library.artists['beethoven']}")).json()
    assert beethoven["albums"] == [] and beethoven["appearances"] == []
    assert (beethoven["track_count"], beethoven["composed_track_count"]) == (0, 3)
    assert beethoven["links"] == {
        "self": f"/api/library/artists/{beethoven['id']}",
        "tracks": f"/api/library/tracks?artist={beethoven['id']}&sort=album",
        "albums": f"/api/library/albums?artist={beethoven['id']}&sort=year",
    }


async def test_missing_items_are_404_in_the_error_shape(api: Any, library: Library) -> None:
    for url in (
        f"/api/library/tracks/{library.tracks['ghost']}",  # removed from the library
        "/api/library/tracks/999999",
        "/api/library/albums/999999",
        "/api/library/artists/999999",
        f"/api/library/tracks/{2**63}",
        "/api/library/tracks/0",
    ):
        response = await api.get(url)
        assert response.status_code == 404, url
        assert response.json()["error"]["code"] == "not_found"
    assert (await api.get("/api/library/tracks/abc")).status_code == 404


async def test_library_needs_a_user(client: Any, library: Library) -> None:
    for url in ("/api/library/tracks", "/api/search?q=bjork", f"/api/covers/{library.albums['homogenic']}"):
        response = await client.get(url)
        assert response.status_code == 401, url
        assert response.json()["error"]["code"] == "unauthorized"
