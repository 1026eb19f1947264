"""The OpenAPI document: every route, core and plugin, described with its schemas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute

from sonantica_core.http.openapi.docs import api_doc, doc_for
from sonantica_core.http.openapi.spec import build_spec
from sonantica_core.plugins import Plugin, hookimpl


def route_methods(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(path, method) of every endpoint, found independently of the generator."""
    for route in routes:
        if isinstance(route, Route):
            methods = set(route.methods or {"GET"})
            if "GET" in methods:
                methods.discard("HEAD")
            for method in methods:
                yield prefix + route.path_format, method.lower()
        elif isinstance(route, WebSocketRoute):
            yield prefix + route.path_format, "get"
        elif isinstance(route, Mount):
            if route.routes:
                yield from route_methods(route.routes, prefix + route.path.rstrip("/"))
            else:
                yield prefix + route.path_format, "get"


async def spec_of(client: Any) -> dict[str, Any]:
    response = await client.get("/api/openapi.json")  # public: no credentials needed
    assert response.status_code == 200
    return response.json()


async def test_every_route_appears(client: Any, app: Any) -> None:
    spec = await spec_of(client)
    assert spec["openapi"] == "3.1.0"
    documented = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert set(route_methods(app.routes)) <= documented


async def test_every_operation_is_described(client: Any, app: Any) -> None:
    """Every endpoint has an ``@api_doc``: add one to the routes you write (see
    sonantica_core.http.openapi.docs)."""
    spec = await spec_of(client)
    undocumented = {
        f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if operation.get("x-undocumented")
    }
    assert sorted(undocumented) == []


async def test_library_operations(client: Any) -> None:
    spec = await spec_of(client)
    tracks = spec["paths"]["/api/library/tracks"]["get"]
    parameters = {parameter["name"]: parameter for parameter in tracks["parameters"]}
    assert parameters["sort"]["schema"]["enum"] == [
        "title", "artist", "album", "year", "added", "duration", "bpm", "starred", "rating"
    ]
    assert {"starred", "rating_min", "rating_max"} <= set(parameters)
    assert {"put", "delete"} <= set(spec["paths"]["/api/tracks/{item_id}/star"])
    assert {"get", "post"} <= set(spec["paths"]["/api/smart-playlists"])
    assert "get" in spec["paths"]["/api/smart-playlists/{playlist_id}/tracks"]
    assert parameters["limit"]["schema"] == {"default": 100, "maximum": 500, "minimum": 1, "type": "integer"}
    assert parameters["limit"]["required"] is False
    assert "Camelot" in parameters["key"]["description"]
    assert tracks["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TrackPage"
    }
    assert {"400", "401", "422"} <= set(tracks["responses"])
    assert tracks["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    detail = spec["paths"]["/api/library/tracks/{track_id}"]["get"]
    assert detail["parameters"][0] == {
        "name": "track_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
        "description": "The track's id.",
    }
    cover = spec["paths"]["/api/covers/{album_id}"]["get"]
    assert set(cover["responses"]["200"]["content"]) == {"image/webp", "image/jpeg", "image/png", "image/gif"}
    assert set(cover["responses"]["200"]["headers"]) == {"ETag", "Cache-Control", "Vary"}
    assert "304" in cover["responses"]
    schemas = spec["components"]["schemas"]
    assert {"TrackPage", "TrackItem", "TrackDetail", "AlbumDetail", "ArtistDetail", "SearchResults"} <= set(schemas)
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An access token from POST /api/auth/login, or an API key.",
    }
    assert spec["security"] == [{"bearer": []}]
    assert spec["paths"]["/api/openapi.json"]["get"]["security"] == []
    assert spec["paths"]["/healthz"]["get"]["security"] == []


class Greeting(BaseModel):
    greeting: str


class GreetingQuery(BaseModel):
    shout: bool = False


class Documented(Plugin):
    name = "documented"

    @hookimpl
    def register_routes(self) -> list[BaseRoute]:
        @api_doc("Greet someone", tags=["greetings"], query=GreetingQuery, response=Greeting, path={"who": "Whom"})
        async def greet(request: Request) -> JSONResponse:
            return JSONResponse({"greeting": f"hello {request.path_params['who']}"})

        async def undocumented(request: Request) -> PlainTextResponse:
            """Something nobody described."""
            return PlainTextResponse("?")

        files = Mount("/files", app=PlainTextResponse("a file"))
        api_doc("A plugin's files", media_types=("text/plain",))(files)
        return [Route("/greet/{who}", greet), Route("/mystery", undocumented, methods=["POST"]), files]


async def test_plugin_routes_are_described(plugin_app: Any) -> None:
    async with plugin_app(Documented()) as core:
        spec = await spec_of(core.client)
    greet = spec["paths"]["/plugins/documented/greet/{who}"]["get"]
    assert greet["summary"] == "Greet someone" and greet["tags"] == ["greetings"]
    assert [p["name"] for p in greet["parameters"]] == ["who", "shout"]
    assert greet["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Greeting"
    }
    mystery = spec["paths"]["/plugins/documented/mystery"]["post"]
    assert mystery["x-undocumented"] is True and mystery["summary"] == "Something nobody described."
    assert mystery["tags"] == ["documented"]
    files = spec["paths"]["/plugins/documented/files/{path}"]["get"]
    assert files["summary"] == "A plugin's files"
    assert files["responses"]["200"]["content"] == {"text/plain": {"schema": {"type": "string", "format": "binary"}}}


def test_api_doc_per_method_and_name_clashes() -> None:
    class Item(BaseModel):
        x: int

    @api_doc("Read it", response=Item, method="GET")
    @api_doc("Change it", body=Item, response=Item, method="POST", status=201)
    async def endpoint(request: Request) -> JSONResponse:
        return JSONResponse({})

    assert doc_for(endpoint, "GET").summary == "Read it"  # type: ignore[union-attr]
    assert doc_for(endpoint, "POST").status == 201  # type: ignore[union-attr]
    assert doc_for(endpoint, "DELETE") is None

    class Other(BaseModel):  # another model with the same name
        y: str

    Other.__name__ = "Item"

    @api_doc("Other", response=Other)
    async def other(request: Request) -> JSONResponse:
        return JSONResponse({})

    spec = build_spec(
        [Route("/thing", endpoint, methods=["GET", "POST"]), Route("/other", other)], title="t", version="1"
    )
    post = spec["paths"]["/thing"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Item"}
    assert post["responses"]["201"]["description"] == "Created"
    other_ref = spec["paths"]["/other"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert other_ref != "#/components/schemas/Item"
    assert spec["components"]["schemas"][other_ref.rsplit("/", 1)[1]]["properties"] == {
        "y": {"title": "Y", "type": "string"}
    }
