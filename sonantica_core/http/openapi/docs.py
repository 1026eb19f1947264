"""Describing HTTP routes for the OpenAPI document at ``/api/openapi.json``.

Every route of the app — the core's and the plugins' (mounted under
``/plugins/<name>/``) — appears in the document; what it says about a route comes
from ``@api_doc`` on the endpoint. Use it on every endpoint you add (a test fails
for routes without it)::

    from pydantic import BaseModel
    from sonantica_core.http.openapi.docs import api_doc

    class Hello(BaseModel):
        greeting: str

    class HelloQuery(BaseModel):
        name: str = "world"

    @api_doc("Say hello", tags=["hello"], query=HelloQuery, response=Hello,
             responses={404: "No such greeting"})
    async def hello(request): ...

Arguments (all but ``summary`` optional):

* ``summary``: one line; ``description``: more (defaults to the endpoint's docstring).
* ``tags``: groups in the document (plugin routes get their plugin's name by default).
* ``query``: a pydantic model of the query parameters (one parameter per field);
  ``path``: descriptions of path parameters, ``{"track_id": "The track's id"}``
  (their types come from the route's convertors, ``{track_id:int}``).
* ``body``: a pydantic model of the JSON request body (or a JSON Schema dict);
  ``body_required`` (default True).
* ``response``: a pydantic model (or JSON Schema dict) of the JSON answer, sent with
  ``status`` (default 200); ``None`` with ``status=204`` for no body.
* ``media_types``: for answers that are not JSON, their types
  (``("audio/flac", "audio/mpeg")``, ``("image/webp", "image/jpeg")``, ``("text/event-stream",)``).
* ``responses``: other outcomes, ``{404: "No such track", 304: "Not modified"}``; errors
  (400 and up) are documented with the API's one error shape. 401 (and 403 on admin
  routes) is added for routes that need a user, 422 for routes with a query or body model.
* ``headers``: response headers, ``{"ETag": "..."}``.
* ``method``: the HTTP method this description is for, when one endpoint serves several
  (stack one ``@api_doc`` per method); by default it describes every method of the route.
* ``operation``: a raw OpenAPI operation fragment merged last, for anything else.

Routes that are ``Mount`` s of other ASGI apps (static files, say) can carry a
description too: ``api_doc(...)(mount)`` sets it on the ``Mount`` itself.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

DOC_ATTRIBUTE = "__sonantica_api_doc__"
T = TypeVar("T")

Schema = type[BaseModel] | Mapping[str, Any]


@dataclass(frozen=True)
class ApiDoc:
    """What ``@api_doc`` records about one endpoint (and method)."""

    summary: str
    description: str | None = None
    tags: tuple[str, ...] = ()
    query: type[BaseModel] | None = None
    path: Mapping[str, str] = field(default_factory=dict)
    body: Schema | None = None
    body_required: bool = True
    response: Schema | None = None
    status: int = 200
    media_types: tuple[str, ...] = ()
    responses: Mapping[int, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    method: str | None = None
    operation: Mapping[str, Any] = field(default_factory=dict)
    deprecated: bool = False


def api_doc(
    summary: str,
    *,
    description: str | None = None,
    tags: Sequence[str] = (),
    query: type[BaseModel] | None = None,
    path: Mapping[str, str] | None = None,
    body: Schema | None = None,
    body_required: bool = True,
    response: Schema | None = None,
    status: int = 200,
    media_types: Sequence[str] = (),
    responses: Mapping[int, str] | None = None,
    headers: Mapping[str, str] | None = None,
    method: str | None = None,
    operation: Mapping[str, Any] | None = None,
    deprecated: bool = False,
) -> Callable[[T], T]:
    """Describe an endpoint (or a ``Mount``) for the OpenAPI document. See the module docs."""
    doc = ApiDoc(
        summary=summary,
        description=description,
        tags=tuple(tags),
        query=query,
        path=dict(path or {}),
        body=body,
        body_required=body_required,
        response=response,
        status=status,
        media_types=tuple(media_types),
        responses=dict(responses or {}),
        headers=dict(headers or {}),
        method=method.upper() if method else None,
        operation=dict(operation or {}),
        deprecated=deprecated,
    )

    def mark(target: T) -> T:
        existing: dict[str | None, ApiDoc] = dict(getattr(target, DOC_ATTRIBUTE, {}))
        existing[doc.method] = doc
        setattr(target, DOC_ATTRIBUTE, existing)
        return target

    return mark


def docs_of(target: Any) -> dict[str | None, ApiDoc]:
    """The descriptions attached to an endpoint, ``Mount`` or ASGI object, by method."""
    found = getattr(target, DOC_ATTRIBUTE, None)
    if found is None and inspect.ismethod(target):
        found = getattr(target.__func__, DOC_ATTRIBUTE, None)
    return dict(found or {})


def doc_for(target: Any, method: str) -> ApiDoc | None:
    """The description of ``method`` on ``target``: its own, else the one for every method."""
    docs = docs_of(target)
    return docs.get(method) or docs.get(None)
