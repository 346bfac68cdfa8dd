"""Issue #23, the house: no import cycle inside massbalance, reconcile() in named steps."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

rec_module = importlib.import_module("resourcekit.massbalance.reconcile")

PKG = Path(rec_module.__file__).parent


def _imports(path: Path) -> set[str]:
    """Sibling modules a module imports, at any depth (lazy and TYPE_CHECKING included)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                out.add(node.module.split(".")[0])
            else:
                out.update(a.name for a in node.names)
    return out


def test_no_import_cycle_in_massbalance() -> None:
    graph = {p.stem: _imports(p) for p in PKG.glob("*.py") if p.stem != "__init__"}
    graph = {k: {v for v in vs if v in graph} for k, vs in graph.items()}
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, path: list[str]) -> bool:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle.extend([*path[path.index(nxt):], nxt] if nxt in path else [node, nxt])
                return True
            if nxt not in state and visit(nxt, [*path, nxt]):
                return True
        state[node] = 2
        return False

    for start in sorted(graph):
        if start not in state and visit(start, [start]):
            break
    assert not cycle, " -> ".join(cycle)
    # the result type does not import the flowsheet or the solver, and recoveries (which
    # the result's .recoveries() calls) does not import the result type back (#23)
    assert not graph["_results"] & {"flowsheet", "reconcile"}
    assert "_results" not in graph["recoveries"]


def test_reconcile_is_split_into_named_steps() -> None:
    for name in ("_read", "_solve", "_test", "_result"):
        assert callable(getattr(rec_module, name)), name
    body = inspect.getsource(rec_module.reconcile)
    code = body[body.index('"""', body.index('"""') + 3) + 3:]
    assert len(code.strip().splitlines()) <= 20
    for step in ("_read(", "_solve(", "_test(", "_identify(", "_result("):
        assert step in code, step
