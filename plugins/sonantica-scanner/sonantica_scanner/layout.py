"""Where a file's audio payload lies, and whether it is complete.

For each container this walks the structure (never the audio itself) to find the
byte ranges that hold the audio stream, without the tags: FLAC frames after the
metadata blocks, MPEG frames between ID3v2 and ID3v1/APEv2/Lyrics3, the MP4
``mdat`` payload, Ogg pages after the header packets, the WAV ``data`` / AIFF
``SSND`` / DSF ``data`` / DSDIFF ``DSD`` chunks, the ASF data object.
:mod:`sonantica_scanner.identity` hashes those ranges; because tags live
elsewhere, retagging does not change the hash.

While walking it also notices truncation (a chunk, atom or page that claims
more bytes than the file holds; FLAC frames that stop before STREAMINFO's total;
an MP3 shorter than its Xing/VBRI header says) and raises
:class:`~sonantica_core.contract.ScanError` with kind "corrupt".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sonantica_core.contract import ScanError
from sonantica_scanner.binary import (
    MAX_READ,
    FileView,
    skip_id3v2,
    tail_tags_start,
    u16be,
    u16le,
    u32be,
    u32le,
    u64be,
    u64le,
)

_MAX_CHUNKS = 100_000


@dataclass(slots=True)
class Layout:
    """The audio payload of a file."""

    #: Byte ranges ``[start, end)`` holding the audio stream, in order.
    regions: list[tuple[int, int]]
    #: True when the regions hold Ogg pages (hash page payloads, not page headers).
    ogg: bool = False
    #: A digest of the audio the format itself stores (FLAC STREAMINFO MD5, APE MD5), if any.
    digest: str | None = None
    #: Facts found on the way, used for the technical info (WAV format tag, WavPack flags, ...).
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def payload_size(self) -> int:
        """Bytes of audio payload (Ogg: including the page headers)."""
        return sum(end - start for start, end in self.regions)


def truncated(what: str, detail: str) -> ScanError:
    """A ScanError for a file cut short."""
    return ScanError(f"truncated {what}: {detail}", "corrupt")


def corrupt(what: str, detail: str) -> ScanError:
    """A ScanError for a structurally broken file."""
    return ScanError(f"corrupt {what}: {detail}", "corrupt")


def find_layout(key: str, view: FileView, content_offset: int, info: Any) -> Layout:
    """The :class:`Layout` of a file of format ``key`` (see :data:`~sonantica_scanner.formats.FORMATS`)."""
    walker = _WALKERS.get(key)
    if walker is None:
        if key.startswith("ogg-"):
            return ogg_layout(view, key)
        return generic_layout(view, content_offset, key)
    return walker(view, content_offset, info)


def _nonempty(layout: Layout, label: str) -> Layout:
    if layout.payload_size <= 0:
        raise ScanError(f"{label} file holds no audio data", "corrupt")
    return layout


def generic_layout(view: FileView, content_offset: int, label: str = "audio") -> Layout:
    """Everything between leading ID3v2 tags and trailing ID3v1/APEv2/Lyrics3 tags."""
    start = skip_id3v2(view, content_offset)
    return _nonempty(Layout([(start, tail_tags_start(view))]), label)


# --------------------------------------------------------------------------
# FLAC
# --------------------------------------------------------------------------

_BLOCK_SIZES = {1: 192, 2: 576, 3: 1152, 4: 2304, 5: 4608, 8: 256, 9: 512, 10: 1024, 11: 2048, 12: 4096,
                13: 8192, 14: 16384, 15: 32768}
_SAMPLE_RATES = {1: 88200, 2: 176400, 3: 192000, 4: 8000, 5: 16000, 6: 22050, 7: 24000, 8: 32000,
                 9: 44100, 10: 48000, 11: 96000}
_SAMPLE_SIZES = {1: 8, 2: 12, 4: 16, 5: 20, 6: 24, 7: 32}


def _crc8_table() -> tuple[int, ...]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = ((c << 1) ^ 0x07) & 0xFF if c & 0x80 else (c << 1) & 0xFF
        table.append(c)
    return tuple(table)


_CRC8 = _crc8_table()


def _crc8(data: bytes) -> int:
    c = 0
    for b in data:
        c = _CRC8[c ^ b]
    return c


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """The fields of a FLAC STREAMINFO block the walkers need."""

    max_blocksize: int
    max_framesize: int
    sample_rate: int
    channels: int
    bits: int
    total_samples: int
    md5: bytes

    @classmethod
    def parse(cls, data: bytes) -> StreamInfo | None:
        if len(data) < 34:
            return None
        packed = int.from_bytes(data[10:18], "big")
        return cls(
            max_blocksize=u16be(data, 2),
            max_framesize=int.from_bytes(data[7:10], "big"),
            sample_rate=packed >> 44,
            channels=((packed >> 41) & 7) + 1,
            bits=((packed >> 36) & 31) + 1,
            total_samples=packed & 0xFFFFFFFFF,
            md5=data[18:34],
        )


def flac_frame_header(buf: bytes, i: int, si: StreamInfo) -> tuple[int, int] | None:
    """Parse a FLAC frame header at ``buf[i]``: (first sample, block size), or None.

    Checks the sync code, reserved bits, CRC-8 and agreement with STREAMINFO, so
    random bytes of compressed audio are very unlikely to pass.
    """
    n_buf = len(buf)
    if i + 6 > n_buf or buf[i] != 0xFF or (buf[i + 1] & 0xFE) != 0xF8:
        return None
    variable = buf[i + 1] & 1
    bs_code, sr_code = buf[i + 2] >> 4, buf[i + 2] & 0x0F
    b3 = buf[i + 3]
    ch_code, ss_code = b3 >> 4, (b3 >> 1) & 7
    if b3 & 1 or bs_code == 0 or sr_code == 15 or ch_code > 10 or ss_code == 3:
        return None
    if (ch_code + 1 if ch_code < 8 else 2) != si.channels:
        return None
    if ss_code and _SAMPLE_SIZES.get(ss_code) != si.bits:
        return None
    if sr_code in _SAMPLE_RATES and _SAMPLE_RATES[sr_code] != si.sample_rate:
        return None
    j = i + 4
    b0 = buf[j]
    if b0 < 0x80:
        value, extra = b0, 0
    elif b0 & 0xE0 == 0xC0:
        value, extra = b0 & 0x1F, 1
    elif b0 & 0xF0 == 0xE0:
        value, extra = b0 & 0x0F, 2
    elif b0 & 0xF8 == 0xF0:
        value, extra = b0 & 0x07, 3
    elif b0 & 0xFC == 0xF8:
        value, extra = b0 & 0x03, 4
    elif b0 & 0xFE == 0xFC:
        value, extra = b0 & 0x01, 5
    elif b0 == 0xFE:
        value, extra = 0, 6
    else:
        return None
    if j + 1 + extra + 3 > n_buf:
        return None
    for k in range(extra):
        c = buf[j + 1 + k]
        if c & 0xC0 != 0x80:
            return None
        value = (value << 6) | (c & 0x3F)
    j += 1 + extra
    if bs_code == 6:
        block, j = buf[j] + 1, j + 1
    elif bs_code == 7:
        block, j = u16be(buf, j) + 1, j + 2
    else:
        block = _BLOCK_SIZES[bs_code]
    if sr_code == 12:
        j += 1
    elif sr_code in (13, 14):
        j += 2
    if j >= n_buf or _crc8(buf[i:j]) != buf[j]:
        return None
    if si.max_blocksize and block > si.max_blocksize:
        return None
    first = value if variable else value * si.max_blocksize
    return first, block


_FLAC_SYNC = re.compile(rb"\xff[\xf8\xf9]")


def _flac_frames_complete(view: FileView, audio_start: int, end: int, si: StreamInfo) -> tuple[bool, int] | None:
    """Whether the last FLAC frames reach STREAMINFO's sample count: (complete, last sample), or None.

    Reads one window at the end. A frame header is trusted only when the frame
    before it ends exactly where it starts (or it is the first frame).
    """
    window = min(end - audio_start, max(65536, 2 * si.max_framesize + 64), MAX_READ)
    base = end - window
    buf = view.read_at(base, window)
    candidates: list[tuple[int, int, int]] = []
    # Only a frame sync code (0xFFF8 or 0xFFF9) can start a header: found in C, checked from the end.
    for start in reversed([match.start() for match in _FLAC_SYNC.finditer(buf)]):
        header = flac_frame_header(buf, start, si)
        if header:
            candidates.append((start, *header))
            if len(candidates) == 96:
                break
    for n, (pos, first, block) in enumerate(candidates):
        trusted = base + pos == audio_start and first == 0
        trusted = trusted or any(p_first + p_block == first for _, p_first, p_block in candidates[n + 1 :])
        if trusted:
            return first + block >= si.total_samples, first + block
    return None


def flac_layout(view: FileView, content_offset: int, info: Any = None) -> Layout:
    """FLAC: frames after the metadata blocks; STREAMINFO MD5 as digest when set."""
    pos = skip_id3v2(view, content_offset)
    if view.read_at(pos, 4) != b"fLaC":
        raise corrupt("FLAC file", "no fLaC marker")
    pos += 4
    streaminfo: StreamInfo | None = None
    for _ in range(_MAX_CHUNKS):
        header = view.read_at(pos, 4)
        if len(header) < 4:
            raise truncated("FLAC file", "the metadata blocks end early")
        size = int.from_bytes(header[1:4], "big")
        if header[0] & 0x7F == 0 and streaminfo is None:
            streaminfo = StreamInfo.parse(view.read_at(pos + 4, 34))
        pos += 4 + size
        if header[0] & 0x80:
            break
    else:
        raise corrupt("FLAC file", "no last metadata block")
    if streaminfo is None:
        raise corrupt("FLAC file", "no STREAMINFO block")
    end = tail_tags_start(view)
    if pos >= end:
        raise truncated("FLAC file", "no audio frames after the metadata")
    head = view.read_at(pos, 64)
    if not flac_frame_header(head, 0, streaminfo):
        # A few writers got a block size wrong (mutagen copes): find the first frame.
        window = view.read_at(pos, 65536)
        found = next((i for i in range(len(window) - 1)
                      if window[i] == 0xFF and flac_frame_header(window[i : i + 64], 0, streaminfo)), None)
        if found is not None:
            pos += found
    layout = Layout([(pos, end)])
    if streaminfo.total_samples and streaminfo.sample_rate:
        check = _flac_frames_complete(view, pos, end, streaminfo)
        if check is not None and not check[0]:
            rate = streaminfo.sample_rate
            raise truncated("FLAC stream", f"the audio stops at {check[1] / rate:.2f} s of "
                                           f"{streaminfo.total_samples / rate:.2f} s")
    if any(streaminfo.md5):
        layout.digest = "flacmd5:" + streaminfo.md5.hex()
    return layout


# --------------------------------------------------------------------------
# MPEG audio
# --------------------------------------------------------------------------


def _xing_bytes(view: FileView, frame: int) -> int | None:
    """The stream size an MP3's Xing/Info or VBRI header declares, if any."""
    head = view.read_at(frame, 64)
    if len(head) < 4 or head[0] != 0xFF or (head[1] & 0xE0) != 0xE0:
        return None
    mpeg1 = (head[1] >> 3) & 3 == 3
    mono = head[3] >> 6 == 3
    offset = 4 + ((17 if mono else 32) if mpeg1 else (9 if mono else 17))
    data = view.read_at(frame + offset, 16)
    if data[:4] in (b"Xing", b"Info") and len(data) >= 16:
        flags = u32be(data, 4)
        if flags & 2:
            return u32be(data, 12) if flags & 1 else u32be(data, 8)
        return None
    vbri = view.read_at(frame + 36, 14)
    if vbri[:4] == b"VBRI" and len(vbri) >= 14:
        return u32be(vbri, 10)
    return None


