"""Hostile paths and ids: nothing outside a media root is ever read.

A file outside the root holds a known secret; every hostile path (in the
database, as the storage module sees it, and in URLs as a server delivers them)
is refused, and the secret's bytes never appear in any answer.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from sonantica_core.media.storage import (
    MediaMissingError,
    MediaPathError,
    MediaStorage,
    UnsafePathError,
    check_relative_path,
)
from sonantica_core.settings import MediaRoot

HOSTILE_PATHS = [
    # plain traversal
    "..",
    "../",
    "../private/secret.flac",
    "../../../../../../etc/passwd",
    "./../private/secret.flac",
    "Artist/../../private/secret.flac",
    "Artist/Album/../../../private/secret.flac",
    "../music/../private/secret.flac",
    "../" * 50 + "etc/passwd",
    "..;/private/secret.flac",
    "....//....//private/secret.flac",
    # percent-encoding, once and more
    "..%2fprivate%2fsecret.flac",
    "..%2Fprivate%2Fsecret.flac",
    "%2e%2e/private/secret.flac",
    "%2E%2E%2Fprivate%2Fsecret.flac",
    ".%2e/private/secret.flac",
    "%2e./private/secret.flac",
    "%252e%252e/private/secret.flac",
    "..%252fprivate%252fsecret.flac",
    "%25252e%25252e%25252fprivate%25252fsecret.flac",
    "%2fetc%2fpasswd",
    "%00../private/secret.flac",
    "%c0%ae%c0%ae/private/secret.flac",
    "%e0%80%ae%e0%80%ae/private/secret.flac",
    "..%5cprivate%5csecret.flac",
    "%5c..%5cprivate%5csecret.flac",
    # absolute
    "/etc/passwd",
    "//etc/passwd",
    "/../private/secret.flac",
    "file:///etc/passwd",
    "~/secret",
    "~root/.ssh/id_rsa",
    # backslashes
    "..\\private\\secret.flac",
    "Artist\\..\\..\\private\\secret.flac",
    "\\etc\\passwd",
    "C:\\Windows\\win.ini",
    # NUL and control characters
    "\x00",
    "Artist\x00/../../private/secret.flac",
    "..\x00/private/secret.flac",
    "Artist/Album/01.flac\x00.txt",
    "\n../private/secret.flac",
    "\t..",
    "Artist\r/x.flac",
    # unicode dots and slashes
    "\u2025/private/secret.flac",
    "\u2024\u2024/private/secret.flac",
    "\uff0e\uff0e/private/secret.flac",
    "\uff0e\uff0e\uff0fprivate\uff0fsecret.flac",
    "..\uff0fprivate\uff0fsecret.flac",
    "\uff3c..\uff3cprivate",
    "..\u2215private\u2215secret.flac",
    # empty and dot segments
    "",
    ".",
    "./",
    "Artist//Album/x.flac",
    "Artist/./Album/x.flac",
    "Artist/",
    # symbolic links out of the root, loops
    "escape.flac",
    "escape-dir/secret.flac",
    "Artist/relative-escape.flac",
    "loop-a",
    "loop-b",
    "loop-a/x.flac",
    "self",
    # lengths
    "x/" * 3000 + "x.flac",
    "a" * 300 + ".flac",
    "Artist/" + "b" * 256,
    # not there at all
    "private/secret.flac",
    "Artist",
]


@pytest.fixture
def storage(media: Any) -> MediaStorage:
    return MediaStorage((MediaRoot("music", media.root),))


def test_there_are_enough_hostile_paths() -> None:
    assert len(set(HOSTILE_PATHS)) >= 50


@pytest.mark.parametrize("path", HOSTILE_PATHS, ids=lambda p: repr(p)[:60])
def test_storage_never_resolves_outside_the_root(storage: MediaStorage, media: Any, path: str) -> None:
    with pytest.raises(MediaPathError):
        resolved = storage.resolve("music", path)
        assert not resolved.path.startswith(str(media.root.parent / "private")), resolved
        raise AssertionError(f"resolved {path!r} to {resolved.path}")


def test_encoded_traversal_is_refused_as_unsafe() -> None:
    for path in ("..%2fx", "%252e%252e/x", "\uff0e\uff0e/x", "\u2025/x", "a\\b", "/abs", "a\x00b", "a//b"):
        with pytest.raises(UnsafePathError):
            check_relative_path(path)


def test_ordinary_names_stay_allowed(storage: MediaStorage, media: Any) -> None:
    for name in ("100% Hits.flac", "50%25 off.flac", "a%2Fb.flac", "..and more.flac", "...", "file..flac", "~x.flac"):
        assert check_relative_path(name) == name
        target = media.root / name
        target.write_bytes(b"fine")
        assert storage.resolve("music", name).path == str(target)
    assert storage.resolve("music", "inside.flac").path == str(media.song)  # a link inside the root is fine
    with pytest.raises(MediaMissingError):
        storage.resolve("music", "Artist/Album")  # a folder is not a file


def test_symlinks_out_are_followed_only_when_allowed(media: Any) -> None:
    allowed = MediaStorage((MediaRoot("music", media.root),), follow_external_symlinks=True)
    assert allowed.resolve("music", "escape.flac").path == str(media.secret)
    for path in ("../private/secret.flac", "%2e%2e/private/secret.flac", "loop-a"):
        with pytest.raises(UnsafePathError):
            allowed.resolve("music", path)


def test_a_swapped_symlink_is_noticed(storage: MediaStorage, media: Any) -> None:
    import os

    checked = storage.resolve("music", "Artist/Album/01 Söng \"one\".flac")
    os.rename(media.song, media.song.with_name("real.flac"))
    os.symlink(media.secret, media.song)
    with pytest.raises(UnsafePathError):
        storage.verified_stat("music", "Artist/Album/01 Söng \"one\".flac", checked)


async def test_hostile_database_paths_never_serve_the_secret(client, add_track, user_headers, media) -> None:
    secret = media.secret.read_bytes()[:40]
    storable = [p for p in HOSTILE_PATHS if "\x00" not in p and p]
    assert len(storable) >= 50
    for path in storable:
        track = await add_track(path)
        for extra in ({}, {"Range": "bytes=0-"}):
            response = await client.get(f"/api/stream/{track}", headers={**user_headers, **extra})
            assert response.status_code == 404, (path, response.status_code)
            assert secret not in response.content, path
            assert response.json()["error"]["code"] == "file_unavailable"


HOSTILE_IDS = [
    "1;DROP TABLE tracks",
    "1;DROP",
    "0x10",
    "1e3",
    "-1",
    "+1",
    "0",
    "00",
    "1.5",
    " 1",
    "1 ",
    "１",
    "99999999999999999999",
    "9223372036854775808",
    "1' OR '1'='1",
    "../1",
    "..%2f1",
    "%2e%2e%2f..%2fprivate%2fsecret.flac",
    "..%252f..%252fprivate%252fsecret.flac",
    "%00",
    "1%00",
    "..\\..\\private\\secret.flac",
    "%5c..%5cprivate",
    "/etc/passwd",
    "%2fetc%2fpasswd",
    "..",
    "%2e%2e",
    "~",
]


async def raw_get(app: Any, raw_path: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """Send a GET with ``raw_path`` exactly as an HTTP server would deliver it (no client-side cleanup)."""
    from urllib.parse import unquote_to_bytes

    path_bytes, _, query = raw_path.partition(b"?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote_to_bytes(path_bytes).decode("utf-8", "surrogateescape"),
        "raw_path": path_bytes,
        "query_string": query,
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("sonantica.test", 80),
    }
    status = 0
    body = bytearray()
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    await app(scope, receive, send)
    return status, bytes(body)


async def test_hostile_ids_and_urls(app, user_headers, song_id, media) -> None:
    secret = media.secret.read_bytes()[:40]
    for raw in HOSTILE_IDS:
        for template in ("/api/stream/{}", "/api/tracks/{}/stream-url", "/api/stream/{}?download=1"):
            encoded = quote(raw, safe="%/.\\~")
            status, body = await raw_get(app, template.format(encoded).encode(), user_headers)
            assert status in (404, 405), (raw, template, status)
            assert secret not in body
            assert body.startswith(b'{"error"'), (raw, body[:80])
    for raw_path in (
        f"/api/stream/{song_id}/../../../private/secret.flac",
        f"/api/stream/{song_id}/..%2f..%2f..%2fprivate%2fsecret.flac",
        "/api/stream/../../private/secret.flac",
        "/api/stream/%2e%2e/%2e%2e/private/secret.flac",
        "/api/stream//etc/passwd",
        "/api/stream/%2fetc%2fpasswd",
        f"/api/stream/{media.secret}",
    ):
        status, body = await raw_get(app, raw_path.encode(), user_headers)
        assert status in (404, 307), (raw_path, status)
        assert secret not in body
