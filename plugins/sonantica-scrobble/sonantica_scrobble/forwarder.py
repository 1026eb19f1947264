"""Forwarding plays: queue each counted play per linked service, send the queue in batches.

* :func:`enqueue` puts a play (a :class:`~sonantica_core.contract.PlayRecorded` that is not a
  skip) in ``scrobble_queue`` once per linked, enabled service (one row per service and
  history entry: a play delivered twice is queued once). Last.fm takes only tracks longer
  than 30 s; a track without an artist or a title cannot be scrobbled anywhere.
* :func:`flush` sends what is due, oldest first, in each service's batch size. Sent rows go;
  a service that is down, answers 5xx or rate-limits keeps the rows and they are tried again
  after ``retry_after`` seconds, doubled per failure up to ``retry_max`` (a 429's own wait
  when longer); a refused token disables the account, keeping its rows until it is linked
  again; a listen the service refuses as invalid is dropped (logged). One flush per user and
  service at a time (a Redis lock), so nothing is sent twice.
* :func:`now_playing` tells the services what the user has just started; it is not queued.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert

from sonantica_core.contract import PlayRecorded
from sonantica_core.plugins import track_ref
from sonantica_scrobble.accounts import Account, disable, user_accounts
from sonantica_scrobble.config import ScrobbleConfig
from sonantica_scrobble.services import Lastfm, Listen, ListenBrainz, ServiceError
from sonantica_scrobble.tables import queue

log = logging.getLogger("sonantica.plugins.scrobble")
NAME = "scrobble"
#: Last.fm's rule: tracks of 30 seconds or less are not scrobbled.
LASTFM_MIN_DURATION = 30.0


def config_of(ctx: Any) -> ScrobbleConfig:
    config = ctx.plugin_config(NAME)
    if config is None:
        raise RuntimeError("the scrobble plugin is not enabled in this process's plugins.toml")
    return config


@contextlib.asynccontextmanager
async def clients(config: ScrobbleConfig) -> AsyncIterator[dict[str, Any]]:
    """The service clients this configuration enables, sharing one HTTP client."""
    headers = {"User-Agent": "Sonantica-scrobble/1.0"}
    async with httpx.AsyncClient(timeout=config.timeout, headers=headers) as http:
        services: dict[str, Any] = {"listenbrainz": ListenBrainz(http, config.listenbrainz_url)}
        if config.lastfm_enabled:
            assert config.lastfm_api_key is not None and config.lastfm_api_secret is not None
            services["lastfm"] = Lastfm(http, config.lastfm_url, config.lastfm_api_key.get_secret_value(),
                                        config.lastfm_api_secret.get_secret_value())
        yield services


def _active(found: Sequence[Account], config: ScrobbleConfig) -> list[Account]:
    return [
        a for a in found
        if a.token and not a.disabled_reason and (a.service != "lastfm" or config.lastfm_enabled)
    ]


async def enqueue(ctx: Any, event: PlayRecorded) -> int:
    """Queue a counted play for each of the user's services; returns the rows queued."""
    if event.skipped or not event.entry_id:
        return 0
    config = config_of(ctx)
    linked = _active(await user_accounts(ctx, event.user_id), config)
    if not linked:
        return 0
    track = await track_ref(ctx, event.track_id)
    if track is None or not track.artist or not track.title:
        return 0
    rows = [
        {"user_id": event.user_id, "service": a.service, "entry_id": event.entry_id, "listened_at": event.at,
         "artist": track.artist, "track": track.title, "album": track.album, "duration": track.duration,
         "client": event.client}
        for a in linked
        if a.service != "lastfm" or not track.duration or track.duration > LASTFM_MIN_DURATION
    ]
    if not rows:
        return 0
    async with ctx.session() as session:
        result = await session.execute(insert(queue).values(rows).on_conflict_do_nothing())
    return int(result.rowcount or 0)


def _listen(row: Any) -> Listen:
    return Listen(row.listened_at, row.artist, row.track, row.album, row.duration, row.client)


async def _due(ctx: Any, user_id: int, service: str, now: dt.datetime, limit: int) -> list[Any]:
    async with ctx.session() as session:
        return list((await session.execute(
            select(queue).where(queue.c.user_id == user_id, queue.c.service == service,
                                queue.c.next_attempt_at <= now)
            .order_by(queue.c.listened_at, queue.c.id).limit(limit)
        )).all())


