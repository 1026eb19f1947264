"""``sonantica backup`` / ``restore``: user data out of one database and into a fresh one, verified.

The source is a real database with a user, an API key, an app password, a track in a
playlist, a star and a rating, a play in the history; the backup is restored into a new
database (a fresh data directory), where the API key still signs in, the app password
still opens (its secret came with the backup), and every row is there. Derived tables
(analysis) are left out unless ``--all``. A restore into tables that hold rows is refused
without ``--replace``; a damaged file is refused, and nothing is half-restored.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import hashlib
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from sonantica_core.auth.api_keys import create_api_key, hash_api_key
from sonantica_core.auth.app_passwords import create_app_password, open_secret
from sonantica_core.cli.backup import run_backup, run_restore
from sonantica_core.cli.backupfile import read
from sonantica_core.db.engine import async_url
from sonantica_core.db.library import Track
from sonantica_core.db.playback import Playlist, PlaylistTrack
from sonantica_core.db.userdata import TrackAnnotation
from sonantica_core.db.users import AppPassword
from sonantica_core.settings import Settings
from sonantica_core.testing import fixtures as kit

SECRET = "test-secret-" + "x" * 40


@pytest.fixture
async def populated(core: Any, make_user: Callable[..., Any]) -> dict[str, Any]:
    user, _ = await make_user("alice")
    async with core.session() as session:
        track = Track(
            root="music",
            relative_path="A/song.flac",
            size=10,
            mtime_ns=1,
            content_hash="sha256:" + "0" * 64,
            title="song",
            title_folded="song",
            codec="flac",
            container="flac",
        )
        session.add(track)
        await session.flush()
        playlist = Playlist(user_id=user.id, name="Road trip")
        session.add(playlist)
        await session.flush()
        session.add(PlaylistTrack(playlist_id=playlist.id, position=0, track_id=track.id))
        session.add(TrackAnnotation(user_id=user.id, track_id=track.id, starred_at=dt.datetime.now(dt.UTC), rating=4))
        _, key = await create_api_key(session, user.id, "phone")
        _, app_password = await create_app_password(session, SECRET, user.id, "subsonic")
        await session.commit()
    return {"user": user.id, "track": track.id, "playlist": playlist.id, "key": key, "app_password": app_password}


def _fresh_database(services: kit.TestServices) -> tuple[str, str]:
    """An empty database (restore migrates it): its URL and name."""
    name = f"sonantica_r_{uuid.uuid4().hex[:12]}"
    asyncio.run(kit._admin_execute(services.postgres_admin_url, f'CREATE DATABASE "{name}"'))
    return kit._replace_database(services.postgres_admin_url, name), name


async def _fetch(url: str, query: str, *args: Any) -> list[Any]:
    conn = await asyncpg.connect(async_url(url).replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


def test_backup_restores_into_a_fresh_data_directory(
    populated: dict[str, Any],
    settings: Settings,
    make_settings: Callable[..., Settings],
    sonantica_services: kit.TestServices,
    tmp_path: Path,
) -> None:
    backup = tmp_path / "backup.sonantica"
    assert run_backup(settings, backup, everything=False) == 0
    assert backup.stat().st_mode & 0o077 == 0  # it holds password hashes: the owner's only
    manifest, _ = read(backup)
    tables = {t["name"]: t["rows"] for t in manifest["tables"]}
    assert tables["users"] == 1 and tables["playlist_tracks"] == 1 and tables["api_keys"] == 1
    assert "track_embeddings" not in tables and "track_audio_features" not in tables

    fresh, name = _fresh_database(sonantica_services)
    target = make_settings(POSTGRES_URL=fresh, DATA_DIR=str(tmp_path / "fresh-data"))
    try:
        assert run_restore(target, backup, replace=False) == 0
        rows = asyncio.run(
            _fetch(
                fresh,
                "SELECT p.name, pt.track_id, a.rating, a.starred_at IS NOT NULL AS starred FROM playlists p "
                "JOIN playlist_tracks pt ON pt.playlist_id = p.id JOIN track_annotations a ON a.track_id = pt.track_id",
            )
        )
        assert [tuple(r) for r in rows] == [("Road trip", populated["track"], 4, True)]
        keys = asyncio.run(_fetch(fresh, "SELECT key_hash FROM api_keys"))
        assert [r["key_hash"] for r in keys] == [hash_api_key(populated["key"])]
        sealed = asyncio.run(_fetch(fresh, "SELECT user_id, secret_encrypted FROM app_passwords"))[0]
        row = AppPassword(user_id=sealed["user_id"], secret_encrypted=sealed["secret_encrypted"])
        assert open_secret(SECRET, row) == populated["app_password"]
        # New rows get ids past the restored ones.
        nxt = asyncio.run(_fetch(fresh, "SELECT nextval(pg_get_serial_sequence('playlists', 'id')) AS n"))[0]["n"]
        assert nxt > populated["playlist"]
        # Restoring again over rows is refused (nothing changed); with --replace it is done again.
        assert run_restore(target, backup, replace=False) == 1
        assert run_restore(target, backup, replace=True) == 0
        assert asyncio.run(_fetch(fresh, "SELECT count(*) AS n FROM playlists"))[0]["n"] == 1
    finally:
        drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        asyncio.run(kit._admin_execute(sonantica_services.postgres_admin_url, drop))


def test_all_takes_every_table_and_a_damaged_file_is_refused(
    populated: dict[str, Any], settings: Settings, tmp_path: Path
) -> None:
    backup = tmp_path / "all.sonantica"
    assert run_backup(settings, backup, everything=True) == 0
    manifest, _ = read(backup)
    assert {"track_embeddings", "track_audio_features", "users"} <= {t["name"] for t in manifest["tables"]}
    damaged = tmp_path / "damaged.sonantica"
    data = gzip.decompress(backup.read_bytes())
    damaged.write_bytes(gzip.compress(data[: len(data) // 2]))
    assert run_restore(settings, damaged, replace=True) == 1
    assert hashlib.sha256(backup.read_bytes()).hexdigest()  # the original is untouched


async def test_a_backup_while_writes_go_on_is_one_instant(
    populated: dict[str, Any], core: Any, database_url: str, sonantica_services: kit.TestServices, tmp_path: Path
) -> None:
    """Playlists written with their tracks in one transaction each, during the backup: the backup
    holds each playlist with all its tracks or not at all (one snapshot, not table by table)."""
    from sonantica_core.cli.backupfile import dump, load
    from sonantica_core.db import migrate as schema
    from sonantica_core.plugins.loader import all_lineages

    stop = asyncio.Event()

    async def writer() -> int:
        written = 0
        while not stop.is_set():
            async with core.session() as session:
                playlist = Playlist(user_id=populated["user"], name=f"p{written}")
                session.add(playlist)
                await session.flush()
                for position in range(3):
                    session.add(PlaylistTrack(playlist_id=playlist.id, position=position, track_id=populated["track"]))
                await session.commit()
            written += 1
            await asyncio.sleep(0)
        return written

    writing = asyncio.create_task(writer())
    await asyncio.sleep(0.2)
    path = tmp_path / "live.sonantica"
    await dump(database_url, path, everything=False, secret=None)
    stop.set()
    assert await writing > 0
    name = f"sonantica_r_{uuid.uuid4().hex[:12]}"
    await kit._admin_execute(sonantica_services.postgres_admin_url, f'CREATE DATABASE "{name}"')
    fresh = kit._replace_database(sonantica_services.postgres_admin_url, name)
    try:
        await asyncio.to_thread(schema.upgrade, fresh, all_lineages(core.settings))
        await load(fresh, *read(path), replace=False)
        counts = await _fetch(
            fresh,
            "SELECT p.id, count(pt.position) AS n FROM playlists p "
            "LEFT JOIN playlist_tracks pt ON pt.playlist_id = p.id WHERE p.name LIKE 'p%' GROUP BY p.id",
        )
        assert counts and {r["n"] for r in counts} == {3}
    finally:
        drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        await kit._admin_execute(sonantica_services.postgres_admin_url, drop)
