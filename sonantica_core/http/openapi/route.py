"""``GET /api/openapi.json``: the OpenAPI 3.1 document of every route, core and plugins."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sonantica_core import __version__
from sonantica_core.http.middleware.access import public
from sonantica_core.http.openapi.docs import api_doc
from sonantica_core.http.openapi.spec import build_spec

DESCRIPTION = (
    "Sonántica's HTTP API: the library, search, covers, streaming, playlists, history, "
    "users and plugins. Every route needs `Authorization: Bearer <token or API key>` "
    "unless it says otherwise. Errors share one shape: "
    '`{"error": {"status", "code", "message", "details"}}`.'
)


def spec_of(app: Any) -> dict[str, Any]:
    """The document of ``app``'s routes, built once per app (routes do not change while it runs)."""
    spec = getattr(app.state, "openapi", None)
    if spec is None:
        spec = build_spec(app.routes, title="Sonántica", version=__version__, description=DESCRIPTION)
        app.state.openapi = spec
    return spec


@public
@api_doc(
    "The OpenAPI document",
    description="This API described as OpenAPI 3.1: every route of the core and of the enabled plugins.",
    tags=["meta"],
    response={"type": "object", "description": "An OpenAPI 3.1 document."},
)
async def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(spec_of(request.app))


routes = [Route("/api/openapi.json", openapi_json, methods=["GET", "HEAD"])]
