"""Lyrics text into the contract's :class:`~sonantica_core.contract.Lyrics`, whatever form it has."""

from __future__ import annotations

from collections.abc import Sequence

from sonantica_core.contract import Lyrics
from sonantica_core.text.lrc import looks_like_lrc, read_lrc


def from_text(
    text: str, source: str, language: str | None = None, notes: Sequence[str] = (), *, lrc: bool = False
) -> Lyrics | None:
    """LRC (plain or enhanced; ``lrc``: whatever it looks like) or plain text; None when there are no words."""
    if lrc or looks_like_lrc(text):
        document = read_lrc(text)
        return Lyrics(
            source=source,
            plain=document.plain() or None,
            synced=document.lines,
            language=language or document.language,
            notes=(*notes, *document.notes),
        ) if document.lines or document.plain().strip() else None
    words = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n\ufeff ")
    if not words.strip():
        return None
    return Lyrics(source=source, plain=words, language=language, notes=tuple(notes))


def language_code(value: str | None) -> str | None:
    """An ISO 639 code from a tag's language field (``"XXX"``, ``"und"`` and blanks: unknown)."""
    code = (value or "").strip()
    if not code or code.lower() in {"xxx", "und", "zxx"} or not code.replace("-", "").isalpha():
        return None
    return code.lower()


def combine(versions: Sequence[Lyrics]) -> Lyrics | None:
    """One :class:`Lyrics` from several versions: synced first, one per language, the rest as ``others``."""
    if not versions:
        return None
    ranked = sorted(versions, key=lambda lyrics: (not lyrics.synced, lyrics.language is not None))
    chosen: list[Lyrics] = []
    languages: set[str | None] = set()
    for lyrics in ranked:
        if lyrics.language in languages:
            continue
        languages.add(lyrics.language)
        chosen.append(lyrics)
    first, *others = chosen
    return Lyrics(
        source=first.source, plain=first.plain, synced=first.synced, language=first.language,
        instrumental=first.instrumental, notes=first.notes, others=tuple(others),
    )
