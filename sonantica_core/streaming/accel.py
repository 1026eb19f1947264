"""Handing the bytes to nginx: ``X-Accel-Redirect`` and ``secure_link`` signed URLs.

Two front-proxy modes (the nginx side is ``docs/deploy/nginx.conf``):

* **X-Accel-Redirect.** Python authenticates and answers with headers only; nginx follows
  ``X-Accel-Redirect: /internal-media/<root>/<relpath>`` to an ``internal`` location that aliases
  the media root and serves the file itself (sendfile, Range, If-Range, 304s). nginx then uses its
  own validators (ETag ``"<mtime hex>-<size hex>"``, stable wherever mtimes are kept).
  The URI is percent-encoded; nginx decodes it before mapping it to the file.
* **secure_link.** :func:`sign_media_url` signs a path and an expiry time; nginx checks the
  signature itself and serves the file without asking Python at all. The formula is the one
  configured in nginx::

      secure_link     $arg_md5,$arg_expires;
      secure_link_md5 "$secure_link_expires$uri<secret>";

  i.e. ``md5(expires + uri + secret)``, base64url-encoded without padding. ``$uri`` is the
  decoded, normalised path, so paths with ``.``/``..`` segments or repeated slashes are refused
  here: nginx would sign a different string.
"""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import quote

__all__ = ["ACCEL_PREFIX", "accel_uri", "secure_link_token", "sign_media_url"]

#: Where the internal locations live in nginx.
ACCEL_PREFIX = "/internal-media/"

_SAFE = "/!$&'()*+,;=:@-._~"  # sub-delims and pchar characters that need no encoding


def _check_path(path: str) -> None:
    if not path.startswith("/"):
        raise ValueError(f"path must be absolute: {path!r}")
    segments = path.split("/")[1:]
    if any(s in ("", ".", "..") for s in segments[:-1]) or segments[-1] in (".", ".."):
        raise ValueError(f"path is not normalised: {path!r}")
    if any(ord(c) < 0x20 or c in "?#\x7f" for c in path):
        raise ValueError(f"path has characters that cannot be signed: {path!r}")


def accel_uri(root_name: str, relpath: str, prefix: str = ACCEL_PREFIX) -> str:
    """``/internal-media/<root_name>/<relpath>`` percent-encoded, for ``X-Accel-Redirect``.

    ``relpath`` is relative to the media root, with ``/`` separators and no ``..``.
    """
    if "/" in root_name or root_name in ("", ".", ".."):
        raise ValueError(f"bad root name: {root_name!r}")
    full = f"{prefix.rstrip('/')}/{root_name}/{relpath.lstrip('/')}"
    _check_path(full)
    return quote(full, safe=_SAFE)


def secure_link_token(uri: str, expires: int, secret: str) -> str:
    """``base64url(md5(f"{expires}{uri}{secret}"))`` without padding, as nginx computes it."""
    digest = hashlib.md5(f"{expires}{uri}{secret}".encode(), usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def sign_media_url(path: str, expires: int, secret: str) -> str:
    """A URL for ``path`` (decoded, as nginx's ``$uri`` will be) valid until ``expires``.

    Returns ``<percent-encoded path>?md5=<token>&expires=<expires>``.
    """
    _check_path(path)
    token = secure_link_token(path, int(expires), secret)
    return f"{quote(path, safe=_SAFE)}?md5={token}&expires={int(expires)}"
