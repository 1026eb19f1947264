"""The plugin object the core finds through the ``sonantica.plugins`` entry point.

Its status says what is missing: ``failed self-check`` without torch or demucs (with the
command that installs them), ``start error`` without weights (with where they were looked
for). Either way it is left out and the other separators go on.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from sonantica_core.contract import StemSeparator
from sonantica_core.plugins import Plugin, PluginConfig, hookimpl

from . import __version__

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext

log = logging.getLogger("sonantica.plugins.demucs")

#: The stems of the pretrained models, in the models' order.
MODEL_STEMS: dict[str, tuple[str, ...]] = {
    "htdemucs": ("drums", "bass", "other", "vocals"),
    "htdemucs_ft": ("drums", "bass", "other", "vocals"),
    "hdemucs_mmi": ("drums", "bass", "other", "vocals"),
    "htdemucs_6s": ("drums", "bass", "other", "vocals", "guitar", "piano"),
}
INSTALL = "pip install torch demucs (a CPU-only torch: pip install torch --index-url <the CPU wheel index>)"


class DemucsConfig(PluginConfig):
    """``[plugins.demucs]`` settings."""

    #: A pretrained model's name (htdemucs, htdemucs_ft, htdemucs_6s, hdemucs_mmi).
    model: str = "htdemucs"
    #: A model file (.th) or a folder of them; empty: the torch cache ($TORCH_HOME/hub/checkpoints).
    weights: str | None = None
    #: ``auto``: the GPU when there is one, else the CPU.
    device: Literal["auto", "cpu", "cuda"] = "auto"
    #: Seconds per chunk (the model's training segment) and the share of it chunks overlap by.
    segment: float = Field(7.8, gt=1, le=60)
    overlap: float = Field(0.25, ge=0, lt=0.5)
    #: The model's stems, in its order (default: those of ``model``).
    stems: list[str] | None = None


class DemucsPlugin(Plugin):
    """Provides the ``demucs`` stem separator (quality class ``neural``)."""

    name = "demucs"
    version = __version__
    description = "Stems with Demucs (htdemucs family): vocals, drums, bass, other; GPU when present"
    Config = DemucsConfig

    def validate_environment(self) -> None:
        try:
            import demucs.htdemucs  # noqa: F401
            import torch  # noqa: F401
        except ImportError as exc:
            raise ImportError(f"Demucs needs {exc.name}: {INSTALL}") from exc

    @hookimpl
    def startup(self, ctx: CoreContext, process: str) -> None:
        from .weights import find_weights

        config = DemucsConfig.from_context(ctx, self.name)
        find_weights(config.model, config.weights)  # raises with where it looked

    @hookimpl
    def register_stem_separators(self, ctx: CoreContext | None = None) -> list[StemSeparator]:
        import torch

        from .separator import DemucsSeparator
        from .weights import WeightsNotFound, find_weights

        config = DemucsConfig.from_context(ctx, self.name)
        try:
            source = find_weights(config.model, config.weights)
        except WeightsNotFound as exc:
            log.error("demucs: %s; the separator is left out", exc)
            return []
        stems = tuple(config.stems) if config.stems else MODEL_STEMS.get(config.model, MODEL_STEMS["htdemucs"])
        return [DemucsSeparator(source, stems=stems, device=config.device, segment=config.segment,
                                overlap=config.overlap, gpu_present=torch.cuda.is_available())]


plugin = DemucsPlugin()
