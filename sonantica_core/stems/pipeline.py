"""One separation, start to end, in a worker thread: decode once, convert, chunk, separate,
cross-fade, write one FLAC file per stem.

The track is decoded by the analysis pipeline's decoder, converted to the separator's
rate (streaming resampler, no seams) and channel count, cut into overlapping chunks
(:mod:`.chunks`) and handed to :meth:`~sonantica_core.contract.StemSeparator.separate`.
Each stem goes to ``<out_dir>/<stem>.flac`` (24-bit FLAC, clipped to full scale).
``progress(fraction)`` is called after each chunk.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile

from sonantica_core.analysis.decode import AudioDecoder
from sonantica_core.analysis.derive import StreamResampler, layout_for
from sonantica_core.contract import StemSeparator
from sonantica_core.stems.chunks import Chunker, OverlapAdd
from sonantica_core.stems.errors import SeparatorError

log = logging.getLogger("sonantica.stems")

#: Frames decoded at a time (the decoder's blocks; chunks are assembled from them).
DECODE_BLOCK = 65536
FLAC_SUBTYPE = "PCM_24"


@dataclass(slots=True)
class SeparationStats:
    """What one separation did (for tests and benchmarks)."""

    frames: int = 0  # frames at the separator's rate
    chunks: int = 0
    chunk_frames: list[int] = field(default_factory=list)
    separator_seconds: float = 0.0


def convert_channels(block: np.ndarray, channels: int) -> np.ndarray:
    """``block`` with ``channels`` channels: averaged to mono, mono repeated, or the front pair kept."""
    have = block.shape[1]
    if have == channels:
        return block
    if channels == 1:
        return block.mean(axis=1, dtype=np.float32, keepdims=True)
    if have == 1:
        return np.repeat(block, channels, axis=1)
    if have > channels:
        return np.ascontiguousarray(block[:, :channels])
    return np.concatenate([block, np.repeat(block[:, -1:], channels - have, axis=1)], axis=1)


def converted_blocks(decoder: AudioDecoder, rate: int, channels: int) -> Iterator[np.ndarray]:
    """The decoder's audio at ``rate`` with ``channels`` channels, block by block."""
    fmt = decoder.format
    if fmt.sample_rate == rate:
        for block in decoder.blocks(DECODE_BLOCK):
            yield convert_channels(block, channels)
        return
    inner = min(fmt.channels, channels)  # resample the fewest channels: down-mix first, up-mix after
    resampler = StreamResampler(fmt.sample_rate, rate, layout_for(inner, fmt.layout, fmt.channels))
    for block in decoder.blocks(DECODE_BLOCK):
        out = resampler.process(convert_channels(block, inner))
        if len(out):
            yield convert_channels(out, channels)
    tail = resampler.flush()
    if len(tail):
        yield convert_channels(tail, channels)


def separate_file(
    source: Path,
    separator: StemSeparator,
    out_dir: Path,
    *,
    progress: Callable[[float], None] | None = None,
    stats: SeparationStats | None = None,
) -> dict[str, int]:
    """Separate ``source`` into ``out_dir/<stem>.flac``; returns ``{stem: bytes}``.

    Raises :class:`~sonantica_core.analysis.errors.AudioDecodeError` for an unreadable
    source, :class:`SeparatorError` for a separator that fails or answers wrongly, and
    ``OSError`` when a file cannot be written (a full disk).
    """
    import time

    stats = stats if stats is not None else SeparationStats()
    rate, channels = int(separator.sample_rate), int(separator.channels)
    size = max(1, round(separator.chunk_seconds * rate))
    overlap = min(max(0, round(separator.overlap_seconds * rate)), size - 1)
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        separator.load()
    except Exception as exc:
        raise SeparatorError(separator.name, f"could not get ready: {exc}") from exc
    with AudioDecoder(source) as decoder:
        expected = (decoder.format.duration or 0.0) * rate
        writers = {
            stem: soundfile.SoundFile(
                str(out_dir / f"{stem}.flac"), "w", samplerate=rate, channels=channels, format="FLAC",
                subtype=FLAC_SUBTYPE,
            )
            for stem in separator.stems
        }
        try:
            joiner = OverlapAdd(overlap)
            done = 0
            for chunk in Chunker(size, overlap).chunks(converted_blocks(decoder, rate, channels)):
                started = time.perf_counter()
                outputs = _checked(separator, chunk)
                stats.separator_seconds += time.perf_counter() - started
                stats.chunks += 1
                stats.chunk_frames.append(len(chunk))
                _write(writers, joiner.push(outputs))
                done += len(chunk) - (overlap if stats.chunks > 1 else 0)
                if progress is not None and expected > 0:
                    progress(min(0.99, done / expected))
            _write(writers, joiner.finish())
            stats.frames = done
        finally:
            for writer in writers.values():
                writer.close()
    return {stem: (out_dir / f"{stem}.flac").stat().st_size for stem in separator.stems}


def _checked(separator: StemSeparator, chunk: np.ndarray) -> dict[str, np.ndarray]:
    try:
        outputs = separator.separate(chunk)
    except Exception as exc:
        raise SeparatorError(separator.name, f"failed on a chunk: {type(exc).__name__}: {exc}") from exc
    if not isinstance(outputs, Mapping):
        raise SeparatorError(separator.name, f"returned {type(outputs).__name__}, not a mapping of stems")
    missing = [stem for stem in separator.stems if stem not in outputs]
    if missing:
        raise SeparatorError(separator.name, f"returned no {', '.join(missing)}")
    checked = {}
    for stem in separator.stems:
        array = np.asarray(outputs[stem], dtype=np.float32)
        if array.shape != chunk.shape:
            raise SeparatorError(separator.name, f"{stem}: shape {array.shape}, not the chunk's {chunk.shape}")
        checked[stem] = array
    return checked


def _write(writers: dict[str, soundfile.SoundFile], frames: dict[str, np.ndarray]) -> None:
    for stem, array in frames.items():
        if len(array):
            writers[stem].write(np.clip(array, -1.0, 1.0))
