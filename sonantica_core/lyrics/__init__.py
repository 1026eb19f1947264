"""The lyrics chain: every lyrics provider in ``LYRICS_ORDER``, the first that finds lyrics wins.

:func:`~sonantica_core.lyrics.service.lyrics_for` answers a track's lyrics as structured
lines (OpenSubsonic's ``structuredLyrics``), from the cache, from the local providers on
the request path, or by queueing :func:`~sonantica_core.lyrics.tasks.find_lyrics_task` when
only providers that ask outside services are left.
"""

from sonantica_core.lyrics.service import LyricsAnswer, forget_lyrics, lyrics_for

__all__ = ["LyricsAnswer", "forget_lyrics", "lyrics_for"]
