"""Demucs as a :class:`~sonantica_core.contract.StemSeparator`: one chunk at a time, on the GPU if any.

The core feeds chunks of the model's training segment (7.8 s for htdemucs) overlapping by a
quarter, as Demucs's own ``apply_model`` would, and cross-fades them. Each chunk is
normalised by its own mean and deviation (Demucs's separate normalises the whole track;
within a chunk is what bounded memory allows) and scaled back. A bag of models (htdemucs_ft)
is the weighted sum of its members, as ``apply_model`` computes it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from sonantica_core.contract import StemQuality, StemSeparator

from .weights import WeightsSource


class DemucsSeparator(StemSeparator):
    """Stems of one Demucs model (``name`` ``demucs``; the model's sources are the stems)."""

    quality = StemQuality.NEURAL
    sample_rate = 44100
    channels = 2

    def __init__(self, source: WeightsSource, *, stems: Sequence[str], device: str = "auto",
                 segment: float = 7.8, overlap: float = 0.25, name: str = "demucs",
                 gpu_present: bool = False) -> None:
        self.name = name
        self.source = source
        self.stems = tuple(stems)
        self.device_setting = device
        self.chunk_seconds = float(segment)
        self.overlap_seconds = float(segment) * overlap
        self.needs_gpu = True
        self.gpu_present = gpu_present
        self._model: Any = None
        self._device: Any = None
        self._lock = threading.Lock()

    def device(self) -> str:
        import torch

        if self.device_setting != "auto":
            return self.device_setting
        return "cuda" if torch.cuda.is_available() else "cpu"

    def load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            model = self.source.load()
            sources = tuple(model.sources)
            if sources != self.stems:
                raise ValueError(f"the model gives {', '.join(sources)}, not the declared {', '.join(self.stems)}")
            if int(model.samplerate) != self.sample_rate or int(model.audio_channels) != self.channels:
                raise ValueError(f"the model works at {model.samplerate} Hz, {model.audio_channels} channels")
            self._device = self.device()
            self._model = model.to(self._device)

    def _members(self) -> list[tuple[Any, list[float]]]:
        model = self._model
        if hasattr(model, "models") and hasattr(model, "weights"):
            return list(zip(model.models, model.weights, strict=True))
        return [(model, [1.0] * len(self.stems))]

    def separate(self, chunk: np.ndarray) -> Mapping[str, np.ndarray]:
        import torch

        self.load()
        with torch.inference_mode():
            mix = torch.from_numpy(np.ascontiguousarray(chunk.T)).to(self._device)[None]
            mono = mix.mean(dim=1)
            mean, std = mono.mean(), mono.std().clamp_min(1e-8)
            normal = (mix - mean) / std
            total = None
            totals = torch.zeros(len(self.stems), device=self._device)
            for member, weights in self._members():
                out = member(normal)  # (1, stems, channels, frames)
                weight = torch.tensor(weights, device=self._device, dtype=out.dtype)[None, :, None, None]
                total = out * weight if total is None else total + out * weight
                totals += weight.flatten()
            assert total is not None
            stems = (total / totals[None, :, None, None]) * std + mean
            array = stems[0].float().cpu().numpy()
        return {name: np.ascontiguousarray(array[i].T) for i, name in enumerate(self.stems)}
