"""Normalise :class:`~sonantica_scanner.readers.RawTags` into the contract's :class:`TagInfo`.

The same rules for every format:

* Text is Unicode, trimmed of whitespace and NULs; empty values count as absent.
* ``artist`` / ``album_artist`` keep the display string as written (several
  values are joined with "; "). ``artists`` / ``album_artists`` come from the
  ARTISTS / ALBUMARTISTS tags when present, else from the display values, split
  on real multi-values, NUL and the configured separators (by default ";" and
  " / "). Never on "&", "and", "feat." or a bare "/": "Simon & Garfunkel",
  "AC/DC" and "A feat. B" stay one name each; split those with an ARTISTS tag.
  Genres, composers and labels follow the same rule.
* Track and disc numbers accept "3", "03", "3/12"; totals also come from
  TRACKTOTAL/TOTALTRACKS, DISCTOTAL/TOTALDISCS; 0 means absent.
* ``date`` is ISO-like ("1997", "1997-05", "1997-05-21"); ``year`` is its year
  (or YEAR's, or the original date's when there is no date).
* ReplayGain comes from REPLAYGAIN_* tags ("-6.54 dB"), else ID3 RVA2 frames,
  else Opus R128_* tags (converted to the -18 LUFS ReplayGain reference).
* MusicBrainz ids are validated UUIDs in lower case. ``musicbrainz_recording_id``
  is Picard's MUSICBRAINZ_TRACKID / UFID / "MusicBrainz Track Id" (a recording);
  ``musicbrainz_track_id`` is the release track (MUSICBRAINZ_RELEASETRACKID).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from sonantica_core.contract import ReplayGainTags, TagInfo
from sonantica_scanner import values as v
from sonantica_scanner.readers import RawTags

_SLASH = re.compile(r"\s*/\s*")


def normalise(raw: RawTags, splitter: v.Splitter, extra: Mapping[str, str] | None = None) -> TagInfo:
    """Build the :class:`TagInfo` of ``raw``; ``extra`` adds scanner notes to ``TagInfo.extra``.

    A file has a handful of the fields read here: each absent one costs a lookup only.
    """
    fields = raw.fields
    get = fields.get
    split, first = splitter.split, v.first

    artist_values, album_artist_values = get("ARTIST"), get("ALBUMARTIST")
    artist = v.display(artist_values) if artist_values else None
    artists = _split(split, get("ARTISTS")) or _split(split, artist_values)
    if artist is None and artists:
        artist = "; ".join(artists)
    album_artist = v.display(album_artist_values) if album_artist_values else None
    album_artists = _split(split, get("ALBUMARTISTS")) or _split(split, album_artist_values)
    if album_artist is None and album_artists:
        album_artist = "; ".join(album_artists)

    track, track_total = v.number_pair(_first(first, get("TRACKNUMBER")))
    disc, disc_total = v.number_pair(_first(first, get("DISCNUMBER")))
    track_total = v.number(_first(first, get("TRACKTOTAL"))) or track_total
    disc_total = v.number(_first(first, get("DISCTOTAL"))) or disc_total

    date = v.date(_first(first, get("DATE"))) or v.date(_first(first, get("YEAR")))
    original = v.date(_first(first, get("ORIGINALDATE"))) or v.date(_first(first, get("ORIGINALYEAR")))
    year = v.year(date) or v.year(original)

    genre_values = get("GENRE")
    genres: tuple[str, ...] = ()
    if genre_values:
        genres = split((v.genre_refs(g) for g in genre_values), extra=None)
        genres = tuple(g.strip("/ ") for g in genres if g.strip("/ "))

    mbid_fields = not _MBID_KEYS.isdisjoint(fields)
    return TagInfo(
        title=_first(first, get("TITLE")),
        artist=artist,
        artists=artists,
        album=_first(first, get("ALBUM")),
        album_artist=album_artist,
        album_artists=album_artists,
        compilation=v.boolean(_first(first, get("COMPILATION"))),
        track_number=track,
        track_total=track_total,
        disc_number=disc,
        disc_total=disc_total,
        date=date,
        original_date=original,
        year=year,
        genres=genres,
        composers=_split(split, get("COMPOSER")),
        labels=_split(split, get("LABEL")),
        isrc=v.isrc(get("ISRC")),
        musicbrainz_track_id=_one(v.mbids(get("MUSICBRAINZ_RELEASETRACKID"))) if mbid_fields else None,
        musicbrainz_recording_id=_one(v.mbids(get("MUSICBRAINZ_TRACKID"))) if mbid_fields else None,
        musicbrainz_release_id=_one(v.mbids(get("MUSICBRAINZ_ALBUMID"))) if mbid_fields else None,
        musicbrainz_release_group_id=_one(v.mbids(get("MUSICBRAINZ_RELEASEGROUPID"))) if mbid_fields else None,
        musicbrainz_artist_ids=v.mbids(get("MUSICBRAINZ_ARTISTID")) if mbid_fields else (),
        musicbrainz_album_artist_ids=v.mbids(get("MUSICBRAINZ_ALBUMARTISTID")) if mbid_fields else (),
        replaygain=replaygain(raw) if not _RG_KEYS.isdisjoint(fields) else _NO_REPLAYGAIN,
        lyrics=v.lyrics(get("LYRICS")),
        extra=_extra(raw, extra),
    )


def _split(split: Callable[[Iterable[str]], tuple[str, ...]], values: list[str] | None) -> tuple[str, ...]:
    return split(values) if values else ()


def _first(first: Callable[[Iterable[str] | None], str | None], values: list[str] | None) -> str | None:
    return first(values) if values else None


#: The MusicBrainz fields read; most files have none of them.
_MBID_KEYS = frozenset({"MUSICBRAINZ_RELEASETRACKID", "MUSICBRAINZ_TRACKID", "MUSICBRAINZ_ALBUMID",
                        "MUSICBRAINZ_RELEASEGROUPID", "MUSICBRAINZ_ARTISTID", "MUSICBRAINZ_ALBUMARTISTID"})


#: The fields :func:`replaygain` reads; most files have none of them.
_RG_KEYS = frozenset(
    f"{source}_{which}_{kind}"
    for source in ("REPLAYGAIN", "RVA2", "R128")
    for which in ("TRACK", "ALBUM")
    for kind in ("GAIN", "PEAK")
)
_NO_REPLAYGAIN = ReplayGainTags()


def _one(ids: tuple[str, ...]) -> str | None:
    return ids[0] if ids else None


def replaygain(raw: RawTags) -> ReplayGainTags:
    """ReplayGain values from REPLAYGAIN_* tags, else RVA2 frames, else Opus R128 tags."""
    f = raw.get

    def pick(which: str, kind: str) -> float | None:
        parse = v.gain if kind == "GAIN" else v.peak
        value = parse(v.first(f(f"REPLAYGAIN_{which}_{kind}")))
        if value is None:
            value = parse(v.first(f(f"RVA2_{which}_{kind}")))
        if value is None and kind == "GAIN":
            value = v.r128_to_replaygain(v.first(f(f"R128_{which}_GAIN")))
        return value

    return ReplayGainTags(
        track_gain=pick("TRACK", "GAIN"),
        track_peak=pick("TRACK", "PEAK"),
        album_gain=pick("ALBUM", "GAIN"),
        album_peak=pick("ALBUM", "PEAK"),
    )


def _extra(raw: RawTags, notes: Mapping[str, str] | None) -> dict[str, str]:
    if not raw.extra and not notes and "R128_TRACK_GAIN" not in raw.fields and "R128_ALBUM_GAIN" not in raw.fields:
        return {}
    out: dict[str, str] = {}
    for key, values in raw.extra.items():
        parts = [p for p in (v.clean(x) for x in values) if p]
        if parts:
            out[key] = "; ".join(dict.fromkeys(parts))
    for key in ("R128_TRACK_GAIN", "R128_ALBUM_GAIN"):
        value = v.first(raw.get(key))
        if value:
            out[key.lower()] = value
    if notes:
        out.update(notes)
    return out
