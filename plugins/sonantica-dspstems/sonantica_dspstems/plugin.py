"""The plugin object the core finds through the ``sonantica.plugins`` entry point."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sonantica_core.contract import StemSeparator
from sonantica_core.plugins import Plugin, hookimpl

from . import __version__
from .separator import DspSeparator

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext


class DspStemsPlugin(Plugin):
    """Provides the ``dsp`` stem separator (works out of the box; quality class ``dsp``)."""

    name = "dspstems"
    version = __version__
    description = "Stems without a model: drums, bass, other and vocals by harmonic/percussive and REPET masking"

    @hookimpl
    def register_stem_separators(self, ctx: CoreContext | None = None) -> list[StemSeparator]:
        return [DspSeparator()]


plugin = DspStemsPlugin()
