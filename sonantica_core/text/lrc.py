"""Reading LRC text: ``[mm:ss.xx] words`` lines into timed lines (embedded lyrics, LRCLIB, sidecar files)."""

from __future__ import annotations

import re

from sonantica_core.contract import LyricsLine

_TIME = re.compile(r"\[(\d{1,3}):(\d{1,2}(?:[.:]\d{1,3})?)\]")
_OFFSET = re.compile(r"^\[offset:\s*([+-]?\d+)\s*\]\s*$", re.IGNORECASE)


def parse_lrc(text: str) -> tuple[LyricsLine, ...]:
    """The timed lines of LRC ``text``, sorted by time.

    A line may carry several times (``[00:12.00][00:45.00]chorus``);
    ``[offset:+250]`` shifts every time earlier by 250 ms (LRC's convention);
    metadata tags (``[ar:...]``) and untimed lines are skipped; negative times
    become 0.
    """
    offset = 0.0
    lines: list[LyricsLine] = []
    for raw in text.splitlines():
        raw = raw.strip()
        offset_match = _OFFSET.match(raw)
        if offset_match:
            offset = int(offset_match.group(1)) / 1000
            continue
        times = []
        position = 0
        while match := _TIME.match(raw, position):
            minutes, seconds = match.groups()
            times.append(int(minutes) * 60 + float(seconds.replace(":", ".")))
            position = match.end()
        words = raw[position:].strip()
        lines.extend(LyricsLine(start=max(0.0, round(start - offset, 3)), text=words) for start in times)
    return tuple(sorted(lines, key=lambda line: line.start))


def plain_from_lrc(text: str) -> str:
    """The words of LRC ``text`` without times, one line each (for when only synced lyrics exist)."""
    return "\n".join(line.text for line in parse_lrc(text))