def mp3_layout(view: FileView, content_offset: int, info: Any) -> Layout:
    """MPEG audio: frames from the first one mutagen synced to, up to trailing tags."""
    start = int(getattr(info, "frame_offset", content_offset) or content_offset)
    end = tail_tags_start(view)
    if start >= end:
        raise ScanError("MPEG audio file holds no audio frames", "corrupt")
    declared = _xing_bytes(view, start)
    # Encoders count the stream from the first (Xing) frame, some with their own ID3v2 tag:
    # allow two average frames and the leading tag before calling the file truncated.
    bitrate, rate = getattr(info, "bitrate", 0) or 0, getattr(info, "sample_rate", 0) or 0
    frame = 1152 * bitrate // (8 * rate) if bitrate > 0 and rate > 0 else 1441
    if declared and declared > (end - start) + 2 * frame + start:
        raise truncated("MP3 file", f"{end - start} of the {declared} audio bytes its header declares")
    return Layout([(start, end)])


# --------------------------------------------------------------------------
# Ogg
# --------------------------------------------------------------------------


def ogg_page(view: FileView, pos: int) -> tuple[int, int, bytes] | None:
    """(header length, payload length, lacing values) of the Ogg page at ``pos``, or None."""
    header = view.read_at(pos, 27)
    if len(header) < 27 or header[:4] != b"OggS" or header[4] != 0:
        return None
    lacing = view.read_at(pos + 27, header[26])
    if len(lacing) < header[26]:
        return None
    return 27 + len(lacing), sum(lacing), lacing


