"""Enrichment: every enabled metadata provider asked about each album, what they found stored with its source.

Values go to ``track_metadata``, ``album_metadata`` and ``artist_metadata``; each provider's
last run per album (matched, candidate, no match, failed, with its error) to
``enrichment_runs``. Values the files' tags already give win unless
``METADATA_OVERWRITE_TAGS`` is set; the media folders are never written.
"""

from sonantica_core.metadata.enrich import EnrichOutcome, clear_album, enrich_album

__all__ = ["EnrichOutcome", "clear_album", "enrich_album"]
