"""``sonantica user add|list|passwd|remove``: manage accounts from the server's shell."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import os
import sys

from rich.table import Table

from sonantica_core.auth.users import UserError, create_user, find_user, list_users, remove_user, set_password
from sonantica_core.cli.common import CommandFailed, add_common_flags, console, settings_from_args, setup_logging
from sonantica_core.context import open_context
from sonantica_core.db import migrate as schema
from sonantica_core.server.backing import Services
from sonantica_core.settings import Settings, ensure_secret_key


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("user", help="manage users")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="create a user")
    add.add_argument("username")
    add.add_argument("--admin", action="store_true", help="may manage users and scans")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    actions.add_parser("list", help="list users")
    passwd = actions.add_parser("passwd", help="set a user's password (signs them out everywhere)")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    remove = actions.add_parser("remove", help="delete a user with their playlists and history")
    remove.add_argument("username")
    for action_parser in (add, actions.choices["list"], passwd, remove):
        flags = add_common_flags(action_parser)
        action_parser.set_defaults(handler=lambda args, flags=flags: run(settings_from_args(args, flags), args))


def _read_password(args: argparse.Namespace) -> str:
    if getattr(args, "password_stdin", False):
        return sys.stdin.readline().rstrip("\n")
    env_password = os.environ.get("SONANTICA_PASSWORD")
    if env_password:
        return env_password
    if not sys.stdin.isatty():
        raise CommandFailed("no terminal to ask for a password: use --password-stdin", status=2)
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise CommandFailed("the passwords differ", status=2)
    return first


def run(settings: Settings, args: argparse.Namespace) -> int:
    setup_logging("WARNING" if settings.log_level == "INFO" else settings.log_level)
    password = _read_password(args) if args.action in {"add", "passwd"} else ""
    with Services(settings, attach_if_running=True) as services:
        if settings.postgres_url is None and not asyncio.run(schema.is_current(services.postgres_url)):
            schema.upgrade(services.postgres_url)
        return asyncio.run(_run(settings, services, args, password))


async def _run(settings: Settings, services: Services, args: argparse.Namespace, password: str) -> int:
    ctx = await open_context(
        settings,
        secret_key=ensure_secret_key(settings),
        postgres_url=services.postgres_url,
        redis_url=services.redis_url,
        pool_size=1,
    )
    try:
        announce = None
        async with ctx.session() as session:
            try:
                if args.action == "add":
                    user = await create_user(session, args.username, password, admin=args.admin)
                    console.print(f"[green]✓[/] created {user.role} {user.username!r} (id {user.id})")
                elif args.action == "passwd":
                    user = await set_password(session, args.username, password)
                    announce = ("user", user)
                    console.print(f"[green]✓[/] password changed for {args.username!r}; old sessions are signed out")
                elif args.action == "remove":
                    user = await find_user(session, args.username)
                    await remove_user(session, args.username)
                    announce = ("deleted", user)
                    console.print(f"[green]✓[/] removed {args.username!r}")
                else:
                    table = Table("id", "username", "role", "created")
                    for user in await list_users(session):
                        table.add_row(
                            str(user.id), user.username, user.role, user.created_at.strftime("%Y-%m-%d %H:%M")
                        )
                    console.print(table)
            except UserError as exc:
                raise CommandFailed(str(exc), status=2) from None
        if announce is not None and announce[1] is not None:
            # running servers drop cached sessions of this user at once
            from sonantica_core.auth.state import announce_user, announce_user_deleted

            with contextlib.suppress(Exception):
                if announce[0] == "user":
                    await announce_user(ctx, announce[1])
                else:
                    await announce_user_deleted(ctx, announce[1].id)
    finally:
        await ctx.close()
    return 0
