"""The benchmark's web server: the app as ``sonantica serve`` builds and serves it (Hypercorn with
the fast path in front, on uvloop), with the access log off.

    python bench/api/server.py PORT POSTGRES_URL REDIS_URL SECRET DATA_DIR

No watcher, no workers: the web process alone, on 127.0.0.1. ``BENCH_PLUGINS_TOML`` is the text of its
plugins.toml (none by default) and ``BENCH_MEDIA_PATH`` its ``MEDIA_PATH`` (none by default).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from sonantica_core.fastpath.server import serve_web
from sonantica_core.server.web import build_web_app
from sonantica_core.server.webprocesses import bind_sockets, hypercorn_config, run_event_loop
from sonantica_core.settings import load_settings


async def main(port: int, postgres_url: str, redis_url: str, secret: str, data_dir: Path) -> None:
    plugins_file = data_dir / "plugins.toml"
    plugins_file.write_text(os.environ.get("BENCH_PLUGINS_TOML", ""))  # e.g. "[plugins.subsonic]"
    settings = load_settings(
        environ={
            "DATA_DIR": str(data_dir),
            "POSTGRES_URL": postgres_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": secret,
            "PLUGINS_FILE": str(plugins_file),
            "LOG_LEVEL": "WARNING",
            "WATCH": "false",
            **({"MEDIA_PATH": os.environ["BENCH_MEDIA_PATH"]} if "BENCH_MEDIA_PATH" in os.environ else {}),
        }
    )
    app, ctx = await build_web_app(settings, postgres_url, redis_url, secret)
    (sock,) = bind_sockets("127.0.0.1", port, 1)
    config = hypercorn_config(settings, sock)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    app.state.stopping = stop
    try:
        await serve_web(app, config, shutdown_trigger=stop.wait)
    finally:
        await ctx.close()


if __name__ == "__main__":
    port, postgres_url, redis_url, secret, data_dir = sys.argv[1:6]
    run_event_loop(main(int(port), postgres_url, redis_url, secret, Path(data_dir)))
