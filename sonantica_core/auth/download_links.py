"""Signed download links: ``/api/downloads/<id>/file?exp=..&uid=..&sig=..``.

``sig`` is an HMAC-SHA256 (base64url, no padding) over the download's id, its user and the
expiry, with a key derived from SECRET_KEY. A valid signature names the user; whether the link
still opens anything (not revoked, not expired: else 410) is the download row's to say.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

from sonantica_core.auth.errors import AuthError
from sonantica_core.auth.keys import derive_key

__all__ = ["DownloadLink", "download_url", "verify_download_query"]

PURPOSE = "download-link v1"
_NUMBER = re.compile(r"^[1-9][0-9]{0,18}$")
_EXP = re.compile(r"^[0-9]{1,12}$")
_SIG = re.compile(r"^[A-Za-z0-9_-]{43}$")


@dataclass(frozen=True, slots=True)
class DownloadLink:
    """What a valid download link says."""

    user_id: int
    expires: int


def _signature(key: bytes, download_id: int, user_id: int, expires: int) -> str:
    digest = hmac.new(key, b"download:v1:%d:%d:%d" % (download_id, user_id, expires), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def download_url(secret: str, download_id: int, user_id: int, expires: int, prefix: str = "") -> str:
    """The link that opens download ``download_id`` of ``user_id`` until ``expires`` (Unix time)."""
    sig = _signature(derive_key(secret, PURPOSE), download_id, user_id, expires)
    return f"{prefix}/api/downloads/{download_id}/file?exp={expires}&uid={user_id}&sig={sig}"


def verify_download_query(secret: str, download_id: int, query_string: bytes) -> DownloadLink:
    """The user and expiry of a link to ``download_id``; :class:`AuthError` (403) when not genuine.

    Expiry is not judged here: an expired genuine link is answered 410 by the route."""
    values: dict[str, str] = {}
    try:
        pairs = parse_qsl(query_string.decode("ascii"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise AuthError("the download link is malformed", "bad_signature", 403) from None
    for name, value in pairs:
        if name in ("exp", "uid", "sig"):
            if name in values:
                raise AuthError("the download link is malformed", "bad_signature", 403)
            values[name] = value
    exp, uid, sig = values.get("exp", ""), values.get("uid", ""), values.get("sig", "")
    if not (_EXP.match(exp) and _NUMBER.match(uid) and _SIG.match(sig)):
        raise AuthError("the download link is malformed", "bad_signature", 403)
    expected = _signature(derive_key(secret, PURPOSE), download_id, int(uid), int(exp))
    if not hmac.compare_digest(expected, sig):
        raise AuthError("the download link is not valid", "bad_signature", 403)
    return DownloadLink(int(uid), int(exp))
