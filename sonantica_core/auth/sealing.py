"""Encrypting small secrets at rest with AES-256-GCM.

A sealed value is ``version byte || 12-byte nonce || ciphertext+tag``; the
associated data binds it to its row (e.g. the owner's id), so a sealed value
copied to another row does not open.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sonantica_core.errors import SonanticaError

_VERSION = b"\x01"
_NONCE = 12


class SealError(SonanticaError, ValueError):
    """A sealed value could not be opened: damaged, or sealed under another key."""


def seal(key: bytes, plaintext: bytes, associated: bytes) -> bytes:
    """Encrypt and authenticate ``plaintext``."""
    nonce = os.urandom(_NONCE)
    return _VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, associated)


def unseal(key: bytes, sealed: bytes, associated: bytes) -> bytes:
    """Decrypt a value from :func:`seal`; raises :class:`SealError` if it does not verify."""
    if len(sealed) < 1 + _NONCE + 16 or sealed[:1] != _VERSION:
        raise SealError("not a sealed value of a known version")
    nonce, body = sealed[1 : 1 + _NONCE], sealed[1 + _NONCE :]
    try:
        return AESGCM(key).decrypt(nonce, body, associated)
    except InvalidTag:
        raise SealError("the value does not verify (damaged, or SECRET_KEY changed)") from None
