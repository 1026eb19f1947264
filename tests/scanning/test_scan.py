"""Scanning a generated library: exact values, grouping, problems, incremental rescans, moves."""

from __future__ import annotations

import os
from pathlib import Path

import mutagen
from sqlalchemy import select, text

from sonantica_core.db.library import Album, ScanProblemRow, Track
from sonantica_core.db.playback import PlaybackHistory
from sonantica_core.db.users import User
from sonantica_core.scanning.scan import run_scan
from sonantica_core.testing.audio import AudioSpec, write_audio


async def _tracks(ctx) -> dict[str, Track]:
    async with ctx.session() as session:
        rows = (await session.execute(select(Track))).scalars().all()
    return {row.relative_path: row for row in rows}


async def test_initial_scan_reads_every_good_file_exactly(scan_ctx, scanners, library) -> None:
    result = await run_scan(scan_ctx, scanners, processes=2)
    tracks = await _tracks(scan_ctx)
    unproducible = {path for path, problem in library.problems.items() if problem.skip_reason}  # e.g. mode 000 as root
    assert set(tracks) - unproducible == set(library.files)
    assert result.added == len(tracks)
    for path, expected in library.files.items():
        track = tracks[path]
        assert track.removed_at is None
        for field in ("codec", "container", "lossless", "sample_rate", "bit_depth", "channels"):
            if field in expected.technical:
                assert getattr(track, field) == expected.technical[field], (path, field)
        if expected.tags.get("title"):
            assert track.title == expected.tags["title"], path
        if "track_number" in expected.tags:
            assert track.track_number == expected.tags["track_number"], path
        if "disc_number" in expected.tags:
            assert track.disc_number == expected.tags["disc_number"], path
        if "isrc" in expected.tags:
            assert track.isrc == expected.tags["isrc"], path
        if "guessed" in expected.tags:
            assert track.tags_guessed == expected.tags["guessed"], path
        assert (track.cover_hash is not None) == (expected.cover is not None), path
        assert abs((track.duration or 0) - expected.duration) <= expected.duration_tolerance + 0.01, path


async def test_bad_files_are_recorded_with_reasons_and_never_stop_the_scan(scan_ctx, scanners, library) -> None:
    result = await run_scan(scan_ctx, scanners)
    async with scan_ctx.session() as session:
        problems = {row.relative_path: row for row in (await session.execute(select(ScanProblemRow))).scalars()}
    for path, expected in library.problems.items():
        if expected.skip_reason:
            continue
        assert path in problems, f"{path} was not recorded"
        assert problems[path].kind == expected.kind, path
        assert expected.reason_contains.lower() in problems[path].reason.lower(), (path, problems[path].reason)
    assert result.problems == len(problems)
    assert not set(problems) & set(library.files)


async def test_albums_are_grouped_right(scan_ctx, scanners, library) -> None:
    await run_scan(scan_ctx, scanners)
    async with scan_ctx.session() as session:
        albums = (await session.execute(select(Album))).scalars().all()
        by_title: dict[str, list[Album]] = {}
        for album in albums:
            by_title.setdefault(album.title, []).append(album)
        compilation = by_title["Now Hear This"]
        assert len(compilation) == 1 and compilation[0].compilation
        assert compilation[0].album_artist == "Various Artists"
        double = by_title["Double Album"]
        assert len(double) == 1, "a two-disc album is one album"
        discs = (
            (
                await session.execute(
                    select(Track.disc_number)
                    .where(Track.album_id == double[0].id)
                    .distinct()
                    .order_by(Track.disc_number)
                )
            )
            .scalars()
            .all()
        )
        assert discs == [1, 2]
        assert "戦場のメリークリスマス" in by_title and "Группа крови" in by_title and "Homogénic" in by_title


async def test_multi_valued_artists_are_linked_and_display_kept(scan_ctx, scanners, library) -> None:
    await run_scan(scan_ctx, scanners)
    async with scan_ctx.session() as session:
        rows = (
            await session.execute(
                text(
                    "SELECT t.relative_path, t.artist, array_agg(a.name ORDER BY ta.position) AS names "
                    "FROM tracks t JOIN track_artists ta ON ta.track_id = t.id AND ta.role = 'artist' "
                    "JOIN artists a ON a.id = ta.artist_id GROUP BY t.relative_path, t.artist"
                )
            )
        ).all()
    linked = {row.relative_path: list(row.names) for row in rows}
    for path, expected in library.files.items():
        if expected.tags.get("artists"):
            assert linked[path] == list(expected.tags["artists"]), path


async def test_unchanged_rescan_reads_nothing(scan_ctx, scanners, library) -> None:
    await run_scan(scan_ctx, scanners)
    again = await run_scan(scan_ctx, scanners)
    assert (again.files_read, again.added, again.changed, again.moved, again.removed) == (0, 0, 0, 0, 0)


async def _play(ctx, track_id: int) -> int:
    async with ctx.session() as session:
        user_id = (
            await session.execute(
                User.__table__.insert().values(username="listener", password_hash="x", role="user").returning(User.id)
            )
        ).scalar_one()
        await session.execute(PlaybackHistory.__table__.insert().values(user_id=user_id, track_id=track_id))
    return user_id


