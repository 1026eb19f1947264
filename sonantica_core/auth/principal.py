"""Who a request acts for (:class:`Principal`) and what a route demands (:class:`Access`)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

ROLES = ("admin", "user")


class Access(enum.Enum):
    """What a route requires of the caller. Routes are ``USER`` unless they say otherwise."""

    #: Anyone, signed in or not (health checks, login, first-run setup).
    PUBLIC = "public"
    #: Any signed-in user: the default for every route, plugin routes included.
    USER = "user"
    #: A signed-in user with the admin role.
    ADMIN = "admin"
    #: A signed-in user, or a request carrying a valid signed URL for this resource.
    SIGNED = "signed"


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated user of a request.

    ``via`` says how: ``"token"`` (access token), ``"api_key"`` or ``"signed_url"``
    (a signed stream URL, valid for one track only). Compatible with Starlette's
    ``request.user`` protocol (``is_authenticated``, ``display_name``, ``identity``).
    """

    id: int
    role: str
    via: str
    key_id: int | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return f"user {self.id}"

    @property
    def identity(self) -> str:
        return str(self.id)
