"""Small, bounded binary readers shared by the container walkers.

Everything here reads at most what it needs (never a size taken from the file
without a bound) and treats short reads as "not there".
"""

from __future__ import annotations

from typing import IO

#: Largest single read the walkers make, whatever a file claims.
MAX_READ = 1 << 20


class FileView:
    """Random access reads on an open binary file of known size."""

    __slots__ = ("fileobj", "size")

    def __init__(self, fileobj: IO[bytes], size: int) -> None:
        self.fileobj = fileobj
        self.size = size

    def read_at(self, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes (bounded by :data:`MAX_READ` and the file end) at ``offset``."""
        if offset < 0 or offset >= self.size or length <= 0:
            return b""
        length = min(length, self.size - offset, MAX_READ)
        self.fileobj.seek(offset)
        return self.fileobj.read(length)


class BytesView(FileView):
    """:class:`FileView` of a file already read into memory: reads are slices, no seek and read calls."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        super().__init__(None, len(data))  # type: ignore[arg-type]
        self.data = data

    def read_at(self, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes (bounded by :data:`MAX_READ` and the end) at ``offset``."""
        if offset < 0 or offset >= self.size or length <= 0:
            return b""
        return self.data[offset:offset + min(length, MAX_READ)]


def synchsafe(data: bytes) -> int | None:
    """Decode a 4-byte ID3v2 synchsafe integer; None if a byte has its high bit set."""
    if len(data) != 4 or any(b & 0x80 for b in data):
        return None
    return (data[0] << 21) | (data[1] << 14) | (data[2] << 7) | data[3]


def id3v2_size(head: bytes) -> int:
    """Total size of the ID3v2 tag at the start of ``head`` (header, body, footer), or 0."""
    if len(head) < 10 or head[:3] != b"ID3" or head[3] in (0xFF,) or head[4] == 0xFF:
        return 0
    size = synchsafe(head[6:10])
    if size is None:
        return 0
    return 10 + size + (10 if head[5] & 0x10 else 0)


def skip_id3v2(view: FileView, offset: int = 0) -> int:
    """Offset after every ID3v2 tag found at ``offset`` (several may be stacked)."""
    for _ in range(8):
        size = id3v2_size(view.read_at(offset, 10))
        if not size:
            break
        offset += size
    return min(offset, view.size)


def tail_tags_start(view: FileView, end: int | None = None) -> int:
    """Offset where trailing tags begin: ID3v1, APEv2 and Lyrics3 blocks, in any order.

    Returns ``end`` (default: the file size) when there are none.
    """
    end = view.size if end is None else end
    for _ in range(8):
        tail = view.read_at(max(0, end - 256), min(end, 256))
        changed = False
        if len(tail) >= 128 and tail[-128:-125] == b"TAG":
            end -= 128
            changed = True
        elif len(tail) >= 32 and tail[-32:-24] == b"APETAGEX":
            size = int.from_bytes(tail[-20:-16], "little")
            flags = int.from_bytes(tail[-12:-8], "little")
            total = size + (32 if flags & 0x80000000 else 0)
            if 32 <= total <= end:
                end -= total
                changed = True
        elif len(tail) >= 15 and tail[-9:] == b"LYRICS200" and tail[-15:-9].isdigit():
            total = int(tail[-15:-9]) + 15
            if total <= end:
                end -= total
                changed = True
        elif len(tail) >= 9 and tail[-9:] == b"LYRICSEND":
            window = view.read_at(max(0, end - 5100), min(end, 5100))
            found = window.rfind(b"LYRICSBEGIN")
            if found >= 0:
                end -= len(window) - found
                changed = True
        if not changed:
            break
    return end


def u16le(b: bytes, o: int = 0) -> int:
    return int.from_bytes(b[o : o + 2], "little")


def u32le(b: bytes, o: int = 0) -> int:
    return int.from_bytes(b[o : o + 4], "little")


def u64le(b: bytes, o: int = 0) -> int:
    return int.from_bytes(b[o : o + 8], "little")


def u16be(b: bytes, o: int = 0) -> int:
    return int.from_bytes(b[o : o + 2], "big")


def u32be(b: bytes, o: int = 0) -> int:
    return int.from_bytes(b[o : o + 4], "big")


def u64be(b: bytes, o: int = 0) -> int:
    return int.from_bytes(b[o : o + 8], "big")
