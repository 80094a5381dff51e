"""Imports flow one way: no cycle between modules, no import from a lower stage to a higher one.

The graph is read with ``ast`` from the source, so an import inside a function counts like
one at the top of a module (it runs too, only later).  Imports under ``if TYPE_CHECKING:``
are left out: they never run, and name a type for an annotation only.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "policylint"

#: The stages of a check, lowest first: each folder of the package may import from its own
#: stage and the ones before it.  The modules directly in policylint/ (finding, errors,
#: shipped) are the floor; ``__main__`` is the entry point above everything.
STAGES = ("", "load", "schema", "rules", "run", "report", "compare", "extract", "cli", "__main__")


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _target(name: str) -> str | None:
    """The package module ``name`` names (``policylint.run.api.check`` -> ``policylint.run.api``)."""
    parts = name.split(".")
    while parts and ".".join(parts) not in MODULES:
        parts.pop()
    return ".".join(parts) or None


def _type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None) if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk(node: ast.AST) -> Iterator[ast.AST]:
    """Every node under ``node``, but not the body of an ``if TYPE_CHECKING:``."""
    yield node
    for child in ast.iter_child_nodes(node):
        if _type_checking(child):
            for other in child.orelse:  # type: ignore[attr-defined]
                yield from _walk(other)
        else:
            yield from _walk(child)


def imports(module: str) -> set[tuple[str, int]]:
    """``(module imported, line)`` for every import of a package module in ``module``."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in _walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([node.module] if node.module else [])])
            # ``from policylint.rules import checks`` imports the module policylint.rules.checks
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                     for alias in node.names]
        for name in names:
            target = _target(name)
            if target is not None and target != module:
                found.add((target, node.lineno))
    return found


GRAPH = {module: imports(module) for module in MODULES}


def stage(module: str) -> int:
    parts = module.split(".")
    name = parts[1] if len(parts) > 1 else ""
    if name in STAGES:
        return STAGES.index(name)
    assert len(parts) == 2, f"{module}: a folder of policylint/ that is not a stage: add it to STAGES"
    return 0  # a module directly in policylint/


def cycles() -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w, _ in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in MODULES:
        if module not in index:
            visit(module)
    return found


def test_the_graph_is_read() -> None:
    """The test sees imports at every level (a graph without edges would pass the others)."""
    assert ("policylint.load.loader", 0) not in GRAPH["policylint.run.runner"]
    assert "policylint.load.loader" in {m for m, _ in GRAPH["policylint.run.runner"]}
    assert "policylint.rules.engine" in {m for m, _ in GRAPH["policylint.run.runner"]}
    assert stage("policylint.finding") < stage("policylint.load.loader") < stage("policylint.cli.check")


def test_no_import_cycle() -> None:
    assert cycles() == []


def test_no_upward_import() -> None:
    upward = [f"{module}:{line} imports {target}"
              for module, targets in GRAPH.items() for target, line in sorted(targets)
              if stage(target) > stage(module)]
    assert upward == []


@pytest.mark.parametrize("source, expected", [
    ("import policylint.run.api\n", {"policylint.run.api"}),
    ("from policylint.rules import checks\n", {"policylint.rules.checks"}),
    ("def f():\n    from policylint.report.writer import write_file\n", {"policylint.report.writer"}),
    ("from policylint import __version__\n", {"policylint"}),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from policylint.run.api import X\n", set()),
    ("if TYPE_CHECKING:\n    pass\nelse:\n    from policylint.run.api import X\n", {"policylint.run.api"}),
])
def test_every_import_form_counts(tmp_path: Path, source: str, expected: set[str], monkeypatch: pytest.MonkeyPatch) -> None:
    module = tmp_path / "probe.py"
    module.write_text(source, encoding="utf-8")
    monkeypatch.setitem(MODULES, "policylint.probe", module)
    assert {m for m, _ in imports("policylint.probe")} == expected
