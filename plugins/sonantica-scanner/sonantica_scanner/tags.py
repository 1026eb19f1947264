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
from collections.abc import Mapping

from sonantica_core.contract import ReplayGainTags, TagInfo
from sonantica_scanner import values as v
from sonantica_scanner.readers import RawTags

_SLASH = re.compile(r"\s*/\s*")


def normalise(raw: RawTags, splitter: v.Splitter, extra: Mapping[str, str] | None = None) -> TagInfo:
    """Build the :class:`TagInfo` of ``raw``; ``extra`` adds scanner notes to ``TagInfo.extra``."""
    f = raw.get
    artist = v.display(f("ARTIST"))
    artists = splitter.split(f("ARTISTS")) or splitter.split(f("ARTIST"))
    if artist is None and artists:
        artist = "; ".join(artists)
    album_artist = v.display(f("ALBUMARTIST"))
    album_artists = splitter.split(f("ALBUMARTISTS")) or splitter.split(f("ALBUMARTIST"))
    if album_artist is None and album_artists:
        album_artist = "; ".join(album_artists)

    track, track_total = v.number_pair(v.first(f("TRACKNUMBER")))
    disc, disc_total = v.number_pair(v.first(f("DISCNUMBER")))
    track_total = v.number(v.first(f("TRACKTOTAL"))) or track_total
    disc_total = v.number(v.first(f("DISCTOTAL"))) or disc_total

    date = v.date(v.first(f("DATE"))) or v.date(v.first(f("YEAR")))
    original = v.date(v.first(f("ORIGINALDATE"))) or v.date(v.first(f("ORIGINALYEAR")))
    year = v.year(date) or v.year(original)

    genres = splitter.split((v.genre_refs(g) for g in f("GENRE")), extra=None)
    genres = tuple(g.strip("/ ") for g in genres if g.strip("/ "))

    return TagInfo(
        title=v.first(f("TITLE")),
        artist=artist,
        artists=artists,
        album=v.first(f("ALBUM")),
        album_artist=album_artist,
        album_artists=album_artists,
        compilation=v.boolean(v.first(f("COMPILATION"))),
        track_number=track,
        track_total=track_total,
        disc_number=disc,
        disc_total=disc_total,
        date=date,
        original_date=original,
        year=year,
        genres=genres,
        composers=splitter.split(f("COMPOSER")),
        labels=splitter.split(f("LABEL")),
        isrc=v.isrc(f("ISRC")),
        musicbrainz_track_id=_one(v.mbids(f("MUSICBRAINZ_RELEASETRACKID"))),
        musicbrainz_recording_id=_one(v.mbids(f("MUSICBRAINZ_TRACKID"))),
        musicbrainz_release_id=_one(v.mbids(f("MUSICBRAINZ_ALBUMID"))),
        musicbrainz_release_group_id=_one(v.mbids(f("MUSICBRAINZ_RELEASEGROUPID"))),
        musicbrainz_artist_ids=v.mbids(f("MUSICBRAINZ_ARTISTID")),
        musicbrainz_album_artist_ids=v.mbids(f("MUSICBRAINZ_ALBUMARTISTID")),
        replaygain=replaygain(raw),
        lyrics=v.lyrics(f("LYRICS")),
        extra=_extra(raw, extra),
    )


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
