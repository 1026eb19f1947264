"""Typed data that crosses the plugin contract.

Everything a plugin receives from the core or hands back to it is one of the
types below (or a plain scalar). They are the stable, versioned surface of
Sonántica for plugin authors; the hooks that pass them are in
:mod:`sonantica_core.hookspecs`.

Bump :data:`CONTRACT_VERSION`'s minor number for additions and its major
number for anything that can break an existing plugin.
"""

from __future__ import annotations

import abc
import datetime as dt
import enum
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sonantica_core.errors import SonanticaError

if TYPE_CHECKING:
    import numpy as np
    from sqlalchemy.ext.asyncio import AsyncSession

#: Version of the plugin contract, as ``(major, minor)``. A plugin declares the
#: range it supports (``api = ">=1,<2"``) and is refused at start-up otherwise.
CONTRACT_VERSION: tuple[int, int] = (1, 2)


# --------------------------------------------------------------------------
# Scanning
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CoverArt:
    """A cover image found for a track: embedded in the file or beside it."""

    data: bytes
    mime_type: str
    source: Literal["embedded", "folder"]
    #: For folder covers: the file's path relative to the media root.
    path: str | None = None


@dataclass(frozen=True, slots=True)
class TechnicalInfo:
    """What the audio stream is, independent of its tags."""

    codec: str  # "flac", "mp3", "aac", "alac", "vorbis", "opus", "pcm", "wavpack", "ape", "dsd", ...
    container: str  # "flac", "mp3", "ogg", "mp4", "wav", "aiff", "wv", "ape", "dsf", ...
    sample_rate: int | None
    bit_depth: int | None
    channels: int | None
    bitrate: int | None  # bits per second
    duration: float | None  # seconds
    lossless: bool


@dataclass(frozen=True, slots=True)
class ReplayGainTags:
    """ReplayGain values found in a file's tags (not computed)."""

    track_gain: float | None = None
    track_peak: float | None = None
    album_gain: float | None = None
    album_peak: float | None = None


@dataclass(frozen=True, slots=True)
class TagInfo:
    """The tags of one file, normalised across formats.

    Multi-valued fields are tuples in the order the file lists them. ``artist``
    and ``album_artist`` keep the display string as written; ``artists`` and
    ``album_artists`` hold the individual names linked to artist records.
    """

    title: str | None = None
    artist: str | None = None
    artists: tuple[str, ...] = ()
    album: str | None = None
    album_artist: str | None = None
    album_artists: tuple[str, ...] = ()
    compilation: bool = False
    track_number: int | None = None
    track_total: int | None = None
    disc_number: int | None = None
    disc_total: int | None = None
    date: str | None = None  # as written, ISO-like: "1997", "1997-05-21"
    original_date: str | None = None
    year: int | None = None
    genres: tuple[str, ...] = ()
    composers: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    isrc: str | None = None
    musicbrainz_track_id: str | None = None
    musicbrainz_recording_id: str | None = None
    musicbrainz_release_id: str | None = None
    musicbrainz_release_group_id: str | None = None
    musicbrainz_artist_ids: tuple[str, ...] = ()
    musicbrainz_album_artist_ids: tuple[str, ...] = ()
    replaygain: ReplayGainTags = field(default_factory=ReplayGainTags)
    lyrics: str | None = None
    #: True when title/artist/album were guessed from the path, not read from tags.
    guessed: bool = False
    #: Any other tag worth keeping, stored in ``track_metadata`` with source "tags".
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ScannedFile:
    """One audio file as read by a scanner.

    ``audio_hash`` identifies the *audio*, not the file: it must not change when
    tags are edited or the file is moved or renamed (for example FLAC's STREAMINFO
    MD5, or a hash of the audio frames without the tag blocks). The core uses it
    to keep a track's id, history, playlists and analysis across such changes.
    """

    root: str  # name of the media root
    relative_path: str  # POSIX path inside the root
    size: int
    mtime_ns: int
    audio_hash: str
    technical: TechnicalInfo
    tags: TagInfo
    cover: CoverArt | None = None


