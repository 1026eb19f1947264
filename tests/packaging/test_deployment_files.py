"""compose.yaml and the Containerfile agree with the settings and the README."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

from sonantica_core.settings import SETTINGS, load_settings

ROOT = Path(__file__).resolve().parents[2]
SETTING_NAMES = {spec.env for spec in SETTINGS}


def _compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_parses_and_has_the_services() -> None:
    compose = _compose()
    assert {"web", "worker", "migrate", "postgres", "redis"} <= set(compose["services"])
    assert compose["services"]["postgres"]["image"].startswith("pgvector/pgvector:")
    for name in ("web", "postgres", "redis"):
        assert "healthcheck" in compose["services"][name]


def test_every_variable_compose_sets_for_sonantica_is_a_setting() -> None:
    compose = _compose()
    for name in ("web", "worker", "migrate"):
        environment = compose["services"][name]["environment"]
        unknown = set(environment) - SETTING_NAMES
        assert not unknown, f"{name} sets {unknown}, which are not settings"


def test_compose_values_are_valid_settings() -> None:
    compose = _compose()
    environment = {
        key: re.sub(r"\$\{[^}]+\}", "x" * 40, str(value))
        for key, value in compose["services"]["web"]["environment"].items()
    }
    environment["MEDIA_PATH"] = ""  # /music exists only in the container
    environment["PLUGINS_FILE"] = str(ROOT / "plugins.toml")
    settings = load_settings(environ=environment)
    assert settings.host == "0.0.0.0" and settings.workers == 0


def test_media_is_mounted_read_only() -> None:
    compose = _compose()
    for name in ("web", "worker"):
        volumes = compose["services"][name]["volumes"]
        assert any(v.endswith(":/music:ro") for v in volumes)


def test_containerfile_sets_only_real_settings() -> None:
    text = (ROOT / "Containerfile").read_text()
    env_block = re.search(r"^ENV (.+?)(?=^\S)", text, re.S | re.M)
    assert env_block
    names = {pair.split("=", 1)[0] for pair in shlex.split(env_block.group(1).replace("\\\n", " "))}
    assert names - {"PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PIP_NO_CACHE_DIR"} <= SETTING_NAMES


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    for spec in SETTINGS:
        assert f"`{spec.env}`" in readme, f"README misses {spec.env}"


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    command = re.search(r"<!-- test-command -->\s*```sh\n(.+?)\n```", readme, re.S)
    assert command, "README must mark its test command"
    assert command.group(1).strip() in ci
