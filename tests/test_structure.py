"""The package's shape, checked: module and function sizes, no import cycle, imports at the top.

The limits come from issue #11 (a codebase the next engineer can live in). A module or function may go past its
limit only with a stated reason: modules in ``LONG_MODULES`` below, functions with a ``# long: <reason>`` comment
on the line above their ``def``. An import inside a function needs a comment on its line saying why (``# lazy: ...``,
e.g. a heavy optional dependency or a cycle the import would make).
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "routeplan"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80

#: Modules allowed past MAX_MODULE_LINES, with the reason.
LONG_MODULES: dict[str, str] = {
    "routeplan/load/scenario.py": "the scenario file's schema: every rule of every table, pins included, in one place, "
                                  "one step per table",
}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_module_size(path: Path) -> None:
    rel = str(path.relative_to(PACKAGE.parent))
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES or rel in LONG_MODULES, (
        f"{rel} has {lines} lines (limit {MAX_MODULE_LINES}); split it by concern or state the reason in LONG_MODULES")


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_function_size(path: Path) -> None:
    src = path.read_text(encoding="utf-8")
    lines = src.splitlines()
    too_long = []
    for fn in _functions(ast.parse(src)):
        first = min([fn.lineno] + [d.lineno for d in fn.decorator_list])
        n = (fn.end_lineno or fn.lineno) - fn.lineno + 1
        reason = lines[first - 2].strip() if first >= 2 else ""
        if n > MAX_FUNCTION_LINES and not reason.startswith("# long:"):
            too_long.append(f"{fn.name} ({n} lines, line {fn.lineno})")
    assert not too_long, f"{path.relative_to(PACKAGE.parent)}: functions over {MAX_FUNCTION_LINES} lines without a '# long: <reason>' comment: {too_long}"


def _imports(path: Path) -> tuple[set[str], list[str]]:
    """Modules of the package imported by ``path``, and imports inside functions without a reason."""
    src = path.read_text(encoding="utf-8")
    lines = src.splitlines()
    tree = ast.parse(src)
    me = _name(path)
    found: set[str] = set()
    inner: list[str] = []
    in_function: set[int] = set()
    for fn in _functions(tree):
        for node in ast.walk(fn):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                in_function.add(id(node))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = me.split(".") if path.name == "__init__.py" else me.split(".")[:-1]
                pkg = pkg[: len(pkg) - (node.level - 1)]
                base = ".".join(pkg + ([base] if base else []))
            # "from routeplan import settings" imports the module routeplan.settings; "from routeplan.load.layers
            # import X" resolves to routeplan.load.layers in _graph (the longest module prefix)
            names = [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        if id(node) in in_function and "#" not in lines[node.lineno - 1]:
            inner.append(f"line {node.lineno}: {lines[node.lineno - 1].strip()}")
        for n in names:
            if n.startswith("routeplan"):
                found.add(n)
    return found, inner


def _graph() -> nx.DiGraph:
    mods = {_name(p): p for p in _modules()}
    g = nx.DiGraph()
    for name, path in mods.items():
        g.add_node(name)
        imported, _ = _imports(path)
        for target in imported:
            # "routeplan.load.layers.VitalObject" -> the longest module prefix that exists
            parts = target.split(".")
            while parts and ".".join(parts) not in mods:
                parts.pop()
            t = ".".join(parts)
            if t and t != name:
                g.add_edge(name, t)
    return g


def test_no_import_cycle() -> None:
    g = _graph()
    cycles = [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]
    assert not cycles, f"import cycles: {cycles}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_imports_at_top(path: Path) -> None:
    _, inner = _imports(path)
    assert not inner, (f"{path.relative_to(PACKAGE.parent)}: imports inside functions need a comment saying why "
                       f"(e.g. '# lazy: heavy optional dependency'): {inner}")