@dataclass(frozen=True, slots=True)
class ScanProblem:
    """A file a scanner could not read; recorded with a reason, never fatal."""

    root: str
    relative_path: str
    reason: str  # short, human readable: "truncated FLAC stream", "zero-byte file"
    kind: Literal["corrupt", "empty", "unsupported", "unreadable", "loop", "other"] = "other"


@dataclass(frozen=True, slots=True)
class FileStat:
    """What the scanner saw on disk before reading a file (for incremental scans)."""

    root: str
    relative_path: str
    size: int
    mtime_ns: int


class Scanner(abc.ABC):
    """Reads audio files. Runs in a worker, inside the scan task.

    The core walks the media roots, compares size and mtime with the database and
    hands each new or changed file to the first scanner whose :meth:`accepts`
    returns True.
    """

    #: Unique name, by convention the plugin's name.
    name: str = ""

    @abc.abstractmethod
    def accepts(self, path: Path) -> bool:
        """Return True if this scanner reads files like ``path`` (cheap: by name)."""

    @abc.abstractmethod
    def read(self, root: str, root_path: Path, relative_path: str) -> ScannedFile:
        """Read one file. Raise :class:`ScanError` with a reason for a bad file."""


class ScanError(SonanticaError):
    """Raised by a scanner for a file it cannot read; the scan goes on."""

    def __init__(
        self,
        reason: str,
        kind: Literal["corrupt", "empty", "unsupported", "unreadable", "loop", "other"] = "corrupt",
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


# --------------------------------------------------------------------------
# Analysis
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AudioNeed:
    """The form of audio an analyzer wants; the core derives each form once.

    ``sample_rate`` None means the file's native rate; ``mono`` True means the
    channels averaged to one.
    """

    sample_rate: int | None = None
    mono: bool = False


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What the decoded stream is, given to an analyzer before its first block."""

    track_id: int
    path: Path
    native_sample_rate: int
    native_channels: int
    channel_layout: str  # "mono", "stereo", "5.1", ...
    duration: float | None  # seconds, if known
    #: The rate and channel count of the blocks this analyzer will receive.
    sample_rate: int
    channels: int


class AnalysisSession(abc.ABC):
    """One analyzer working on one track. Receives the audio in blocks.

    Blocks are ``float32`` arrays of shape ``(frames, channels)`` with values in
    [-1, 1], in order, at the rate and channel count given in :class:`AudioInfo`.
    Keep memory bounded: a two-hour file arrives as many blocks; do not keep them
    all unless your analysis needs a bounded excerpt.
    """

    @abc.abstractmethod
    def feed(self, block: np.ndarray) -> None:
        """Take the next block of audio."""

    @abc.abstractmethod
    def finish(self) -> AnalysisResult:
        """Return the result once the last block has been fed."""


class Analyzer(abc.ABC):
    """Computes features from decoded audio. Runs in a worker, in the analysis task.

    ``name`` and ``version`` are stored with every result; raising ``version``
    re-queues every track the analyzer has analysed before.
    """

    name: str = ""
    version: int = 1
    needs: AudioNeed = AudioNeed()

    @abc.abstractmethod
    def start(self, info: AudioInfo) -> AnalysisSession:
        """Begin analysing one track."""

    async def save(self, session: AsyncSession, track_id: int, result: AnalysisResult) -> None:
        """Optionally write this analyzer's own results to its own tables (made by its migrations).

        Called in the worker, inside the transaction that records this analyzer's outcome for
        ``track_id``, with ``result`` as :meth:`AnalysisSession.finish` returned it (put your
        values in :attr:`AnalysisResult.data`). Use ``session.execute``; don't commit. If it
        raises, none of this analyzer's results are kept and it counts as failed for the track;
        the other analyzers' results are kept. Read your table back wherever you need it (your
        routes, ``on_analysis_ready``).
        """
        return None

    def finish_album(self, tracks: Sequence[AnalysisResult]) -> Mapping[int, Mapping[str, Any]] | None:
        """Optionally compute album-level values once every track of an album is analysed.

        Receives this analyzer's results for each track of the album (with
        ``track_id`` set) and returns ``{track_id: {feature: value}}`` to merge
        into ``track_audio_features``, or None.
        """
        return None


#: Columns of ``track_audio_features`` an analyzer may fill through
#: :attr:`AnalysisResult.features`: text for ``key``, ``mode`` and ``camelot_key``
#: (:data:`TEXT_FEATURES`), numbers for the others. Anything else goes to ``extras``, or to
#: ``data`` and the analyzer's own table (:meth:`Analyzer.save`).
FEATURE_COLUMNS: frozenset[str] = frozenset(
    {
        "bpm",
        "bpm_confidence",
        "key",
        "mode",
        "camelot_key",
        "key_confidence",
        "loudness_lufs",
        "loudness_range_lu",
        "true_peak_dbtp",
        "sample_peak",
        "replaygain_track_gain",
        "replaygain_track_peak",
        "replaygain_album_gain",
        "replaygain_album_peak",
        "danceability",
        "energy",
        "mood_happy",
        "mood_aggressive",
        "mood_party",
        "mood_relaxed",
        "instrumental",
        "acoustic",
        "tonal",
    }
)

#: The feature columns that hold text; the others hold numbers.
TEXT_FEATURES: frozenset[str] = frozenset({"key", "mode", "camelot_key"})


@dataclass(slots=True)
class AnalysisResult:
    """What an analyzer found for one track.

    * ``features``: values for the columns named in :data:`FEATURE_COLUMNS` (numbers, and text
      for ``key``, ``mode`` and ``camelot_key``; None for "not known"). Any other key, or a value
      of the wrong type, is refused: the analyzer counts as failed for the track, with an error
      naming the key, and nothing of its result is kept.
    * ``extras``: other key/value pairs as text, stored in ``track_metadata`` with the
      analyzer's name as source (shown in ``GET /api/tracks/{id}/analysis``).
    * ``data``: typed values of the analyzer's own (numbers, arrays, lists, ...), never stored
      by the core: handed to :meth:`Analyzer.save`, which writes them to the analyzer's table.
    * ``artifacts``: files to keep in the derived-data directory, by name
      (for example ``{"waveform.json": b"..."}``); served by the core.
    * ``fingerprint``: an acoustic fingerprint, for duplicate detection.
    * ``state``: opaque JSON-able values the analyzer wants back in
      :meth:`Analyzer.finish_album` (for example loudness blocks).
    """

    features: dict[str, float | str | None] = field(default_factory=dict)
    extras: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    artifacts: dict[str, bytes] = field(default_factory=dict)
    fingerprint: Sequence[int] | None = None
    state: dict[str, Any] = field(default_factory=dict)
    track_id: int | None = None


# --------------------------------------------------------------------------
# Metadata, lyrics, stems, recommendations
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrackRef:
    """What a provider is told about a track."""

    id: int
    title: str | None
    artist: str | None
    album: str | None
    album_artist: str | None
    duration: float | None
    isrc: str | None = None
    musicbrainz_recording_id: str | None = None
    musicbrainz_release_id: str | None = None
    path: Path | None = None


@dataclass(frozen=True, slots=True)
class MetadataValue:
    """One enriched value for an artist, album or track."""

    entity: Literal["track", "album", "artist"]
    entity_id: int
    key: str
    value: str
    source: str
    #: True: a guess below the provider's match threshold, stored as a candidate and not applied.
    candidate: bool = False
    #: How sure the provider is of its match, 0 to 1 (None: an exact identifier matched).
    score: float | None = None


@dataclass(frozen=True, slots=True)
class AlbumRef:
    """What a provider is told about an album: its facts and its tracks in order."""

    id: int
    title: str
    album_artist: str | None
    album_artist_id: int | None
    musicbrainz_release_id: str | None
    musicbrainz_release_group_id: str | None
    date: str | None
    has_cover: bool
    tracks: tuple[TrackRef, ...] = ()


class MetadataProvider(abc.ABC):  # noqa: B024 (either method may be the one implemented)
    """Enriches the library from an outside source. Runs in a worker (the enrichment task).

    The core asks :meth:`enrich_album` with the whole album first; a provider that answers
    None there (the default) is asked :meth:`enrich_track` for each of the album's tracks.
    Implement at least one of them. Raising records the failure for the album (earlier
    values are kept).
    """

    name: str = ""

    async def enrich_album(self, album: AlbumRef) -> Sequence[MetadataValue] | None:
        """Values for the album, its tracks and artists; None: this provider works per track."""
        return None

    async def enrich_track(self, track: TrackRef) -> Sequence[MetadataValue]:
        """Return values found for ``track`` (empty when nothing is known)."""
        return ()


@dataclass(frozen=True, slots=True)
class LyricsWord:
    """One word (or syllable) of a synchronised line, where its time is known (enhanced LRC, SYLT)."""

    start: float  # seconds
    text: str


@dataclass(frozen=True, slots=True)
class LyricsLine:
    start: float  # seconds
    text: str
    #: The line's words with their own times; empty when only the line's time is known.
    words: tuple[LyricsWord, ...] = ()


@dataclass(frozen=True, slots=True)
class Lyrics:
    """Plain or synchronised lyrics for a track."""

    source: str
    plain: str | None = None
    synced: tuple[LyricsLine, ...] = ()
    #: ISO 639 code (``"en"``, ``"eng"``) when known.
    language: str | None = None
    instrumental: bool = False
    #: What was odd about the source and how it was read (a malformed LRC line, ...), for the user.
    notes: tuple[str, ...] = ()
    #: The same song's lyrics in other languages, from the same source.
    others: tuple[Lyrics, ...] = ()


class LyricsProvider(abc.ABC):
    """Finds lyrics for a track; the core caches what it answers.

    A provider that reads only local files (tags, sidecars) leaves ``remote`` false and
    is asked on the request path. One that asks an outside service sets ``remote = True``:
    it is asked only by a worker task, which the request path queues.
    """

    name: str = ""
    #: True: asks an outside service (asked in a worker, never on the request path).
    remote: bool = False

    @abc.abstractmethod
    async def find_lyrics(self, track: TrackRef) -> Lyrics | None:
        """Return lyrics, or None if this provider has none."""


class StemQuality(enum.StrEnum):
    """How good a separator's stems are, so clients can say so.

    * ``neural``: a trained source-separation model (Demucs and the like): stems fit for
      studio use, remixing and karaoke.
    * ``dsp``: signal processing without a model (harmonic/percussive and repeating-pattern
      splits): quick and rough, good for practice and sing-along, audible bleed.
    """

    NEURAL = "neural"
    DSP = "dsp"


class StemSeparator(abc.ABC):
    """Splits audio into stems, on request, in a worker.

    What a separator declares:

    * ``name`` (unique among separators) and ``version`` (raising it makes stems made
      by an older version count as outdated: they are made again when asked for);
    * ``stems``: the names of the stems it gives (``"vocals"``, ``"drums"``, ``"bass"``,
      ``"other"``, ``"accompaniment"``, ``"harmonic"``, ``"percussive"`` ...), in order;
    * ``sample_rate`` and ``channels``: the form of the audio it wants (the core
      decodes the track once and converts it: resampled, down- or up-mixed);
    * ``needs_gpu``: it is impractically slow without one (a worker without one still runs it);
    * ``quality``: a :class:`StemQuality` shown to clients;
    * ``chunk_seconds`` and ``overlap_seconds``: how it is fed.

    How it is fed: the core streams the track through the decode pipeline and calls
    :meth:`separate` with bounded chunks of ``chunk_seconds`` (the last one shorter),
    each beginning ``overlap_seconds`` before the previous one ended. The outputs of
    two neighbouring chunks are cross-faded over the overlap, so a separator that
    behaves differently at a chunk's edges leaves no seam; memory stays bounded
    whatever the length of the track. The core writes each stem as a FLAC file and
    never holds more than one chunk (plus one overlap) per stem.

    What it returns: for every name in ``stems``, a ``float32`` array of the chunk's
    shape ``(frames, channels)``. A separator may keep no state between chunks (chunks
    of different tracks may follow each other on one object).
    """

    name: str = ""
    version: int = 1
    stems: tuple[str, ...] = ("vocals", "drums", "bass", "other")
    sample_rate: int = 44100
    channels: int = 2
    needs_gpu: bool = False
    quality: StemQuality = StemQuality.DSP
    chunk_seconds: float = 30.0
    overlap_seconds: float = 1.0

    def load(self) -> None:
        """Get ready before the first chunk (load weights, pick a device); called once per
        separation, in the worker. Raise with a message that says what is missing."""
        return None

    @abc.abstractmethod
    def separate(self, chunk: np.ndarray) -> Mapping[str, np.ndarray]:
        """Split one ``(frames, channels)`` float32 chunk: ``{stem: array of the same shape}``."""


@dataclass(frozen=True, slots=True)
class RecommendationSeed:
    """What to recommend for: a track, a user's taste, or a mood."""

    user_id: int
    track_id: int | None = None
    mood: str | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class ScoredTrack:
    track_id: int
    score: float
    reason: str | None = None


