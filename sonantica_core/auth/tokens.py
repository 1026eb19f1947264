"""Short-lived access tokens: JWT, HS256, signed with a key derived from SECRET_KEY.

Claims: ``sub`` (user id, a string as RFC 7519 wants), ``role``, ``gen`` (the
user's token generation), ``iat``, ``exp`` and ``typ`` = ``"access"``. Any
replica with the same secret verifies them without the database; the generation
check against the in-process :class:`~.userstate.UserDirectory` is what revokes
them early.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

import jwt

from sonantica_core.auth.errors import AuthError
from sonantica_core.auth.keys import ACCESS_TOKENS, derive_key

ALGORITHM = "HS256"
TOKEN_TYPE = "access"
_REQUIRED = ["sub", "role", "gen", "iat", "exp", "typ"]


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """The verified content of an access token."""

    user_id: int
    role: str
    generation: int
    issued_at: int
    expires_at: int


def issue_access_token(
    secret: str, user_id: int, role: str, generation: int, ttl: float, now: float | None = None
) -> tuple[str, int]:
    """A signed access token and its expiry (POSIX seconds)."""
    issued = int(time.time() if now is None else now)
    expires = issued + max(1, int(ttl))
    claims = {"sub": str(user_id), "role": role, "gen": generation, "iat": issued, "exp": expires, "typ": TOKEN_TYPE}
    return jwt.encode(claims, derive_key(secret, ACCESS_TOKENS), algorithm=ALGORITHM), expires


def decode_access_token(secret: str, token: str) -> AccessClaims:
    """Verify signature, expiry and shape; raises :class:`AuthError`."""
    try:
        claims = jwt.decode(
            token,
            derive_key(secret, ACCESS_TOKENS),
            algorithms=[ALGORITHM],
            options={"require": _REQUIRED, "verify_iat": False},  # clocks of replicas may differ a little
            leeway=0,
        )
    except jwt.ExpiredSignatureError:
        raise AuthError("the access token has expired; refresh it", "token_expired") from None
    except jwt.PyJWTError:
        raise AuthError("the access token is not valid", "invalid_token") from None
    sub, role, gen = claims["sub"], claims["role"], claims["gen"]
    if (
        claims["typ"] != TOKEN_TYPE
        or not (isinstance(sub, str) and sub.isdigit() and 0 < len(sub) <= 19)
        or role not in ("admin", "user")
        or not isinstance(gen, int)
        or not isinstance(claims["iat"], int)
        or not isinstance(claims["exp"], int)
    ):
        raise AuthError("the access token is not valid", "invalid_token")
    return AccessClaims(int(sub), role, gen, claims["iat"], claims["exp"])


class AccessTokenVerifier:
    """:func:`decode_access_token` with a small LRU of tokens already verified.

    A player sends the same token with every seek; a hit costs a dictionary lookup
    and an expiry comparison instead of a JSON parse and an HMAC.
    """

    def __init__(self, secret: str, size: int = 1024) -> None:
        self._secret = secret
        self._size = size
        self._cache: OrderedDict[str, AccessClaims] = OrderedDict()

    def verify(self, token: str, now: float | None = None) -> AccessClaims:
        current = time.time() if now is None else now
        claims = self._cache.get(token)
        if claims is None:
            claims = decode_access_token(self._secret, token)
            self._cache[token] = claims
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        if claims.expires_at <= current:
            self._cache.pop(token, None)
            raise AuthError("the access token has expired; refresh it", "token_expired")
        return claims
