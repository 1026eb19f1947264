"""Entry point: parse the command line and dispatch to a sub-command."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

from sonantica_core import __version__
from sonantica_core.cli import doctor, enrich, migrate, newplugin, plugins, scan, serve, users, worker
from sonantica_core.cli.common import report_failure
from sonantica_core.cli.plugin_commands import add_plugin_commands

SUBCOMMANDS = (serve, worker, migrate, users, scan, doctor, plugins, newplugin, enrich)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; plugins' commands are added unless ``argv`` names a core command."""
    parser = argparse.ArgumentParser(
        prog="sonantica",
        description="Sonántica: a self-hosted music server for lossless libraries.",
    )
    parser.add_argument("--version", action="version", version=f"sonantica {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.register(sub)
    words = list(sys.argv[1:] if argv is None else argv)
    if not words or words[0] not in sub.choices:
        add_plugin_commands(sub, words)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # pgserver's dependency warns at import when XDG_RUNTIME_DIR is unset; harmless here.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        return report_failure(exc)


if __name__ == "__main__":
    sys.exit(main())
