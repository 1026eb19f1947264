"""Third-party separators registered through the hook, as another package would, for the stems tests."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from sonantica_core.contract import StemQuality, StemSeparator
from sonantica_core.plugins import Plugin, hookimpl


class ScaleSeparator(StemSeparator):
    """A quarter of the input is "vocals", the rest "accompaniment"; counts the chunks it is given."""

    name = "scale"
    stems = ("vocals", "accompaniment")
    sample_rate = 22050
    channels = 1
    quality = StemQuality.NEURAL
    chunk_seconds = 2.0
    overlap_seconds = 0.25

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.chunks: list[int] = []
        self.loaded = 0

    def load(self) -> None:
        self.loaded += 1

    def separate(self, chunk: np.ndarray) -> Mapping[str, np.ndarray]:
        self.chunks.append(len(chunk))
        if self.delay:
            time.sleep(self.delay)
        return {"vocals": chunk * 0.25, "accompaniment": chunk * 0.75}


class BrokenSeparator(StemSeparator):
    """Fails on its second chunk, as a separator whose disk or model gives out would."""

    name = "broken"
    stems = ("a", "b")
    sample_rate = 22050
    channels = 1
    chunk_seconds = 1.0
    overlap_seconds = 0.1

    def __init__(self) -> None:
        self.calls = 0

    def separate(self, chunk: np.ndarray) -> Mapping[str, np.ndarray]:
        self.calls += 1
        if self.calls % 2 == 0:
            raise OSError(28, "No space left on device")
        return {"a": chunk, "b": chunk}


class ThirdPartyStems(Plugin):
    """A plugin that is not the core's: its separators reach the core only through the hook."""

    name = "thirdparty"

    def __init__(self, delay: float = 0.0) -> None:
        self.scale = ScaleSeparator(delay)
        self.broken = BrokenSeparator()

    @hookimpl
    def register_stem_separators(self, ctx: Any = None) -> list[StemSeparator]:
        return [self.scale, self.broken]


def digest(path: Path) -> tuple[str, int]:
    """The content hash and mtime of a file (to show it was never written)."""
    return hashlib.sha256(path.read_bytes()).hexdigest(), os.stat(path).st_mtime_ns
