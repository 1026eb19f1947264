"""The LRC reader (word times, notes, languages) against the plain line reader it replaced.

Reports the time per document of :func:`sonantica_core.text.lrc.read_lrc` on plain and
enhanced LRC as ratios to the reference: the previous line-only reader, copied here.
Writes ``results.md`` beside this script.
"""

from __future__ import annotations

import re
import statistics
import time
from pathlib import Path

from sonantica_core.text.lrc import read_lrc

_TIME = re.compile(r"\[(\d{1,3}):(\d{1,2}(?:[.:]\d{1,3})?)\]")
_OFFSET = re.compile(r"^\[offset:\s*([+-]?\d+)\s*\]\s*$", re.IGNORECASE)


def reference(text: str) -> list[tuple[float, str]]:
    """The reader before word times: timed lines only."""
    offset = 0.0
    lines = []
    for raw in text.splitlines():
        raw = raw.strip()
        found = _OFFSET.match(raw)
        if found:
            offset = int(found.group(1)) / 1000
            continue
        times, position = [], 0
        while match := _TIME.match(raw, position):
            minutes, seconds = match.groups()
            times.append(int(minutes) * 60 + float(seconds.replace(":", ".")))
            position = match.end()
        words = raw[position:].strip()
        lines.extend((max(0.0, round(start - offset, 3)), words) for start in times)
    return sorted(lines)


def documents() -> dict[str, str]:
    plain = "[ar:Band]\n[ti:Song]\n[offset:+100]\n" + "".join(
        f"[{n // 60:02d}:{n % 60:02d}.50]line number {n} with some words in it\n" for n in range(240))
    enhanced = "[la:en]\n" + "".join(
        f"[{n // 60:02d}:{n % 60:02d}.00]" + " ".join(f"<{n // 60:02d}:{n % 60:02d}.{w * 15:02d}>word{w}"
                                                     for w in range(6)) + "\n" for n in range(240))
    return {"plain LRC, 240 lines": plain, "enhanced LRC, 240 lines × 6 words": enhanced}


def timed(function, text: str, rounds: int = 200) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(rounds):
            function(text)
        samples.append((time.perf_counter() - start) / rounds)
    return statistics.median(samples)


def main() -> None:
    rows = []
    for name, text in documents().items():
        ours, theirs = timed(read_lrc, text), timed(reference, text)
        assert len(read_lrc(text).lines) == len(reference(text))
        rows.append(f"| {name} | {ours * 1e3:.2f} ms | {theirs * 1e3:.2f} ms | {ours / theirs:.2f}× |")
    table = "\n".join(["| document | read_lrc | reference (lines only) | ratio |", "|---|---|---|---|", *rows])
    print(table)
    (Path(__file__).parent / "results.md").write_text(
        "# LRC reading\n\n`bench/lyrics/run.py`: median of 5 × 200 reads on this machine.\n\n" + table + "\n")


if __name__ == "__main__":
    main()
