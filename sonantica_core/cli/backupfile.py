"""The backup file: what cannot be re-derived, read in one snapshot, restored and verified.

A backup is a gzip'd tar holding ``manifest.json`` (format, time, scope, the schema
revision of every lineage, and per table its row count and a digest of its rows),
``tables/NAME.copy`` (the table in PostgreSQL's binary COPY format) and, where the
signing secret lives in DATA_DIR, ``secret_key`` (app passwords are sealed with it).

* **Consistent while the server runs**: every table is read in one ``REPEATABLE READ``
  read-only transaction, so the backup is the database as it was at one instant.
* **Scope**: by default everything but what the server derives again from the music
  files (audio analysis, embeddings, fingerprints, scan runs and problems, personal
  mixes, download links): users, API keys, app passwords, playlists, smart playlists,
  history, stars and ratings, plugin settings and the library catalogue they point at
  (so that every reference keeps its target). ``--all`` takes every table.
* **Restore** (into a database migrated to the same revisions): the tables must be empty
  (a fresh data directory), or ``replace`` truncates them first; all rows are loaded in one
  transaction in foreign-key order, sequences are moved past the restored ids, and each
  table's row count and digest are checked against the manifest before the commit.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sonantica_core.errors import SonanticaError

FORMAT = 1
#: Tables the server derives again from the music files (left out unless ``--all``).
DERIVED = frozenset(
    {
        "track_audio_features",
        "track_embeddings",
        "track_metadata",
        "track_analysis",
        "track_fingerprints",
        "scan_runs",
        "scan_problems",
        "personal_mixes",
        "downloads",
        "refresh_tokens",
    }
)


class BackupError(SonanticaError):
    """A backup that cannot be made or restored, with why."""


@dataclass(frozen=True)
class TableInfo:
    name: str
    rows: int
    digest: str


def _dsn(url: str) -> str:
    from sonantica_core.db.engine import async_url

    return async_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


async def _tables(conn: Any) -> list[str]:
    rows = await conn.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'alembic_version%' "
        "ORDER BY tablename"
    )
    return [r["tablename"] for r in rows]


async def _revisions(conn: Any) -> dict[str, str]:
    names = await conn.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'alembic_version%'"
    )
    found: dict[str, str] = {}
    for row in names:
        table = row["tablename"]
        value = await conn.fetchval(f"SELECT string_agg(version_num, ',' ORDER BY version_num) FROM \"{table}\"")
        found[row["tablename"]] = value or ""
    return found


async def _digest(conn: Any, table: str) -> tuple[int, str]:
    """Rows and an order-independent digest of ``table``'s rows (their text forms, sorted)."""
    row = await conn.fetchrow(
        "SELECT count(*) AS n, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS d "
        f'FROM "{table}" t'
    )
    return int(row["n"]), str(row["d"])


async def _fk_order(conn: Any, tables: Iterable[str]) -> list[str]:
    """``tables`` with every table after those it references."""
    wanted = set(tables)
    edges = await conn.fetch(
        "SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent FROM pg_constraint c "
        "WHERE c.contype = 'f'"
    )
    parents: dict[str, set[str]] = {t: set() for t in wanted}
    for edge in edges:
        child, parent = edge["child"].strip('"'), edge["parent"].strip('"')
        if child in wanted and parent in wanted and child != parent:
            parents[child].add(parent)
    order: list[str] = []
    done: set[str] = set()
    while len(order) < len(wanted):
        ready = sorted(t for t in wanted - done if parents[t] <= done)
        if not ready:  # a cycle: take the rest alphabetically (FKs are checked at the end anyway)
            ready = sorted(wanted - done)
        order += ready
        done |= set(ready)
    return order