class Recommender(abc.ABC):
    """Proposes scored tracks for a seed. Called by the core on the request path."""

    name: str = ""

    @abc.abstractmethod
    async def recommend(self, seed: RecommendationSeed, context: Any) -> Sequence[ScoredTrack]:
        """Return tracks best first."""


# --------------------------------------------------------------------------
# Stars and ratings (read and written with sonantica_core.library.userdata)
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Annotation:
    """What one user said about one track, album or artist: a star with its time, a rating.

    ``rating`` is 1–5, or None when not rated (setting 0 clears it). ``kind`` is ``"track"``,
    ``"album"`` or ``"artist"``; ``item_id`` is the library's id of it.
    """

    kind: Literal["track", "album", "artist"]
    item_id: int
    user_id: int
    starred_at: dt.datetime | None = None
    rating: int | None = None

    @property
    def starred(self) -> bool:
        return self.starred_at is not None


# --------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Event:
    """Base of every event published on the event bus and ``GET /api/events``."""

    #: Dotted type name, e.g. ``"track.added"``.
    type: str = ""
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


@dataclass(frozen=True, slots=True)
class TracksChanged(Event):
    """Tracks were added, changed, moved or removed by a scan."""

    type: str = "tracks.changed"
    added: tuple[int, ...] = ()
    changed: tuple[int, ...] = ()
    moved: tuple[int, ...] = ()
    removed: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class AnalysisReady(Event):
    type: str = "analysis.ready"
    track_id: int = 0
    analyzers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PlayRecorded(Event):
    """A play ended and is in the user's history (once per play, however often it was reported).

    ``at`` is when the play started; ``skipped`` is true when the time listened
    (``duration_played`` seconds) was under the play rule (half the track or 4 minutes, at
    least 30 s): scrobblers forward only plays that are not skipped.
    """

    type: str = "play.recorded"
    track_id: int = 0
    user_id: int = 0
    duration_played: float | None = None
    skipped: bool = False
    client: str | None = None
    #: The history entry's id (0 where unknown).
    entry_id: int = 0


@dataclass(frozen=True, slots=True)
class PlayStarted(Event):
    """A user started playing a track (for "now playing"); the play is not counted yet."""

    type: str = "play.started"
    track_id: int = 0
    user_id: int = 0
    client: str | None = None
    entry_id: int = 0


def iter_feature_names() -> Iterator[str]:
    """The feature columns, sorted (for docs and validation)."""
    return iter(sorted(FEATURE_COLUMNS))
