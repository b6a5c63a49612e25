"""The data flow in one place: load -> prepare (snap) -> optimize -> report -> render/export."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from routeplan.errors import InputError
from routeplan.load.layers import read_desa, read_hotspots, read_vital_objects
from routeplan.load.roads import graph_area_polygon, load_roads, read_boundary
from routeplan.load.scenario import load_scenario
from routeplan.model.layers import Hotspot, VitalObject
from routeplan.model.plan import Plan, Problem, Unserved
from routeplan.model.scenario import Scenario
from routeplan.optimize.weekly import plan_week
from routeplan.prepare.snap import SnapIndex, snap_layer

log = logging.getLogger(__name__)


@dataclass
class PlanContext:
    """Everything a plan was made from, for rendering maps and briefings."""

    scenario: Scenario
    graph: Any
    objects: list[VitalObject]
    hotspots: list[Hotspot]
    problems: list[Problem] = field(default_factory=list)
    desa: list[tuple[str, Any]] | None = None  # (name, polygon) of the desa layer, read before the roads


def prepare(scenario: Scenario, progress: Callable[[str], None] | None = None) -> PlanContext:
    """Load roads and layers of a scenario and snap the layers to the roads.

    Parameters
    ----------
    scenario
        A loaded scenario.
    progress
        Called with a short label before each stage.

    Returns
    -------
    PlanContext
        Layers whose points could not be snapped are left out and listed in ``problems``.
    """
    say = progress or (lambda _m: None)
    # every input file is read and checked first, so that a bad one is refused before the long stages
    say("reading inputs")
    objects = read_vital_objects(scenario.vital_objects, scenario.default_dwell_minutes) if scenario.vital_objects else []
    hotspots = read_hotspots(scenario.hotspots) if scenario.hotspots else []
    if not objects and not hotspots:
        raise InputError(f"{scenario.path}: [layers] names neither vital_objects nor hotspots; nothing to patrol")
    desa = read_desa(scenario.desa) if scenario.desa else None
    boundary = read_boundary(scenario.area.boundary) if scenario.area.boundary else None
    say("road graph")
    G = load_roads(scenario)
    say("layers")
    area = boundary if boundary is not None else graph_area_polygon(G)
    index = SnapIndex.from_graph(G, area)
    for d in scenario.depots.values():
        node, dist = index.snap(d.lon, d.lat)
        if dist > index_limit():
            raise InputError(f"{scenario.path}: depot {d.id!r} is {dist:.0f} m from the nearest road; check its lat/lon")
    all_objects, all_hotspots = objects, hotspots
    objects, p1 = snap_layer(objects, index, "vital object")
    hotspots, p2 = snap_layer(hotspots, index, "hotspot")
    # one unusable point is reported; a layer with no usable point at all is a wrong file or CRS
    _check_some_usable(scenario.vital_objects, "vital objects", all_objects, objects, p1, area)
    _check_some_usable(scenario.hotspots, "hotspots", all_hotspots, hotspots, p2, area)
    visits = {o.id: _planned_visits(o.visits_per_week, scenario.days) for o in all_objects}
    p1 = [replace(p, visits=visits.get(p.id, 0)) for p in p1]
    for p in p1 + p2:
        log.warning(p.detail)
    return PlanContext(scenario, G, objects, hotspots, p1 + p2, desa)


def _planned_visits(per_week: int, days: int) -> int:
    """Visits of an object in a plan of ``days`` days (as :func:`routeplan.optimize.weekly.plan_week` counts them)."""
    if per_week <= 0:
        return 0
    return per_week if days == 7 else max(1, round(per_week * days / 7))


def _check_some_usable(path: Any, what: str, items: list, kept: list, problems: list[Problem], area: Any) -> None:
    """Raise when a layer has items but none of them can be snapped, with a hint at the likely cause."""
    if not items or kept:
        return
    from shapely.geometry import Point

    reasons = sorted({p.reason for p in problems})
    swapped = sum(1 for it in items if abs(it.lon) <= 90 and area.contains(Point(it.lat, it.lon)))
    if swapped >= max(1, len(items) // 2):
        hint = "latitude and longitude look swapped (GeoJSON is [lon, lat]); swap them in the file"
    elif "outside_area" in reasons:
        hint = (f"none lies inside the road area; check that the file is WGS84 lon/lat of this area "
                f"(first: {problems[0].detail})")
    else:
        hint = f"all are farther than {index_limit():.0f} m from a road (first: {problems[0].detail})"
    raise InputError(f"{path}: none of the {len(items)} {what} can be used: {hint}")


def index_limit() -> float:
    from routeplan import settings
    return settings.max_snap_distance_m


def plan_scenario(
    scenario: Scenario | str | Path,
    *,
    seed: int = 0,
    time_limit: float = 30.0,
    max_iterations: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[Plan, PlanContext]:
    """Plan a scenario end to end (without writing anything).

    Parameters
    ----------
    scenario
        A :class:`Scenario` or the path of a scenario TOML file.
    seed
        Random seed; the same inputs and seed give the same plan when ``max_iterations`` ends the search.
    time_limit
        Seconds for the optimizer.
    max_iterations
        Optional iteration cap of the search.
    progress
        Called with a short label before each stage.

    Returns
    -------
    (Plan, PlanContext)
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    ctx = prepare(scenario, progress)
    plan = plan_week(scenario, ctx.graph, ctx.objects, ctx.hotspots, seed=seed, time_limit=time_limit,
                     max_iterations=max_iterations, progress=progress)
    # objects that never reached the model are unserved too, with the snapping reason
    for p in ctx.problems:
        if p.layer == "vital_object" and p.visits > 0:
            plan.unserved.append(Unserved(p.id, p.reason, p.detail))
            plan.required_visits += p.visits
    plan.unserved.sort(key=lambda x: (x.id, x.visit or 0))
    return plan, ctx
