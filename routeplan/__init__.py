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

from importlib.metadata import PackageNotFoundError, version

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
from routeplan.hotspots import estimate_hotspots, evaluate, run_hotspots
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
