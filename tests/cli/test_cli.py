"""The command line: version, users, doctor, migrate — against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sonantica_core import __version__
from sonantica_core.settings import SETTINGS


@pytest.fixture
def run_cli(database_url: str, redis_url: str, tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k not in {s.env for s in SETTINGS}}
    env.update(POSTGRES_URL=database_url, REDIS_URL=redis_url, DATA_DIR=str(tmp_path / "data"), SECRET_KEY="k" * 40)

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sonantica_core", *args],
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )

    return run


def test_version() -> None:
    result = subprocess.run([sys.executable, "-m", "sonantica_core", "--version"], capture_output=True, text=True)
    assert result.stdout.strip() == f"sonantica {__version__}"


def test_user_lifecycle(run_cli) -> None:
    added = run_cli("user", "add", "ana", "--admin", "--password-stdin", stdin="correct horse battery\n")
    assert added.returncode == 0, added.stderr
    assert "created admin 'ana'" in added.stdout
    assert run_cli("user", "add", "bo", "--password-stdin", stdin="another good one\n").returncode == 0

    listed = run_cli("user", "list")
    assert "ana" in listed.stdout and "admin" in listed.stdout and "bo" in listed.stdout

    duplicate = run_cli("user", "add", "ANA", "--password-stdin", stdin="whatever long\n")
    assert duplicate.returncode == 2
    assert "already exists" in duplicate.stderr

    short = run_cli("user", "add", "cy", "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and "at least 8 characters" in short.stderr

    assert run_cli("user", "passwd", "bo", "--password-stdin", stdin="a new password\n").returncode == 0
    last_admin = run_cli("user", "remove", "ana")
    assert last_admin.returncode == 2 and "last admin" in last_admin.stderr
    assert run_cli("user", "remove", "bo").returncode == 0
    assert "bo" not in run_cli("user", "list").stdout
    missing = run_cli("user", "remove", "nobody")
    assert missing.returncode == 2 and "no user called 'nobody'" in missing.stderr


def test_no_password_without_terminal_is_refused(run_cli) -> None:
    result = run_cli("user", "add", "dee")
    assert result.returncode == 2
    assert "--password-stdin" in result.stderr


def test_doctor_reports_services(run_cli) -> None:
    result = run_cli("doctor")
    assert result.returncode == 0, result.stdout + result.stderr
    for expected in ("PostgreSQL", "pgvector", "Redis", "schema"):
        assert expected in result.stdout
    assert "problem" not in result.stdout


def test_doctor_flags_unreachable_services(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {s.env for s in SETTINGS}}
    env.update(
        POSTGRES_URL="postgresql://nobody@127.0.0.1:1/none", REDIS_URL="redis://127.0.0.1:1/0", DATA_DIR=str(tmp_path)
    )
    result = subprocess.run(
        [sys.executable, "-m", "sonantica_core", "doctor"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert result.stdout.count("problem") >= 2


def test_migrate_is_idempotent(run_cli) -> None:
    result = run_cli("migrate")
    assert result.returncode == 0, result.stderr
    assert "already current" in result.stdout
