"""Every exception the core and the bundled plugins define derives from ``SonanticaError``.

One base lets a caller (a command, a plugin host, an embedding application) catch "anything
Sonántica refused" in one clause, while each class keeps its standard base (``ValueError``,
``OSError``, Starlette's ``HTTPException``) for code that expects that.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from types import ModuleType

import pytest

import sonantica_core
from sonantica_core.errors import SonanticaError

BUNDLED_PLUGIN_PACKAGES = (
    "sonantica_demucs",
    "sonantica_descriptors",
    "sonantica_dspstems",
    "sonantica_fingerprint",
    "sonantica_key",
    "sonantica_loudness",
    "sonantica_lrclib",
    "sonantica_lyrics",
    "sonantica_musicbrainz",
    "sonantica_scanner",
    "sonantica_scrobble",
    "sonantica_subsonic",
    "sonantica_tempo",
    "sonantica_waveform",
    "sonantica_web",
)


def _walk(package: ModuleType) -> Iterator[ModuleType]:
    yield package
    for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
        if info.name.endswith("__main__"):
            continue
        yield importlib.import_module(info.name)


def _packages() -> Iterator[ModuleType]:
    yield sonantica_core
    for name in BUNDLED_PLUGIN_PACKAGES:
        yield importlib.import_module(name)


def defined_exceptions() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for package in _packages():
        for module in _walk(package):
            for _, value in inspect.getmembers(module, inspect.isclass):
                if issubclass(value, BaseException) and value.__module__ == module.__name__:
                    found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


def test_the_walk_finds_the_exceptions_it_should() -> None:
    names = {cls.__name__ for cls in defined_exceptions()}
    assert {"ScanError", "AuthError", "ApiError", "MediaPathError", "LrclibError"} <= names


@pytest.mark.parametrize("exception", defined_exceptions(), ids=lambda cls: cls.__qualname__)
def test_every_exception_derives_from_sonantica_error(exception: type[BaseException]) -> None:
    assert issubclass(exception, SonanticaError), f"{exception.__module__}.{exception.__qualname__}"
