"""Purpose-bound keys derived from the server's secret (HKDF-SHA256).

Every use of ``SECRET_KEY`` gets its own key: a leaked key of one purpose (for
example the secret pasted into nginx for ``secure_link``) does not sign tokens of
another. All processes and replicas derive the same keys from the same secret.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

#: The purposes the core derives keys for.
ACCESS_TOKENS = "access-token v1"
STREAM_URLS = "stream-url v1"
APP_PASSWORDS = "app-password v1"
SECURE_LINK = "nginx-secure-link v1"


@lru_cache(maxsize=32)
def derive_key(secret: str, purpose: str, length: int = 32) -> bytes:
    """The ``length``-byte key for ``purpose`` derived from ``secret``."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=b"sonantica", info=purpose.encode())
    return hkdf.derive(secret.encode())


def secure_link_secret(secret: str) -> str:
    """The string to put in nginx's ``secure_link_md5`` for signed media URLs (hex)."""
    return derive_key(secret, SECURE_LINK).hex()
