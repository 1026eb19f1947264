"""The plugin object the core finds through the ``sonantica.plugins`` entry point."""

from __future__ import annotations

from sonantica_core.contract import Scanner
from sonantica_scanner import __version__
from sonantica_scanner.scanner import MutagenScanner


class ScannerPlugin:
    """Registers :class:`~sonantica_scanner.scanner.MutagenScanner`."""

    name = "scanner"
    version = __version__

    def register_scanners(self) -> list[Scanner]:
        """The scanners this plugin provides."""
        return [MutagenScanner()]


plugin = ScannerPlugin()
