"""Duplicates across formats: the same recording as FLAC, MP3 and Opus is one group; other music is not."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import insert

from sonantica_core.analysis.pipeline import run_analyzers
from sonantica_core.analysis.store import store_results
from sonantica_core.db.library import Track
from sonantica_core.testing.signals import song, write_audio


async def test_same_recording_in_three_encodings_is_one_group(core, tmp_path: Path) -> None:
    from sonantica_fingerprint.plugin import plugin

    (analyzer,) = plugin.register_analyzers(None)
    first = song(120.0, 0, "major_I_V_vi_IV", 25.0, 44100, seed=1)
    other = song(97.0, 5, "minor_i_iv_V_i", 25.0, 44100, seed=2)
    files = {
        "a.flac": write_audio(tmp_path / "a", first, 44100, "flac"),
        "a.mp3": write_audio(tmp_path / "a", first, 44100, "mp3"),
        "a.opus": write_audio(tmp_path / "a", first, 44100, "opus"),
        "b.flac": write_audio(tmp_path / "b", other, 44100, "flac"),
    }
    ids: dict[str, int] = {}
    async with core.session() as session:
        for name, path in files.items():
            ids[name] = (
                await session.execute(
                    insert(Track)
                    .values(
                        root="m",
                        relative_path=path.name,
                        size=1,
                        mtime_ns=0,
                        content_hash=name,
                        title=name,
                        title_folded=name,
                        duration=25.0,
                        codec=path.suffix[1:],
                    )
                    .returning(Track.id)
                )
            ).scalar_one()
    for name, path in files.items():
        results = run_analyzers(path, ids[name], [analyzer])
        await store_results(core, ids[name], [analyzer], results)

    from sonantica_core.analysis.duplicates import find_duplicate_groups

    groups = await find_duplicate_groups(core)
    assert [sorted(t["id"] for t in g["tracks"]) for g in groups] == [
        sorted(ids[n] for n in ("a.flac", "a.mp3", "a.opus"))
    ]
