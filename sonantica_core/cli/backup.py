"""``sonantica backup FILE`` and ``sonantica restore FILE`` (see :mod:`~.backupfile`)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from sonantica_core.cli.backupfile import BackupError, dump, file_digest, load, read
from sonantica_core.cli.common import add_common_flags, console, settings_from_args, setup_logging
from sonantica_core.db import migrate as schema
from sonantica_core.plugins.loader import all_lineages
from sonantica_core.server.backing import Services
from sonantica_core.settings import SECRET_FILE_NAME, Settings, ensure_secret_key


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    backup = sub.add_parser("backup", help="write what cannot be re-derived (users, playlists, history...) to FILE")
    backup.add_argument("file", type=Path, metavar="FILE")
    backup.add_argument("--all", action="store_true", help="everything, analysis and embeddings included")
    backup_flags = add_common_flags(backup)
    backup.set_defaults(handler=lambda args: run_backup(settings_from_args(args, backup_flags), args.file, args.all))
    restore = sub.add_parser("restore", help="restore a backup into this data directory's database")
    restore.add_argument("file", type=Path, metavar="FILE")
    restore.add_argument("--replace", action="store_true", help="replace the tables' rows (else they must be empty)")
    restore_flags = add_common_flags(restore)
    restore.set_defaults(
        handler=lambda args: run_restore(settings_from_args(args, restore_flags), args.file, args.replace)
    )


def run_backup(settings: Settings, path: Path, everything: bool) -> int:
    setup_logging(settings.log_level)
    secret = None if settings.secret_key else ensure_secret_key(settings)  # only a secret kept in DATA_DIR
    with Services(settings, attach_if_running=True) as services:
        try:
            manifest = asyncio.run(dump(services.postgres_url, path, everything=everything, secret=secret))
        except BackupError as exc:
            console.print(f"[red]✗[/] {exc}")
            return 1
    rows = sum(t["rows"] for t in manifest["tables"])
    console.print(
        f"[green]✓[/] {path}: {len(manifest['tables'])} tables, {rows} rows ({manifest['scope']}), "
        f"sha256 {file_digest(path)}"
    )
    return 0


def run_restore(settings: Settings, path: Path, replace: bool) -> int:
    setup_logging(settings.log_level)
    try:
        manifest, members = read(path)
    except BackupError as exc:
        console.print(f"[red]✗[/] {exc}")
        return 1
    if "secret_key" in members and not settings.secret_key:
        secret_file = settings.data_dir / SECRET_FILE_NAME
        kept = members["secret_key"].decode().strip()
        if secret_file.exists() and secret_file.read_text().strip() != kept:
            console.print(f"[red]✗[/] {secret_file} holds another secret: app passwords would not open; move it away")
            return 1
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        secret_file.touch(mode=0o600)
        secret_file.write_text(kept + "\n")
    with Services(settings, attach_if_running=True) as services:
        schema.upgrade(services.postgres_url, all_lineages(settings))
        try:
            checked = asyncio.run(load(services.postgres_url, manifest, members, replace=replace))
        except BackupError as exc:
            console.print(f"[red]✗[/] {exc}")
            return 1
    rows = sum(t.rows for t in checked)
    made = manifest["created"]
    console.print(f"[green]✓[/] restored {len(checked)} tables, {rows} rows from {path} (made {made}); verified")
    return 0
