"""Local HTTP servers on 127.0.0.1 that answer like ListenBrainz and Last.fm 2.0.

ListenBrainz: ``POST /1/submit-listens`` (``Authorization: Token``; ``listen_type`` single,
import or playing_now, checked as the service checks it) and ``GET /1/validate-token``.
Last.fm: ``POST /2.0/`` form calls signed with ``api_sig`` (checked with the shared secret):
``auth.getSession``, ``track.updateNowPlaying``, ``track.scrobble`` (up to 50, indexed fields).
Both record what they accepted, and can be told to fail (``status``) or to drop connections
(``down``), as a service in trouble does. The plugin's real client talks to them over HTTP.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class FakeListenBrainz:
    url: str = ""
    tokens: dict[str, str] = field(default_factory=dict)  # token → user name
    listens: list[dict[str, Any]] = field(default_factory=list)  # accepted listens, with "user"
    playing_now: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    status: int | None = None
    down: bool = False

    def answer(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        auth = headers.get("Authorization", "")
        user = self.tokens.get(auth.removeprefix("Token ")) if auth.startswith("Token ") else None
        if method == "GET" and path == "/1/validate-token":
            if user is None:
                return 200, {"code": 200, "message": "Token invalid.", "valid": False}, {}
            return 200, {"code": 200, "message": "Token valid.", "valid": True, "user_name": user}, {}
        if method != "POST" or path != "/1/submit-listens":
            return 404, {"code": 404, "error": "Not found"}, {}
        if self.status is not None:
            return self.status, {"code": self.status, "error": "trouble"}, {"X-RateLimit-Reset-In": "7"}
        if user is None:
            return 401, {"code": 401, "error": "Invalid authorization token."}, {}
        try:
            data = json.loads(body)
        except ValueError:
            return 400, {"code": 400, "error": "Cannot parse JSON document."}, {}
        kind, payload = data.get("listen_type"), data.get("payload")
        if kind not in ("single", "import", "playing_now") or not isinstance(payload, list) or not payload:
            return 400, {"code": 400, "error": "JSON document does not contain a valid listen_type or payload."}, {}
        if kind in ("single", "playing_now") and len(payload) != 1:
            return 400, {"code": 400, "error": "JSON document should contain exactly one listen."}, {}
        if len(payload) > 1000:
            return 400, {"code": 400, "error": "Too many listens."}, {}
        for listen in payload:
            meta = listen.get("track_metadata") or {}
            if not meta.get("artist_name") or not meta.get("track_name"):
                return 400, {"code": 400, "error": "JSON document does not contain required track_metadata."}, {}
            if (kind == "playing_now") == ("listened_at" in listen):
                return 400, {"code": 400, "error": "listened_at is wrong for this listen_type"}, {}
            if meta["track_name"] == "Refused":
                return 400, {"code": 400, "error": "Value for key track_name is refused."}, {}
        target = self.playing_now if kind == "playing_now" else self.listens
        target.extend({**listen, "user": user, "listen_type": kind} for listen in payload)
        return 200, {"status": "ok"}, {}


def lastfm_signature(params: dict[str, str], secret: str) -> str:
    text = "".join(f"{k}{v}" for k, v in sorted(params.items()) if k not in ("format", "callback", "api_sig"))
    return hashlib.md5((text + secret).encode()).hexdigest()


@dataclass
class FakeLastfm:
    api_key: str = "key-123"
    secret: str = "secret-456"
    url: str = ""
    auth_tokens: dict[str, str] = field(default_factory=dict)  # approved token → user name
    sessions: dict[str, str] = field(default_factory=dict)  # session key → user name
    scrobbles: list[dict[str, str]] = field(default_factory=list)
    now_playing: list[dict[str, str]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    status: int | None = None
    error: int | None = None  # answer every call with this Last.fm error code
    down: bool = False

    def answer(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        if method != "POST" or path != "/2.0/":
            return 404, {"error": 3, "message": "Invalid Method"}, {}
        params = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        call = params.get("method", "")
        self.calls.append(call)
        if self.status is not None:
            return self.status, {"error": 16, "message": "The service is temporarily unavailable"}, {}
        if self.error is not None:
            return 200 if self.error != 29 else 429, {"error": self.error, "message": "failing on purpose"}, {}
        if params.get("api_key") != self.api_key:
            return 403, {"error": 10, "message": "Invalid API key"}, {}
        if params.get("api_sig") != lastfm_signature(params, self.secret):
            return 403, {"error": 13, "message": "Invalid method signature supplied"}, {}
        if call == "auth.getSession":
            user = self.auth_tokens.pop(params.get("token", ""), None)
            if user is None:
                return 403, {"error": 14, "message": "Unauthorized Token - This token has not been authorized"}, {}
            key = f"sk-{user}"
            self.sessions[key] = user
            return 200, {"session": {"name": user, "key": key, "subscriber": 0}}, {}
        user = self.sessions.get(params.get("sk", ""))
        if user is None:
            return 403, {"error": 9, "message": "Invalid session key - Please re-authenticate"}, {}
        if call == "track.updateNowPlaying":
            if not params.get("artist") or not params.get("track"):
                return 400, {"error": 6, "message": "Invalid parameters"}, {}
            self.now_playing.append({**params, "user": user})
            return 200, {"nowplaying": {"track": {"#text": params["track"]}}}, {}
        if call == "track.scrobble":
            items = []
            for i in range(50):
                if f"artist[{i}]" not in params:
                    break
                items.append({k.removesuffix(f"[{i}]"): v for k, v in params.items() if k.endswith(f"[{i}]")})
            if not items or any(not x.get("track") or not x.get("timestamp", "").isdigit() for x in items):
                return 400, {"error": 6, "message": "Invalid parameters"}, {}
            if f"artist[{len(items)}]" in params:
                return 400, {"error": 6, "message": "Too many scrobbles in one batch (50 at most)"}, {}
            self.scrobbles.extend({**x, "user": user} for x in items)
            attr = {"accepted": len(items), "ignored": 0}
            accepted = [{"track": {"#text": x["track"]}} for x in items]
            return 200, {"scrobbles": {"@attr": attr, "scrobble": accepted}}, {}
        return 400, {"error": 3, "message": "Invalid Method - No method with that name in this package"}, {}


@contextmanager
def serving(fake: Any) -> Iterator[Any]:
    """Run ``fake`` on 127.0.0.1 (a free port); ``fake.url`` is its address."""

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if fake.down:  # an outage: the connection drops without an answer
                self.close_connection = True
                self.connection.shutdown(2)
                return
            status, payload, extra = fake.answer(self.command, self.path.split("?")[0], self.headers, body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _handle

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
