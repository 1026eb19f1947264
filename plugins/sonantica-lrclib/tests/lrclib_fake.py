"""A local HTTP server on 127.0.0.1 that answers like LRCLIB (``/api/get``, ``/api/search``).

The plugin's real client talks to it over HTTP; nothing is patched.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

SYNCED = "[ar:The Band]\n[00:01.50] First line\n[00:04.00][00:12.25] Chorus\n[00:08.10] Second line\n"


def song(id: int, track: str, artist: str, album: str, duration: float, **extra: Any) -> dict[str, Any]:
    """An LRCLIB record as ``/api/get`` returns it."""
    record = {
        "id": id, "trackName": track, "artistName": artist, "albumName": album, "duration": duration,
        "instrumental": False, "plainLyrics": None, "syncedLyrics": None,
    }
    record.update(extra)
    return record


@dataclass
class FakeLrclib:
    """The songs it knows, the requests it saw, and knobs to misbehave."""

    url: str = ""
    songs: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, dict[str, str], dict[str, str]]] = field(default_factory=list)
    times: list[float] = field(default_factory=list)  # when each request arrived (time.monotonic)
    status: int | None = None  # answer every request with this status instead
    delay: float = 0.0

    def get(self, params: dict[str, str]) -> dict[str, Any] | None:
        for record in self.songs:
            if (
                record["trackName"].casefold() == params.get("track_name", "").casefold()
                and record["artistName"].casefold() == params.get("artist_name", "").casefold()
                and record["albumName"].casefold() == params.get("album_name", "").casefold()
                and abs(record["duration"] - float(params.get("duration", "-100"))) <= 2
            ):
                return record
        return None

    def search(self, params: dict[str, str]) -> list[dict[str, Any]]:
        words = params.get("q", params.get("track_name", "")).casefold()
        artist = params.get("artist_name", "").casefold()
        return [
            record for record in self.songs
            if words in record["trackName"].casefold() and artist in record["artistName"].casefold()
        ]


def _handler(fake: FakeLrclib) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            params = {key: values[-1] for key, values in parse_qs(parts.query).items()}
            fake.times.append(time.monotonic())
            fake.requests.append((parts.path, params, dict(self.headers)))
            time.sleep(fake.delay)
            if fake.status is not None:
                self._answer(fake.status, {"code": fake.status, "name": "Error", "message": "failing on purpose"})
            elif parts.path == "/api/get":
                record = fake.get(params)
                if record is None:
                    self._answer(404, {"code": 404, "name": "TrackNotFound",
                                       "message": "Failed to find specified track"})
                else:
                    self._answer(200, record)
            elif parts.path == "/api/search":
                self._answer(200, fake.search(params))
            else:
                self._answer(404, {"code": 404, "name": "NotFound", "message": "no such route"})

        def _answer(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_fake_lrclib() -> Iterator[FakeLrclib]:
    """Serve a :class:`FakeLrclib` on a free port of 127.0.0.1 while the block runs."""
    fake = FakeLrclib()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
