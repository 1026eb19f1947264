"""Building a plugin distribution in a temporary folder and pip-installing it, as its author would."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

PYPROJECT = '''
[build-system]
requires = ["setuptools>=64", "wheel"]
build-backend = "setuptools.build_meta"

[project]
name = "{dist}"
version = "0.3.0"
dependencies = ["sonantica-core"]

[project.entry-points."sonantica.plugins"]
{name} = "{module}.plugin:plugin"

[tool.setuptools.packages.find]
include = ["{module}*"]
'''


def write_distribution(root: Path, name: str, plugin_source: str, migrations: Mapping[str, str]) -> tuple[str, str]:
    """Write the distribution ``sonantica-<name>`` (module ``sonantica_<name>``); returns (module, dist)."""
    module, dist = f"sonantica_{name}", f"sonantica-{name.replace('_', '-')}"
    package = root / module
    (package / "migrations").mkdir(parents=True)
    (root / "pyproject.toml").write_text(textwrap.dedent(PYPROJECT.format(name=name, module=module, dist=dist)))
    (package / "__init__.py").write_text("")
    (package / "plugin.py").write_text(plugin_source)
    (package / "migrations" / "__init__.py").write_text("")
    for file_name, source in migrations.items():
        (package / "migrations" / file_name).write_text(source)
    return module, dist


def pip(*args: str) -> None:
    """Run pip of the test environment; fail with its output."""
    result = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


@contextmanager
def installed(root: Path, name: str, plugin_source: str, migrations: Mapping[str, str]) -> Iterator[str]:
    """Write, ``pip install`` and, on leaving, uninstall the distribution; yields the plugin's name."""
    module, dist = write_distribution(root, name, plugin_source, migrations)
    pip("install", "--quiet", "--no-deps", "--no-build-isolation", str(root))
    try:
        yield name
    finally:
        pip("uninstall", "--quiet", "--yes", dist)
        for loaded in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
            del sys.modules[loaded]
        importlib.invalidate_caches()
