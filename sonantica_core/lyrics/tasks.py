"""The lyrics chain's task, imported by every worker: asking providers that reach outside services."""

from sonantica_core.lyrics.service import find_lyrics_task

__all__ = ["find_lyrics_task"]
