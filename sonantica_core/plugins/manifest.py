"""The plugin manifest: what a plugin declares about itself.

A plugin is one object (an instance of a :class:`Plugin` subclass) that the
entry point ``sonantica.plugins`` of its distribution points at::

    [project.entry-points."sonantica.plugins"]
    lrclib = "sonantica_lrclib.plugin:plugin"

The entry-point name, ``Plugin.name`` and the ``[plugins.<name>]`` table of
``plugins.toml`` are the same word.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar, Self

from pluggy import HookimplMarker
from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from sonantica_core.context import CoreContext

#: Marks a method of a :class:`Plugin` as the implementation of the hook of the same name.
hookimpl = HookimplMarker("sonantica")

#: What a plugin name may look like: it is a URL segment, a table prefix and a TOML key.
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class PluginConfig(BaseModel):
    """Base of every plugin's configuration model: frozen, unknown keys refused.

    Declare fields with types, defaults and constraints; use ``SecretStr`` for
    secrets (masked in ``/api/plugins``)::

        class Config(PluginConfig):
            base_url: str = "https://lrclib.net"
            timeout: float = Field(10.0, gt=0)
            token: SecretStr | None = None

    In a hook, read it with :meth:`from_context`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def from_context(cls, ctx: CoreContext | None, name: str) -> Self:
        """Plugin ``name``'s validated configuration in ``ctx``, or this model's defaults.

        The defaults stand in when there is no context (a hook called with ``ctx=None``,
        as tests and tools do) and when ``ctx`` holds no configuration of this model
        for ``name``. In a plugin's hook::

            config = MyConfig.from_context(ctx, self.name)
        """
        config = ctx.plugin_config(name) if ctx is not None else None
        return config if isinstance(config, cls) else cls()


class Plugin:
    """Base class of plugin manifests.

    Set the class attributes, add ``@hookimpl`` methods, and expose one instance
    (or the class) through the entry point.

    * ``name``: the plugin's name (required; see :data:`NAME_PATTERN`).
    * ``version``: shown in listings; empty means the distribution's version.
    * ``api``: the range of :data:`~sonantica_core.contract.CONTRACT_VERSION`
      the plugin works with, as a version specifier (``">=1,<2"``).
    * ``description``: one line for listings.
    * ``Config``: the pydantic model of the plugin's ``plugins.toml`` section.
    * ``migrations``: the package of its Alembic revisions, if it owns tables.
    * ``owned_paths``: well-known URL paths it must own (``("/rest",)``), served
      through the ``register_owned_routes`` hook.
    * ``home_page``: a path under its own prefix (``"/plugins/web/"``) that the server's
      address, ``/``, leads to: a web interface. The first enabled plugin (in ``order``)
      that has one gets ``/``.
    """

    name: ClassVar[str] = ""
    version: ClassVar[str] = ""
    api: ClassVar[str] = ">=1,<2"
    description: ClassVar[str] = ""
    Config: ClassVar[type[PluginConfig]] = PluginConfig
    migrations: ClassVar[str | None] = None
    owned_paths: ClassVar[tuple[str, ...]] = ()
    home_page: ClassVar[str | None] = None

    def validate_environment(self) -> None:
        """Check what the plugin needs outside Python (a program, a device, a model file).

        Raise any exception with a message that says what is missing and how to
        get it; the plugin is then left out with status ``failed self-check``.
        Called at load time in every process, after the configuration is validated.
        """

    @hookimpl
    def config_schema(self) -> type[PluginConfig]:
        return self.Config

    @hookimpl
    def migrations_package(self) -> str | None:
        return self.migrations

    def __repr__(self) -> str:
        return f"<sonantica plugin {self.name!r}>"


#: Hooks that :class:`Plugin` implements itself from its attributes.
BASE_HOOKS: frozenset[str] = frozenset({"config_schema", "migrations_package"})


def overridden_hooks(plugin: Plugin, hook_names: list[str]) -> tuple[str, ...]:
    """The hooks among ``hook_names`` the plugin implements beyond the base class's defaults."""
    names = []
    for name in hook_names:
        if name in BASE_HOOKS and getattr(type(plugin), name) is getattr(Plugin, name):
            continue
        names.append(name)
    return tuple(sorted(names))