def _ogg_header_packets(key: str, packet: bytes) -> int:
    if key == "ogg-vorbis":
        return 3
    if key == "ogg-flac" and len(packet) >= 9:
        count = u16be(packet, 7)
        return 1 + count if count else 2
    if key == "ogg-speex" and len(packet) >= 80:
        return 2 + min(u32le(packet, 76), 64)
    return 2  # Opus: OpusHead, OpusTags


def ogg_layout(view: FileView, key: str) -> Layout:
    """Ogg: the pages after the codec's header packets (comments and pictures live in those)."""
    pos, needed, done = 0, None, 0
    for _ in range(_MAX_CHUNKS):
        page = ogg_page(view, pos)
        if page is None:
            head = view.read_at(pos, 27)
            if len(head) < 27 or (head[:4] == b"OggS" and pos + 27 + head[26] > view.size):
                raise truncated("Ogg stream", "the header pages end early")
            raise corrupt("Ogg stream", f"no Ogg page at offset {pos}")
        header_len, payload_len, lacing = page
        if pos + header_len + payload_len > view.size:
            raise truncated("Ogg stream", "the header pages end early")
        if needed is None:
            needed = _ogg_header_packets(key, view.read_at(pos + header_len, min(payload_len, 128)))
        done += sum(1 for v in lacing if v < 255)
        pos += header_len + payload_len
        if done >= needed:
            break
    if pos >= view.size:
        raise ScanError("Ogg stream holds no audio pages", "corrupt")
    return Layout([(pos, view.size)], ogg=True)


