"""The ``[plugins]`` table of plugins.toml: options of the plugin system and each plugin's section.

::

    [plugins]
    hook_timeout = 2.0        # seconds an event hook or a provider call the core waits on may take
    startup_timeout = 30.0    # seconds a plugin's start-up may take
    strict = false            # true: any plugin failure stops the process

    [plugins.lrclib]          # a section enables the plugin...
    enabled = true            # ...unless this is false
    order = 10                # providers are asked in this order (default 100)
    timeout = 5               # the plugin's own keys, checked by its Config model
    token = { env = "LRCLIB_TOKEN" }         # a value from the environment
    password = { file = "/run/secrets/pw" }  # or from a file (stripped)
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretBytes, SecretStr, ValidationError

from sonantica_core.errors import ConfigError, SonanticaError

#: Keys of a plugin's section that the core reads itself (not passed to the plugin's model).
RESERVED_KEYS: frozenset[str] = frozenset({"enabled", "order"})
DEFAULT_ORDER = 100
MASK = "••••"


@dataclass(frozen=True, slots=True)
class PluginOptions:
    """Options of the plugin system, from the plain keys of ``[plugins]``."""

    hook_timeout: float = 2.0
    startup_timeout: float = 30.0
    strict: bool = False


class PluginConfigError(SonanticaError):
    """A plugin's section is wrong; the message is one line naming the key and why."""


def read_options(table: Mapping[str, Any]) -> PluginOptions:
    """Read the plain (non-table) keys of ``[plugins]``; raise :class:`ConfigError` on a wrong one."""
    values: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            continue
        where = f"plugins.toml [plugins].{key}"
        if key in {"hook_timeout", "startup_timeout"}:
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
                raise ConfigError(where, f"must be a number of seconds greater than 0, got {value!r}")
            values[key] = float(value)
        elif key == "strict":
            if not isinstance(value, bool):
                raise ConfigError(where, f"must be true or false, got {value!r}")
            values[key] = value
        else:
            raise ConfigError(
                where, f"is not an option (options: hook_timeout, startup_timeout, strict; a plugin's "
                f"settings go in its own table, [plugins.{key}])"
            )
    return PluginOptions(**values)


def plugin_sections(table: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The ``[plugins.<name>]`` tables, by plugin name."""
    return {name: value for name, value in table.items() if isinstance(value, dict)}


def is_enabled(section: Mapping[str, Any]) -> bool:
    """A section enables its plugin unless it says ``enabled = false``.

    A non-boolean ``enabled`` counts as enabled so that the plugin reports a config error.
    """
    return section.get("enabled", True) is not False


def section_order(section: Mapping[str, Any]) -> int:
    order = section.get("order", DEFAULT_ORDER)
    return order if isinstance(order, int) and not isinstance(order, bool) else DEFAULT_ORDER


@dataclass(frozen=True, slots=True)
class ResolvedSection:
    """A section's own keys with environment and file references replaced by their values."""

    values: dict[str, Any]
    secret_keys: frozenset[str]


def resolve_section(section: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> ResolvedSection:
    """Check the reserved keys and resolve ``{ env = "NAME" }`` and ``{ file = "PATH" }`` values."""
    env = os.environ if environ is None else environ
    if "enabled" in section and not isinstance(section["enabled"], bool):
        raise PluginConfigError(f"enabled: must be true or false, got {section['enabled']!r}")
    if "order" in section and (isinstance(section["order"], bool) or not isinstance(section["order"], int)):
        raise PluginConfigError(f"order: must be a whole number, got {section['order']!r}")
    secrets: set[str] = set()
    values = {
        key: _resolve(value, key, env, secrets) for key, value in section.items() if key not in RESERVED_KEYS
    }
    return ResolvedSection(values, frozenset(secrets))


def _resolve(value: Any, path: str, env: Mapping[str, str], secrets: set[str]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"env"}:
            secrets.add(path)
            name = value["env"]
            if not isinstance(name, str) or name not in env:
                raise PluginConfigError(f"{path}: environment variable {name} is not set")
            return env[name]
        if set(value) == {"file"}:
            secrets.add(path)
            try:
                return Path(str(value["file"])).expanduser().read_text().strip()
            except OSError as exc:
                raise PluginConfigError(f"{path}: cannot read {value['file']} ({exc.strerror})") from None
        return {key: _resolve(item, f"{path}.{key}", env, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolve(item, f"{path}.{index}", env, secrets) for index, item in enumerate(value)]
    return value


def validate_config(model: type[BaseModel], resolved: ResolvedSection) -> BaseModel:
    """Build the plugin's configuration; raise :class:`PluginConfigError` with one line."""
    try:
        return model.model_validate(resolved.values)
    except ValidationError as exc:
        raise PluginConfigError(describe_validation_error(exc, model, resolved.secret_keys)) from None


def describe_validation_error(exc: ValidationError, model: type[BaseModel], secret_keys: frozenset[str]) -> str:
    """Pydantic's errors as ``key: reason (got value)``, joined on one line."""
    parts = []
    for error in exc.errors(include_url=False):
        key = ".".join(str(part) for part in error["loc"]) or "(section)"
        if error["type"] == "extra_forbidden":
            known = ", ".join(sorted(model.model_fields)) or "none"
            parts.append(f"{key}: is not a setting of this plugin (settings: {known})")
            continue
        if error["type"] == "missing":
            parts.append(f"{key}: is required")
            continue
        shown = MASK if key in secret_keys else repr(error.get("input"))
        parts.append(f"{key}: {error['msg']} (got {shown})")
    return "; ".join(parts)


def masked_config(config: BaseModel | None, secret_keys: frozenset[str]) -> dict[str, Any]:
    """The configuration as JSON-able values, with secrets masked."""
    if config is None:
        return {}
    data = config.model_dump(mode="json")
    for path in secret_keys:
        _mask(data, path.split("."))
    return _mask_secret_types(config, data)


def _mask(data: Any, parts: list[str]) -> None:
    head, rest = parts[0], parts[1:]
    if isinstance(data, dict) and head in data:
        if rest:
            _mask(data[head], rest)
        else:
            data[head] = MASK
    elif isinstance(data, list) and head.isdigit() and int(head) < len(data):
        if rest:
            _mask(data[int(head)], rest)
        else:
            data[int(head)] = MASK


def _mask_secret_types(config: BaseModel, data: dict[str, Any]) -> dict[str, Any]:
    for key in data:
        value = getattr(config, key, None)
        if isinstance(value, SecretStr | SecretBytes):
            data[key] = MASK
    return data
