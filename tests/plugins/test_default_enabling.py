"""Without any plugins.toml, installed plugins run with their defaults; with one, only those it lists."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sonantica_core.plugins import PluginStatus, load_plugins
from sonantica_core.settings import load_settings


def test_no_plugins_toml_enables_what_is_installed(tmp_path: Path) -> None:
    settings = dataclasses.replace(load_settings(environ={}), plugins_file=tmp_path / "absent.toml", plugins_config={})
    manager = load_plugins(settings, process="cli")
    scanner = manager.record("scanner")
    assert scanner is not None and scanner.status == PluginStatus.ENABLED


def test_a_plugins_toml_enables_only_what_it_lists(tmp_path: Path) -> None:
    path = tmp_path / "plugins.toml"
    path.write_text("[plugins.scanner]\n")
    settings = load_settings(environ={"PLUGINS_FILE": str(path)})
    manager = load_plugins(settings, process="cli")
    assert manager.record("scanner").status == PluginStatus.ENABLED
    others = [r for r in manager.all() if r.name != "scanner"]
    assert others and all(r.status == PluginStatus.DISABLED for r in others)
