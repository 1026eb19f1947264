"""The stream route's express lane answers exactly as the general stack would."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from starlette.middleware import Middleware

from sonantica_core.fastpath.stream_route import lane_applies
from sonantica_core.server.app import create_app
from sonantica_core.settings import Settings


def _scope(path: str, method: str = "GET", headers: list[tuple[bytes, bytes]] | None = None, **extra: Any) -> dict:
    return {"type": "http", "method": method, "path": path, "headers": headers or [], **extra}


@pytest.mark.parametrize(
    ("scope", "cors", "expected"),
    [
        (_scope("/api/stream/12"), False, True),
        (_scope("/api/stream/12", "HEAD"), False, True),
        (_scope("/api/stream/12", "POST"), False, False),  # the router answers 405
        (_scope("/api/stream/"), False, False),
        (_scope("/api/stream/12/more"), False, False),
        (_scope("/api/streams/12"), False, False),
        (_scope("/api/stream/12", root_path="/music"), False, False),
        (_scope("/api/stream/12", headers=[(b"origin", b"https://a.example")]), False, True),
        (_scope("/api/stream/12", headers=[(b"origin", b"https://a.example")]), True, False),
        (_scope("/api/stream/12"), True, True),
        ({"type": "websocket", "path": "/api/stream/12", "headers": []}, False, False),
    ],
)
def test_which_requests_take_the_lane(scope: dict, cors: bool, expected: bool) -> None:
    assert lane_applies(scope, cors) is expected


async def test_answers_and_refusals(client, user_headers, song_id, media) -> None:
    ranged = await client.get(f"/api/stream/{song_id}", headers={**user_headers, "Range": "bytes=5-9"})
    assert ranged.status_code == 206 and ranged.content == media.data[5:10]

    anonymous = await client.get(f"/api/stream/{song_id}")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == 'Bearer realm="sonantica"'
    assert anonymous.json()["error"]["code"] == "unauthorized"

    malformed = await client.get(f"/api/stream/{song_id}", headers={"Authorization": "Basic abc"})
    assert malformed.status_code == 401 and malformed.json()["error"]["code"] == "invalid_request"

    forged = await client.get(f"/api/stream/{song_id}?exp=9999999999&uid=1&sig=AAAA")
    assert forged.status_code == 403

    for bad in ("0", "abc", "99999999999999999999", "%2e%2e"):
        answer = await client.get(f"/api/stream/{bad}", headers=user_headers)
        assert answer.status_code == 404, bad
        assert answer.json()["error"]["code"] == "not_found", bad

    refused = await client.post(f"/api/stream/{song_id}", headers=user_headers)
    assert refused.status_code == 405


async def test_unexpected_error_is_a_logged_500(client, core, user_headers, song_id, caplog) -> None:
    class BrokenCache:
        async def lookup(self, ctx: Any, track_id: int) -> None:
            raise RuntimeError("the cache is broken")

    core.services.track_cache = BrokenCache()
    with caplog.at_level(logging.ERROR, logger="sonantica.app"):
        answer = await client.get(f"/api/stream/{song_id}", headers=user_headers)
    assert answer.status_code == 500
    assert answer.json()["error"]["code"] == "internal_error"
    assert "the cache is broken" in caplog.text


async def test_each_request_is_logged(client, user_headers, song_id, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="sonantica.access"):
        await client.get(f"/api/stream/{song_id}", headers={**user_headers, "Range": "bytes=0-99"})
        await client.get(f"/api/stream/{song_id}")
    lines = [r.getMessage() for r in caplog.records if r.name == "sonantica.access"]
    assert any(f'"GET /api/stream/{song_id}" 206 100 ' in line for line in lines), lines
    assert any(f'"GET /api/stream/{song_id}" 401 ' in line for line in lines), lines


@pytest.fixture
def settings(make_settings: Callable[..., Settings], media) -> Settings:
    return make_settings(MEDIA_PATH=f"music={media.root}", CORS_ORIGINS="https://player.example")


async def test_cross_origin_requests_get_cors_headers(client, user_headers, song_id) -> None:
    answer = await client.get(
        f"/api/stream/{song_id}",
        headers={**user_headers, "Range": "bytes=0-9", "Origin": "https://player.example"},
    )
    assert answer.status_code == 206
    assert answer.headers["access-control-allow-origin"] == "https://player.example"
    assert "Content-Range" in answer.headers["access-control-expose-headers"]


async def test_extra_middleware_sees_stream_requests(core, user_headers, song_id) -> None:
    seen: list[str] = []

    class Recorder:
        def __init__(self, app: Any) -> None:
            self.app = app

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                seen.append(scope["path"])
            await self.app(scope, receive, send)

    app = create_app(core, middleware=[Middleware(Recorder)])
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sonantica.test") as http:
            answer = await http.get(f"/api/stream/{song_id}", headers={**user_headers, "Range": "bytes=0-9"})
    assert answer.status_code == 206
    assert seen == [f"/api/stream/{song_id}"]
