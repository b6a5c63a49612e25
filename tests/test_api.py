"""The public API: routeplan.<name> for the flow, the model types and what the benchmarks measure."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import routeplan

ROOT = Path(__file__).resolve().parents[1]

FLOW = ["load_scenario", "prepare_scenario", "plan", "plan_weeks", "replan", "score_plan", "write_plan", "write_weeks",
        "read_plan", "estimate_hotspots", "evaluate", "run_hotspots"]
TYPES = ["Scenario", "Area", "Depot", "PatrolUnit", "Shift", "VitalObject", "Hotspot", "CategoryDefaults", "Plan",
         "Route", "Visit", "Unserved", "Problem", "PlanContext"]


def test_public_api_names_are_exported_and_documented():
    for name in FLOW + TYPES + ["RoutingModel", "travel_matrix"]:
        assert name in routeplan.__all__, name
        obj = getattr(routeplan, name)
        assert inspect.getdoc(obj), name
    for name in FLOW:
        doc = inspect.getdoc(getattr(routeplan, name))
        assert "Parameters\n----------" in doc and "Returns\n-------" in doc, name
    assert all(hasattr(routeplan, n) for n in routeplan.__all__)


def test_the_model_types_are_the_ones_every_stage_uses():
    from routeplan.model.plan import Plan
    from routeplan.prepare.context import PlanContext
    from routeplan.render.export import write_exports
    from routeplan.report.scorecard import score_plan

    assert routeplan.Plan is Plan and routeplan.PlanContext is PlanContext
    assert inspect.signature(score_plan).parameters["plan"].annotation in ("Plan", Plan)
    assert inspect.signature(write_exports).parameters["plan"].annotation in ("Plan", Plan)


def _routeplan_imports(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("routeplan"):
            out.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.startswith("routeplan")]
    return out


def test_benchmarks_import_only_the_public_api():
    found = {}
    for path in sorted((ROOT / "benchmarks").glob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for lineno, module in _routeplan_imports(path):
            if module == "routeplan":
                continue
            # bench_matrix times the private stages of travel_matrix: the one exception, said where it is
            if "private module" in lines[lineno - 2]:
                continue
            found[f"{path.name}:{lineno}"] = module
    assert not found
