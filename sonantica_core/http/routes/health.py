"""``/healthz`` (the process answers) and ``/readyz`` (it can do its work)."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sonantica_core.db.migrate import CORE_VERSION_TABLE, core_lineage, head_revision
from sonantica_core.http.middleware.access import public
from sonantica_core.http.models.api import Health, Readiness
from sonantica_core.http.openapi.docs import api_doc


@api_doc("Alive", description="The web process runs its event loop.", tags=["health"], response=Health)
@public
async def healthz(request: Request) -> JSONResponse:
    """Alive: the web process runs its event loop."""
    return JSONResponse({"status": "ok"})


_READINESS = {"application/json": {"schema": {"$ref": "#/components/schemas/Readiness"}}}


@api_doc(
    "Ready",
    description="The database and Redis answer and the schema is current; 503 with what is wrong otherwise.",
    tags=["health"],
    response=Readiness,
    operation={
        "responses": {
            "200": {"description": "Ready", "content": _READINESS},
            "503": {"description": "Not ready: see `checks`", "content": _READINESS},
        }
    },
)
@public
async def readyz(request: Request) -> JSONResponse:
    """Ready: the database and Redis answer and the schema is current."""
    ctx = request.app.state.core
    checks: dict[str, str] = {}
    head = request.app.state.__dict__.setdefault("schema_head", head_revision(core_lineage()))

    async def database() -> None:
        async with ctx.engine.connect() as conn:
            version = (await conn.execute(text(f"SELECT version_num FROM {CORE_VERSION_TABLE}"))).scalar()
        checks["database"] = "ok"
        checks["schema"] = "ok" if version == head else f"at {version}, expected {head}: run `sonantica migrate`"

    async def redis() -> None:
        await ctx.redis.ping()
        checks["redis"] = "ok"

    for name, check in (("database", database), ("redis", redis)):
        try:
            await asyncio.wait_for(check(), timeout=2.0)
        except Exception as exc:
            checks[name] = f"unreachable: {type(exc).__name__}: {exc}"[:300]
    checks.setdefault("schema", "unknown")
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503
    )


routes = [
    Route("/healthz", healthz, methods=["GET", "HEAD"]),
    Route("/readyz", readyz, methods=["GET", "HEAD"]),
]
