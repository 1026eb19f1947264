"""Schemathesis over ``/api/openapi.json``, signed in, against the app in-process: no 5xx,
and every answer fits what the document says (status, content type, headers, body).

Reading operations only (GET): writing ones could sign the test user out or delete it
half-way, which tests nothing. The event stream never ends, so it is left out. Bounded:
a few examples per operation, derandomised so a failure reproduces.
"""

from __future__ import annotations

import asyncio
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, given
from librarybuild import Library
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sonantica_core.context import CoreContext, open_context
from sonantica_core.server.web import build_app_for_context
from sonantica_core.settings import Settings

EXAMPLES = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


class ClosesContext:
    """The app, closing its context after the lifespan ends (in schemathesis' event loop,
    where the context's connections were made)."""

    def __init__(self, app: ASGIApp, ctx: CoreContext) -> None:
        self.app, self.ctx = app, ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def closing_send(message: Message) -> None:
            if message["type"] == "lifespan.shutdown.complete":
                await self.ctx.close()
            await send(message)

        await self.app(scope, receive, closing_send)


def exercise(strategy: Any, headers: dict[str, str]) -> None:
    @given(case=strategy)
    @hypothesis.settings(
        max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def test_api_matches_its_openapi_document(settings: Settings, library: Library, user_headers: dict[str, str]) -> None:
    # A context of its own: connections belong to the event loop that opens them, and
    # schemathesis runs the app in its own loop. Nothing connects until the first request.
    assert settings.postgres_url and settings.redis_url and settings.secret_key
    ctx = asyncio.run(
        open_context(
            settings, secret_key=settings.secret_key, postgres_url=settings.postgres_url, redis_url=settings.redis_url
        )
    )
    app = ClosesContext(build_app_for_context(ctx), ctx)
    try:
        schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
        operations = schema.include(method="GET").exclude(path="/api/events")
        failures: list[str] = []
        tested = 0
        real = {
            "track_id": library.tracks["hunter"],
            "album_id": library.albums["homogenic"],
            "artist_id": library.artists["bjork"],
        }
        for result in operations.get_all_operations():
            operation = result.ok()
            tested += 1
            names = {parameter.name for parameter in operation.path_parameters}
            strategies = [operation.as_strategy()]
            if names and names <= set(real):  # also ask for things that exist
                strategies.append(operation.as_strategy(path_parameters={name: real[name] for name in names}))
            for strategy in strategies:
                try:
                    exercise(strategy, user_headers)
                except Exception as exc:
                    failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
        assert tested >= 15
        assert failures == [], "\n\n".join(failures)
    finally:
        shutdown_lifespans()
