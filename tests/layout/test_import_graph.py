"""The core's imports point down only, and no modules import each other in a circle.

The graph is read from the source (every ``import``, also those inside functions; those
under ``if TYPE_CHECKING:`` are for type checkers only and are left out). The layers are
the ones ``docs/code-map.md`` describes: a part may import only parts listed before it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import sonantica_core

PACKAGE = Path(sonantica_core.__file__).parent

#: The core's parts, lowest first. A module may import its own part and the parts before it.
LAYERS: tuple[str, ...] = (
    "__init__",
    "errors",
    "settings",
    "contract",
    "hookspecs",
    "text",
    "streaming",
    "logbuffer",
    "outside",
    "db",
    "embedded",
    "bus",
    "context",
    "tasks",
    "plugins",
    "auth",
    "media",
    "library",
    "listening",
    "analysis",
    "lyrics",
    "metadata",
    "scanning",
    "transcode",
    "stems",
    "http",
    "fastpath",
    "server",
    "cli",
    "testing",
    "__main__",
)


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = ["sonantica_core", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _type_checking_only(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                skipped.update(id(inner) for inner in ast.walk(child))
    return skipped


def imported_names(name: str, path: Path, known: set[str]) -> Iterator[str]:
    """The modules the import statements of ``name`` name (``from pkg import module``: the module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_only(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield submodule if submodule in known else base


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {
        name: {target for target in imported_names(name, path, set(known)) if target in known and target != name}
        for name, path in known.items()
    }


def part_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_part_has_a_layer() -> None:
    parts = {part_of(name) for name in modules()}
    assert parts <= set(LAYERS), f"parts missing from LAYERS (and from docs/code-map.md): {sorted(parts - set(LAYERS))}"


def test_imports_point_down_only() -> None:
    rank = {part: position for position, part in enumerate(LAYERS)}
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        for target in targets
        if rank.get(part_of(target), -1) > rank.get(part_of(module), len(LAYERS))
    )
    assert not upward, "imports that point up:\n" + "\n".join(upward)


def test_no_import_cycles() -> None:
    found = cycles(import_graph())
    assert not found, "modules that import each other in a circle:\n" + "\n".join(" ↔ ".join(c) for c in found)


def test_the_checks_see_a_cycle_and_an_upward_import() -> None:
    graph = {"a.x": {"a.y"}, "a.y": {"a.x"}, "a.z": set()}
    assert cycles(graph) == [["a.x", "a.y"]]
    assert part_of("sonantica_core.http.routes.stream") == "http" and part_of("sonantica_core") == "__init__"
