"""Reading LRC text."""

from __future__ import annotations

from sonantica_lrclib.lrc import parse_lrc, plain_from_lrc

from sonantica_core.contract import LyricsLine


def test_lines_are_timed_and_sorted() -> None:
    text = "[ti:Song]\n[00:04.00][00:12.25] Chorus\n[00:01.5] First\n\nno time here\n[01:02.345]Late\n"
    assert parse_lrc(text) == (
        LyricsLine(1.5, "First"),
        LyricsLine(4.0, "Chorus"),
        LyricsLine(12.25, "Chorus"),
        LyricsLine(62.345, "Late"),
    )


def test_offset_shifts_every_line_earlier() -> None:
    assert parse_lrc("[offset:+500]\n[00:00.20]a\n[00:02.00]b") == (LyricsLine(0.0, "a"), LyricsLine(1.5, "b"))
    assert parse_lrc("[offset:-250]\n[00:01.00]a") == (LyricsLine(1.25, "a"),)


def test_empty_lines_keep_their_time_as_pauses() -> None:
    assert parse_lrc("[00:01.00]a\n[00:03.00]\n") == (LyricsLine(1.0, "a"), LyricsLine(3.0, ""))


def test_colon_separated_hundredths_are_read() -> None:
    assert parse_lrc("[00:07:50]x") == (LyricsLine(7.5, "x"),)


def test_plain_text_from_synced_lyrics() -> None:
    assert plain_from_lrc("[00:02.00]two\n[00:01.00]one") == "one\ntwo"


def test_nothing_timed_is_nothing() -> None:
    assert parse_lrc("just words\n[ar:someone]") == ()
