"""A local HTTP server on 127.0.0.1 standing in for an outside service in tests.

``with running_fake_service(answer) as fake:`` serves on a free port; ``answer(request)``
returns a :class:`FakeAnswer` (or raises nothing and sleeps to play a slow service).
``fake.requests`` records every request with the server's own arrival time, so a test
can check what really reached the service (how often, with which User-Agent)::

    def answer(request):
        return FakeAnswer(200, b'{"ok": true}', "application/json")

    with running_fake_service(answer) as fake:
        ...  # point the client under test at fake.url
        assert len(fake.requests) == 1
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True, slots=True)
class FakeRequest:
    """One request as the fake service received it."""

    path: str
    params: dict[str, str]
    headers: dict[str, str]
    #: ``time.monotonic()`` when the request arrived.
    at: float


@dataclass(frozen=True, slots=True)
class FakeAnswer:
    status: int = 200
    body: bytes = b""
    media_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    #: Seconds to wait before answering (a slow or hanging service).
    delay: float = 0.0


@dataclass
class FakeService:
    """Where the fake listens and what it received."""

    answer: Callable[[FakeRequest], FakeAnswer]
    url: str = ""
    requests: list[FakeRequest] = field(default_factory=list)

    def paths(self) -> list[str]:
        return [request.path for request in self.requests]

    def gaps(self) -> list[float]:
        """Seconds between consecutive requests, by arrival time."""
        times = sorted(request.at for request in self.requests)
        return [later - earlier for earlier, later in itertools.pairwise(times)]


def _handler(fake: FakeService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            arrived = time.monotonic()
            parts = urlsplit(self.path)
            params = {key: values[-1] for key, values in parse_qs(parts.query).items()}
            request = FakeRequest(parts.path, params, dict(self.headers), arrived)
            fake.requests.append(request)
            answer = fake.answer(request)
            if answer.delay:
                time.sleep(answer.delay)
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.media_type)
                self.send_header("Content-Length", str(len(answer.body)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(answer.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a time-out test)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_fake_service(answer: Callable[[FakeRequest], FakeAnswer]) -> Iterator[FakeService]:
    """Serve a :class:`FakeService` on a free port of 127.0.0.1 while the block runs."""
    fake = FakeService(answer)
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
