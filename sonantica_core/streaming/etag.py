"""Strong entity tags for media files, and entity-tag lists (RFC 9110 §8.8.3).

A file's ETag must be identical in every worker, every process and every replica that serves the
same bytes, or players that seek with ``If-Range`` (Chromium) download the whole file on every
seek. So it is derived only from values that travel with the content:

* with a content hash (from the library database): ``size`` and the hash. The tag then survives
  copies that do not keep the modification time, and differs whenever the bytes do. Pass the
  hash only when the file's current ``(size, mtime_ns)`` are those the hash was computed for;
* otherwise: ``size`` and ``mtime_ns``.

Never the inode, device or host, which differ between machines for the same bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

__all__ = ["EntityTag", "make_etag", "parse_etag_list", "strong_match", "weak_match"]

_ETAGC = (
    frozenset(chr(0x21)) | frozenset(chr(c) for c in range(0x23, 0x7F)) | frozenset(chr(c) for c in range(0x80, 0x100))
)


def make_etag(size: int, mtime_ns: int, content_hash: str | bytes | None = None) -> str:
    """A strong ETag (with its quotes) for a file of ``size`` bytes.

    ``content_hash`` is any stable digest of the bytes (hex string or raw bytes); when given,
    ``mtime_ns`` is not used.
    """
    h = hashlib.blake2b(digest_size=16)
    if content_hash is not None:
        raw = content_hash if isinstance(content_hash, bytes) else content_hash.encode()
        h.update(b"c:%d:" % size + raw)
    else:
        h.update(b"m:%d:%d" % (size, mtime_ns))
    return f'"{h.hexdigest()}"'


@dataclass(frozen=True, slots=True)
class EntityTag:
    """One entity-tag: its opaque value (quotes included) and whether it is weak."""

    opaque: str
    weak: bool


def _parse_one(text: str) -> EntityTag | None:
    weak = text.startswith("W/")
    opaque = text[2:] if weak else text
    if len(opaque) < 2 or opaque[0] != '"' or opaque[-1] != '"':
        return None
    if not all(c in _ETAGC for c in opaque[1:-1]):
        return None
    return EntityTag(opaque, weak)


def parse_etag_list(value: str) -> list[EntityTag] | None:
    """Parse ``"*" / #entity-tag``. Returns None for ``*``; malformed members are skipped.

    Entity tags may contain commas, so the list is scanned quote by quote rather than split.
    """
    value = value.strip(" \t")
    if value == "*":
        return None
    tags: list[EntityTag] = []
    i, n = 0, len(value)
    while i < n:
        while i < n and value[i] in " \t,":
            i += 1
        if i >= n:
            break
        start = i
        if value.startswith('W/"', i):
            i += 3
        elif value[i] == '"':
            i += 1
        else:  # not an entity-tag: skip to the next comma
            while i < n and value[i] != ",":
                i += 1
            continue
        close = value.find('"', i)
        if close < 0:
            break
        tag = _parse_one(value[start : close + 1])
        i = close + 1
        if tag is not None and (i >= n or value[i] in " \t,"):
            tags.append(tag)
    return tags


def strong_match(a: EntityTag, b: EntityTag) -> bool:
    """Strong comparison: both strong and their opaque tags equal (§8.8.3.2)."""
    return not a.weak and not b.weak and a.opaque == b.opaque


def weak_match(a: EntityTag, b: EntityTag) -> bool:
    """Weak comparison: opaque tags equal, weakness ignored (§8.8.3.2)."""
    return a.opaque == b.opaque


def as_entity_tag(etag: str) -> EntityTag:
    """The :class:`EntityTag` of a response ETag value such as ``make_etag`` returns."""
    tag = _parse_one(etag)
    if tag is None:
        raise ValueError(f"not an entity-tag: {etag!r}")
    return tag
