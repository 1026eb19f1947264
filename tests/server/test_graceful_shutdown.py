"""Stopping the server lets a stream in flight finish (within SHUTDOWN_GRACE)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
import soundfile

from sonantica_core.settings import SETTINGS

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_sigterm_lets_a_download_in_flight_finish(tmp_path: Path) -> None:
    base = Path(tempfile.mkdtemp(prefix="sonantica-grace-"))
    music = base / "music"
    music.mkdir()
    audio = np.zeros((44100 * 120, 2), dtype=np.int16)  # two minutes, ~21 MB
    audio[::7] = 1000
    soundfile.write(music / "long.wav", audio, 44100, subtype="PCM_16")
    expected = (music / "long.wav").read_bytes()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {s.env for s in SETTINGS}}
    env.update(DATA_DIR=str(base / "data"), WORKERS="1", LOG_LEVEL="WARNING", SHUTDOWN_GRACE="30", WATCH="false")
    server = subprocess.Popen(
        [sys.executable, "-m", "sonantica_core", "serve", str(music), "--port", str(port)],
        env=env,
        cwd=base,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        add = subprocess.run(
            [sys.executable, "-m", "sonantica_core", "user", "add", "ana", "--admin", "--password-stdin"],
            input="a long password\n",
            env=env,
            cwd=base,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert add.returncode == 0, add.stderr
        token = httpx.post(f"{url}/api/auth/login", json={"username": "ana", "password": "a long password"}).json()[
            "access_token"
        ]
        headers = {"Authorization": f"Bearer {token}"}
        track_id = None
        while time.monotonic() < deadline and track_id is None:
            items = httpx.get(f"{url}/api/library/tracks", headers=headers).json().get("items", [])
            track_id = items[0]["id"] if items else None
            time.sleep(0.2)
        assert track_id is not None, "the scan did not find the file"

        received = bytearray()
        started = threading.Event()

        def download() -> None:
            with httpx.stream("GET", f"{url}/api/stream/{track_id}", headers=headers, timeout=60) as response:
                assert response.status_code == 200
                for chunk in response.iter_bytes(65536):
                    received.extend(chunk)
                    started.set()
                    time.sleep(0.005)  # a slow listener: about 10 MB/s

        reader = threading.Thread(target=download)
        reader.start()
        assert started.wait(30)
        server.send_signal(signal.SIGTERM)
        reader.join(60)
        assert bytes(received) == expected, f"got {len(received)} of {len(expected)} bytes"
        assert server.wait(60) == 0
    finally:
        if server.poll() is None:
            server.kill()
        import shutil

        shutil.rmtree(base, ignore_errors=True)
