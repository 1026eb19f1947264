"""Building the OpenAPI 3.1 document by walking the app's routes.

Every ``Route``, ``WebSocketRoute`` and ``Mount`` (recursively, so plugin routes
under ``/plugins/<name>/`` too) becomes an operation; what ``@api_doc`` says fills
it in (:mod:`sonantica_core.http.openapi.docs`). A route without a description still
appears, marked ``x-undocumented``, with its docstring as summary.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel
from starlette.convertors import Convertor, FloatConvertor, IntegerConvertor, PathConvertor, UUIDConvertor
from starlette.routing import BaseRoute, Host, Mount, Route, WebSocketRoute, compile_path

from sonantica_core.auth.principal import Access
from sonantica_core.http.middleware.access import ADMIN_PREFIX
from sonantica_core.http.openapi.docs import ApiDoc, doc_for
from sonantica_core.http.routing import ACCESS_ATTRIBUTE

REF = "#/components/schemas/{model}"
_PLUGIN_PREFIX = re.compile(r"^/plugins/([^/]+)")


class ErrorDetail(BaseModel):
    status: int
    code: str
    message: str
    details: Any = None


class ErrorBody(BaseModel):
    """The one shape of every error the API returns."""

    error: ErrorDetail


@dataclass(frozen=True)
class Endpoint:
    """One method of one route, with everything the walk learnt about it."""

    path: str
    method: str
    target: Any
    convertors: Mapping[str, Convertor[Any]]
    access: Access
    websocket: bool = False


class Components:
    """The ``components/schemas`` being collected, with names kept unique."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}
        self._owners: dict[str, tuple[type[BaseModel], str]] = {}

    def add(self, model: type[BaseModel], mode: str) -> dict[str, str]:
        schema = model.model_json_schema(mode=mode, ref_template=REF)  # type: ignore[arg-type]
        for name, definition in schema.pop("$defs", {}).items():
            self.schemas.setdefault(name, definition)
        name = model.__name__
        owner = self._owners.get(name)
        if owner is not None and owner != (model, mode) and self.schemas[name] != schema:
            name = f"{name}{'Input' if mode == 'validation' else 'Output'}"
            if name in self._owners and self._owners[name][0] is not model:
                name = f"{model.__module__.replace('.', '_')}_{name}"
        self._owners.setdefault(name, (model, mode))
        self.schemas[name] = schema
        return {"$ref": REF.format(model=name)}

    def schema(self, schema: type[BaseModel] | Mapping[str, Any], mode: str) -> dict[str, Any]:
        if isinstance(schema, type) and issubclass(schema, BaseModel):
            return self.add(schema, mode)
        return dict(schema)  # type: ignore[arg-type]


def _declared_access(*objects: Any) -> Access | None:
    for obj in objects:
        access = getattr(obj, ACCESS_ATTRIBUTE, None)
        if access is not None:
            return access
    return None


def _prefix_of(mount: Mount) -> tuple[str, dict[str, Convertor[Any]]]:
    _, path_format, convertors = compile_path(mount.path)
    return path_format, dict(convertors)


def _methods_of(route: Route) -> list[str]:
    methods = sorted(route.methods or {"GET"})
    if "GET" in methods and "HEAD" in methods:
        methods.remove("HEAD")
    return methods


def _target_of(route: Route, method: str) -> Any:
    endpoint = route.endpoint
    if inspect.isclass(endpoint):
        return getattr(endpoint, method.lower(), None) or endpoint
    return endpoint


def walk(
    routes: Sequence[BaseRoute],
    prefix: str = "",
    convertors: Mapping[str, Convertor[Any]] | None = None,
    inherited: Access | None = None,
) -> Iterator[Endpoint]:
    """Every endpoint reachable through ``routes``, mounts included."""
    convertors = dict(convertors or {})
    for route in routes:
        if isinstance(route, Route):
            access = _declared_access(route, route.endpoint) or inherited or Access.USER
            for method in _methods_of(route):
                yield Endpoint(
                    prefix + route.path_format,
                    method,
                    _target_of(route, method),
                    {**convertors, **route.param_convertors},
                    access,
                )
        elif isinstance(route, WebSocketRoute):
            access = _declared_access(route, route.endpoint) or inherited or Access.USER
            params = {**convertors, **route.param_convertors}
            yield Endpoint(prefix + route.path_format, "GET", route.endpoint, params, access, websocket=True)
        elif isinstance(route, Mount):
            path, mount_convertors = _prefix_of(route)
            access = _declared_access(route, route.app) or inherited
            inner = route.routes
            if inner:
                yield from walk(inner, prefix + path, {**convertors, **mount_convertors}, access)
            else:
                yield Endpoint(
                    prefix + route.path_format,
                    "GET",
                    route,
                    {**convertors, **route.param_convertors},
                    access or Access.USER,
                )
        elif isinstance(route, Host):
            yield from walk(route.routes, prefix, convertors, inherited)


