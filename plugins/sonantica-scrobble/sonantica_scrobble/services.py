"""The two services' APIs, as their documentation describes them.

* ListenBrainz: ``POST /1/submit-listens`` with ``Authorization: Token <user token>`` and a JSON
  body ``{"listen_type": "single" | "import" | "playing_now", "payload": [...]}`` (at most
  :data:`ListenBrainz.BATCH` listens; ``playing_now`` without ``listened_at``);
  ``GET /1/validate-token`` to link an account. 429 carries ``X-RateLimit-Reset-In``.
* Last.fm 2.0: form POSTs signed with ``api_sig`` = md5 of the parameters sorted by name and
  concatenated as ``namevalue`` (``format`` and ``callback`` left out), then the API secret;
  ``auth.getSession`` turns the token of the user's approval into a session key,
  ``track.updateNowPlaying`` and ``track.scrobble`` (at most :data:`Lastfm.BATCH` a call,
  ``artist[i]``, ``track[i]``, ``timestamp[i]``...). Errors come as ``{"error": code, "message"}``.

Every failure is a :class:`ServiceError` that says whether to try again later (``retry``),
whether the user must link the account again (``relink``), or that the data was refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from sonantica_core.errors import SonanticaError
from sonantica_scrobble import __version__


@dataclass(frozen=True, slots=True)
class Listen:
    """One play as the services want it."""

    listened_at: dt.datetime
    artist: str
    track: str
    album: str | None = None
    duration: float | None = None
    client: str | None = None


class ServiceError(SonanticaError):
    """A call to a service failed: ``retry`` later, ``relink`` the account, or neither (refused data)."""

    def __init__(self, message: str, *, retry: bool = False, relink: bool = False, wait: float | None = None) -> None:
        super().__init__(message)
        self.retry = retry
        self.relink = relink
        self.wait = wait


async def _send(request: Any) -> httpx.Response:
    try:
        return await request
    except httpx.TransportError as exc:  # refused, reset, timed out: the service is down
        raise ServiceError(f"unreachable: {type(exc).__name__}: {exc}", retry=True) from exc


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


class ListenBrainz:
    name = "listenbrainz"
    BATCH = 500  # the API takes up to 1,000 listens a request

    def __init__(self, http: httpx.AsyncClient, base_url: str) -> None:
        self.http = http
        self.base = base_url.rstrip("/")

    @staticmethod
    def _listen(listen: Listen, *, playing_now: bool = False) -> dict[str, Any]:
        info: dict[str, Any] = {"submission_client": "Sonántica", "submission_client_version": __version__}
        if listen.duration:
            info["duration_ms"] = int(listen.duration * 1000)
        if listen.client:
            info["media_player"] = listen.client
        metadata: dict[str, Any] = {"artist_name": listen.artist, "track_name": listen.track,
                                    "additional_info": info}
        if listen.album:
            metadata["release_name"] = listen.album
        item: dict[str, Any] = {"track_metadata": metadata}
        if not playing_now:
            item["listened_at"] = int(listen.listened_at.timestamp())
        return item

    async def _post(self, token: str, body: dict[str, Any]) -> None:
        response = await _send(self.http.post(f"{self.base}/1/submit-listens", json=body,
                                              headers={"Authorization": f"Token {token}"}))
        self._check(response)

    @staticmethod
    def _check(response: httpx.Response) -> None:
        if response.status_code == 200:
            return
        body = _json(response) or {}
        message = f"ListenBrainz {response.status_code}: {body.get('error') or response.text[:200]}"
        if response.status_code == 401:
            raise ServiceError(message, relink=True)
        if response.status_code == 429:
            wait = response.headers.get("X-RateLimit-Reset-In", "")
            raise ServiceError(message, retry=True, wait=float(wait) if wait.isdigit() else None)
        if response.status_code >= 500:
            raise ServiceError(message, retry=True)
        raise ServiceError(message)

    async def validate(self, token: str) -> str:
        """The user name of ``token``; :class:`ServiceError` (``relink``) when ListenBrainz refuses it."""
        response = await _send(self.http.get(f"{self.base}/1/validate-token",
                                             headers={"Authorization": f"Token {token}"}))
        body = _json(response) or {}
        if response.status_code == 200 and body.get("valid"):
            return str(body.get("user_name") or "")
        if response.status_code in (200, 400, 401):
            raise ServiceError("ListenBrainz does not accept this token", relink=True)
        self._check(response)
        raise ServiceError(f"ListenBrainz answered {response.status_code}", retry=True)

    async def now_playing(self, token: str, listen: Listen) -> None:
        await self._post(token, {"listen_type": "playing_now", "payload": [self._listen(listen, playing_now=True)]})

    async def submit(self, token: str, listens: Sequence[Listen]) -> int:
        """Send ``listens`` (at most :data:`BATCH`); returns how many were accepted."""
        kind = "single" if len(listens) == 1 else "import"
        await self._post(token, {"listen_type": kind, "payload": [self._listen(x) for x in listens]})
        return len(listens)


#: Last.fm error codes: the session is gone (link again) / try again later.
_RELINK = {4, 9, 14, 15}
_RETRY = {8, 10, 11, 13, 16, 26, 29}


def api_signature(params: dict[str, str], secret: str) -> str:
    """Last.fm's ``api_sig``: md5 of the sorted ``namevalue`` pairs (not ``format``/``callback``) and the secret."""
    text = "".join(f"{k}{v}" for k, v in sorted(params.items()) if k not in ("format", "callback"))
    return hashlib.md5((text + secret).encode("utf-8")).hexdigest()