# --------------------------------------------------------------------------
# MP4
# --------------------------------------------------------------------------


#: Bytes allowed in an atom's type (deleting them from a valid type leaves nothing).
_PRINTABLE = bytes(range(32, 127))


def mp4_layout(view: FileView, content_offset: int, info: Any = None) -> Layout:
    """MP4: the payload of the top-level ``mdat`` atoms."""
    end = tail_tags_start(view)
    pos, regions, seen = 0, [], set()
    for _ in range(_MAX_CHUNKS):
        if pos + 8 > end:
            break
        header = view.read_at(pos, 16)
        size32, kind = u32be(header), header[4:8]
        if size32 == 1:
            size, header_len = u64be(header, 8), 16
        elif size32 == 0:
            size, header_len = end - pos, 8
        else:
            size, header_len = size32, 8
        printable = not kind.translate(None, _PRINTABLE)
        if size < header_len or not printable:
            if {b"moov", b"mdat"} <= seen:
                break  # junk after a complete file
            raise corrupt("MP4 file", f"impossible atom at offset {pos}")
        if pos + size > end:
            if kind in (b"mdat", b"moov") or not {b"moov", b"mdat"} <= seen:
                raise truncated("MP4 file", f"the '{kind.decode('latin-1')}' atom needs {size} bytes, "
                                            f"{end - pos} remain")
            break
        seen.add(kind)
        if kind == b"mdat":
            regions.append((pos + header_len, pos + size))
        pos += size
    return _nonempty(Layout(regions), "MP4")


# --------------------------------------------------------------------------
# RIFF / IFF family
# --------------------------------------------------------------------------


