"""The generated library of the Subsonic tests: files, tags and the expected lyrics."""

from __future__ import annotations

from typing import Any

LRC = "[00:00.50]Première ligne\n[00:01.20]Second line\n"
#: (relative path, format, tags) of the generated library.
FILES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "Björk Test/Café Society/01 Olé.flac",
        "flac",
        {
            "title": "Olé",
            "artist": "Björk Test",
            "album": "Café Society",
            "albumartist": "Björk Test",
            "tracknumber": "1",
            "discnumber": "1",
            "date": "2004",
            "genre": ["Jazz"],
            "lyrics": LRC,
            "replaygain_track_gain": "-6.5 dB",
            "replaygain_track_peak": "0.9",
        },
    ),
    (
        "Björk Test/Café Society/02 Naïve.flac",
        "flac",
        {
            "title": "Naïve",
            "artist": "Björk Test",
            "album": "Café Society",
            "albumartist": "Björk Test",
            "tracknumber": "2",
            "discnumber": "1",
            "date": "2004",
            "genre": ["Jazz"],
        },
    ),
    (
        "Björk Test/Café Society/03 Encore.mp3",
        "mp3",
        {
            "title": "Encore",
            "artist": "Björk Test",
            "album": "Café Society",
            "albumartist": "Björk Test",
            "tracknumber": "3",
            "discnumber": "1",
            "date": "2004",
            "genre": ["Jazz"],
        },
    ),
    (
        "The Midnight Band/Night Drive/01 Neon.flac",
        "flac",
        {
            "title": "Neon",
            "artist": "The Midnight Band",
            "album": "Night Drive",
            "albumartist": "The Midnight Band",
            "tracknumber": "1",
            "date": "1987",
            "genre": ["Synthwave"],
        },
    ),
    (
        "The Midnight Band/Night Drive/02 Highway.flac",
        "flac",
        {
            "title": "Highway",
            "artist": "The Midnight Band",
            "album": "Night Drive",
            "albumartist": "The Midnight Band",
            "tracknumber": "2",
            "date": "1987",
            "genre": ["Synthwave"],
        },
    ),
]