async def test_move_rename_and_retag_keeps_the_track_and_its_history(scan_ctx, scanners, library) -> None:
    root = library.root
    original = root / "Moving" / "Old Name.flac"
    original.parent.mkdir()
    write_audio(
        original, "flac", AudioSpec(duration=0.3, frequency=777.0), tags={"title": "Before", "artist": "Someone"}
    )
    await run_scan(scan_ctx, scanners)
    before = (await _tracks(scan_ctx))["Moving/Old Name.flac"]
    user_id = await _play(scan_ctx, before.id)

    moved = root / "Elsewhere" / "Deeper" / "New Name.flac"
    moved.parent.mkdir(parents=True)
    os.rename(original, moved)
    audio = mutagen.File(moved)
    audio["title"] = "After"
    audio["artist"] = "Someone Else"
    audio.save()

    result = await run_scan(scan_ctx, scanners)
    assert result.moved == 1 and result.added == 0 and result.removed == 0
    after = await _tracks(scan_ctx)
    assert "Moving/Old Name.flac" not in after
    track = after["Elsewhere/Deeper/New Name.flac"]
    assert track.id == before.id
    assert (track.title, track.artist) == ("After", "Someone Else")
    async with scan_ctx.session() as session:
        history = (
            (await session.execute(select(PlaybackHistory.track_id).where(PlaybackHistory.user_id == user_id)))
            .scalars()
            .all()
        )
    assert history == [before.id]


async def test_deleted_file_leaves_the_library_and_comes_back_with_its_id(scan_ctx, scanners, library) -> None:
    await run_scan(scan_ctx, scanners)
    path = next(p for p, f in library.files.items() if f.format == "flac")
    track = (await _tracks(scan_ctx))[path]
    await _play(scan_ctx, track.id)
    kept = (library.root / path).read_bytes()
    (library.root / path).unlink()

    result = await run_scan(scan_ctx, scanners)
    assert result.removed == 1
    gone = (await _tracks(scan_ctx))[path]
    assert gone.removed_at is not None
    async with scan_ctx.session() as session:
        plays = (
            (await session.execute(select(PlaybackHistory).where(PlaybackHistory.track_id == track.id))).scalars().all()
        )
    assert len(plays) == 1, "history stays"

    (library.root / "Restored").mkdir()
    (library.root / "Restored" / "again.flac").write_bytes(kept)
    result = await run_scan(scan_ctx, scanners)
    assert result.moved == 1 and result.added == 0
    back = (await _tracks(scan_ctx))["Restored/again.flac"]
    assert back.id == track.id and back.removed_at is None


async def test_changed_file_is_reread_and_fixed_bad_file_is_cleared(scan_ctx, scanners, library) -> None:
    await run_scan(scan_ctx, scanners)
    bad = next(p for p, prob in library.problems.items() if prob.kind == "empty")
    write_audio(
        library.root / bad, "flac" if bad.endswith(".flac") else "mp3", AudioSpec(duration=0.2), tags={"title": "Fixed"}
    )
    result = await run_scan(scan_ctx, scanners)
    assert result.added == 1
    async with scan_ctx.session() as session:
        remaining = (await session.execute(select(ScanProblemRow.relative_path))).scalars().all()
    assert bad not in remaining
    assert (await _tracks(scan_ctx))[bad].title == "Fixed"


async def test_same_title_by_different_artists_stays_two_albums(scan_ctx, scanners, library) -> None:
    for artist in ("Alpha", "Beta"):
        folder = library.root / artist / "Greatest Hits"
        folder.mkdir(parents=True)
        write_audio(
            folder / "01.flac",
            "flac",
            AudioSpec(duration=0.2, frequency=300.0 + len(artist)),
            tags={"title": "Hit", "artist": artist, "album": "Greatest Hits", "tracknumber": 1},
        )
    await run_scan(scan_ctx, scanners)
    async with scan_ctx.session() as session:
        albums = (await session.execute(select(Album).where(Album.title == "Greatest Hits"))).scalars().all()
    assert sorted(a.album_artist for a in albums) == ["Alpha", "Beta"]


async def test_scan_publishes_progress_events(scan_ctx, scanners) -> None:
    import asyncio

    from sonantica_core.bus.events import subscribe

    received: list[dict] = []

    async def listen() -> None:
        async for event in subscribe(scan_ctx.redis):
            received.append(event)
            if event["type"] == "scan.finished":
                return

    listener = asyncio.create_task(listen())
    await asyncio.sleep(0.2)
    await run_scan(scan_ctx, scanners)
    await asyncio.wait_for(listener, 10)
    kinds = [e["type"] for e in received]
    assert "scan.progress" in kinds and kinds[-1] == "scan.finished"
    assert "tracks.changed" in kinds
    finished = received[-1]
    assert finished["phase"] == "done" and finished["added"] > 0


async def test_scanning_never_writes_to_the_media_root(scan_ctx, scanners, library) -> None:
    def snapshot() -> dict[str, tuple[int, int]]:
        return {
            str(p): (p.lstat().st_size, p.lstat().st_mtime_ns)
            for p in Path(library.root).rglob("*")
            if not p.is_symlink()
        }

    before = snapshot()
    await run_scan(scan_ctx, scanners)
    assert snapshot() == before
