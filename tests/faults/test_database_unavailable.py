"""PostgreSQL unreachable (restarting, or the network to it cut): 503 with Retry-After, never a hang
or a 500, and service again within 5 s of its return.

The app's database connections go through a :class:`~proxy.Relay` in front of the test
PostgreSQL: cutting it drops every connection and refuses new ones, exactly what clients of
a restarting server see, while the server itself (shared by the test session) runs on.
"""

from __future__ import annotations

import asyncio
import importlib.util
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy.engine import make_url

from sonantica_core.settings import Settings

_spec = importlib.util.spec_from_file_location("faults_proxy", Path(__file__).with_name("proxy.py"))
assert _spec is not None and _spec.loader is not None
proxy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(proxy)

#: Longest a request may take while the database is gone (no hang).
ANSWER_WITHIN = 5.0
#: Longest until requests succeed again once the database is back.
RECOVER_WITHIN = 5.0


def _relayed_url(url: str, tmp_path: Path) -> tuple[str, Any]:
    """``url`` rewritten to go through a relay, and that relay (not yet started)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if "host" in query:  # a Unix socket directory (the embedded PostgreSQL)
        directory = Path(query["host"][0])
        port = parts.port or 5432
        relay_dir = tmp_path / "pg-relay"
        relay_dir.mkdir()
        socket_name = f".s.PGSQL.{port}"
        relay = proxy.Relay(directory / socket_name, listen=relay_dir / socket_name)
        relayed = make_url(url).update_query_dict({"host": str(relay_dir)}).render_as_string(hide_password=False)
        return relayed, relay
    relay = proxy.Relay((parts.hostname or "127.0.0.1", parts.port or 5432))
    return url, relay


@pytest.fixture
async def relay_and_url(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[Any, str]]:
    url, relay = _relayed_url(database_url, tmp_path)
    await relay.start()
    if relay.listen is None:  # TCP: the port is known once it listens
        parts = urlsplit(database_url)
        url = database_url.replace(f"{parts.hostname}:{parts.port or 5432}", f"127.0.0.1:{relay.port}", 1)
        if f"127.0.0.1:{relay.port}" not in url:
            pytest.skip("cannot rewrite this POSTGRES_URL to go through a relay")
    try:
        yield relay, url
    finally:
        await relay.close()


@pytest.fixture
def settings(make_settings: Callable[..., Settings], relay_and_url: tuple[Any, str]) -> Settings:
    return make_settings(POSTGRES_URL=relay_and_url[1])


async def _timed_get(client: Any, path: str, headers: dict[str, str]) -> tuple[Any, float]:
    started = time.monotonic()
    response = await asyncio.wait_for(client.get(path, headers=headers), ANSWER_WITHIN + 5)
    return response, time.monotonic() - started


async def test_database_down_is_503_and_recovers(
    client: Any, admin_headers: dict[str, str], relay_and_url: tuple[Any, str], caplog: Any
) -> None:
    relay = relay_and_url[0]
    path = "/api/auth/api-keys"
    assert (await client.get(path, headers=admin_headers)).status_code == 200

    await relay.cut()
    for _ in range(3):  # the connections the pool held are dead, and new ones are refused
        response, took = await _timed_get(client, path, admin_headers)
        assert response.status_code == 503, response.text
        assert took < ANSWER_WITHIN
        assert response.headers["retry-after"].isdigit()
        assert response.json()["error"]["code"] == "database_unavailable"
    assert not [r for r in caplog.records if r.levelname == "ERROR" and "unhandled" in r.getMessage()]

    await relay.restore()
    back = time.monotonic()
    while True:
        response, _ = await _timed_get(client, path, admin_headers)
        if response.status_code == 200:
            break
        assert response.status_code == 503
        assert time.monotonic() - back < RECOVER_WITHIN, "not back within 5 s of the database"
        await asyncio.sleep(0.1)


async def test_a_database_that_stops_answering_is_503_after_the_connect_timeout(
    client: Any, admin_headers: dict[str, str], relay_and_url: tuple[Any, str]
) -> None:
    from sonantica_core.db.engine import CONNECT_TIMEOUT_SECONDS

    relay = relay_and_url[0]
    path = "/api/auth/api-keys"
    assert (await client.get(path, headers=admin_headers)).status_code == 200
    await relay.stall()  # connections are taken and never answered: no refusal to go by
    started = time.monotonic()
    response = await asyncio.wait_for(client.get(path, headers=admin_headers), CONNECT_TIMEOUT_SECONDS + 30)
    took = time.monotonic() - started
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "database_unavailable"
    assert took < CONNECT_TIMEOUT_SECONDS + 3, f"held {took:.1f} s"
    await relay.restore()
    back = time.monotonic()
    while (await client.get(path, headers=admin_headers)).status_code != 200:
        assert time.monotonic() - back < RECOVER_WITHIN, "not back within 5 s of the database"
        await asyncio.sleep(0.1)
