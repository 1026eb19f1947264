"""Built wheels, not editable installs: the core and every bundled plugin install from a wheel
into a fresh environment, hold every file of their packages, and ``sonantica migrate`` works there.

The README, ``.ci/run`` and the Containerfile install editable, where the core finds the
repository's ``migrations/`` folder; only a wheel shows whether the migrations ship.

The wheels are built (``pip wheel --no-deps --no-build-isolation --no-index``, so no network)
from a copy of the tree, so that setuptools' ``build/`` folders never land in the checkout.
The fresh virtual environment gets the wheels with ``--no-deps``; their third-party
dependencies come from this environment's site-packages through a folder of links that
leaves out every Sonántica distribution, every editable install and every ``.pth`` file,
so nothing of the checkout can be imported there.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import uuid
import zipfile
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sonantica_core.settings import SETTINGS

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_DIRS = sorted(path for path in (ROOT / "plugins").iterdir() if (path / "pyproject.toml").is_file())
#: Bundled plugins that need torch (not a dependency of anything: installed on purpose).
NEEDS_TORCH = ("demucs",)
#: Where the top-level ``migrations/`` folder lives inside the installed core.
CORE_MIGRATIONS = "sonantica_core/_migrations"

#: Left out of the copy anywhere in the tree, and (``_TOP_LEVEL_JUNK``) at the top of each project.
_JUNK = {".git", "__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache"}
_TOP_LEVEL_JUNK = {".venv", "build", "dist", "data"}


@dataclass(frozen=True)
class Project:
    """One distribution of the repository: where it is, which packages it ships."""

    source: Path
    distribution: str  # the normalised name, as in the wheel's file name
    packages: dict[str, Path]  # the import name of each top-level package -> its folder in the source
    plugins: tuple[str, ...]  # the names of its ``sonantica.plugins`` entry points


def _project(source: Path) -> Project:
    pyproject = tomllib.loads((source / "pyproject.toml").read_text())
    distribution = re.sub(r"[-_.]+", "_", pyproject["project"]["name"]).lower()
    packages = {
        path.name: path
        for path in sorted(source.iterdir())
        if path.name.startswith("sonantica_") and (path / "__init__.py").is_file()
    }
    plugins = tuple(pyproject["project"].get("entry-points", {}).get("sonantica.plugins", {}))
    return Project(source, distribution, packages, plugins)


CORE = _project(ROOT)
PLUGINS = [_project(path) for path in PLUGIN_DIRS]
PROJECTS = [CORE, *PLUGINS]


def _owning_tables() -> dict[str, str]:
    """The bundled plugins that own tables (a ``migrations`` subpackage): plugin name -> that package."""
    return {
        plugin: f"{package}.migrations"
        for project in PLUGINS
        for package, folder in project.packages.items()
        if (folder / "migrations" / "__init__.py").is_file()
        for plugin in project.plugins
    }


def _source_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not _JUNK.intersection(path.relative_to(folder).parts) and path.suffix != ".pyc":
            yield path


def _expected_wheel_files(project: Project) -> set[str]:
    """Every file of the project's packages, by its path inside the wheel."""
    expected = {
        f"{name}/{path.relative_to(folder).as_posix()}"
        for name, folder in project.packages.items()
        for path in _source_files(folder)
    }
    if project is CORE:
        migrations = ROOT / "migrations"
        expected |= {
            f"{CORE_MIGRATIONS}/{path.relative_to(migrations).as_posix()}" for path in _source_files(migrations)
        }
    return expected


def _copy_ignoring_builds(root: Path) -> Callable[[str, list[str]], set[str]]:
    project_tops = {root, *(root / "plugins" / path.name for path in PLUGIN_DIRS)}

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = {name for name in names if name in _JUNK or name.endswith((".egg-info", ".pyc"))}
        if Path(folder) in project_tops:
            skipped |= _TOP_LEVEL_JUNK.intersection(names)
        return skipped

    return ignore


