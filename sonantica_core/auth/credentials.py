"""Per-user credential rows: what API keys and app passwords have in common.

Each is a row of its own table (:class:`~sonantica_core.db.users.ApiKey`,
:class:`~sonantica_core.db.users.AppPassword`) with ``id``, ``user_id``, ``name``,
``created_at`` and ``revoked_at``: created with a name, at most so many active ones
per user, listed newest first, revoked by id by their owner only (a revoked row stays,
and no longer counts). A :class:`CredentialKind` does those things for one table;
:mod:`.api_keys` and :mod:`.app_passwords` keep how their secrets are made, stored
and checked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sonantica_core.db.users import ApiKey, AppPassword
from sonantica_core.errors import SonanticaError

Row = TypeVar("Row", ApiKey, AppPassword)


class TooManyCredentials(SonanticaError):
    """The user already has as many active credentials of a kind as allowed."""


@dataclass(frozen=True)
class CredentialKind(Generic[Row]):
    """The shared operations on one table of per-user credentials.

    ``noun`` names one row in messages (``"API key"``), ``plural`` several;
    ``limit`` is how many active rows a user may have.
    """

    model: type[Row]
    noun: str
    plural: str
    limit: int

    def _active(self, user_id: int) -> tuple[Any, ...]:
        return (self.model.user_id == user_id, self.model.revoked_at.is_(None))

    async def count_active(self, session: AsyncSession, user_id: int) -> int:
        """How many of ``user_id``'s rows are not revoked."""
        query = select(func.count()).select_from(self.model).where(*self._active(user_id))
        return (await session.execute(query)).scalar_one()

    async def check_room(self, session: AsyncSession, user_id: int) -> None:
        """Raise :class:`TooManyCredentials` when ``user_id`` is at :attr:`limit` already."""
        if await self.count_active(session, user_id) >= self.limit:
            raise TooManyCredentials(f"at most {self.limit} {self.plural} per user; revoke one first")

    async def add(self, session: AsyncSession, row: Row) -> Row:
        """Store a new row (its secret already set) and read back what the database filled in."""
        session.add(row)
        await session.flush()
        await session.refresh(row)
        return row

    async def list_active(self, session: AsyncSession, user_id: int) -> Sequence[Row]:
        """``user_id``'s rows that are not revoked, newest first."""
        query = (
            select(self.model)
            .where(*self._active(user_id))
            .order_by(self.model.created_at.desc(), self.model.id.desc())
        )
        return (await session.execute(query)).scalars().all()

    async def revoke(self, session: AsyncSession, user_id: int, row_id: int) -> bool:
        """Revoke row ``row_id`` of ``user_id``'s; False when the user has no such active row."""
        result = await session.execute(
            update(self.model)
            .where(self.model.id == row_id, *self._active(user_id))
            .values(revoked_at=dt.datetime.now(dt.UTC))
            .returning(self.model.id)
        )
        return result.first() is not None
