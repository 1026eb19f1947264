"""Creating and managing users (used by the CLI and the admin API)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sonantica_core.auth.passwords import hash_password, validate_password
from sonantica_core.db.users import User

_USERNAME = re.compile(r"^[\w.@+-]{1,64}$")


class UserError(ValueError):
    """A user operation that cannot be done, with the reason."""


def validate_username(username: str) -> str | None:
    if not _USERNAME.match(username):
        return "must be 1–64 letters, digits or . @ + - _"
    return None


async def find_user(session: AsyncSession, username: str) -> User | None:
    return (await session.execute(select(User).where(func.lower(User.username) == username.lower()))).scalar_one_or_none()


async def create_user(session: AsyncSession, username: str, password: str, *, admin: bool = False) -> User:
    for problem in (validate_username(username) and f"username {validate_username(username)}",
                    validate_password(password) and f"password {validate_password(password)}"):
        if problem:
            raise UserError(problem)
    if await find_user(session, username) is not None:
        raise UserError(f"a user called {username!r} already exists")
    user = User(username=username, password_hash=hash_password(password), role="admin" if admin else "user")
    session.add(user)
    await session.flush()
    return user


async def list_users(session: AsyncSession) -> Sequence[User]:
    return (await session.execute(select(User).order_by(User.id))).scalars().all()


async def set_password(session: AsyncSession, username: str, password: str) -> User:
    problem = validate_password(password)
    if problem:
        raise UserError(f"password {problem}")
    user = await find_user(session, username)
    if user is None:
        raise UserError(f"no user called {username!r}")
    await session.execute(
        update(User)
        .where(User.id == user.id)
        .values(password_hash=hash_password(password), token_generation=User.token_generation + 1)
    )
    return user


async def remove_user(session: AsyncSession, username: str) -> None:
    user = await find_user(session, username)
    if user is None:
        raise UserError(f"no user called {username!r}")
    if user.role == "admin":
        admins = (await session.execute(select(func.count()).where(User.role == "admin"))).scalar_one()
        if admins <= 1:
            raise UserError("this is the last admin; make another admin first")
    await session.execute(delete(User).where(User.id == user.id))


async def count_users(session: AsyncSession) -> int:
    return (await session.execute(select(func.count()).select_from(User))).scalar_one()