def _run(command: list[str | Path], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{command} exited with {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A wheel of every project, built from a copy of the tree: distribution name -> wheel."""
    import importlib.util

    missing = [name for name in ("setuptools", "wheel") if importlib.util.find_spec(name) is None]
    assert not missing, f"building without isolation needs {missing} in this environment"
    base = tmp_path_factory.mktemp("wheels")
    tree = base / "tree"
    shutil.copytree(ROOT, tree, ignore=_copy_ignoring_builds(ROOT), symlinks=True)
    out = base / "dist"
    sources = [tree, *(tree / "plugins" / project.source.name for project in PLUGINS)]
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "--disable-pip-version-check", "--no-cache-dir", "-w", out, *sources],
        timeout=600, cwd=base,
    )
    built = {path.name.split("-")[0].lower(): path for path in out.glob("*.whl")}
    assert sorted(built) == sorted(project.distribution for project in PROJECTS)
    return built


@pytest.mark.parametrize("project", PROJECTS, ids=[project.distribution for project in PROJECTS])
def test_a_wheel_holds_every_file_of_its_packages(wheels: dict[str, Path], project: Project) -> None:
    with zipfile.ZipFile(wheels[project.distribution]) as wheel:
        names = set(wheel.namelist())
    assert project.packages, f"{project.source} has no sonantica_* package"
    assert sorted(_expected_wheel_files(project) - names) == []
    # Nothing beside its packages and its metadata (no stray top-level ``migrations`` or ``tests``).
    tops = {name.split("/")[0] for name in names}
    assert {top for top in tops if not top.endswith(".dist-info")} == set(project.packages)


# --------------------------------------------------------------------------
# A fresh environment with the wheels installed
# --------------------------------------------------------------------------


def _editable(dist_info: Path) -> bool:
    direct_url = dist_info / "direct_url.json"
    if not direct_url.is_file():
        return False
    return bool(json.loads(direct_url.read_text()).get("dir_info", {}).get("editable"))


def _dependency_links(target: Path) -> Path:
    """A folder of links to this environment's installed distributions, less Sonántica's own,
    editable ones and ``.pth`` files (a folder named in a ``.pth`` file is not a site folder:
    Python reads no ``.pth`` files in it)."""
    ours = {project.distribution for project in PROJECTS} | {
        name for project in PROJECTS for name in project.packages
    }
    paths = sysconfig.get_paths()
    target.mkdir()
    entries = {entry.name: entry for site in {paths["purelib"], paths["platlib"]} for entry in Path(site).iterdir()}
    for entry in sorted(entries.values()):
        name = entry.name
        stem = re.sub(r"[-_.]+", "_", name.split("-")[0]).lower()
        if (
            name.startswith(("__editable__", "__pycache__"))
            or name.endswith(".pth")
            or stem in ours | {"pip", "_distutils_hack"}
            or (name.endswith(".dist-info") and _editable(entry))
        ):
            continue
        (target / name).symlink_to(entry)
    return target


@dataclass(frozen=True)
class FreshEnvironment:
    prefix: Path
    site_packages: Path
    workdir: Path  # a folder outside the repository, with no plugins.toml

    @property
    def python(self) -> Path:
        return self.prefix / "bin" / "python"

    @property
    def sonantica(self) -> Path:
        return self.prefix / "bin" / "sonantica"


@pytest.fixture(scope="module")
def fresh_env(wheels: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> FreshEnvironment:
    base = tmp_path_factory.mktemp("fresh")
    prefix = base / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", prefix], timeout=120)
    site_packages = Path(
        _run([prefix / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
             timeout=60).stdout.strip()
    )
    deps = _dependency_links(base / "deps")
    (site_packages / "sonantica_test_dependencies.pth").write_text(f"{deps}\n")
    _run(
        [sys.executable, "-m", "pip", "--python", prefix / "bin" / "python", "install", "--no-deps", "--no-index",
         "--disable-pip-version-check", "--no-cache-dir", *wheels.values()],
        timeout=300, cwd=base,
    )
    workdir = base / "work"
    workdir.mkdir()
    return FreshEnvironment(prefix, site_packages, workdir)


def _env(fresh: FreshEnvironment, **settings: str) -> dict[str, str]:
    drop = {spec.env for spec in SETTINGS} | {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV"}
    env = {key: value for key, value in os.environ.items() if key not in drop}
    env.update(
        PATH=f"{fresh.prefix / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        VIRTUAL_ENV=str(fresh.prefix),
        PYTHONNOUSERSITE="1",
        LOG_LEVEL="WARNING",
        **settings,
    )
    return env


PROBE = """
import importlib.metadata, json, sys
import sonantica_core
from sonantica_core.db.migrate import core_migrations_dir
from sonantica_core.plugins import load_plugins
from sonantica_core.settings import load_settings

settings = load_settings()
manager = load_plugins(settings, process="cli")
print(json.dumps({
    "sys_path": sys.path,
    "modules": {name: getattr(module, "__file__", None) for name, module in list(sys.modules.items())
                if name.split(".")[0].startswith(("sonantica", "__editable__"))},
    "distributions": [[dist.metadata["Name"], str(dist.locate_file(""))] for dist in importlib.metadata.distributions()
                      if dist.metadata["Name"].lower().startswith("sonantica")],
    "migrations": str(core_migrations_dir()),
    "plugins_file_exists": settings.plugins_file.exists(),
    "plugins": {record.name: [str(record.status), record.error, record.migrations] for record in manager.all()},
}))
"""


def test_the_fresh_environment_imports_only_the_wheels(fresh_env: FreshEnvironment) -> None:
    result = _run([fresh_env.python, "-c", PROBE], env=_env(fresh_env), cwd=fresh_env.workdir, timeout=120)
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    site = fresh_env.site_packages.resolve()

    assert not [entry for entry in probe["sys_path"] if entry and Path(entry).resolve().is_relative_to(ROOT)]
    for name, file in probe["modules"].items():
        assert not name.startswith("__editable__"), name
        assert file is None or Path(file).resolve().is_relative_to(site), (name, file)
    names = sorted(name.lower().replace("_", "-") for name, _ in probe["distributions"])
    assert names == sorted(project.distribution.replace("_", "-") for project in PROJECTS)  # each exactly once
    assert all(Path(location).resolve() == site for _, location in probe["distributions"])
    assert Path(probe["migrations"]) == site / CORE_MIGRATIONS

    assert not probe["plugins_file_exists"]  # so every installed plugin is enabled
    bundled = sorted(name for project in PLUGINS for name in project.plugins)
    assert sorted(probe["plugins"]) == bundled
    statuses = {name: status for name, (status, _, _) in probe["plugins"].items()}
    for name in NEEDS_TORCH:  # enabled where torch and demucs are installed; else left out, saying what is missing
        if statuses.get(name) == "failed self-check":
            assert "pip install torch" in probe["plugins"][name][1]
            statuses[name] = "enabled"
    assert statuses == dict.fromkeys(bundled, "enabled"), probe["plugins"]
    assert {name: package for name, (_, _, package) in probe["plugins"].items() if package} == _owning_tables()


@pytest.fixture
async def empty_database(sonantica_services) -> AsyncIterator[str]:
    """A newly created database that no migration has touched; dropped afterwards."""
    import asyncpg
    from sqlalchemy.engine import make_url

    admin = make_url(sonantica_services.postgres_admin_url)
    name = f"sonantica_wheel_{uuid.uuid4().hex[:12]}"

    async def execute(statement: str) -> None:
        dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    await execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        await execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _catalog(url: str) -> tuple[set[str], dict[str, str]]:
    """The tables of ``url``'s public schema, and the revision in each ``alembic_version*`` table."""
    import asyncpg
    from sqlalchemy.engine import make_url

    conn = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = {row["tablename"] for row in rows}
        versions = {
            table: await conn.fetchval(f'SELECT version_num FROM "{table}"')
            for table in sorted(tables)
            if table.startswith("alembic_version")
        }
    finally:
        await conn.close()
    return tables, versions


async def test_sonantica_migrate_from_the_wheels(
    fresh_env: FreshEnvironment, empty_database: str, redis_url: str, tmp_path: Path
) -> None:
    import asyncio

    from sonantica_core.db import migrate as schema
    from sonantica_core.db.models import Base
    from sonantica_core.plugins.lineages import migrations_directory

    env = _env(fresh_env, POSTGRES_URL=empty_database, REDIS_URL=redis_url, DATA_DIR=str(tmp_path / "data"),
               SECRET_KEY="k" * 40)
    result = await asyncio.to_thread(
        subprocess.run, [str(fresh_env.sonantica), "migrate"], env=env, cwd=fresh_env.workdir,
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"

    tables, versions = await _catalog(empty_database)
    assert set(Base.metadata.tables) <= tables
    # Each bundled plugin that owns tables got its own version table, at the head of its sources.
    owning = _owning_tables()
    assert "lrclib" in owning
    expected = {schema.CORE_VERSION_TABLE: schema.head_revision(schema.core_lineage())}
    for name, package in owning.items():
        lineage = schema.Lineage(name, schema.core_migrations_dir(), f"alembic_version_{name}",
                                 versions=migrations_directory(package))
        expected[lineage.version_table] = schema.head_revision(lineage)
    assert versions == expected, result.stdout
    assert "lrclib_lyrics" in tables