def _param_schema(convertor: Convertor[Any]) -> dict[str, Any]:
    if isinstance(convertor, IntegerConvertor):
        return {"type": "integer", "minimum": 0}
    if isinstance(convertor, FloatConvertor):
        return {"type": "number", "minimum": 0}
    if isinstance(convertor, UUIDConvertor):
        return {"type": "string", "format": "uuid"}
    if isinstance(convertor, PathConvertor):
        return {"type": "string"}
    return {"type": "string", "pattern": "^[^/]+$"}


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(mode="validation", ref_template=REF)
    required = set(schema.get("required", ()))
    parameters = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF.format(model="ErrorBody")}}},
    }


def _description(doc: ApiDoc | None, target: Any) -> str | None:
    if doc is not None and doc.description:
        return doc.description
    text = inspect.getdoc(target) if callable(target) and not isinstance(target, Mount) else None
    return text or None


def _success(doc: ApiDoc, components: Components) -> dict[str, Any]:
    reason = HTTPStatus(doc.status).phrase if doc.status in HTTPStatus._value2member_map_ else "Success"
    response: dict[str, Any] = {"description": reason}
    if doc.response is not None:
        response["content"] = {"application/json": {"schema": components.schema(doc.response, "serialization")}}
    elif doc.media_types:
        response["content"] = {media: {"schema": {"type": "string", "format": "binary"}} for media in doc.media_types}
    if doc.headers:
        response["headers"] = {
            name: {"description": text, "schema": {"type": "string"}} for name, text in doc.headers.items()
        }
    return response


def operation(endpoint: Endpoint, components: Components, operation_id: str) -> dict[str, Any]:
    """The OpenAPI operation of one endpoint."""
    doc = doc_for(endpoint.target, endpoint.method)
    name = getattr(endpoint.target, "__name__", type(endpoint.target).__name__)
    plugin = _PLUGIN_PREFIX.match(endpoint.path)
    first_line = (_description(None, endpoint.target) or name.replace("_", " ")).splitlines()[0]
    op: dict[str, Any] = {
        "operationId": operation_id,
        "summary": doc.summary if doc else first_line,
        "tags": list(doc.tags) if doc and doc.tags else [plugin.group(1) if plugin else "other"],
    }
    description = _description(doc, endpoint.target)
    if description:
        op["description"] = description
    parameters = []
    for param, convertor in endpoint.convertors.items():
        parameter: dict[str, Any] = {"name": param, "in": "path", "required": True, "schema": _param_schema(convertor)}
        if doc and param in doc.path:
            parameter["description"] = doc.path[param]
        parameters.append(parameter)
    if doc and doc.query is not None:
        parameters.extend(_query_parameters(doc.query))
    if parameters:
        op["parameters"] = parameters
    if doc and doc.body is not None:
        op["requestBody"] = {
            "required": doc.body_required,
            "content": {"application/json": {"schema": components.schema(doc.body, "validation")}},
        }
    responses: dict[str, Any] = {}
    if doc is None:
        op["x-undocumented"] = True
        responses["default"] = {"description": "Not documented yet"}
    else:
        responses[str(doc.status)] = _success(doc, components)
        for status, text in doc.responses.items():
            responses[str(status)] = _error(text) if status >= 400 else {"description": text}
        if doc.query is not None or doc.body is not None:
            responses.setdefault("422", _error("A parameter or the body is not valid"))
        if endpoint.convertors:
            responses.setdefault("404", _error("Not found"))
    admin = endpoint.access is Access.ADMIN or endpoint.path.startswith(ADMIN_PREFIX)
    if endpoint.access is Access.PUBLIC and not endpoint.path.startswith(ADMIN_PREFIX):
        op["security"] = []
    else:
        responses.setdefault("401", _error("No valid credentials"))
        if admin:
            responses.setdefault("403", _error("Only an admin may do this"))
        if endpoint.access is Access.SIGNED:
            op["security"] = [{"bearer": []}, {"signedUrl": []}]
    op["responses"] = responses
    if doc and doc.deprecated:
        op["deprecated"] = True
    if endpoint.websocket:
        op["x-websocket"] = True
    if doc and doc.operation:
        op.update(doc.operation)
    return op


def build_spec(
    routes: Sequence[BaseRoute], *, title: str, version: str, description: str | None = None
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``routes``."""
    components = Components()
    components.add(ErrorBody, "serialization")
    paths: dict[str, dict[str, Any]] = {}
    used_ids: set[str] = set()
    for endpoint in walk(routes):
        item = paths.setdefault(endpoint.path, {})
        method = endpoint.method.lower()
        if method in item:
            continue  # an earlier route with this path and method wins, as in the router
        base = re.sub(r"[^A-Za-z0-9_]+", "_", f"{method}_{endpoint.path}").strip("_")
        operation_id, n = base, 2
        while operation_id in used_ids:
            operation_id, n = f"{base}_{n}", n + 1
        used_ids.add(operation_id)
        item[method] = operation(endpoint, components, operation_id)
    info: dict[str, Any] = {"title": title, "version": version}
    if description:
        info["description"] = description
    return {
        "openapi": "3.1.0",
        "info": info,
        "paths": paths,
        "components": {
            "schemas": components.schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An access token from POST /api/auth/login, or an API key.",
                },
                "signedUrl": {
                    "type": "apiKey",
                    "in": "query",
                    "name": "sig",
                    "description": "A signed URL (from /api/tracks/{track_id}/stream-url), with its exp and uid.",
                },
            },
        },
        "security": [{"bearer": []}],
    }
