"""Reading LRC text: ``[mm:ss.xx] words`` lines into timed lines (embedded lyrics, LRCLIB, sidecar files).

Plain LRC times each line; enhanced LRC (A2) also times each word with ``<mm:ss.xx>``
inside the line. Header tags name the language (``[la:en]``, ``[lang:eng]``) and shift
every time (``[offset:+250]``: 250 ms earlier, LRC's convention); other tags
(``[ar:...]``, ``[ti:...]``, ``[length:...]``) are skipped. A line that looks timed but
whose time cannot be read is kept as untimed text with a note, never an error:
:func:`read_lrc` always gives what it could read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sonantica_core.contract import LyricsLine, LyricsWord

_TIME = re.compile(r"\[(\d{1,3}):(\d{1,2}(?:[.:]\d{1,3})?)\]")
_WORD_TIME = re.compile(r"<(\d{1,3}):(\d{1,2}(?:[.:]\d{1,3})?)>")
_TAG = re.compile(r"^\[([A-Za-z#][A-Za-z0-9_ #-]*):(.*)\]\s*$")
_BRACKET = re.compile(r"^\[[^\]]*\]")
_LANGUAGE_TAGS = {"la", "lang", "language"}


@dataclass(frozen=True, slots=True)
class LrcDocument:
    """What an LRC text holds."""

    #: Timed lines, sorted by time (offset applied).
    lines: tuple[LyricsLine, ...]
    #: Lines without a time, in order (text that is not LRC, or whose time was unreadable).
    untimed: tuple[str, ...]
    language: str | None
    #: Milliseconds every time was shifted earlier by (``[offset:]``).
    offset_ms: int
    #: What could not be read, one sentence each ("line 3: ...").
    notes: tuple[str, ...]

    @property
    def synced(self) -> bool:
        return bool(self.lines)

    def plain(self) -> str:
        """The words without times: the timed lines' text, else the untimed lines."""
        if self.lines:
            return "\n".join(line.text for line in self.lines)
        return "\n".join(self.untimed).strip("\n")


def _seconds(minutes: str, seconds: str) -> float | None:
    value = float(seconds.replace(":", "."))
    if value >= 60:
        return None
    return int(minutes) * 60 + value


def _words(text: str, offset: float) -> tuple[str, tuple[LyricsWord, ...]]:
    """The line's text without word times, and its timed words (empty when it has none)."""
    marks = list(_WORD_TIME.finditer(text))
    if not marks:
        return text.strip(), ()
    words: list[LyricsWord] = []
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
        word = text[mark.end() : end]
        start = _seconds(*mark.groups())
        if word.strip() and start is not None:
            words.append(LyricsWord(max(0.0, round(start - offset, 3)), word.strip()))
    plain = " ".join(_WORD_TIME.sub(" ", text).split())
    return plain, tuple(words)


def read_lrc(text: str) -> LrcDocument:
    """Everything LRC ``text`` says: timed lines (with word times), untimed lines, language, notes."""
    offset_ms = 0
    language: str | None = None
    notes: list[str] = []
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n")
    for raw in raw_lines:  # header tags apply to the whole text, wherever they are
        tag = _TAG.match(raw.strip())
        if tag is None or _TIME.match(raw.strip()):
            continue
        name, value = tag.group(1).strip().lower(), tag.group(2).strip()
        if name == "offset":
            if re.fullmatch(r"[+-]?\d+", value):
                offset_ms = int(value)
            else:
                notes.append(f"the offset {value!r} is not a number of milliseconds; not applied")
        elif name in _LANGUAGE_TAGS and value:
            language = value
    offset = offset_ms / 1000
    lines: list[LyricsLine] = []
    untimed: list[str] = []
    for number, raw in enumerate(raw_lines, start=1):
        raw = raw.strip()
        if _TAG.match(raw) and not _TIME.match(raw):
            continue
        times: list[float] = []
        position = 0
        unreadable = False
        while match := _TIME.match(raw, position):
            start = _seconds(*match.groups())
            if start is None:
                unreadable = True
            else:
                times.append(start)
            position = match.end()
        rest = raw[position:]
        if not times and (unreadable or _BRACKET.match(rest)):
            stray = _BRACKET.match(rest)
            tag_text = stray.group(0) if stray else raw[:position]
            notes.append(f"line {number}: the time {tag_text} cannot be read; kept without a time")
            untimed.append(_words(_BRACKET.sub("", rest, count=1) if stray else rest, offset)[0])
            continue
        words, timed_words = _words(rest, offset)
        if not times:
            untimed.append(words)
            continue
        lines.extend(
            LyricsLine(start=max(0.0, round(start - offset, 3)), text=words, words=timed_words) for start in times
        )
    if not lines and any(line.strip() for line in untimed) and notes:
        notes.append("no line has a readable time: shown as plain lyrics")
    return LrcDocument(
        lines=tuple(sorted(lines, key=lambda line: line.start)),
        untimed=tuple(untimed),
        language=language,
        offset_ms=offset_ms,
        notes=tuple(notes),
    )


_ATTEMPTED_TIME = re.compile(r"^\[\d{1,3}:")


def looks_like_lrc(text: str) -> bool:
    """True when a line of ``text`` starts with an LRC time tag (readable or not)."""
    return any(_ATTEMPTED_TIME.match(line.strip()) for line in text.splitlines())


def parse_lrc(text: str) -> tuple[LyricsLine, ...]:
    """The timed lines of LRC ``text``, sorted by time.

    A line may carry several times (``[00:12.00][00:45.00]chorus``);
    ``[offset:+250]`` shifts every time earlier by 250 ms (LRC's convention);
    metadata tags (``[ar:...]``) and untimed lines are skipped; negative times
    become 0; enhanced LRC's ``<mm:ss.xx>`` word times become the lines' words.
    """
    return read_lrc(text).lines


def plain_from_lrc(text: str) -> str:
    """The words of LRC ``text`` without times, one line each (for when only synced lyrics exist)."""
    return "\n".join(line.text for line in parse_lrc(text))
