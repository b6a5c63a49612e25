"""routeplan: weekly police patrol plans for vital objects and crime hotspots on OpenStreetMap roads.

The public API (the ``routeplan`` command and the notebooks use the same)::

    import routeplan

    plan, ctx = routeplan.plan("data/sample/scenario.toml", seed=1, max_iterations=2000)
    print(routeplan.score_plan(plan, ctx)["required_visits"])
    routeplan.write_plan(plan, ctx, "out/sample")
    again = routeplan.read_plan("out/sample")

The stages, one package each, share one model (:mod:`routeplan.model`): load (:mod:`routeplan.load`) ->
prepare (:mod:`routeplan.prepare`: snapping, travel-time matrices) -> optimize (:mod:`routeplan.optimize`)
-> report (:mod:`routeplan.report`) -> render/export (:mod:`routeplan.render`); :mod:`routeplan.pipeline`
ties load, prepare and optimize together, :mod:`routeplan.model.planfile` alone reads and writes
``plan.json``. See ``docs/architecture.md``.

The prepare stage's function is exported as :func:`prepare_scenario`, so that ``routeplan.prepare`` stays the
stage's package (``from routeplan.prepare.matrix import travel_matrix``).
"""

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names below, for type checkers; at run time they load on first use (``__getattr__``)
    from routeplan.actual import (
        RoadMatcher,
        actual_context,
        collapse_stays,
        compare_actual,
        detect_stays,
        read_tracks,
        route_tracks,
        run_actual,
        synthesise_tracks,
        write_tracks,
    )
    from routeplan.batch import BatchOptions, BatchResult, run_batch
    from routeplan.hotspots import estimate_hotspots, run_hotspots
    from routeplan.hotspots.evaluate import evaluate
    from routeplan.load.roads import add_travel_times, graph_from_file
    from routeplan.load.scenario import DEFAULT_SPEEDS_KMH, load_scenario
    from routeplan.model import (
        CATEGORIES,
        Area,
        CategoryDefaults,
        Depot,
        Hotspot,
        PatrolUnit,
        Plan,
        Problem,
        Route,
        Scenario,
        Shift,
        Unserved,
        Visit,
        VitalObject,
    )
    from routeplan.model.planfile import read_plan
    from routeplan.optimize.routing import RoutingModel, RoutingResult, SearchParams, Stop, Vehicle
    from routeplan.pipeline import plan, plan_weeks, replan
    from routeplan.prepare.context import PlanContext
    from routeplan.prepare.context import prepare as prepare_scenario
    from routeplan.prepare.matrix import TravelMatrix, travel_matrix
    from routeplan.render.write import write_plan, write_weeks
    from routeplan.report.presence import presence_metrics
    from routeplan.report.scorecard import score_plan
    from routeplan.sample import THREE_SHIFTS_TOML, generate_regency, generate_sample, init_scenario

