"""The fenced code blocks of docs/plugins.md, with where they are, and a way to run a Python one."""

from __future__ import annotations

import ast
import inspect
import re
import sys
import textwrap
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "plugins.md"
FENCE = re.compile(r"^```(?P<lang>\w*)\s*$")
HEADING = re.compile(r"^#{2,4} (?P<title>.+)$")


@dataclass(frozen=True)
class Snippet:
    """One fenced block: its language (``""`` when none), body, first line number and section."""

    lang: str
    code: str
    line: int
    section: str

    @property
    def where(self) -> str:
        return f"docs/plugins.md:{self.line}"


def snippets(path: Path = DOCS) -> list[Snippet]:
    """Every fenced block of ``path`` in order; ``line`` is the line of the opening fence."""
    found: list[Snippet] = []
    lines = path.read_text().split("\n")
    section = ""
    index = 0
    while index < len(lines):
        heading = HEADING.match(lines[index])
        if heading:
            section = heading["title"].strip("`").split("(")[0]
        fence = FENCE.match(lines[index])
        if fence:
            start = index
            index += 1
            body: list[str] = []
            while not lines[index].startswith("```"):
                body.append(lines[index])
                index += 1
            found.append(Snippet(fence["lang"], "\n".join(body) + "\n", start + 1, section))
        index += 1
    return found


def run_python(snippet: Snippet, prelude: str = "") -> dict[str, Any]:
    """Exec ``prelude`` (imports only) then the snippet, as a module of its own; returns its namespace.

    The module is registered in ``sys.modules`` (so its classes pickle) and compiled under the
    snippet's place, so a traceback points into the docs."""
    module = _module(snippet, prelude)
    exec(_compile(snippet, 0), module.__dict__)
    return module.__dict__


async def run_python_async(snippet: Snippet, prelude: str = "", names: dict[str, Any] | None = None) -> dict[str, Any]:
    """As :func:`run_python` for a snippet with top-level ``await``, run on the current loop;
    ``names`` are the values the snippet speaks of (``ctx``, ids) given by the test."""
    module = _module(snippet, prelude)
    module.__dict__.update(names or {})
    result = eval(_compile(snippet, ast.PyCF_ALLOW_TOP_LEVEL_AWAIT), module.__dict__)
    if inspect.iscoroutine(result):
        await result
    return module.__dict__


def _module(snippet: Snippet, prelude: str) -> types.ModuleType:
    assert all(
        not line.strip() or line.startswith(("from ", "import ")) for line in prelude.splitlines()
    ), "a prelude holds imports only"
    module = types.ModuleType(f"doc_snippet_{snippet.line}")
    sys.modules[module.__name__] = module
    exec(compile(prelude, f"{snippet.where} (prelude)", "exec", dont_inherit=True), module.__dict__)
    return module


def _compile(snippet: Snippet, flags: int) -> types.CodeType:
    code = "\n" * (snippet.line) + textwrap.dedent(snippet.code)  # line numbers as in the docs
    return compile(code, str(DOCS), "exec", flags=flags, dont_inherit=True)
