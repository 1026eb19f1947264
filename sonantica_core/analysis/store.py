"""Keeping what analyzers found: features, extras, artifacts, fingerprints, state.

Each analyzer's outcome is recorded in ``track_analysis`` with its name and
version (``done`` or ``failed`` with the error), so a new analyzer version
re-queues exactly the tracks it analysed, and one analyzer failing never loses
another's results.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert

from sonantica_core.analysis.duplicates import fingerprint_terms
from sonantica_core.context import CoreContext, DerivedStorage
from sonantica_core.contract import FEATURE_COLUMNS, TEXT_FEATURES, AnalysisResult, Analyzer
from sonantica_core.db.analysis import TrackAnalysis, TrackAudioFeatures, TrackFingerprint, TrackMetadata
from sonantica_core.db.library import Track
from sonantica_core.errors import SonanticaError

log = logging.getLogger("sonantica.analysis")

WAVEFORM_ARTIFACT = "waveform.json"
_SAFE_ARTIFACT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


@dataclass
class StoredOutcome:
    done: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    features: dict[str, Any] = field(default_factory=dict)


def waveform_path(storage: DerivedStorage, track_id: int) -> Any:
    return storage.path("waveforms", track_id, f"{track_id}.json")


def artifact_path(storage: DerivedStorage, analyzer: str, track_id: int, name: str) -> Any:
    if name == WAVEFORM_ARTIFACT:
        return waveform_path(storage, track_id)
    if not _SAFE_ARTIFACT.match(name) or not _SAFE_ARTIFACT.match(analyzer):
        raise ValueError(f"artifact name {name!r} of analyzer {analyzer!r} is not a plain file name")
    return storage.path(f"analysis/{analyzer}", track_id, f"{track_id}/{name}")


class ResultRefused(SonanticaError):
    """An analyzer's result the core cannot keep as it is (an unknown feature, a wrong type)."""


def checked_features(analyzer: str, features: Mapping[str, Any]) -> dict[str, Any]:
    """The features as stored: numpy scalars made plain, non-finite numbers made None.

    Raises :class:`ResultRefused` for a key outside :data:`FEATURE_COLUMNS` or a value of the
    wrong type, naming it: a result is kept whole or not at all.
    """
    clean = {}
    for key, value in features.items():
        if key not in FEATURE_COLUMNS:
            raise ResultRefused(
                f"analyzer {analyzer} returned the unknown feature {key!r}: features are the columns of "
                "FEATURE_COLUMNS; put other values in extras (text) or in data for your own table (Analyzer.save)"
            )
        if isinstance(value, (np.floating, np.integer, np.bool_)):
            value = value.item()
        if value is None:
            pass
        elif key in TEXT_FEATURES:
            if not isinstance(value, str):
                raise ResultRefused(f"analyzer {analyzer}: feature {key!r} must be text, not {type(value).__name__}")
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ResultRefused(f"analyzer {analyzer}: feature {key!r} must be a number, not {type(value).__name__}")
        else:
            value = float(value) if np.isfinite(value) else None
        clean[key] = value
    return clean


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


async def store_results(
    ctx: CoreContext,
    track_id: int,
    analyzers: Sequence[Analyzer],
    results: Mapping[str, AnalysisResult | BaseException],
    seconds: Mapping[str, float] | None = None,
) -> StoredOutcome:
    """Write every analyzer's result (or error) for ``track_id`` in one transaction."""
    outcome = StoredOutcome()
    versions = {a.name: a.version for a in analyzers}
    by_name = {a.name: a for a in analyzers}
    features: dict[str, Any] = {}
    async with ctx.session() as session:
        for name, result in results.items():
            row: dict[str, Any] = {
                "track_id": track_id,
                "analyzer": name,
                "version": versions.get(name, 1),
                "seconds": (seconds or {}).get(name),
                "analyzed_at": text("now()"),
            }
            if isinstance(result, BaseException):
                row.update(status="failed", error=_error_text(result), state=None)
                outcome.failed[name] = row["error"]
            else:
                try:
                    async with session.begin_nested():  # this analyzer's writes stand or fall together
                        clean = await _store_result(ctx, session, track_id, by_name.get(name), name, result)
                    features.update(clean)
                    state = json.dumps(result.state, default=_json_default) if result.state else None
                    row.update(status="done", error=None, state=state)
                    outcome.done.append(name)
                except Exception as exc:  # a result we cannot keep counts as that analyzer failing
                    if isinstance(exc, ResultRefused):
                        log.error("track %d: %s", track_id, exc)
                    else:
                        log.exception("could not store the result of %s for track %d", name, track_id)
                    row.update(status="failed", error=f"storing the result: {_error_text(exc)}", state=None)
                    outcome.failed[name] = row["error"]
            stmt = insert(TrackAnalysis).values(**row)
            stmt = stmt.on_conflict_do_update(
                index_elements=[TrackAnalysis.track_id, TrackAnalysis.analyzer],
                set_={k: stmt.excluded[k] for k in ("version", "status", "error", "state", "seconds", "analyzed_at")},
            )
            await session.execute(stmt)
        if features:
            await upsert_features(session, track_id, features, source=", ".join(sorted(outcome.done)))
    outcome.features = features
    return outcome


