"""``sonantica plugin new``: each kind of plugin it writes is lint-clean and passes its own tests."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from sonantica_core.cli.main import main
from sonantica_core.cli.newplugin import TemplateError, write_plugin
from sonantica_core.cli.plugin_template import KINDS


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    parent = tmp_path_factory.mktemp("authors")
    return {kind: write_plugin(f"my_{kind}", kind, parent / f"sonantica-my-{kind}") for kind in KINDS}


def test_the_command_writes_a_plugin(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plugin", "new", "room_tone", "--kind", "routes", "--into", str(tmp_path / "p")]) == 0
    assert (tmp_path / "p" / "sonantica_room_tone" / "plugin.py").is_file()
    assert "pip install -e '.[test]'" in capsys.readouterr().out


def test_each_kind_declares_its_entry_point(written: dict[str, Path]) -> None:
    for kind, folder in written.items():
        project = tomllib.loads((folder / "pyproject.toml").read_text())
        assert project["project"]["name"] == f"sonantica-my-{kind}"
        target = project["project"]["entry-points"]["sonantica.plugins"][f"my_{kind}"]
        module, attribute = target.split(":")
        sys.path.insert(0, str(folder))
        try:
            plugin = getattr(importlib.import_module(module), attribute)
        finally:
            sys.path.remove(str(folder))
        assert plugin.name == f"my_{kind}"


def test_the_written_plugins_are_lint_clean_and_pass_their_tests(written: dict[str, Path]) -> None:
    ruff = Path(sys.executable).with_name("ruff")
    for folder in written.values():
        lint = subprocess.run([str(ruff), "check", "--no-cache", "."], cwd=folder, capture_output=True, text=True)
        assert lint.returncode == 0, lint.stdout
    # one pytest run for all of them, with the first one's settings (they are the same)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(f) for f in written.values())}
    first = next(iter(written.values()))
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", str(first / "pyproject.toml"),
         "--rootdir", str(first.parent), *(str(f / "tests") for f in written.values())],
        cwd=first.parent, env=env, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "11 passed" in run.stdout


def test_bad_names_and_existing_folders_are_refused(tmp_path: Path) -> None:
    for bad in ("My-Plugin", "1st", "", "a" * 41, "room tone"):
        with pytest.raises(TemplateError, match="plugin name"):
            write_plugin(bad, "analyzer", tmp_path / "x")
    with pytest.raises(TemplateError, match="kind"):
        write_plugin("fine", "theme", tmp_path / "y")
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("mine")
    with pytest.raises(TemplateError, match="not empty"):
        write_plugin("fine", "analyzer", tmp_path / "taken")
    assert (tmp_path / "taken" / "keep.txt").read_text() == "mine"
