"""The entry point of one extra web process of ``serve`` (``WEB_WORKERS`` > 1)."""

from __future__ import annotations

import argparse
import os
import socket
import sys
from collections.abc import Sequence

from sonantica_core.cli.common import report_failure, setup_logging
from sonantica_core.server.webprocesses import run_event_loop, serve_child
from sonantica_core.settings import load_settings


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sonantica_core.cli.webprocess --fd N --parent PID`` (started by ``serve`` only)."""
    parser = argparse.ArgumentParser(
        prog="sonantica_core.cli.webprocess", description="an extra web process of serve"
    )
    parser.add_argument("--fd", type=int, required=True, help="the bound listening socket, inherited")
    parser.add_argument("--parent", type=int, required=True, help="the pid of serve")
    args = parser.parse_args(argv)
    if os.getppid() != args.parent:  # serve died before the parent-death signal was armed
        return 1
    sock = socket.socket(fileno=args.fd)
    try:
        settings = load_settings()
        setup_logging(settings.log_level)
        run_event_loop(serve_child(settings, sock))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        return report_failure(exc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
