"""``/plugins/scrobble/``: each user links, lists and unlinks their own scrobbling accounts.

* ``GET  accounts``                  the caller's linked services, their state and queued scrobbles
* ``PUT  accounts/listenbrainz``     ``{"token": "<ListenBrainz user token>"}`` (checked with ListenBrainz)
* ``GET  lastfm/authorize``          the Last.fm page where the user approves this server (``?cb=`` return URL)
* ``PUT  accounts/lastfm``           ``{"token": "<token Last.fm returned>"}``, exchanged for a session key
* ``DELETE accounts/{service}``      forget the account and its unsent scrobbles
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from sonantica_core.http.errors import ApiError
from sonantica_core.http.middleware.access import current_user
from sonantica_scrobble.accounts import SERVICES, link, unlink, user_accounts
from sonantica_scrobble.forwarder import clients, config_of
from sonantica_scrobble.services import ServiceError
from sonantica_scrobble.tables import queue

MAX_TOKEN = 200


async def _token(request: Request) -> str:
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(400, "the body is not JSON") from None
    token = body.get("token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not 1 <= len(token) <= MAX_TOKEN or not token.isprintable():
        raise ApiError(422, f"token must be a string of 1–{MAX_TOKEN} printable characters")
    return token.strip()


def _service_error(exc: ServiceError, service: str) -> ApiError:
    if exc.retry:
        return ApiError(503, f"{service} cannot be reached now: {exc}", headers={"Retry-After": "60"})
    return ApiError(422, f"{service} refused the token: {exc}")


def scrobble_routes(ctx: Any) -> list[BaseRoute]:
    async def list_accounts(request: Request) -> Response:
        user_id = current_user(request).id
        async with ctx.session() as session:
            waiting = dict((await session.execute(
                select(queue.c.service, func.count()).where(queue.c.user_id == user_id).group_by(queue.c.service)
            )).all())
        found = {a.service: a for a in await user_accounts(ctx, user_id)}
        config = config_of(ctx)
        return JSONResponse({"accounts": [
            {"service": service, "linked": service in found,
             "username": found[service].username if service in found else None,
             "disabled_reason": found[service].disabled_reason if service in found else None,
             "queued": waiting.get(service, 0),
             "available": service != "lastfm" or config.lastfm_enabled}
            for service in SERVICES
        ]})

    async def link_account(request: Request) -> Response:
        service = request.path_params["service"]
        if service not in SERVICES:
            raise ApiError(404, f"no such service: {service}")
        token = await _token(request)
        config = config_of(ctx)
        if service == "lastfm" and not config.lastfm_enabled:
            raise ApiError(409, "Last.fm is not set up on this server (lastfm_api_key, lastfm_api_secret)")
        async with clients(config) as services:
            try:
                if service == "listenbrainz":
                    username, secret = await services[service].validate(token), token
                else:
                    username, secret = await services[service].session_for(token)
            except ServiceError as exc:
                raise _service_error(exc, service) from None
        await link(ctx, current_user(request).id, service, secret, username or None)
        return JSONResponse({"service": service, "username": username or None, "linked": True})

    async def unlink_account(request: Request) -> Response:
        service = request.path_params["service"]
        if service not in SERVICES or not await unlink(ctx, current_user(request).id, service):
            raise ApiError(404, f"no linked {service} account")
        return Response(status_code=204)

    async def lastfm_authorize(request: Request) -> Response:
        config = config_of(ctx)
        if not config.lastfm_enabled:
            raise ApiError(409, "Last.fm is not set up on this server (lastfm_api_key, lastfm_api_secret)")
        assert config.lastfm_api_key is not None
        params = {"api_key": config.lastfm_api_key.get_secret_value()}
        callback = request.query_params.get("cb")
        if callback:
            if not callback.startswith(("http://", "https://")) or len(callback) > 500:
                raise ApiError(422, "cb must be an http(s) URL of at most 500 characters")
            params["cb"] = callback
        return JSONResponse({"url": f"{config.lastfm_auth_url}?{urlencode(params)}"})

    return [
        Route("/accounts", list_accounts, methods=["GET"]),
        Route("/accounts/{service}", link_account, methods=["PUT"]),
        Route("/accounts/{service}", unlink_account, methods=["DELETE"]),
        Route("/lastfm/authorize", lastfm_authorize, methods=["GET"]),
    ]
