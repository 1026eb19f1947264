"""Plugins' own migration histories (Alembic lineages), applied after the core's."""

from __future__ import annotations

import importlib.resources
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sonantica_core.plugins.status import PluginStatus

if TYPE_CHECKING:
    from sonantica_core.db.migrate import Lineage
    from sonantica_core.plugins.manager import PluginManager

log = logging.getLogger("sonantica.plugins")

#: Statuses whose plugins still get their tables: the schema does not depend on configuration.
MIGRATABLE: frozenset[PluginStatus] = frozenset(
    {PluginStatus.ENABLED, PluginStatus.CONFIG_ERROR, PluginStatus.SELF_CHECK_FAILED}
)


def version_table(plugin: str) -> str:
    """The table recording where the plugin's lineage stands."""
    return f"alembic_version_{plugin}"


def migrations_directory(package: str) -> Path:
    """The directory of the revision files in ``package``; ValueError says what is wrong."""
    try:
        root = importlib.resources.files(package)
    except (ModuleNotFoundError, TypeError) as exc:
        raise ValueError(f"its migrations package {package!r} cannot be imported ({exc})") from None
    path = Path(str(root))
    if not path.is_dir():
        raise ValueError(f"its migrations package {package!r} is not a folder on disk (install it unzipped)")
    return path


def plugin_lineage(plugin: str, package: str) -> Lineage:
    from sonantica_core.db.migrate import Lineage, core_migrations_dir

    return Lineage(plugin, core_migrations_dir(), version_table(plugin), versions=migrations_directory(package))


def plugin_lineages(manager: PluginManager) -> list[Lineage]:
    """The lineages of the enabled plugins that own tables, in plugin order."""
    lineages = []
    for record in manager.all():
        if record.migrations is None:
            continue
        if record.status in MIGRATABLE:
            lineages.append(plugin_lineage(record.name, record.migrations))
    return lineages