def wav_layout(view: FileView, content_offset: int, info: Any = None) -> Layout:
    """WAV: the ``data`` chunk; also the format tag and the LIST/INFO chunks."""
    layout = Layout([])
    end = view.size
    pos = content_offset + 12
    info_chunks: list[tuple[int, int]] = []
    for _ in range(_MAX_CHUNKS):
        header = view.read_at(pos, 8)
        if len(header) < 8:
            break
        cid, size = header[:4], u32le(header, 4)
        body = pos + 8
        if cid == b"fmt ":
            fmt = view.read_at(body, min(size, 40))
            if len(fmt) >= 16:
                tag = u16le(fmt)
                if tag == 0xFFFE and len(fmt) >= 26:
                    tag = u16le(fmt, 24)
                layout.facts["wav_format"] = tag
                layout.facts["bits"] = u16le(fmt, 14)
        elif cid == b"data":
            data_end = body + size
            if size in (0, 0xFFFFFFFF):  # written while streaming: runs to the end
                data_end = tail_tags_start(view)
            if data_end > end:
                raise truncated("WAV file", f"the data chunk declares {size} bytes, {end - body} remain")
            layout.regions.append((body, data_end))
        elif cid == b"LIST" and view.read_at(body, 4) == b"INFO":
            info_chunks.append((body + 4, min(body + size, end)))
        pos = body + size + (size & 1)
    layout.facts["riff_info"] = info_chunks
    if not layout.regions:
        raise ScanError("WAV file has no data chunk", "corrupt")
    return _nonempty(layout, "WAV")


def _extended_to_int(data: bytes) -> int:
    """An 80-bit IEEE 754 extended float (AIFF sample rate) as an int."""
    exponent = u16be(data) & 0x7FFF
    mantissa = u64be(data, 2)
    if exponent == 0 or mantissa == 0:
        return 0
    shift = exponent - 16383 - 63
    value = mantissa << shift if shift >= 0 else mantissa >> -shift
    return int(value) if value < 10**9 else 0


def aiff_layout(view: FileView, content_offset: int, info: Any = None) -> Layout:
    """AIFF/AIFF-C: the ``SSND`` chunk's sample data; also the compression type."""
    layout = Layout([])
    end = view.size
    pos = content_offset + 12
    for _ in range(_MAX_CHUNKS):
        header = view.read_at(pos, 8)
        if len(header) < 8:
            break
        cid, size = header[:4], u32be(header, 4)
        body = pos + 8
        if cid == b"COMM":
            comm = view.read_at(body, min(size, 64))
            if len(comm) >= 18:
                layout.facts["bits"] = u16be(comm, 6)
                layout.facts["sample_rate"] = _extended_to_int(comm[8:18])
            if len(comm) >= 22:
                layout.facts["aiff_compression"] = comm[18:22]
        elif cid == b"SSND":
            offset = u32be(view.read_at(body, 4))
            if body + size > end:
                raise truncated("AIFF file", f"the SSND chunk declares {size} bytes, {end - body} remain")
            layout.regions.append((min(body + 8 + offset, body + size), body + size))
        pos = body + size + (size & 1)
    if not layout.regions:
        raise ScanError("AIFF file has no SSND chunk", "corrupt")
    return _nonempty(layout, "AIFF")


def dsf_layout(view: FileView, content_offset: int, info: Any = None) -> Layout:
    """DSF: the ``data`` chunk (the ID3v2 tag at the end is outside it)."""
    head = view.read_at(content_offset, 28)
    fmt_pos = content_offset + u64le(head, 4)
    fmt_size = u64le(view.read_at(fmt_pos + 4, 8))
    data_pos = fmt_pos + fmt_size
    header = view.read_at(data_pos, 12)
    if header[:4] != b"data" or fmt_size < 12:
        raise corrupt("DSF file", "no data chunk where the fmt chunk ends")
    size = u64le(header, 4)
    if data_pos + size > view.size:
        raise truncated("DSF file", f"the data chunk declares {size} bytes, {view.size - data_pos} remain")
    return _nonempty(Layout([(data_pos + 12, data_pos + size)]), "DSF")


