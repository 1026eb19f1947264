"""A generated library and a core context whose media root is that library."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sonantica_core.context import CoreContext, open_context
from sonantica_core.testing.audio import LibraryManifest, build_library


@pytest.fixture(scope="session")
def library_template(tmp_path_factory: pytest.TempPathFactory) -> LibraryManifest:
    return build_library(tmp_path_factory.mktemp("library") / "music")


@pytest.fixture
def library(library_template: LibraryManifest, tmp_path: Path) -> LibraryManifest:
    """A private copy of the generated library (tests move and edit files)."""
    import shutil

    target = tmp_path / "music"
    shutil.copytree(library_template.root, target, symlinks=True)
    for _path in target.rglob("*"):  # copytree keeps mode 000 files unreadable; keep it so
        pass
    library_template_copy = LibraryManifest(
        root=target, files=dict(library_template.files), problems=dict(library_template.problems)
    )
    return library_template_copy


@pytest.fixture
async def scan_ctx(make_settings, library: LibraryManifest) -> AsyncIterator[CoreContext]:
    settings = make_settings(MEDIA_PATH=f"music={library.root}")
    ctx = await open_context(
        settings, secret_key=settings.secret_key, postgres_url=settings.postgres_url, redis_url=settings.redis_url
    )
    try:
        yield ctx
    finally:
        await ctx.close()


@pytest.fixture
def scanners() -> list:
    from sonantica_scanner.plugin import plugin

    return list(plugin.register_scanners(None))