async def _store_result(
    ctx: CoreContext, session: Any, track_id: int, analyzer: Analyzer | None, name: str, result: AnalysisResult
) -> dict[str, Any]:
    """Write one analyzer's extras, artifacts, fingerprint and own tables; returns its checked features."""
    clean = checked_features(name, result.features)
    await _store_extras(session, track_id, name, result.extras)
    _store_artifacts(ctx.storage, track_id, name, result.artifacts)
    version = analyzer.version if analyzer is not None else 1
    if result.fingerprint is not None:
        await _store_fingerprint(session, track_id, name, version, result)
    if analyzer is not None:
        await analyzer.save(session, track_id, result)
    return clean


async def upsert_features(session: Any, track_id: int, features: Mapping[str, Any], source: str | None = None) -> None:
    values = dict(features)
    if source:
        values["analysis_source"] = source
    stmt = insert(TrackAudioFeatures).values(track_id=track_id, **values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[TrackAudioFeatures.track_id],
        set_={**{k: stmt.excluded[k] for k in values}, "analyzed_at": text("now()")},
    )
    await session.execute(stmt)


async def _store_extras(session: Any, track_id: int, analyzer: str, extras: Mapping[str, str]) -> None:
    rows = [{"track_id": track_id, "key": str(k)[:100], "value": str(v), "source": analyzer} for k, v in extras.items()]
    if not rows:
        return
    stmt = insert(TrackMetadata).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=[TrackMetadata.track_id, TrackMetadata.key, TrackMetadata.source],
        set_={"value": stmt.excluded.value, "updated_at": text("now()")},
    )
    await session.execute(stmt)


def _store_artifacts(storage: DerivedStorage, track_id: int, analyzer: str, artifacts: Mapping[str, bytes]) -> None:
    for name, data in artifacts.items():
        storage.write_atomic(artifact_path(storage, analyzer, track_id, name), data)


async def _store_fingerprint(session: Any, track_id: int, analyzer: str, version: int, result: AnalysisResult) -> None:
    codes = np.asarray(result.fingerprint, dtype=np.int64).astype(np.uint32)  # signed or not: the same 32 bits
    terms = fingerprint_terms(codes)
    duration = result.features.get("duration") if isinstance(result.features.get("duration"), float) else None
    if duration is None:
        duration = await session.scalar(select(Track.duration).where(Track.id == track_id))
    stmt = insert(TrackFingerprint).values(
        track_id=track_id,
        algorithm=f"{analyzer}@{version}",
        fingerprint=codes.tobytes(),
        duration=duration,
        terms=terms.tobytes(),
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[TrackFingerprint.track_id],
        set_={k: stmt.excluded[k] for k in ("algorithm", "fingerprint", "duration", "terms")},
    )
    await session.execute(stmt)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON")


async def finish_albums(ctx: CoreContext, track_id: int, analyzers: Sequence[Analyzer]) -> list[int]:
    """Album-level values (e.g. ReplayGain album gain) once every track of the album is analysed.

    Returns the ids of the tracks that received album values.
    """
    album_analyzers = [a for a in analyzers if type(a).finish_album is not Analyzer.finish_album]
    if not album_analyzers:
        return []
    updated: list[int] = []
    async with ctx.session() as session:
        album_id = await session.scalar(select(Track.album_id).where(Track.id == track_id))
        if album_id is None:
            return []
        members = (
            (await session.execute(select(Track.id).where(Track.album_id == album_id, Track.removed_at.is_(None))))
            .scalars()
            .all()
        )
        for analyzer in album_analyzers:
            rows = (
                await session.execute(
                    select(TrackAnalysis.track_id, TrackAnalysis.state).where(
                        TrackAnalysis.track_id.in_(members),
                        TrackAnalysis.analyzer == analyzer.name,
                        TrackAnalysis.version == analyzer.version,
                        TrackAnalysis.status == "done",
                    )
                )
            ).all()
            if len(rows) != len(members):
                continue  # not every track is analysed yet
            results = [
                AnalysisResult(state=json.loads(row.state) if row.state else {}, track_id=row.track_id) for row in rows
            ]
            try:
                values = analyzer.finish_album(results) or {}
            except Exception:
                log.exception("album pass of %s failed for album %d", analyzer.name, album_id)
                continue
            try:
                checked = {int(member): checked_features(analyzer.name, v) for member, v in values.items()}
            except ResultRefused as refused:
                log.error("album pass of %s for album %d: %s", analyzer.name, album_id, refused)
                continue
            for member_id, clean in checked.items():
                if clean:
                    await upsert_features(session, int(member_id), clean)
                    updated.append(int(member_id))
    return updated
