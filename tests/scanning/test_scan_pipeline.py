"""The scan's machinery: worker processes fed while the walk goes on, identity kept through
moves found meanwhile, a new file where a removed one was, and ``sort_album`` as written."""

from __future__ import annotations

import os
from pathlib import Path

import mutagen
import pytest
from sqlalchemy import select, text

from sonantica_core.db.library import Track
from sonantica_core.scanning import pipeline
from sonantica_core.scanning.scan import run_scan
from sonantica_core.scanning.walk import UNKNOWN, iter_root
from sonantica_core.settings import MediaRoot
from sonantica_core.testing.audio import AudioSpec, write_audio


async def _tracks(ctx) -> dict[str, Track]:
    async with ctx.session() as session:
        rows = (await session.execute(select(Track))).scalars().all()
    return {row.relative_path: row for row in rows}


@pytest.fixture
def small_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Worker processes even for a small library: two files per task."""
    monkeypatch.setattr(pipeline, "READ_BATCH", 2)


async def test_worker_processes_read_exactly_what_one_process_reads(scan_ctx, scanners, library, small_tasks) -> None:
    result = await run_scan(scan_ctx, scanners, processes=2)
    tracks = await _tracks(scan_ctx)
    unproducible = {path for path, problem in library.problems.items() if problem.skip_reason}
    assert set(tracks) - unproducible == set(library.files)
    assert result.added == len(tracks) and result.files_read == result.files_to_read
    for path, expected in library.files.items():
        if expected.tags.get("title"):
            assert tracks[path].title == expected.tags["title"], path
        assert (tracks[path].cover_hash is not None) == (expected.cover is not None), path


async def test_moves_found_while_the_walk_goes_on_keep_their_ids(scan_ctx, scanners, library, small_tasks) -> None:
    root = library.root
    originals = [root / "Batch" / f"{n:02d}.flac" for n in range(8)]
    originals[0].parent.mkdir()
    for n, path in enumerate(originals):
        write_audio(path, "flac", AudioSpec(duration=0.2, frequency=300.0 + 17 * n), tags={"title": f"Old {n}"})
    await run_scan(scan_ctx, scanners, processes=2)
    before = await _tracks(scan_ctx)

    for n, path in enumerate(originals):
        moved = root / f"Moved {n}" / f"new {n}.flac"
        moved.parent.mkdir()
        os.rename(path, moved)
        audio = mutagen.File(moved)
        audio["title"] = f"New {n}"
        audio.save()
    result = await run_scan(scan_ctx, scanners, processes=2)
    after = await _tracks(scan_ctx)
    assert (result.moved, result.added, result.removed) == (8, 0, 0)
    for n in range(8):
        track = after[f"Moved {n}/new {n}.flac"]
        assert track.id == before[f"Batch/{n:02d}.flac"].id
        assert track.title == f"New {n}"


async def test_a_new_file_where_a_removed_one_was_takes_its_place(scan_ctx, scanners, library) -> None:
    path = library.root / "Replaced" / "song.flac"
    path.parent.mkdir()
    write_audio(path, "flac", AudioSpec(duration=0.2, frequency=440.0), tags={"title": "First"})
    await run_scan(scan_ctx, scanners)
    first = (await _tracks(scan_ctx))["Replaced/song.flac"]
    path.unlink()
    assert (await run_scan(scan_ctx, scanners)).removed == 1

    write_audio(path, "flac", AudioSpec(duration=0.3, frequency=660.0), tags={"title": "Second"})
    result = await run_scan(scan_ctx, scanners)
    track = (await _tracks(scan_ctx))["Replaced/song.flac"]
    assert (result.added, result.changed) == (0, 1)
    assert track.id == first.id and track.removed_at is None
    assert (track.title, track.content_hash != first.content_hash) == ("Second", True)
    assert track.id in result.changed_ids  # its analysis is stale


async def test_sort_album_is_the_albums_folded_title(scan_ctx, scanners) -> None:
    await run_scan(scan_ctx, scanners)
    async with scan_ctx.session() as session:
        wrong = (
            await session.execute(
                text(
                    "SELECT t.relative_path FROM tracks t LEFT JOIN albums a ON a.id = t.album_id "
                    "WHERE t.sort_album IS DISTINCT FROM coalesce(a.title_folded, '')"
                )
            )
        ).all()
    assert wrong == []


async def test_sort_album_trigger_serves_writers_that_leave_it_out(core) -> None:
    async with core.session() as session:
        album_ids = [
            (
                await session.execute(
                    text("INSERT INTO albums (key, title, title_folded) VALUES (:k, :t, :f) RETURNING id"),
                    {"k": f"test:{n}", "t": title, "f": title.lower()},
                )
            ).scalar_one()
            for n, title in enumerate(("One", "Two"))
        ]

        async def sort_album(track_id: int) -> str:
            query = text("SELECT sort_album FROM tracks WHERE id = :id")
            return (await session.execute(query, {"id": track_id})).scalar_one()

        track_id = (
            await session.execute(
                text(
                    "INSERT INTO tracks (root, relative_path, size, mtime_ns, content_hash, title, title_folded, "
                    "album_id) VALUES ('m', 'a.flac', 1, 1, 'h', 'a', 'a', :album) RETURNING id"
                ),
                {"album": album_ids[0]},
            )
        ).scalar_one()
        assert await sort_album(track_id) == "one"
        move = text("UPDATE tracks SET album_id = :a WHERE id = :id")
        await session.execute(move, {"a": album_ids[1], "id": track_id})
        assert await sort_album(track_id) == "two"
        await session.execute(text("UPDATE tracks SET album_id = NULL WHERE id = :id"), {"id": track_id})
        assert await sort_album(track_id) == ""
        await session.execute(  # a writer that knows it, as the scanner does
            text("UPDATE tracks SET album_id = :a, sort_album = 'one' WHERE id = :id"),
            {"a": album_ids[0], "id": track_id},
        )
        assert await sort_album(track_id) == "one"


def test_walk_stats_only_what_it_is_asked_to(tmp_path: Path) -> None:
    (tmp_path / "A").mkdir()
    for name in ("known.flac", "new.flac"):
        (tmp_path / "A" / name).write_bytes(b"x" * 10)
    root = MediaRoot("m", tmp_path)
    found = {
        item.relative_path: (item.size, item.mtime_ns)
        for item in iter_root(root, lambda name: True, needs_stat=lambda relative: relative == "A/known.flac")
    }
    assert found["A/new.flac"] == (UNKNOWN, UNKNOWN)
    assert found["A/known.flac"] == (10, (tmp_path / "A" / "known.flac").stat().st_mtime_ns)


def test_name_check_asks_scanners_by_name_unless_they_only_override_accepts() -> None:
    from sonantica_scanner.scanner import MutagenScanner

    class OnlyFlacByPath(MutagenScanner):
        def accepts(self, path: Path) -> bool:
            return path.suffix == ".flac"

    plain = MutagenScanner()
    assert pipeline.name_check(plain) == plain.accepts_name  # no Path per file
    narrowed = pipeline.name_check(OnlyFlacByPath())
    assert narrowed("a.flac") and not narrowed("a.mp3")  # the override is honoured


def test_progress_events_carry_counts_not_id_lists() -> None:
    from sonantica_core.scanning.scan import ScanProgress

    state = ScanProgress(run_id=7, added=2, added_ids=[1, 2], changed_ids=[3])
    event = state.as_event("scan.finished")
    assert event["type"] == "scan.finished" and event["run_id"] == 7 and event["added"] == 2
    assert "added_ids" not in event and "changed_ids" not in event
    assert set(event) == {"type", "run_id", "phase", "files_seen", "files_to_read", "files_read", "added",
                          "changed", "moved", "removed", "problems", "seconds"}
