"""``GET /api/plugins``: every plugin this web process knows, with its status and hooks.

Like Datasette's ``/-/plugins.json``: name, version, status, hooks, last error,
and the validated configuration with secrets masked. Admins only: configuration
and errors are the server operator's business.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sonantica_core.http.middleware.access import admin_only
from sonantica_core.http.models.api import PluginList
from sonantica_core.http.openapi.docs import api_doc
from sonantica_core.plugins import manager_of
from sonantica_core.plugins.compat import contract_version_text
from sonantica_core.plugins.summary import describe


@api_doc(
    "Installed plugins",
    description="Every plugin this web process knows, in plugin order: version, status, hooks, last error and "
    "configuration (secrets masked), with the plugin contract version of this core.",
    tags=["plugins"],
    response=PluginList,
)
@admin_only
async def list_plugins(request: Request) -> JSONResponse:
    """The plugins in plugin order, and the contract version this core provides."""
    manager = manager_of(request.app.state.core)
    return JSONResponse(
        {"contract": contract_version_text(), "plugins": [describe(record) for record in manager.all()]}
    )


routes = [Route("/api/plugins", list_plugins, methods=["GET", "HEAD"])]