def dff_layout(view: FileView, content_offset: int, info: Any = None) -> Layout:
    """DSDIFF: the ``DSD `` (or ``DST ``) chunk inside the FRM8 form."""
    pos = content_offset + 16
    end = min(view.size, content_offset + 12 + u64be(view.read_at(content_offset + 4, 8)))
    layout = Layout([])
    for _ in range(_MAX_CHUNKS):
        header = view.read_at(pos, 12)
        if len(header) < 12:
            break
        cid, size = header[:4], u64be(header, 4)
        body = pos + 12
        if cid in (b"DSD ", b"DST "):
            if body + size > view.size:
                raise truncated("DSDIFF file", f"the {cid.decode().strip()} chunk declares {size} bytes, "
                                               f"{view.size - body} remain")
            layout.regions.append((body, body + size))
            layout.facts["dff_compressed"] = cid == b"DST "
        pos = body + size + (size & 1)
        if pos >= end:
            break
    if not layout.regions:
        raise ScanError("DSDIFF file has no DSD chunk", "corrupt")
    return _nonempty(layout, "DSDIFF")


_ASF_DATA = bytes.fromhex("3626B2758E66CF11A6D900AA0062CE6C")


def asf_layout(view: FileView, content_offset: int, info: Any = None) -> Layout:
    """ASF (WMA): the data object after the header object (which holds the tags)."""
    header_size = u64le(view.read_at(content_offset + 16, 8))
    pos = content_offset + header_size
    data = view.read_at(pos, 24)
    if data[:16] != _ASF_DATA:
        raise corrupt("ASF file", "no data object after the header")
    size = u64le(data, 16)
    if size and pos + size > view.size:
        raise truncated("ASF file", f"the data object declares {size} bytes, {view.size - pos} remain")
    return _nonempty(Layout([(pos + 50, pos + size if size else view.size)]), "ASF")


# --------------------------------------------------------------------------
# APEv2-tagged lossless formats
# --------------------------------------------------------------------------


def ape_layout(view: FileView, content_offset: int, info: Any = None) -> Layout:
    """Monkey's Audio: descriptor to the end of the frames; the descriptor's MD5 as digest."""
    start = skip_id3v2(view, content_offset)
    end = tail_tags_start(view)
    layout = Layout([(start, end)])
    d = view.read_at(start, 52)
    if len(d) == 52 and u16le(d, 4) >= 3980:
        total = (u32le(d, 8) + u32le(d, 12) + u32le(d, 16) + u32le(d, 20) + u32le(d, 24)
                 + (u32le(d, 28) << 32) + u32le(d, 32))
        if start + total > end:
            raise truncated("Monkey's Audio file", f"{end - start} bytes of the {total} its header declares")
        if any(d[36:52]):
            layout.digest = "apemd5:" + d[36:52].hex()
    return _nonempty(layout, "Monkey's Audio")


def wavpack_layout(view: FileView, content_offset: int, info: Any = None) -> Layout:
    """WavPack: the blocks; also the first block's flags (hybrid, float, DSD)."""
    start = skip_id3v2(view, content_offset)
    end = tail_tags_start(view)
    first = view.read_at(start, 32)
    layout = Layout([(start, end)])
    if len(first) == 32 and first[:4] == b"wvpk":
        flags = u32le(first, 24)
        layout.facts.update(hybrid=bool(flags & 0x8), float=bool(flags & 0x80), dsd=bool(flags & 0x80000000))
    window = view.read_at(max(start, end - 65536), min(end - start, 65536))
    last = window.rfind(b"wvpk")
    if last >= 0 and last + 8 <= len(window):
        block_end = max(start, end - len(window)) + last + 8 + u32le(window, last + 4)
        if block_end > end:
            raise truncated("WavPack file", "the last block is incomplete")
    return _nonempty(layout, "WavPack")


def tta_layout(view: FileView, content_offset: int, info: Any = None) -> Layout:
    """True Audio: everything between the tags; also bit depth and channels from the header."""
    layout = generic_layout(view, content_offset, "True Audio")
    head = view.read_at(layout.regions[0][0], 22)
    if head[:4] == b"TTA1" and len(head) >= 14:
        layout.facts.update(channels=u16le(head, 6), bits=u16le(head, 8))
    return layout


_WALKERS = {
    "flac": flac_layout,
    "mp3": mp3_layout,
    "mp4": mp4_layout,
    "wav": wav_layout,
    "aiff": aiff_layout,
    "dsf": dsf_layout,
    "dff": dff_layout,
    "asf": asf_layout,
    "ape": ape_layout,
    "wavpack": wavpack_layout,
    "tta": tta_layout,
}
