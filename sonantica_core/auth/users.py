"""Creating and managing users (used by the CLI and the admin API)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from sonantica_core.auth.passwords import hash_password, validate_password
from sonantica_core.db.users import RefreshToken, User
from sonantica_core.errors import SonanticaError

_USERNAME = re.compile(r"^[\w.@+-]{1,64}$")


class UserError(SonanticaError, ValueError):
    """A user operation that cannot be done, with the reason."""


class AlreadySetUpError(UserError):
    """First-run setup was asked for, but users exist."""


class UsernameTakenError(UserError):
    """Another user has this name (names are compared without case)."""


class LastAdminError(UserError):
    """The change would leave the server without an enabled admin."""


def validate_username(username: str) -> str | None:
    if not _USERNAME.match(username):
        return "must be 1–64 letters, digits or . @ + - _"
    return None


async def find_user(session: AsyncSession, username: str) -> User | None:
    query = select(User).where(func.lower(User.username) == username.lower())
    return (await session.execute(query)).scalar_one_or_none()


async def create_user(
    session: AsyncSession, username: str, password: str, *, admin: bool = False, password_hash: str | None = None
) -> User:
    """Create a user. ``password_hash``, when given, is ``hash_password(password)`` made
    beforehand (off the event loop); the password is still validated."""
    for problem in (validate_username(username) and f"username {validate_username(username)}",
                    validate_password(password) and f"password {validate_password(password)}"):
        if problem:
            raise UserError(problem)
    if await find_user(session, username) is not None:
        raise UsernameTakenError(f"a user called {username!r} already exists")
    user = User(
        username=username, password_hash=password_hash or hash_password(password), role="admin" if admin else "user"
    )
    session.add(user)
    await session.flush()
    return user


async def list_users(session: AsyncSession) -> Sequence[User]:
    return (await session.execute(select(User).order_by(User.id))).scalars().all()


async def set_password(session: AsyncSession, username: str, password: str) -> User:
    """Set ``username``'s password (``sonantica user passwd``) the way the admin API does,
    through :func:`update_user`: every session of theirs ends (refresh tokens deleted,
    token generation raised). Returns the user as it is now; announce it after commit."""
    user = await find_user(session, username)
    if user is None:
        raise UserError(f"no user called {username!r}")
    return await update_user(session, user, UserChanges(password=password))


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


#: Advisory lock taken by every change to who is an admin, and by first-run setup,
#: so that concurrent requests cannot leave the server without an admin (or with two
#: "first" admins).
ACCOUNTS_LOCK = 0x5E7_AD41


async def lock_accounts(session: AsyncSession) -> None:
    """Serialise account changes until the end of the transaction."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ACCOUNTS_LOCK})


async def get_user(session: AsyncSession, user_id: int) -> User | None:
    return (await session.execute(select(User).where(User.id == user_id))).scalar_one_or_none()


async def _other_active_admins(session: AsyncSession, user_id: int) -> int:
    query = select(func.count()).where(User.role == "admin", User.disabled.is_(False), User.id != user_id)
    return (await session.execute(query)).scalar_one()


async def create_first_admin(session: AsyncSession, username: str, password: str, password_hash: str) -> User:
    """Create the first admin, only while there is no user at all (race-safe)."""
    await lock_accounts(session)
    if await count_users(session) > 0:
        raise AlreadySetUpError("the server is already set up; sign in instead")
    return await create_user(session, username, password, admin=True, password_hash=password_hash)


@dataclass(frozen=True, slots=True)
class UserChanges:
    """What an admin changes about a user; None leaves a field as it is."""

    username: str | None = None
    role: str | None = None
    password: str | None = None
    password_hash: str | None = None  # hash_password(password), made off the event loop
    disabled: bool | None = None


async def update_user(session: AsyncSession, user: User, changes: UserChanges) -> User:
    """Apply ``changes``. A change of role, password or disabled state ends the user's
    sessions (token generation raised; refresh tokens revoked on password or disable).
    Refuses to leave the server without an enabled admin."""
    if changes.role is not None and changes.role not in ("admin", "user"):
        raise UserError("role must be 'admin' or 'user'")
    if changes.username is not None:
        problem = validate_username(changes.username)
        if problem:
            raise UserError(f"username {problem}")
        other = await find_user(session, changes.username)
        if other is not None and other.id != user.id:
            raise UsernameTakenError(f"a user called {changes.username!r} already exists")
    if changes.password is not None:
        problem = validate_password(changes.password)
        if problem:
            raise UserError(f"password {problem}")
    losing_admin = user.role == "admin" and (changes.role == "user" or changes.disabled is True)
    if losing_admin:
        await lock_accounts(session)
        if await _other_active_admins(session, user.id) == 0:
            raise LastAdminError("this is the last enabled admin; make another admin first")
    values: dict[str, object] = {}
    if changes.username is not None and changes.username != user.username:
        values["username"] = changes.username
    if changes.role is not None and changes.role != user.role:
        values["role"] = changes.role
    if changes.disabled is not None and changes.disabled != user.disabled:
        values["disabled"] = changes.disabled
    if changes.password is not None:
        values["password_hash"] = changes.password_hash or hash_password(changes.password)
    if values.keys() & {"role", "disabled", "password_hash"}:
        values["token_generation"] = User.token_generation + 1
    if values.keys() & {"disabled", "password_hash"}:
        await session.execute(delete(RefreshToken).where(RefreshToken.user_id == user.id))
    if values:
        await session.execute(update(User).where(User.id == user.id).values(**values))
    await session.refresh(user)
    return user


async def delete_user(session: AsyncSession, user: User) -> None:
    """Delete a user with their playlists, history and credentials; never the last admin."""
    if user.role == "admin":
        await lock_accounts(session)
        if await _other_active_admins(session, user.id) == 0:
            raise LastAdminError("this is the last enabled admin; make another admin first")
    await session.execute(delete(User).where(User.id == user.id))
