"""Signed, expiring stream URLs: ``/api/stream/<id>?exp=..&uid=..&gen=..&sig=..``.

For ``<audio src>`` and downloads, which cannot send an ``Authorization`` header.
``sig`` is an HMAC-SHA256 (base64url, no padding) over the track id, the user id,
the user's token generation and the expiry, with a key derived from SECRET_KEY: a
URL opens one track, for one user, until it expires or the user's sessions end
(sign-out everywhere, a password or role change: whatever raises the generation),
whichever comes first. Checking it needs one HMAC and the process's user directory
(:meth:`~sonantica_core.auth.state.AuthState.authenticate_signed`), no I/O.

Behind nginx (``STREAM_MODE=accel``), :func:`secure_link_url` makes URLs nginx's
``secure_link`` module verifies by itself (see ``docs/deploy/nginx.conf``), with
the secret from :func:`~.keys.secure_link_secret`. nginx knows nothing of users or
sessions, so those URLs live at most :data:`SECURE_LINK_MAX_TTL`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl

from sonantica_core.auth.errors import AuthError
from sonantica_core.auth.keys import STREAM_URLS, derive_key, secure_link_secret
from sonantica_core.streaming import sign_media_url

#: Where nginx's signed locations live: ``/s/<root>/<relative path>``.
SECURE_LINK_PREFIX = "/s/"
DEFAULT_TTL = 6 * 3600
MIN_TTL = 60
MAX_TTL = 7 * 24 * 3600
#: The longest life of an nginx ``secure_link`` URL: nginx cannot tell that its user
#: signed out, so it is bounded short instead (the ``Cache-Control`` nginx sends is as long).
SECURE_LINK_MAX_TTL = 3600

_ID = re.compile(r"^[1-9][0-9]{0,18}$")
_GEN = re.compile(r"^(0|[1-9][0-9]{0,9})$")
_EXP = re.compile(r"^[0-9]{1,12}$")
_SIG = re.compile(r"^[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True, slots=True)
class StreamLink:
    """What a valid signed URL says: for whom, and for which of their token generations."""

    user_id: int
    generation: int


def stream_signature(key: bytes, track_id: int, user_id: int, generation: int, expires: int) -> str:
    message = b"stream:v2:%d:%d:%d:%d" % (track_id, user_id, generation, expires)
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def signed_stream_url(
    secret: str,
    track_id: int,
    user_id: int,
    expires: int,
    *,
    generation: int = 0,
    prefix: str = "",
    download: bool = False,
) -> str:
    """The app's signed URL for streaming ``track_id`` as ``user_id`` until ``expires``, while the
    user's token generation is ``generation`` (0 for an account whose sessions never ended)."""
    sig = stream_signature(derive_key(secret, STREAM_URLS), track_id, user_id, generation, expires)
    url = f"{prefix}/api/stream/{track_id}?exp={expires}&uid={user_id}&gen={generation}&sig={sig}"
    return url + "&download=1" if download else url


def secure_link_url(secret: str, root_name: str, relative_path: str, expires: int, *, prefix: str = "") -> str:
    """A URL nginx's ``secure_link`` serves by itself: ``/s/<root>/<path>?md5=..&expires=..``."""
    path = f"{SECURE_LINK_PREFIX}{root_name}/{relative_path}"
    return prefix + sign_media_url(path, expires, secure_link_secret(secret))


def has_signature(query_string: bytes) -> bool:
    """Whether a query string carries a signature at all (cheap pre-check)."""
    return b"sig=" in query_string


def verify_stream_query(key: bytes, track_id: int, query_string: bytes, now: float | None = None) -> StreamLink:
    """Check a signed URL's query for ``track_id``: whom it is for, or :class:`AuthError`.

    The caller still compares :attr:`StreamLink.generation` with the user's current one."""
    try:
        pairs = parse_qsl(query_string.decode("ascii"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise AuthError("the signed URL is malformed", "bad_signature", 403) from None
    values: dict[str, str] = {}
    for name, value in pairs:
        if name in ("exp", "uid", "gen", "sig"):
            if name in values:
                raise AuthError("the signed URL is malformed", "bad_signature", 403)
            values[name] = value
    exp, uid, gen, sig = (values.get(name, "") for name in ("exp", "uid", "gen", "sig"))
    if not (_EXP.match(exp) and _ID.match(uid) and _GEN.match(gen) and _SIG.match(sig)):
        raise AuthError("the signed URL is malformed", "bad_signature", 403)
    expected = stream_signature(key, track_id, int(uid), int(gen), int(exp))
    if not hmac.compare_digest(expected, sig):
        raise AuthError("the signed URL is not valid for this track", "bad_signature", 403)
    if int(exp) <= (time.time() if now is None else now):
        raise AuthError("the signed URL has expired; ask for a new one", "link_expired", 403)
    return StreamLink(int(uid), int(gen))
