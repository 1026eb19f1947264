"""The app answers health checks and errors in one JSON shape."""

from __future__ import annotations


async def test_healthz(client) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_each_check(client) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "schema": "ok", "redis": "ok"}}


async def test_unknown_route_uses_the_error_shape(client) -> None:
    response = await client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.json() == {"error": {"status": 404, "code": "not_found", "message": "Not Found"}}


async def test_wrong_method_uses_the_error_shape(client) -> None:
    response = await client.post("/healthz")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
