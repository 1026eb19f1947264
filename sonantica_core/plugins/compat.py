"""Checking a plugin's ``api`` range against the contract version of this core."""

from __future__ import annotations

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from sonantica_core.contract import CONTRACT_VERSION


def contract_version_text() -> str:
    """The contract version as ``"major.minor"``."""
    return ".".join(map(str, CONTRACT_VERSION))


def incompatibility(api: str) -> str | None:
    """Why a plugin declaring ``api`` cannot run on this core, or None if it can.

    ``api`` is a version specifier such as ``">=1,<2"`` or ``"~=1.0"``.
    """
    try:
        accepted = SpecifierSet(api)
    except InvalidSpecifier:
        return f"its api range {api!r} is not a version specifier like '>=1,<2'"
    current = contract_version_text()
    if accepted.contains(Version(current), prereleases=True):
        return None
    return f"it needs plugin contract {api}; this Sonántica provides {current}"
