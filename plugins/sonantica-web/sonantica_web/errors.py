"""The plugin's own errors."""

from __future__ import annotations

from sonantica_core.errors import SonanticaError


class AssetError(SonanticaError):
    """The page's files are missing from the installed package (a broken install)."""
