"""docs/plugins.md documents exactly the hooks of hookspecs.py, with their signatures and an example each."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from sonantica_core import hookspecs

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "plugins.md"
HOOK_HEADING = re.compile(r"^#### `(?P<signature>(?P<name>\w+)\(.*\) -> .+)`$", re.M)


def hookspec_signatures() -> dict[str, str]:
    """``{name: "name(arg: Type, ...) -> Return"}`` as written in hookspecs.py."""
    tree = ast.parse(Path(hookspecs.__file__).read_text())
    signatures = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            assert node.returns is not None, f"{node.name} has no return annotation"
            arguments = ", ".join(f"{arg.arg}: {ast.unparse(arg.annotation)}" for arg in node.args.args
                                  if arg.annotation is not None)
            assert arguments.count(":") == len(node.args.args), f"{node.name}: every argument needs a type"
            signatures[node.name] = f"{node.name}({arguments}) -> {ast.unparse(node.returns)}"
    return signatures


def documented_sections() -> dict[str, tuple[str, str]]:
    """``{name: (signature, section text)}`` for every hook heading of the docs."""
    text = DOCS.read_text()
    headings = list(HOOK_HEADING.finditer(text))
    sections = {}
    for index, heading in enumerate(headings):
        end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        sections[heading["name"]] = (heading["signature"], text[heading.end():end])
    return sections


def test_every_hook_is_documented_with_its_exact_signature() -> None:
    specs = hookspec_signatures()
    documented = {name: signature for name, (signature, _) in documented_sections().items()}
    assert sorted(specs) == sorted(documented), "docs/plugins.md and hookspecs.py list different hooks"
    for name, signature in specs.items():
        assert documented[name] == signature, f"{name}: docs say {documented[name]!r}, hookspecs say {signature!r}"


def test_every_documented_hook_has_an_example_and_says_where_it_runs() -> None:
    for name, (_, section) in documented_sections().items():
        assert "```python" in section, f"{name} has no example"
        assert f"def {name}(" in section, f"{name}'s example does not implement it"
        assert "Runs in" in section, f"{name}'s section does not say where it runs"


def test_every_hookspec_docstring_says_what_it_receives_returns_and_where_it_runs() -> None:
    tree = ast.parse(Path(hookspecs.__file__).read_text())
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            doc = ast.get_docstring(node) or ""
            for phrase in ("Receives", "Return", "Runs in", "versionadded"):
                assert phrase in doc, f"{node.name}'s docstring does not say {phrase!r}"
            assert "first" in doc.lower(), f"{node.name}'s docstring does not say whether the first result wins"
