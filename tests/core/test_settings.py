"""Settings: each wrong value gives one clear line naming the setting, exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sonantica_core.errors import ConfigError
from sonantica_core.settings import SETTINGS, ensure_secret_key, load_settings, parse_media_roots

BAD_SETTINGS = [
    ({"PORT": "eighty"}, "PORT", "whole number"),
    ({"PORT": "0"}, "PORT", "from 1 to 65535"),
    ({"PORT": "70000"}, "PORT", "from 1 to 65535"),
    ({"MEDIA_PATH": "/no/such/folder"}, "MEDIA_PATH", "is not a folder"),
    ({"POSTGRES_URL": "mysql://localhost/db"}, "POSTGRES_URL", "postgresql://"),
    ({"POSTGRES_URL": "postgresql://:5432/x"}, "POSTGRES_URL", "has no host"),
    ({"POSTGRES_URL": "postgresql://host:notaport/x"}, "POSTGRES_URL", "invalid port"),
    ({"REDIS_URL": "http://localhost"}, "REDIS_URL", "redis://"),
    ({"SECRET_KEY": "short"}, "SECRET_KEY", "at least 32 characters"),
    ({"WORKERS": "-1"}, "WORKERS", "whole number"),
    ({"WORKERS": "100"}, "WORKERS", "from 0 to 64"),
    ({"WEB_WORKERS": "0"}, "WEB_WORKERS", "from 1 to 64"),
    ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL", "DEBUG, INFO"),
    ({"WATCH": "maybe"}, "WATCH", "true/false"),
    ({"CORS_ORIGINS": "not a url"}, "CORS_ORIGINS", "is not an origin"),
    ({"SHUTDOWN_GRACE": "soon"}, "SHUTDOWN_GRACE", "number of seconds"),
    ({"SHUTDOWN_GRACE": "-3"}, "SHUTDOWN_GRACE", "≥ 0"),
    ({"STREAM_MODE": "fast"}, "STREAM_MODE", "'direct'"),
    ({"PLUGINS_FILE": "/no/such/plugins.toml"}, "PLUGINS_FILE", "does not exist"),
    ({"TRUSTED_PROXIES": "127.0.0.1,nginx"}, "TRUSTED_PROXIES", "is not an IP address"),
]


@pytest.mark.parametrize(
    ("env", "setting", "reason"),
    BAD_SETTINGS,
    ids=[case[1] + ":" + next(iter(case[0].values())) for case in BAD_SETTINGS],
)
def test_bad_setting_is_refused_with_its_name(env: dict[str, str], setting: str, reason: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(environ={"PLUGINS_FILE": "", **env} if "PLUGINS_FILE" in env else env)
    assert raised.value.setting == setting
    assert reason in raised.value.reason


@pytest.mark.parametrize(("env", "setting", "reason"), BAD_SETTINGS[:6] + BAD_SETTINGS[8:9] + BAD_SETTINGS[12:13])
def test_cli_prints_one_line_and_exits_2(env: dict[str, str], setting: str, reason: str, tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if k not in {s.env for s in SETTINGS}}
    environ.update(env, DATA_DIR=str(tmp_path / "data"))
    result = subprocess.run(
        [sys.executable, "-m", "sonantica_core", "serve"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {setting}: ")
    assert reason in lines[0]
    assert "Traceback" not in result.stderr


def test_bad_plugins_toml(tmp_path: Path) -> None:
    bad = tmp_path / "plugins.toml"
    bad.write_text("[core\nport = 1")
    with pytest.raises(ConfigError) as raised:
        load_settings(environ={"PLUGINS_FILE": str(bad)})
    assert raised.value.setting == "PLUGINS_FILE"
    assert "not valid TOML" in raised.value.reason


def test_unknown_core_key_in_plugins_toml(tmp_path: Path) -> None:
    path = tmp_path / "plugins.toml"
    path.write_text("[core]\nprot = 8081\n")
    with pytest.raises(ConfigError) as raised:
        load_settings(environ={"PLUGINS_FILE": str(path)})
    assert raised.value.setting == "plugins.toml [core].prot"


def test_precedence_flag_over_env_over_file_over_default(tmp_path: Path) -> None:
    path = tmp_path / "plugins.toml"
    path.write_text("[core]\nport = 9001\nworkers = 3\nwatch = false\n")
    env = {"PLUGINS_FILE": str(path), "PORT": "9002"}
    assert load_settings(environ=env).port == 9002
    assert load_settings({"PORT": "9003"}, environ=env).port == 9003
    assert load_settings(environ={"PLUGINS_FILE": str(path)}).port == 9001
    assert load_settings(environ={"PLUGINS_FILE": str(path)}).workers == 3
    assert load_settings(environ={"PLUGINS_FILE": str(path)}).watch is False
    assert load_settings(environ={}).port == 8080


def test_bad_value_in_plugins_toml_says_where(tmp_path: Path) -> None:
    path = tmp_path / "plugins.toml"
    path.write_text("[core]\nport = 'x'\n")
    with pytest.raises(ConfigError, match=r"\(in plugins.toml\)"):
        load_settings(environ={"PLUGINS_FILE": str(path)})


def test_media_roots_are_named_and_unique(tmp_path: Path) -> None:
    (tmp_path / "a" / "Music").mkdir(parents=True)
    (tmp_path / "b" / "Music").mkdir(parents=True)
    roots = parse_media_roots(f"{tmp_path}/a/Music:{tmp_path}/b/Music:vinyl={tmp_path}/a")
    assert [r.name for r in roots] == ["Music", "Music-2", "vinyl"]
    with pytest.raises(ValueError, match="used twice"):
        parse_media_roots(f"x={tmp_path}/a:x={tmp_path}/b")
    with pytest.raises(ValueError, match="root name"):
        parse_media_roots(f"bad name={tmp_path}/a")


def test_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    settings = load_settings(environ={"DATA_DIR": str(tmp_path)})
    first = ensure_secret_key(settings)
    assert len(first) >= 32
    assert ensure_secret_key(settings) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    given = load_settings(environ={"DATA_DIR": str(tmp_path), "SECRET_KEY": "k" * 40})
    assert ensure_secret_key(given) == "k" * 40
