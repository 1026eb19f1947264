"""The page's routes: ``/plugins/web/`` (the page) and ``/plugins/web/assets/{path}`` (its files).

Both are public: the page signs in itself, through the API. Answers carry a strong ETag and
``Cache-Control: no-cache`` (a reload revalidates and gets 304), gzip where the client takes it,
and a Content-Security-Policy that allows this origin only.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sonantica_core.http.errors import ApiError
from sonantica_core.http.middleware.access import public
from sonantica_core.http.openapi.docs import api_doc
from sonantica_web.assets import Asset, make_asset, static_assets

TAGS = ["web"]
#: What the page may load: this origin only (covers come as blob: URLs, fetched with a token).
CSP = (
    "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; "
    "style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)
FEATURES_MARK = b"<!--features-->"


def _accepts_gzip(request: Request) -> bool:
    for part in request.headers.get("accept-encoding", "").split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "*") and params.replace(" ", "") not in ("q=0", "q=0.0"):
            return True
    return False


def asset_response(request: Request, asset: Asset) -> Response:
    """The asset, as 200 (gzip when accepted) or 304 when ``If-None-Match`` names its ETag."""
    headers = {
        "ETag": asset.etag,
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
        "Vary": "Accept-Encoding",
    }
    if asset.media_type.startswith("text/html"):
        headers["Content-Security-Policy"] = CSP
        headers["Referrer-Policy"] = "no-referrer"
    wanted = request.headers.get("if-none-match", "")
    tags = [tag.strip().removeprefix("W/") for tag in wanted.split(",")]
    if wanted and (wanted.strip() == "*" or asset.etag in tags):
        return Response(status_code=304, headers=headers)
    body = asset.body
    if asset.gzipped is not None and _accepts_gzip(request):
        body = asset.gzipped
        headers["Content-Encoding"] = "gzip"
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(body))
        return Response(status_code=200, headers=headers, media_type=asset.media_type)
    return Response(body, headers=headers, media_type=asset.media_type)


def features(ctx: Any) -> dict[str, Any]:
    """What the page can offer on this server: lyrics come from the core's chain (at least the tags' lyrics)."""
    return {"lyrics": True}


def web_routes(ctx: Any) -> list[BaseRoute]:
    """The plugin's routes, closing over the core context."""
    pages: dict[str, Asset] = {}

    @api_doc(
        "The web player",
        description="The page itself (HTML); it signs in and talks to the API on its own.",
        tags=TAGS,
        media_types=("text/html",),
        headers={"ETag": "The page's validator.", "Cache-Control": "`no-cache`."},
        responses={304: "The page has not changed (If-None-Match)"},
    )
    @public
    async def index(request: Request) -> Response:
        template = static_assets().get("index.html")
        assert template is not None  # AssetStore refuses a package without it
        data = json.dumps(features(ctx), separators=(",", ":")).encode()
        page = pages.get(data.decode())
        if page is None:
            block = b'<script type="application/json" id="features">' + data + b"</script>"
            page = pages[data.decode()] = make_asset("index.html", template.body.replace(FEATURES_MARK, block))
        return asset_response(request, page)

    @api_doc(
        "A file of the web player",
        description="Scripts, styles and the vendored wavesurfer.js, from the installed package.",
        tags=TAGS,
        path={"path": "The file's path inside the page's folder (`js/main.js`)."},
        media_types=("application/javascript", "text/css"),
        headers={"ETag": "The file's validator.", "Cache-Control": "`no-cache`."},
        responses={304: "The file has not changed (If-None-Match)", 404: "No such file"},
    )
    @public
    async def asset(request: Request) -> Response:
        path: str = request.path_params["path"]
        found = static_assets().get(path) if path != "index.html" else None
        if found is None:
            raise ApiError(404, f"the web player has no file {path[:200]!r}")
        return asset_response(request, found)

    return [
        Route("/", index, methods=["GET", "HEAD"]),
        Route("/assets/{path:path}", asset, methods=["GET", "HEAD"]),
    ]