class Lastfm:
    name = "lastfm"
    BATCH = 50

    def __init__(self, http: httpx.AsyncClient, base_url: str, api_key: str, secret: str) -> None:
        self.http = http
        self.url = base_url
        self.api_key = api_key
        self.secret = secret

    async def call(self, method: str, params: dict[str, str]) -> dict[str, Any]:
        signed = {**params, "method": method, "api_key": self.api_key}
        signed["api_sig"] = api_signature(signed, self.secret)
        signed["format"] = "json"
        response = await _send(self.http.post(self.url, data=signed))
        body = _json(response)
        if isinstance(body, dict) and "error" in body:
            code = body.get("error")
            message = f"Last.fm error {code}: {body.get('message', '')}"
            raise ServiceError(message, relink=code in _RELINK, retry=code in _RETRY or response.status_code >= 500)
        if response.status_code >= 500 or not isinstance(body, dict):
            raise ServiceError(f"Last.fm answered {response.status_code}", retry=True)
        if response.status_code != 200:
            raise ServiceError(f"Last.fm answered {response.status_code}")
        return body

    async def session_for(self, token: str) -> tuple[str, str]:
        """The user name and session key for the token of a user's approval."""
        session = (await self.call("auth.getSession", {"token": token})).get("session") or {}
        if not session.get("key"):
            raise ServiceError("Last.fm gave no session key", relink=True)
        return str(session.get("name") or ""), str(session["key"])

    @staticmethod
    def _fields(listen: Listen, suffix: str = "") -> dict[str, str]:
        fields = {f"artist{suffix}": listen.artist, f"track{suffix}": listen.track}
        if listen.album:
            fields[f"album{suffix}"] = listen.album
        if listen.duration:
            fields[f"duration{suffix}"] = str(int(listen.duration))
        return fields

    async def now_playing(self, session_key: str, listen: Listen) -> None:
        await self.call("track.updateNowPlaying", {"sk": session_key, **self._fields(listen)})

    async def submit(self, session_key: str, listens: Sequence[Listen]) -> int:
        """Scrobble ``listens`` (at most :data:`BATCH`); returns how many Last.fm accepted (the rest it ignored)."""
        params = {"sk": session_key}
        for i, listen in enumerate(listens):
            params.update(self._fields(listen, f"[{i}]"))
            params[f"timestamp[{i}]"] = str(int(listen.listened_at.timestamp()))
        body = await self.call("track.scrobble", params)
        attr = (body.get("scrobbles") or {}).get("@attr") or {}
        return int(attr.get("accepted", len(listens)))
