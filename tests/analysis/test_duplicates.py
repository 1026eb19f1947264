"""Duplicates: the same recording in other encodings is one group, other music is not; the candidate
search is index-backed and bounded; the report is made by a task, never on the request path."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sqlalchemy import func, insert, select, update

from sonantica_core.analysis import duplicate_report as report
from sonantica_core.analysis import duplicates as dup
from sonantica_core.analysis.duplicate_report import build_report, compute_duplicates
from sonantica_core.analysis.pipeline import run_analyzers
from sonantica_core.analysis.store import store_results
from sonantica_core.bus.library import bump_generation
from sonantica_core.db.analysis import TrackFingerprint
from sonantica_core.db.library import Track
from sonantica_core.testing.signals import song, write_audio

RNG = np.random.default_rng(7)


def _codes(n: int = 900) -> np.ndarray:
    return RNG.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)


def _noisy(codes: np.ndarray, bit_rate: float, shift: int = 0) -> np.ndarray:
    """``codes`` with ``bit_rate`` of the sub-fingerprints' bits flipped, clustered in some words
    (as encoders do), and the first ``shift`` words cut off (a file that starts later)."""
    out = codes.copy()
    flipped = RNG.random(len(out)) < bit_rate * 4  # a quarter of the bits of these words
    masks = RNG.integers(0, 2**32, len(out), dtype=np.uint64).astype(np.uint32)
    masks &= RNG.integers(0, 2**32, len(out), dtype=np.uint64).astype(np.uint32)
    out[flipped] ^= masks[flipped]
    return out[shift:]


async def _add(core, name: str, codes: np.ndarray | None, duration: float = 120.0, terms: bool = True) -> int:
    async with core.session() as session:
        track_id = (
            await session.execute(
                insert(Track)
                .values(root="m", relative_path=name, size=1, mtime_ns=0, content_hash=name, title=name,
                        title_folded=name, duration=duration, codec="flac")
                .returning(Track.id)
            )
        ).scalar_one()
        if codes is not None:
            await session.execute(
                insert(TrackFingerprint).values(
                    track_id=track_id,
                    algorithm="fingerprint@1",
                    fingerprint=codes.tobytes(),
                    duration=duration,
                    terms=dup.fingerprint_terms(codes).tobytes() if terms else None,
                )
            )
    return track_id


def _ids(document: dict) -> list[list[int]]:
    return [sorted(t["id"] for t in g["tracks"]) for g in document["groups"]]


def test_terms_are_chosen_by_value_so_a_later_start_keeps_them() -> None:
    codes = _codes()
    terms, later = dup.fingerprint_terms(codes), dup.fingerprint_terms(codes[37:])
    assert 900 / 8 * 0.6 < len(terms) < 900 / 8 * 1.4
    assert len(np.intersect1d(terms, later)) >= len(later) * 0.9


def test_verify_finds_the_offset_of_a_shifted_copy() -> None:
    codes = _codes()
    assert dup.verify(codes, _noisy(codes, 0.05, shift=60)) < 0.1
    assert dup.verify(codes, _codes()) == 1.0  # nothing in common: not even compared


def test_candidates_need_shared_terms_close_durations_and_skip_stop_terms() -> None:
    base = _codes()
    same = dup.IndexedTrack(1, "fp@1", 120.0, dup.fingerprint_terms(base))
    copy = dup.IndexedTrack(2, "fp@1", 121.0, dup.fingerprint_terms(_noisy(base, 0.05)))
    long_edit = dup.IndexedTrack(3, "fp@1", 180.0, dup.fingerprint_terms(base))
    other_algorithm = dup.IndexedTrack(4, "other@1", 120.0, dup.fingerprint_terms(base))
    unrelated = [dup.IndexedTrack(10 + i, "fp@1", 120.0, dup.fingerprint_terms(_codes())) for i in range(200)]
    assert dup.candidate_pairs([same, copy, long_edit, other_algorithm, *unrelated]) == [(1, 2)]
    # silence: one term every track holds pairs nobody
    silence = np.array([0, 1, 2, 3, 4], dtype=np.uint32)
    quiet = [dup.IndexedTrack(i, "fp@1", 120.0, silence) for i in range(dup.STOP_TERM_TRACKS + 1)]
    assert dup.candidate_pairs(quiet) == []


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
    ids = {name: await _add(core, name, None, duration=25.0) for name in files}
    for name, path in files.items():
        results = run_analyzers(path, ids[name], [analyzer])
        await store_results(core, ids[name], [analyzer], results)

    document = await build_report(core)
    assert _ids(document) == [sorted(ids[n] for n in ("a.flac", "a.mp3", "a.opus"))]
    assert document["tracks_indexed"] == 4 and document["candidate_pairs"] >= 2


async def test_many_tracks_only_the_planted_duplicates_and_removed_tracks_left_out(core) -> None:
    originals = [_codes() for _ in range(12)]
    planted = []
    for i, codes in enumerate(originals):
        a = await _add(core, f"orig{i}", codes)
        b = await _add(core, f"copy{i}", _noisy(codes, 0.06, shift=i * 7))
        planted.append(sorted((a, b)))
    for i in range(600):
        await _add(core, f"other{i}", _codes())
    gone = await _add(core, "gone", _noisy(originals[0], 0.02))
    async with core.session() as session:
        await session.execute(update(Track).where(Track.id == gone).values(removed_at=func.now()))

    document = await build_report(core)
    assert _ids(document) == planted
    assert document["candidate_pairs"] == len(planted)  # the index paired nothing else


async def test_fingerprints_stored_before_terms_existed_get_them(core) -> None:
    codes = _codes()
    a = await _add(core, "old-a", codes, terms=False)
    b = await _add(core, "old-b", _noisy(codes, 0.04), terms=False)
    assert _ids(await build_report(core)) == [[a, b]]
    async with core.session() as session:
        assert None not in (await session.execute(select(TrackFingerprint.terms))).scalars().all()


async def test_the_request_never_computes_and_a_stale_report_is_remade_by_the_task(plugin_app) -> None:
    async with plugin_app() as harness:
        ctx, client = harness.ctx, harness.client
        codes = _codes()
        pair = sorted([await _add(ctx, "x", codes), await _add(ctx, "y", _noisy(codes, 0.05))])
        for i in range(300):  # took 6.7 s on the event loop when the request compared all pairs
            await _add(ctx, f"n{i}", _codes())

        first = await client.get("/api/library/duplicates")
        assert first.status_code == 202 and first.headers["retry-after"] == "5"
        assert first.json() == {"groups": [], "computed_at": None, "stale": False, "computing": True}
        assert await ctx.redis.get(report.REPORT_KEY) is None  # the request did not compute
        again = await client.get("/api/library/duplicates")
        assert again.status_code == 202 and again.json()["computing"]  # queued once, not twice

        assert await harness.run_task(compute_duplicates) == 1
        ready = await client.get("/api/library/duplicates")
        assert ready.status_code == 200
        body = ready.json()
        assert [sorted(t["id"] for t in g["tracks"]) for g in body["groups"]] == [pair]
        assert body["stale"] is False and body["computing"] is False and body["computed_at"]

        await bump_generation(ctx)  # the library changed
        stale = (await client.get("/api/library/duplicates")).json()
        assert stale["stale"] is True and stale["groups"] == body["groups"]
        # made less than a minute ago: the old report is served and nothing is queued yet
        assert stale["computing"] is False and not await ctx.redis.exists(report.LOCK_KEY)
        document = json.loads(await ctx.redis.get(report.REPORT_KEY))
        document["finished"] -= report.MIN_INTERVAL
        await ctx.redis.set(report.REPORT_KEY, json.dumps(document))
        assert (await client.get("/api/library/duplicates")).json()["computing"] is True


async def test_a_damaged_fingerprint_is_left_out_and_the_others_still_pair(core, caplog) -> None:
    codes = _codes()
    a, b = await _add(core, "a", codes), await _add(core, "b", _noisy(codes, 0.04))
    bad = await _add(core, "bad", codes, terms=False)
    async with core.session() as session:  # bytes that are not 32-bit words
        await session.execute(
            update(TrackFingerprint).where(TrackFingerprint.track_id == bad).values(fingerprint=b"\x01\x02\x03")
        )
    assert _ids(await build_report(core)) == [[a, b]]
    assert f"track {bad}: its stored fingerprint is damaged" in caplog.text


def test_recompute_interval_bounds_the_workers_share() -> None:
    assert report.recompute_interval(0.5) == report.MIN_INTERVAL
    assert report.recompute_interval(30.0) == 300.0