async def dump(postgres_url: str, path: Path, *, everything: bool, secret: str | None) -> dict[str, Any]:
    """Write a backup of the database at ``postgres_url`` to ``path``; returns its manifest."""
    import asyncpg

    conn = await asyncpg.connect(_dsn(postgres_url))
    tmp = path.with_name(path.name + ".partial")
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            tables = [t for t in await _tables(conn) if everything or t not in DERIVED]
            revisions = await _revisions(conn)
            infos: list[TableInfo] = []
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6) as gz, tarfile.open(
                fileobj=gz, mode="w"
            ) as tar:
                for table in tables:
                    buffer = io.BytesIO()
                    await conn.copy_from_table(table, output=buffer, format="binary")
                    rows, digest = await _digest(conn, table)
                    infos.append(TableInfo(table, rows, digest))
                    _add(tar, f"tables/{table}.copy", buffer.getvalue())
                if secret is not None:
                    _add(tar, "secret_key", secret.encode())
                manifest = {
                    "format": FORMAT,
                    "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "scope": "all" if everything else "user",
                    "revisions": revisions,
                    "tables": [info.__dict__ for info in infos],
                    "secret_key": secret is not None,
                }
                _add(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
        await conn.close()
    return manifest


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(time.time())
    tar.addfile(info, io.BytesIO(data))


def read(path: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and the members of the backup at ``path``."""
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            members = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]
    except (OSError, tarfile.TarError, EOFError) as exc:
        raise BackupError(f"{path} is not a readable backup ({exc})") from None
    if "manifest.json" not in members:
        raise BackupError(f"{path} has no manifest: not a Sonántica backup, or cut short")
    manifest = json.loads(members["manifest.json"])
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is in backup format {manifest.get('format')}, this version reads {FORMAT}")
    for table in manifest["tables"]:
        if f"tables/{table['name']}.copy" not in members:
            raise BackupError(f"{path} lacks the rows of {table['name']}")
    return manifest, members


async def load(
    postgres_url: str, manifest: dict[str, Any], members: dict[str, bytes], *, replace: bool
) -> list[TableInfo]:
    """Restore the tables of a backup into the (migrated) database; verified before the commit."""
    import asyncpg

    conn = await asyncpg.connect(_dsn(postgres_url))
    try:
        current = await _revisions(conn)
        for table, revision in manifest["revisions"].items():
            if current.get(table) != revision:
                raise BackupError(
                    f"the backup's schema ({table} at {revision or 'nothing'}) is not this database's "
                    f"({current.get(table) or 'nothing'}): run the Sonántica version that made it, or migrate it first"
                )
        present = set(await _tables(conn))
        names = [t["name"] for t in manifest["tables"]]
        missing = [n for n in names if n not in present]
        if missing:
            raise BackupError(f"this database has no table {missing[0]} (a plugin not installed?)")
        order = await _fk_order(conn, names)
        async with conn.transaction():
            if replace:
                await conn.execute("TRUNCATE " + ", ".join(f'"{n}"' for n in order) + " CASCADE")
            else:
                for name in order:
                    if await conn.fetchval(f'SELECT EXISTS (SELECT 1 FROM "{name}")'):
                        raise BackupError(f"{name} is not empty: restore into a fresh data directory, or use --replace")
            for name in order:
                await conn.copy_to_table(name, source=io.BytesIO(members[f"tables/{name}.copy"]), format="binary")
            await _advance_sequences(conn, names)
            checked = []
            expected = {t["name"]: t for t in manifest["tables"]}
            for name in order:
                rows, digest = await _digest(conn, name)
                if rows != expected[name]["rows"] or digest != expected[name]["digest"]:
                    raise BackupError(f"{name} does not read back as it was backed up ({rows} rows): nothing restored")
                checked.append(TableInfo(name, rows, digest))
        return checked
    finally:
        await conn.close()


async def _advance_sequences(conn: Any, tables: list[str]) -> None:
    """Move every serial or identity sequence of ``tables`` past the largest restored value."""
    rows = await conn.fetch(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND table_name = ANY($1::text[]) AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')",
        tables,
    )
    for row in rows:
        table, column = row["table_name"], row["column_name"]
        sequence = await conn.fetchval("SELECT pg_get_serial_sequence($1, $2)", f'"{table}"', column)
        if sequence:
            await conn.execute(
                f'SELECT setval($1, coalesce((SELECT max("{column}") FROM "{table}"), 0) + 1, false)', sequence
            )


def file_digest(path: Path) -> str:
    """SHA-256 of the backup file (shown to the user, to compare copies)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