async def _delete(ctx: Any, ids: Sequence[int]) -> None:
    async with ctx.session() as session:
        await session.execute(delete(queue).where(queue.c.id.in_(list(ids))))


async def _postpone(ctx: Any, rows: Sequence[Any], error: ServiceError, config: ScrobbleConfig,
                    now: dt.datetime) -> None:
    attempts = max(r.attempts for r in rows) + 1
    wait = min(config.retry_after * 2 ** (attempts - 1), config.retry_max)
    if error.wait:
        wait = max(wait, error.wait)
    async with ctx.session() as session:
        await session.execute(
            update(queue).where(queue.c.id.in_([r.id for r in rows]))
            .values(attempts=attempts, next_attempt_at=now + dt.timedelta(seconds=wait), last_error=str(error)[:500])
        )


async def _send_rows(ctx: Any, client: Any, account: Account, rows: list[Any], config: ScrobbleConfig,
                     now: dt.datetime, counts: dict[str, int]) -> bool:
    """Send one batch; False when this account's flush must stop (down, or relink)."""
    try:
        await client.submit(account.token, [_listen(r) for r in rows])
    except ServiceError as exc:
        if exc.relink:
            await disable(ctx, account.user_id, account.service, str(exc))
            return False
        if exc.retry:
            await _postpone(ctx, rows, exc, config, now)
            counts["retry"] += len(rows)
            log.info("%s: %d scrobbles of user %d wait: %s", account.service, len(rows), account.user_id, exc)
            return False
        if len(rows) > 1:  # find the listen it refuses
            for row in rows:
                if not await _send_rows(ctx, client, account, [row], config, now, counts):
                    return False
            return True
        log.warning("%s refused a scrobble of user %d (%s – %s), dropped: %s", account.service,
                    account.user_id, rows[0].artist, rows[0].track, exc)
        await _delete(ctx, [rows[0].id])
        counts["dropped"] += 1
        return True
    await _delete(ctx, [r.id for r in rows])
    counts["sent"] += len(rows)
    return True


async def flush(ctx: Any, user_id: int, now: dt.datetime | None = None) -> dict[str, int]:
    """Send the user's due scrobbles to each linked service; returns counts sent, postponed, dropped."""
    config = config_of(ctx)
    now = now or dt.datetime.now(dt.UTC)
    counts = {"sent": 0, "retry": 0, "dropped": 0}
    linked = _active(await user_accounts(ctx, user_id), config)
    if not linked:
        return counts
    async with clients(config) as services:
        for account in linked:
            lock = f"sonantica:scrobble:flush:{user_id}:{account.service}"
            if not await ctx.redis.set(lock, "1", nx=True, ex=int(config.timeout * 4) + 30):
                continue  # another process sends these now
            try:
                client = services[account.service]
                while rows := await _due(ctx, user_id, account.service, now, client.BATCH):
                    if not await _send_rows(ctx, client, account, rows, config, now, counts):
                        break
            finally:
                await ctx.redis.delete(lock)
    return counts


async def users_with_due(ctx: Any, now: dt.datetime | None = None) -> list[int]:
    """Users who have scrobbles due (for the worker's sweep)."""
    now = now or dt.datetime.now(dt.UTC)
    async with ctx.session() as session:
        return list((await session.execute(
            select(queue.c.user_id).where(queue.c.next_attempt_at <= now).distinct()
        )).scalars())


async def now_playing(ctx: Any, user_id: int, track_id: int, client: str | None) -> list[str]:
    """Tell each linked service the user is playing ``track_id``; returns the services told."""
    config = config_of(ctx)
    linked = _active(await user_accounts(ctx, user_id), config)
    track = await track_ref(ctx, track_id) if linked else None
    if track is None or not track.artist or not track.title:
        return []
    listen = Listen(dt.datetime.now(dt.UTC), track.artist, track.title, track.album, track.duration, client)
    told = []
    async with clients(config) as services:
        for account in linked:
            try:
                await services[account.service].now_playing(account.token, listen)
                told.append(account.service)
            except ServiceError as exc:
                if exc.relink:
                    await disable(ctx, user_id, account.service, str(exc))
                log.info("%s now playing for user %d not sent: %s", account.service, user_id, exc)
    return told
