"""Mixes: stems summed with a gain each ("everything but the vocals"), rendered once to FLAC.

A mix is named by its key, the gains of every stem of the separator in the separator's
order (``"vocals=0,drums=1,bass=1,other=1"``); a stem left out of a request keeps gain 1.
Rendering reads the stems block by block, so memory stays bounded.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import soundfile

from sonantica_core.stems.errors import BadMix
from sonantica_core.stems.pipeline import FLAC_SUBTYPE

MAX_GAIN = 4.0
BLOCK = 65536


def mix_key(stems: Sequence[str], gains: Mapping[str, object]) -> str:
    """The canonical key of a mix of ``stems`` with ``gains`` (missing stems: 1)."""
    if not isinstance(gains, Mapping) or not gains:
        raise BadMix("gains must be an object of stem names and numbers, e.g. {\"vocals\": 0}")
    unknown = sorted(set(gains) - set(stems))
    if unknown:
        raise BadMix(f"no stem {', '.join(map(repr, unknown))}; the stems are {', '.join(stems)}")
    parts = []
    for stem in stems:
        value = gains.get(stem, 1.0)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= float(value) <= MAX_GAIN:
            raise BadMix(f"the gain of {stem} must be a number from 0 to {MAX_GAIN:g}")
        parts.append(f"{stem}={round(float(value), 3):g}")
    return ",".join(parts)


def gains_of(key: str) -> dict[str, float]:
    """The gains a mix key names."""
    return {name: float(value) for name, value in (part.split("=", 1) for part in key.split(","))}


def render_mix(sources: Mapping[str, Path], gains: Mapping[str, float], target: Path) -> int:
    """Write the mix of the ``sources`` FLAC files to ``target`` (via a hidden part file); its bytes."""
    part = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
    inputs = {stem: soundfile.SoundFile(str(path)) for stem, path in sources.items() if gains.get(stem, 1.0)}
    try:
        first = next(iter(soundfile.SoundFile(str(p)) for p in sources.values()))
        rate, channels, frames = first.samplerate, first.channels, first.frames
        first.close()
        with soundfile.SoundFile(str(part), "w", samplerate=rate, channels=channels, format="FLAC",
                                 subtype=FLAC_SUBTYPE) as out:
            for _start in range(0, frames, BLOCK):
                total = np.zeros((0, channels), np.float32)
                for stem, handle in inputs.items():
                    block = handle.read(BLOCK, dtype="float32", always_2d=True) * np.float32(gains.get(stem, 1.0))
                    total = block if not len(total) else total[: len(block)] + block[: len(total)]
                if not inputs:
                    total = np.zeros((min(BLOCK, frames - _start), channels), np.float32)
                out.write(np.clip(total, -1.0, 1.0))
        os.replace(part, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
        raise
    finally:
        for handle in inputs.values():
            handle.close()
    return target.stat().st_size
