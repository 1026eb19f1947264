"""``sonantica plugin new NAME --kind analyzer|provider|routes|ui``: start a plugin from green.

Writes a working plugin in a new folder (``sonantica-<name>`` by default): ``pyproject.toml``
with the entry point, the manifest with typed settings, one hook, tests that pass against
the core's test kit, and a README. See :mod:`sonantica_core.cli.plugin_template`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape

from sonantica_core import __version__
from sonantica_core.cli.common import console
from sonantica_core.cli.plugin_template import INIT, KIND_FILES, KINDS, PYPROJECT, README
from sonantica_core.errors import SonanticaError
from sonantica_core.plugins.manifest import NAME_PATTERN


class TemplateError(SonanticaError, ValueError):
    """The plugin cannot be written as asked (a bad name, a folder that exists)."""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("plugin", help="work on a plugin of your own")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    new = actions.add_parser("new", help="write a new plugin that passes its tests, to start from")
    new.add_argument("name", help="the plugin's name: lower case letters, digits and _ (e.g. room_tone)")
    new.add_argument("--kind", choices=KINDS, default="analyzer", help="what it adds (default: analyzer)")
    new.add_argument("--into", type=Path, default=None, help="the folder to create (default: ./sonantica-NAME)")
    new.set_defaults(handler=lambda args: _run(args.name, args.kind, args.into))


def _run(name: str, kind: str, into: Path | None) -> int:
    folder = write_plugin(name, kind, into)
    console.print(f"[green]wrote[/] {escape(str(folder))}: a {kind} plugin named {name!r}")
    console.print(escape(f"next: cd {folder} && pip install -e '.[test]' && python -m pytest"), soft_wrap=True)
    return 0


def names_for(name: str) -> dict[str, str]:
    """The placeholders of the templates for plugin ``name``."""
    if not NAME_PATTERN.match(name):
        raise TemplateError(f"plugin name {name!r}: use lower case letters, digits and _, starting with a letter")
    words = name.split("_")
    return {
        "name": name,
        "package": f"sonantica_{name}",
        "dist": "sonantica-" + "-".join(words),
        "cls": "".join(word.capitalize() for word in words if word),
        "title": " ".join(words).capitalize(),
        "core_version": __version__.split("+")[0],
    }


def render(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def write_plugin(name: str, kind: str, into: Path | None = None) -> Path:
    """Write the plugin ``name`` of ``kind``; returns its folder. Refuses an existing folder."""
    if kind not in KIND_FILES:
        raise TemplateError(f"kind {kind!r}: choose one of {', '.join(KINDS)}")
    values = names_for(name)
    package_files, test_files, dependencies, config_example = KIND_FILES[kind]
    values["dependencies"] = "".join(f'    "{dependency}",\n' for dependency in dependencies)
    values["config_example"] = config_example
    folder = into if into is not None else Path.cwd() / values["dist"]
    if folder.exists() and any(folder.iterdir()):
        raise TemplateError(f"{folder} exists and is not empty: choose another folder with --into")
    files = {
        "pyproject.toml": PYPROJECT,
        "README.md": README,
        f"{values['package']}/__init__.py": INIT,
        **{f"{values['package']}/{path}": text for path, text in package_files.items()},
        **{f"tests/{path}": text for path, text in test_files.items()},
    }
    for relative, text in files.items():
        target = folder / render(relative, values)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render(text, values), encoding="utf-8")
    return folder
