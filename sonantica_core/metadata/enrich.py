"""Asking the metadata providers about one album, and keeping what they say."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert

from sonantica_core.contract import AlbumRef, MetadataProvider, MetadataValue
from sonantica_core.db.analysis import TrackMetadata
from sonantica_core.db.enrichment import AlbumMetadata, ArtistMetadata, EnrichmentRun
from sonantica_core.db.library import Album
from sonantica_core.library.refs import album_track_facts
from sonantica_core.metadata.apply import apply_values
from sonantica_core.plugins import manager_of
from sonantica_core.plugins.isolation import run_isolated

log = logging.getLogger("sonantica.metadata")

#: Seconds one provider may take for one album (outside services wait their turn, one request a second).
PROVIDER_TIMEOUT = 600.0


@dataclass(frozen=True, slots=True)
class EnrichOutcome:
    """One provider's run on one album."""

    provider: str
    status: str  # matched, candidate, no match, failed
    values: int
    error: str | None = None


async def album_ref(ctx: Any, album_id: int) -> AlbumRef | None:
    """The album as providers see it, with its present tracks; None if there is no such album."""
    async with ctx.session() as session:
        album = await session.get(Album, album_id)
    if album is None:
        return None
    tracks = await album_track_facts(ctx, album_id)
    return AlbumRef(
        id=album.id, title=album.title, album_artist=album.album_artist, album_artist_id=album.album_artist_id,
        musicbrainz_release_id=album.musicbrainz_release_id,
        musicbrainz_release_group_id=album.musicbrainz_release_group_id, date=album.date,
        has_cover=bool(album.cover_hash), tracks=tuple(facts.ref for facts in tracks),
    )


async def _ask(provider: MetadataProvider, album: AlbumRef) -> list[MetadataValue]:
    answer = await provider.enrich_album(album)
    if answer is not None:
        return list(answer)
    values: list[MetadataValue] = []
    for track in album.tracks:
        values.extend(await provider.enrich_track(track))
    return values


def _belongs(value: MetadataValue, album: AlbumRef) -> bool:
    """Only values about this album, its tracks and its artist are kept (a provider cannot write elsewhere)."""
    if value.entity == "album":
        return value.entity_id == album.id
    if value.entity == "track":
        return value.entity_id in {track.id for track in album.tracks}
    return True


async def _store(ctx: Any, album: AlbumRef, provider: str, values: Sequence[MetadataValue]) -> str:
    applied = [value for value in values if not value.candidate and _belongs(value, album)]
    candidates = [value for value in values if value.candidate]
    status = "matched" if applied else "candidate" if candidates else "no match"
    scores = [value.score for value in values if value.score is not None]
    track_ids = [track.id for track in album.tracks]
    async with ctx.session() as session:
        sources = {value.source for value in applied} | {provider}
        await session.execute(delete(AlbumMetadata).where(AlbumMetadata.album_id == album.id,
                                                          AlbumMetadata.source.in_(sources)))
        if track_ids:
            await session.execute(delete(TrackMetadata).where(TrackMetadata.track_id.in_(track_ids),
                                                              TrackMetadata.source.in_(sources)))
        for value in applied:
            table, owner = {"album": (AlbumMetadata, "album_id"), "track": (TrackMetadata, "track_id"),
                            "artist": (ArtistMetadata, "artist_id")}[value.entity]
            row = {owner: value.entity_id, "key": value.key, "value": value.value, "source": value.source}
            await session.execute(
                insert(table).values(row).on_conflict_do_update(
                    index_elements=[owner, "key", "source"], set_={"value": value.value}
                )
            )
        await apply_values(session, applied, ctx.settings.metadata_overwrite_tags)
        await _record_run(
            session, album.id, provider, status, max(scores) if scores else None, None,
            [{"entity": v.entity, "entity_id": v.entity_id, "key": v.key, "value": v.value, "score": v.score}
             for v in candidates],
        )
    return status


async def _record_run(
    session: Any, album_id: int, provider: str, status: str, score: float | None, error: str | None,
    candidates: list[dict[str, Any]] | None,
) -> None:
    row = {"album_id": album_id, "provider": provider, "status": status, "score": score, "error": error,
           "candidates": json.dumps(candidates) if candidates else None}
    await session.execute(
        insert(EnrichmentRun).values(row).on_conflict_do_update(
            index_elements=["album_id", "provider"],
            set_={key: value for key, value in row.items() if key not in ("album_id", "provider")}
            | {"ran_at": func.now()},
        )
    )


async def enrich_album(ctx: Any, album_id: int, *, timeout: float = PROVIDER_TIMEOUT) -> list[EnrichOutcome]:
    """Ask every enabled metadata provider about the album and keep their answers.

    A provider that fails is recorded with its error; what it found before is kept.
    """
    album = await album_ref(ctx, album_id)
    if album is None:
        return []
    manager = manager_of(ctx)
    outcomes = []
    for provider in manager.metadata_providers(ctx):
        result = await run_isolated(functools.partial(_ask, provider, album), timeout)
        if not result.ok:
            manager.note_failure(provider, "enrich", result)
            async with ctx.session() as session:
                await _record_run(session, album.id, provider.name, "failed", None, result.error, None)
            outcomes.append(EnrichOutcome(provider.name, "failed", 0, result.error))
            continue
        values = [value for value in result.value if isinstance(value, MetadataValue)]
        status = await _store(ctx, album, provider.name, values)
        outcomes.append(EnrichOutcome(provider.name, status, len(values)))
    return outcomes


async def clear_album(ctx: Any, album_id: int, source: str | None = None) -> int:
    """Forget what providers found about the album and its tracks (one source, or all); returns rows dropped.

    Values copied into the library's own columns stay until the next scan reads the files again.
    """
    tracks = [facts.ref.id for facts in await album_track_facts(ctx, album_id)]
    async with ctx.session() as session:
        if source is not None:
            sources = {source}
        else:
            ran = await session.execute(select(EnrichmentRun.provider).where(EnrichmentRun.album_id == album_id))
            sources = set(ran.scalars()) | {provider.name for provider in manager_of(ctx).metadata_providers(ctx)}
        sources.discard("tags")  # what the scanner read from the files is not the providers'
        dropped = 0
        for statement in (
            delete(AlbumMetadata).where(AlbumMetadata.album_id == album_id, AlbumMetadata.source.in_(sources)),
            delete(EnrichmentRun).where(EnrichmentRun.album_id == album_id, EnrichmentRun.provider.in_(sources)),
            delete(TrackMetadata).where(TrackMetadata.track_id.in_(tracks), TrackMetadata.source.in_(sources)),
        ):
            dropped += (await session.execute(statement)).rowcount or 0
    return dropped
