"""Guess title, artist, album, track and disc from a file's path, for files without tags.

Layouts understood (relative to the media root):

* ``Artist/Album/NN - Title.ext`` and ``Artist/Album/CD2/NN Title.ext``
  (disc folders: "CD2", "Disc 2", "Disk 2", "CD 2"),
* ``Artist - Album/NN. Title.ext``,
* ``Album/Title.ext`` (one folder without " - ": the folder is the album),
* ``Artist - Title.ext`` at the root.

A leading track number ("01 - ", "01. ", "01_", "01 ", "1-04 " with a disc
number) is taken off the title; a year on the album folder ("Album (1998)",
"[1998] Album", "1998 - Album") is taken off the album and kept as the year.
Underscores stand for spaces when a name has no spaces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

_DISC_FOLDER = re.compile(r"^(?:cd|disc|disk|dvd)\s*[-_.]?\s*(\d{1,2})$", re.IGNORECASE)
_TRACK_PREFIX = re.compile(r"^(?:(\d{1,2})[-.])?(\d{1,3})(?:\s*[-._)]\s*|\s+)(?=\S)")
_YEAR_SUFFIX = re.compile(r"^(.*?)\s*[(\[]((?:19|20)\d{2})[)\]]\s*$")
_YEAR_PREFIX = re.compile(r"^[(\[]?((?:19|20)\d{2})[)\]]?\s*(?:-\s+)?(.+)$")


@dataclass(frozen=True, slots=True)
class Guess:
    """What the path suggests. Any field may be None."""

    title: str | None = None
    artist: str | None = None
    album: str | None = None
    track_number: int | None = None
    disc_number: int | None = None
    year: int | None = None


def _tidy(name: str) -> str:
    name = name.strip()
    if " " not in name and "_" in name:
        name = name.replace("_", " ")
    return re.sub(r"\s{2,}", " ", name).strip()


def _album_and_year(folder: str) -> tuple[str, int | None]:
    m = _YEAR_SUFFIX.match(folder)
    if m and m.group(1).strip():
        return _tidy(m.group(1)), int(m.group(2))
    m = _YEAR_PREFIX.match(folder)
    if m and m.group(2).strip() and (folder[:1] in "([" or " - " in folder[:8]):
        return _tidy(m.group(2)), int(m.group(1))
    return _tidy(folder), None


def guess_from_path(relative_path: str) -> Guess:
    """Guess what a file is from ``relative_path`` (POSIX, relative to the media root)."""
    path = PurePosixPath(relative_path)
    stem = path.stem
    folders = list(path.parts[:-1])
    disc: int | None = None
    if folders:
        m = _DISC_FOLDER.match(folders[-1].strip())
        if m:
            disc = int(m.group(1))
            folders.pop()

    track: int | None = None
    m = _TRACK_PREFIX.match(stem)
    if m and not (len(m.group(2)) == 3 and not m.group(1)):
        track = int(m.group(2)) or None
        if m.group(1) and disc is None:
            disc = int(m.group(1)) or None
        stem = stem[m.end() :]
    elif m and m.group(2) and len(m.group(2)) == 3:  # "101 Title": disc 1, track 01
        number = m.group(2)
        disc = disc or int(number[0]) or None
        track = int(number[1:]) or None
        stem = stem[m.end() :]
    title = _tidy(stem) or None

    artist = album = None
    year = None
    if len(folders) >= 2:
        artist = _tidy(folders[-2]) or None
        album, year = _album_and_year(folders[-1])
    elif len(folders) == 1:
        folder = folders[0]
        if " - " in folder:
            left, right = folder.split(" - ", 1)
            artist = _tidy(left) or None
            album, year = _album_and_year(right)
        else:
            album, year = _album_and_year(folder)
    elif title and " - " in title:
        left, right = title.split(" - ", 1)
        artist, title = _tidy(left) or None, _tidy(right) or None
    return Guess(title=title, artist=artist, album=album or None, track_number=track, disc_number=disc,
                 year=year)