#: Public name -> (module, name in it). ``import routeplan`` loads none of the stages: the command line and
#: ``routeplan --help`` start in a fraction of a second, and each name loads its stage on first use (PEP 562).
_EXPORTS: dict[str, tuple[str, str]] = {
    "RoadMatcher": ("routeplan.actual", "RoadMatcher"),
    "actual_context": ("routeplan.actual", "actual_context"),
    "collapse_stays": ("routeplan.actual", "collapse_stays"),
    "compare_actual": ("routeplan.actual", "compare_actual"),
    "detect_stays": ("routeplan.actual", "detect_stays"),
    "read_tracks": ("routeplan.actual", "read_tracks"),
    "route_tracks": ("routeplan.actual", "route_tracks"),
    "run_actual": ("routeplan.actual", "run_actual"),
    "synthesise_tracks": ("routeplan.actual", "synthesise_tracks"),
    "write_tracks": ("routeplan.actual", "write_tracks"),
    "BatchOptions": ("routeplan.batch", "BatchOptions"),
    "BatchResult": ("routeplan.batch", "BatchResult"),
    "run_batch": ("routeplan.batch", "run_batch"),
    "estimate_hotspots": ("routeplan.hotspots", "estimate_hotspots"),
    "evaluate": ("routeplan.hotspots.evaluate", "evaluate"),
    "run_hotspots": ("routeplan.hotspots", "run_hotspots"),
    "add_travel_times": ("routeplan.load.roads", "add_travel_times"),
    "graph_from_file": ("routeplan.load.roads", "graph_from_file"),
    "DEFAULT_SPEEDS_KMH": ("routeplan.load.scenario", "DEFAULT_SPEEDS_KMH"),
    "load_scenario": ("routeplan.load.scenario", "load_scenario"),
    "CATEGORIES": ("routeplan.model", "CATEGORIES"),
    "Area": ("routeplan.model", "Area"),
    "CategoryDefaults": ("routeplan.model", "CategoryDefaults"),
    "Depot": ("routeplan.model", "Depot"),
    "Hotspot": ("routeplan.model", "Hotspot"),
    "PatrolUnit": ("routeplan.model", "PatrolUnit"),
    "Plan": ("routeplan.model", "Plan"),
    "Problem": ("routeplan.model", "Problem"),
    "Route": ("routeplan.model", "Route"),
    "Scenario": ("routeplan.model", "Scenario"),
    "Shift": ("routeplan.model", "Shift"),
    "Unserved": ("routeplan.model", "Unserved"),
    "Visit": ("routeplan.model", "Visit"),
    "VitalObject": ("routeplan.model", "VitalObject"),
    "read_plan": ("routeplan.model.planfile", "read_plan"),
    "RoutingModel": ("routeplan.optimize.routing", "RoutingModel"),
    "RoutingResult": ("routeplan.optimize.routing", "RoutingResult"),
    "SearchParams": ("routeplan.optimize.routing", "SearchParams"),
    "Stop": ("routeplan.optimize.routing", "Stop"),
    "Vehicle": ("routeplan.optimize.routing", "Vehicle"),
    "plan": ("routeplan.pipeline", "plan"),
    "plan_weeks": ("routeplan.pipeline", "plan_weeks"),
    "replan": ("routeplan.pipeline", "replan"),
    "PlanContext": ("routeplan.prepare.context", "PlanContext"),
    "prepare_scenario": ("routeplan.prepare.context", "prepare"),
    "TravelMatrix": ("routeplan.prepare.matrix", "TravelMatrix"),
    "travel_matrix": ("routeplan.prepare.matrix", "travel_matrix"),
    "write_plan": ("routeplan.render.write", "write_plan"),
    "write_weeks": ("routeplan.render.write", "write_weeks"),
    "presence_metrics": ("routeplan.report.presence", "presence_metrics"),
    "score_plan": ("routeplan.report.scorecard", "score_plan"),
    "THREE_SHIFTS_TOML": ("routeplan.sample", "THREE_SHIFTS_TOML"),
    "generate_regency": ("routeplan.sample", "generate_regency"),
    "generate_sample": ("routeplan.sample", "generate_sample"),
    "init_scenario": ("routeplan.sample", "init_scenario"),
}

try:
    __version__ = version("routeplan")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = [
    "__version__",
    # the flow
    "load_scenario", "prepare_scenario", "plan", "plan_weeks", "replan", "score_plan", "presence_metrics", "write_plan", "write_weeks",
    "read_plan",
    # a whole Polres or Polda on Dask, one kecamatan per task
    "run_batch", "BatchOptions", "BatchResult",
    # hotspots from incident records
    "estimate_hotspots", "evaluate", "run_hotspots",
    # the model
    "Scenario", "Area", "Depot", "PatrolUnit", "Shift", "CATEGORIES", "CategoryDefaults", "VitalObject",
    "Hotspot", "Plan", "Route", "Visit", "Unserved", "Problem", "PlanContext",
    # the building blocks the benchmarks measure: roads, travel-time matrices, the general routing layer
    "graph_from_file", "add_travel_times", "DEFAULT_SPEEDS_KMH", "travel_matrix", "TravelMatrix",
    "RoutingModel", "RoutingResult", "SearchParams", "Stop", "Vehicle",
    # the synthetic sample, and its three-shift day for scenarios that tests and benchmarks build
    "generate_sample", "THREE_SHIFTS_TOML", "generate_regency",
    # a starter scenario to edit, in a new folder (``routeplan init``)
    "init_scenario",
    # plan against actual: tracks and check-ins against a plan folder, and synthetic tracks with a known truth
    "run_actual", "compare_actual", "actual_context", "read_tracks", "RoadMatcher", "detect_stays",
    "collapse_stays", "route_tracks", "synthesise_tracks", "write_tracks",
]


def __getattr__(name: str) -> Any:
    """Load a public name's stage on first use (PEP 562) and keep it as a module attribute."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'routeplan' has no attribute {name!r}")
    module, attr = _EXPORTS[name]
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
