"""Stems on demand: separating a track when someone asks, serving the stems, forgetting them.

* :mod:`.pipeline`: one separation (decode once, chunks with overlap, cross-fade, FLAC per stem);
* :mod:`.chunks`: the chunking and overlap-add;
* :mod:`.mix`: mixes with a gain per stem;
* :mod:`.files`: ``DATA_DIR/stems`` (written to ``.part`` folders, renamed whole);
* :mod:`.store`: the ``track_stems`` rows;
* :mod:`.jobs`: the high-priority tasks, queued once, with progress events;
* :mod:`.evict`: the TTL and the quota;
* :mod:`.separators`: the separators the plugins offer.
"""
