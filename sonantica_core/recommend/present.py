"""The tracks of a recommendation as the API lists them, with ``score`` and ``why``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from sonantica_core.library import present
from sonantica_core.library.tracks import FROM, ITEM_COLUMNS, PRESENT, T
from sonantica_core.recommend.merge import Recommendation


async def track_items(conn: AsyncConnection, track_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Listing items of the present tracks among ``track_ids``, by id."""
    if not track_ids:
        return {}
    rows = await conn.execute(select(*ITEM_COLUMNS).select_from(FROM).where(T.id.in_(list(track_ids)), PRESENT))
    return {row.id: present.track_item(row) for row in rows}


async def recommendation_items(conn: AsyncConnection, found: Sequence[Recommendation]) -> list[dict[str, Any]]:
    """``{"track": item, "score", "why", "sources"}`` in order; tracks no longer present are left out."""
    items = await track_items(conn, [r.track_id for r in found])
    return [
        {"track": items[r.track_id], "score": r.score, "why": r.why, "sources": r.sources}
        for r in found
        if r.track_id in items
    ]
