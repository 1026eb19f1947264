"""Render ``docs/deploy/nginx.conf`` into a complete nginx configuration that runs unprivileged.

Used by the benchmark (``run.py``) and by ``tests/streaming/test_nginx.py``: both run the same
front-proxy configuration that the deployment guide ships, with only addresses, paths and the
secret substituted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "docs" / "deploy" / "nginx.conf"


def render_server(*, listen: str, app: str, media_root: str, secret: str, template: Path = TEMPLATE) -> str:
    """The server block of the deployment config with its CHANGE values replaced."""
    text = template.read_text()
    media_root = media_root.rstrip("/") + "/"
    for old, new in [
        ("listen 80;", f"listen {listen};"),
        ("server 127.0.0.1:8000;", f"server {app};"),
        ("alias /srv/music/;", f"alias {media_root};"),
        ("CHANGE-ME-secret", secret),
    ]:
        if old not in text:
            raise ValueError(f"{template} no longer contains {old!r}")
        text = text.replace(old, new)
    return text


def render_main(server_block: str, workdir: Path, workers: int = 2) -> str:
    """A whole nginx.conf for ``server_block`` with every writable path inside ``workdir``."""
    mime = "/etc/nginx/mime.types"
    temps = "\n".join(
        f"    {name}_temp_path {workdir / (name + '_temp')};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the media as we do
    return f"""daemon off;
{user}worker_processes {workers};
pid {workdir / "nginx.pid"};
error_log {workdir / "error.log"} warn;
events {{ worker_connections 4096; }}
http {{
    include {mime};
    default_type application/octet-stream;
    access_log off;
{temps}
{server_block}
}}
"""


class Nginx:
    """An nginx process running a rendered configuration in ``workdir``."""

    def __init__(self, workdir: Path, server_block: str, port: int, workers: int = 2) -> None:
        self.workdir = workdir
        self.port = port
        workdir.mkdir(parents=True, exist_ok=True)
        self.conf = workdir / "nginx.conf"
        self.conf.write_text(render_main(server_block, workdir, workers))
        self.proc: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("nginx") is not None

    def start(self, timeout: float = 10.0) -> None:
        nginx = shutil.which("nginx") or "nginx"
        subprocess.run([nginx, "-t", "-q", "-c", str(self.conf), "-e", str(self.workdir / "error.log")], check=True)
        self.proc = subprocess.Popen([nginx, "-c", str(self.conf), "-e", str(self.workdir / "error.log")])
        import socket

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        raise RuntimeError("nginx did not start: " + (self.workdir / "error.log").read_text())

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None
