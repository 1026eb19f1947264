"""The per-process directory of users' token generation, role and disabled flag.

Access tokens carry the user's ``token_generation``; every change that must end
existing sessions (password, role, disable, delete, "log out everywhere") raises
it. A token is accepted only while its generation is the current one, checked
against this in-memory directory: no database round trip per request.

The directory is filled from the database at start and on every (re)connection
of the invalidation bus, kept current by ``user`` messages on the bus, and asks
the database once for a user it has not seen (or whose token is newer than what
it knows). Generations only grow, so an older state never overwrites a newer one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from sonantica_core.db.autocommit import autocommit
from sonantica_core.db.users import User

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext


@dataclass(frozen=True, slots=True)
class UserState:
    """What token checks need to know about a user."""

    generation: int
    role: str
    disabled: bool

    @classmethod
    def of(cls, user: User) -> UserState:
        return cls(user.token_generation, user.role, user.disabled)


#: A user that does not exist (deleted, or never did). Ids are never reused.
GONE = None


class UserDirectory:
    """user id → :class:`UserState` (or ``GONE``) for this process."""

    def __init__(self) -> None:
        self._states: dict[int, UserState | None] = {}

    def get(self, user_id: int) -> UserState | None:
        """The known state, or None when unknown or gone (see :meth:`known`)."""
        return self._states.get(user_id)

    def known(self, user_id: int) -> bool:
        return user_id in self._states

    def update(self, user_id: int, state: UserState | None) -> None:
        """Record ``state``; ignored if older than what is known. ``None``: the user is gone."""
        if state is None:
            self._states[user_id] = GONE
            return
        if user_id in self._states:
            current = self._states[user_id]
            if current is GONE or current.generation > state.generation:
                return
        self._states[user_id] = state

    def replace(self, states: dict[int, UserState], known_before: set[int]) -> None:
        """Apply a full reload. Users known before it started and missing from it are gone;
        users first heard of while it ran are kept as they are."""
        for user_id in known_before - states.keys():
            self._states[user_id] = GONE
        for user_id, state in states.items():
            self.update(user_id, state)

    def apply_message(self, data: dict[str, Any]) -> None:
        """Apply a ``user`` message from the invalidation bus."""
        user_id = int(data["id"])
        if data.get("deleted"):
            self.update(user_id, GONE)
        else:
            self.update(user_id, UserState(int(data["generation"]), str(data["role"]), bool(data["disabled"])))

    async def load(self, ctx: CoreContext, user_id: int) -> UserState | None:
        """Read one user from the database (one indexed lookup) and remember it."""
        async with autocommit(ctx.engine) as conn:
            row = (
                await conn.execute(
                    select(User.token_generation, User.role, User.disabled).where(User.id == user_id)
                )
            ).first()
        self.update(user_id, UserState(row[0], row[1], row[2]) if row else GONE)
        return self.get(user_id)

    async def reload(self, ctx: CoreContext) -> None:
        """Read every user (at start, and whenever messages may have been missed)."""
        known_before = set(self._states)
        async with autocommit(ctx.engine) as conn:
            rows = (await conn.execute(select(User.id, User.token_generation, User.role, User.disabled))).all()
        self.replace({row[0]: UserState(row[1], row[2], row[3]) for row in rows}, known_before)


def user_message(user: User) -> dict[str, Any]:
    """The bus message announcing ``user``'s current state."""
    return {"id": user.id, "generation": user.token_generation, "role": user.role, "disabled": user.disabled}
