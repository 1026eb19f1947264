"""Against real servers: Hypercorn on 127.0.0.1 (framing on the wire), and nginx in front of it
with the deployment configuration (X-Accel-Redirect and secure_link)."""

from __future__ import annotations

import importlib.util
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from streaming_testapp import BIG, DATA, REPO, SIZE, free_port

from sonantica_core.streaming import accel_uri, secure_link_token, sign_media_url


def raw_exchange(url: str, requests: list[bytes], expect: int) -> bytes:
    """Send raw requests on one connection and read until ``expect`` bytes or close."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as s:
        for req in requests:
            s.sendall(req)
        got = b""
        while len(got) < expect:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        return got


def split_response(data: bytes) -> tuple[str, dict[str, str], bytes]:
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return lines[0], headers, rest


@pytest.mark.slow
def test_keep_alive_framing_on_the_wire(hypercorn_url: str) -> None:
    """Three responses back to back on one connection: each exactly Content-Length long."""
    reqs = [
        b"GET /fast/track.flac HTTP/1.1\r\nHost: x\r\nRange: bytes=10-19\r\n\r\n",
        b"GET /fast/track.flac HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1,5-6\r\n\r\n",
        b"HEAD /fast/track.flac HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /fast/track.flac HTTP/1.1\r\nHost: x\r\nRange: bytes=-3\r\nConnection: close\r\n\r\n",
    ]
    data = raw_exchange(hypercorn_url, reqs, 10**9)
    status, headers, rest = split_response(data)
    assert status.startswith("HTTP/1.1 206")
    assert headers["content-length"] == "10"
    assert "transfer-encoding" not in headers
    assert rest[:10] == DATA[10:20]
    status, headers, rest = split_response(rest[10:])
    assert status.startswith("HTTP/1.1 206")
    n = int(headers["content-length"])
    boundary = headers["content-type"].split("boundary=")[1]
    body = rest[:n]
    assert body.startswith(f"--{boundary}\r\n".encode()) and body.endswith(f"\r\n--{boundary}--\r\n".encode())
    status, headers, rest = split_response(rest[n:])
    assert status.startswith("HTTP/1.1 200")
    assert headers["content-length"] == str(SIZE)
    status, headers, rest = split_response(rest)  # HEAD had no body: next response follows
    assert status.startswith("HTTP/1.1 206")
    assert rest == DATA[-3:]


@pytest.mark.slow
@pytest.mark.parametrize("route", ["fast", "resp"])
def test_whole_file_and_ranges_over_tcp(hypercorn_url: str, media_dir: Path, route: str) -> None:
    long = (media_dir / "long.flac").read_bytes()
    with httpx.Client(base_url=hypercorn_url) as c:
        r = c.get(f"/{route}/long.flac")
        assert r.content == long and r.headers["content-length"] == str(len(long))
        r = c.get(f"/{route}/long.flac", headers={"Range": "bytes=1000000-"})
        assert r.status_code == 206 and r.content == long[1000000:]
        r = c.get(f"/{route}/track.flac", headers={"Range": "bytes=5-4"})
        assert r.status_code == 200 and r.content == DATA
        r = c.get(f"/{route}/track.flac", headers={"Range": "bytes=99999-"})
        assert r.status_code == 416 and r.headers["content-range"] == f"bytes */{SIZE}"
        etag = c.head(f"/{route}/track.flac").headers["etag"]
        r = c.get(f"/{route}/track.flac", headers={"If-None-Match": etag})
        assert r.status_code == 304 and r.content == b"" and r.headers["etag"] == etag
        r = c.get(f"/{route}/big.flac", headers={"Range": "bytes=-10"})
        assert r.status_code == 206 and r.headers["content-range"].endswith(f"/{BIG}")


def _open_files(streaming_client: httpx.Client) -> tuple[int, int]:
    """(regular files the server holds open, references held by responses in flight)."""
    files, refs = streaming_client.get("/fds").text.split()
    return int(files), int(refs)


@pytest.mark.slow
def test_disconnects_do_not_leak_descriptors(hypercorn_url: str) -> None:
    """Clients that hang up mid-download leave no file descriptor behind in the server."""
    parts = urlsplit(hypercorn_url)
    with httpx.Client(base_url=hypercorn_url) as c:
        c.get("/fast/long.flac", headers={"Range": "bytes=0-0"})  # the cache holds this fd from now on
        baseline, _ = _open_files(c)
        for _ in range(20):
            s = socket.create_connection((parts.hostname, parts.port), timeout=10)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.sendall(b"GET /fast/long.flac HTTP/1.1\r\nHost: x\r\n\r\n")
            s.recv(1024)
            s.close()
        deadline = time.monotonic() + 20
        while _open_files(c) != (baseline, 0) and time.monotonic() < deadline:
            time.sleep(0.1)  # the server notices the closed sockets asynchronously
        assert _open_files(c) == (baseline, 0)


# --------------------------------------------------------------------------- nginx


def test_signature_matches_the_openssl_pipeline() -> None:
    """What nginx's documentation computes with openssl for secure_link_md5."""
    if not shutil.which("openssl"):
        pytest.skip("openssl not installed")
    text = "2147483647/s/music/Artist/Song é.flacsecret"
    out = (
        subprocess.run(
            "openssl md5 -binary | openssl base64 | tr +/ -_ | tr -d =",
            shell=True,
            input=text.encode(),
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    assert secure_link_token("/s/music/Artist/Song é.flac", 2147483647, "secret") == out
    url = sign_media_url("/s/music/Artist/Song é.flac", 2147483647, "secret")
    assert url == f"/s/music/Artist/Song%20%C3%A9.flac?md5={out}&expires=2147483647"


@pytest.mark.parametrize("bad", ["/s/../etc/passwd", "/s//x", "relative", "/s/./x", "/s/x?y"])
def test_unsignable_paths(bad: str) -> None:
    with pytest.raises(ValueError):
        sign_media_url(bad, 1, "s")


def test_accel_uri() -> None:
    assert accel_uri("music", "Artist/a b é.flac") == "/internal-media/music/Artist/a%20b%20%C3%A9.flac"
    for bad in [("music", "../x"), ("mu/sic", "x"), ("..", "x"), ("music", "a/../../x")]:
        with pytest.raises(ValueError):
            accel_uri(*bad)


def _load_nginxconf():
    spec = importlib.util.spec_from_file_location("nginxconf", REPO / "bench" / "stream" / "nginxconf.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def nginx_url(hypercorn_url: str, media_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    nginxconf = _load_nginxconf()
    if not nginxconf.Nginx.available():
        pytest.skip("nginx not installed")
    port = free_port()
    block = nginxconf.render_server(
        listen=f"127.0.0.1:{port}",
        app=urlsplit(hypercorn_url).netloc,
        media_root=str(media_dir),
        secret="test-secret",
    )
    server = nginxconf.Nginx(tmp_path_factory.mktemp("nginx"), block, port, workers=1)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.mark.slow
def test_nginx_proxies_python_streams(nginx_url: str) -> None:
    r = httpx.get(f"{nginx_url}/fast/track.flac", headers={"Range": "bytes=1-3"})
    assert r.status_code == 206 and r.content == DATA[1:4]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["track.flac", "a b é.flac"])
def test_nginx_x_accel_redirect(nginx_url: str, name: str) -> None:
    with httpx.Client(base_url=nginx_url) as c:
        r = c.get(f"/accel/{name}")
        assert r.status_code == 200 and r.content == DATA
        assert r.headers["content-type"] == "audio/flac"
        assert r.headers["cache-control"] == "private, max-age=60"
        r = c.get(f"/accel/{name}", headers={"Range": "bytes=100-199"})
        assert r.status_code == 206 and r.content == DATA[100:200]
        etag = r.headers["etag"]
        r = c.get(f"/accel/{name}", headers={"Range": "bytes=100-199", "If-Range": etag})
        assert r.status_code == 206
        assert c.get("/internal-media/music/track.flac").status_code == 404  # internal only


@pytest.mark.slow
def test_nginx_secure_link(nginx_url: str) -> None:
    expires = int(time.time()) + 600
    with httpx.Client(base_url=nginx_url) as c:
        for name in ["track.flac", "a b é.flac"]:
            url = sign_media_url(f"/s/music/{name}", expires, "test-secret")
            r = c.get(url, headers={"Range": "bytes=0-9"})
            assert r.status_code == 206 and r.content == DATA[:10]
            assert r.headers["content-type"] == "audio/flac"
        good = sign_media_url("/s/music/track.flac", expires, "test-secret")
        assert c.get(good.replace("md5=", "md5=x")).status_code == 403
        assert c.get(sign_media_url("/s/music/track.flac", expires, "wrong")).status_code == 403
        assert c.get(sign_media_url("/s/music/track.flac", int(time.time()) - 5, "test-secret")).status_code == 410
        assert c.get("/s/music/track.flac").status_code == 403
