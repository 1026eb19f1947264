"""``compose.yaml`` describes the distributed deployment: web replicas and task workers on one
PostgreSQL (with pgvector) and one Redis, sharing what must be shared.

Checked here, as the topology a multi-replica deployment needs: every Sonántica service reads the
same database, Redis and signing secret (a token or API key made on one replica is valid on every
other; a revocation is seen by all), the same DATA_DIR volume (derived files and the transcode
cache are written once), web processes run no task workers of their own (the worker service does,
in several replicas, with a redelivery time), the schema is migrated once before either starts,
and Redis keeps its queue across a restart (append-only file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[2]
SONANTICA = ("migrate", "web", "worker")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_every_sonantica_service_shares_database_redis_and_secret(compose: dict[str, Any]) -> None:
    services = compose["services"]
    keys = ("POSTGRES_URL", "REDIS_URL", "SECRET_KEY")
    shared = {key: {services[name]["environment"][key] for name in SONANTICA} for key in keys}
    for key, values in shared.items():
        assert len(values) == 1, f"{key} differs between services: {values}"
    assert "@postgres:" in shared["POSTGRES_URL"].pop() and "//redis:" in shared["REDIS_URL"].pop()


def test_derived_data_is_one_volume_for_all(compose: dict[str, Any]) -> None:
    services = compose["services"]
    mounts = {name: {v for v in services[name]["volumes"] if v.endswith(":/data")} for name in SONANTICA}
    assert len({frozenset(m) for m in mounts.values()}) == 1 and all(mounts.values())
    assert all(services[name]["environment"]["DATA_DIR"] == "/data" for name in SONANTICA)


def test_web_runs_no_workers_and_workers_are_replicated(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["web"]["environment"]["WORKERS"] == "0"
    assert services["worker"]["command"] == ["sonantica", "worker"]
    assert services["worker"]["deploy"]["replicas"] >= 2
    assert float(services["worker"]["environment"]["TASK_REDELIVERY_SECONDS"]) > 0


def test_migrated_once_before_web_and_workers(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["migrate"]["command"] == ["sonantica", "migrate"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_backing_services_fit(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert "pgvector" in services["postgres"]["image"]
    assert "--appendonly" in services["redis"]["command"]  # queued tasks survive a Redis restart
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"]
    assert services["web"]["healthcheck"]["test"] and "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
