"""Prepare: read the layers and the roads of a scenario, snap depots and layer points to the roads once.

:func:`prepare` gives a :class:`PlanContext`, everything the later stages need about the inputs: the
scenario, the road graph, the usable (snapped) objects and hotspots, the depots' road nodes and the
:class:`~routeplan.model.plan.Problem` of every point that could not be used.
:func:`plan_matrices` computes the travel-time matrices between its locations for the optimizer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import networkx as nx
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

import routeplan.settings as settings
from routeplan.errors import InputError
from routeplan.load.layers import read_desa, read_hotspots, read_vital_objects
from routeplan.load.roads import graph_area_polygon, load_roads, read_boundary
from routeplan.load.scenario import check_pin_objects
from routeplan.model.layers import (
    Hotspot,
    VitalObject,
    allowed_days,
    gap_minutes,
    greedy_starts,
    object_windows,
    road_node,
    start_intervals,
    visit_capacity,
)
from routeplan.model.operations import day_rules, weekly_share
from routeplan.model.plan import Problem
from routeplan.model.scenario import Scenario
from routeplan.prepare.capacity import operation_warnings
from routeplan.prepare.matrix import LocationMatrices, location_matrices
from routeplan.prepare.snap import SnapIndex, place_on_roads, snap_layer

log = logging.getLogger(__name__)


@dataclass
class PlanContext:
    """Everything a plan was made from, for the optimizer and for rendering maps and briefings.

    Attributes
    ----------
    scenario
        The scenario.
    graph
        The road graph (:func:`routeplan.load.roads.load_roads`).
    objects, hotspots
        The usable layer points, snapped (``node`` set).
    problems
        The points left out, with their reason.
    desa
        (name, polygon) of the desa layer, or None.
    depot_nodes
        Road node of every depot, by depot id, in the scenario's order.
    warnings
        One line per object that asks for more visits than its days, windows and minimum gap can hold
        (the surplus is unserved with reason ``surplus``); the CLI prints them.
    """

    scenario: Scenario
    graph: nx.MultiDiGraph
    objects: list[VitalObject]
    hotspots: list[Hotspot]
    problems: list[Problem] = field(default_factory=list)
    desa: list[tuple[str, BaseGeometry]] | None = None  # read before the roads
    depot_nodes: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def locations(self) -> list[int]:
        """Road nodes of the plan's locations without repeats: the depots, then objects and hotspots."""
        nodes = list(self.depot_nodes.values()) + [road_node(o) for o in self.objects] + [road_node(h) for h in self.hotspots]
        return list(dict.fromkeys(nodes))


def prepare(scenario: Scenario, progress: Callable[[str], None] | None = None) -> PlanContext:
    """Load roads and layers of a scenario and snap the depots and the layers to the roads.

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

    Raises
    ------
    InputError
        A bad layer file, a depot far from every road, or a layer none of whose points is usable.
    """
    say = progress or (lambda _m: None)
    # every input file is read and checked first, so that a bad one is refused before the long stages
    say("reading inputs")
    objects = read_vital_objects(scenario.vital_objects, scenario.default_dwell_minutes) if scenario.vital_objects else []
    objects += _operation_objects(scenario, {o.id for o in objects})
    check_pin_objects(scenario, {o.id for o in objects})
    hotspots = read_hotspots(scenario.hotspots) if scenario.hotspots else []
    if not objects and not hotspots:
        raise InputError(f"{scenario.path}: [layers] names neither vital_objects nor hotspots; nothing to patrol")
    desa = read_desa(scenario.desa) if scenario.desa else None
    boundary = read_boundary(scenario.area.boundary) if scenario.area.boundary else None
    say("road graph")
    G = load_roads(scenario)
    say("layers")
    area = boundary if boundary is not None else graph_area_polygon(G)
    index = SnapIndex.from_graph(G, area, sorted({u.kind for u in scenario.units}))
    for d in scenario.depots.values():
        _node, dist = index.snap(d.lon, d.lat)
        if dist > settings.max_snap_distance_m:
            raise InputError(f"{scenario.path}: depot {d.id!r} is {dist:.0f} m from the nearest road; check its lat/lon")
    all_objects, all_hotspots = objects, hotspots
    objects, p1 = snap_layer(objects, index, "vital object")
    hotspots, p2 = snap_layer(hotspots, index, "hotspot")
    # every point is driven to where it meets its road: its edge is cut there (the index is stale after)
    depots = list(scenario.depots.values())
    nodes = place_on_roads(G, index, [(d.lon, d.lat) for d in depots] + [(o.lon, o.lat) for o in objects]
                           + [(h.lon, h.lat) for h in hotspots])
    depot_nodes = {d.id: n for d, n in zip(depots, nodes)}
    objects = [replace(o, node=n) for o, n in zip(objects, nodes[len(depots):])]
    hotspots = [replace(h, node=n) for h, n in zip(hotspots, nodes[len(depots) + len(objects):])]
    # one unusable point is reported; a layer with no usable point at all is a wrong file or CRS
    _check_some_usable(scenario.vital_objects, "vital objects", all_objects, objects, p1, area)
    _check_some_usable(scenario.hotspots, "hotspots", all_hotspots, hotspots, p2, area)
    visits = {o.id: planned_visits(o.visits_per_week, scenario.days) for o in all_objects}
    p1 = [replace(p, visits=visits.get(p.id, 0)) for p in p1]
    for p in p1 + p2:
        log.warning(p.detail)
    return PlanContext(scenario, G, objects, hotspots, p1 + p2, desa, depot_nodes,
                       capacity_warnings(scenario, objects))


def capacity_warnings(scenario: Scenario, objects: list[VitalObject]) -> list[str]:
    """One line per object whose planned visits do not fit its allowed days, windows and minimum gap.

    Parameters
    ----------
    scenario
        The scenario (its dates).
    objects
        The vital objects.

    Returns
    -------
    list of str
        ``"<id>: <n> visits asked, its days and windows hold only <m> visits <gap> h apart; ..."``, then one
        line per operation and category that asks more than its days hold
        (:func:`routeplan.prepare.capacity.operation_warnings`); each logged. On an operation's days its own
        rule replaces an object's weekly rule (:func:`routeplan.model.operations.day_rules`), as in the optimizer.
    """
    out = []
    dates = scenario.dates
    for o in objects:
        rules = day_rules(o, scenario.operations, dates) if scenario.operations else {}
        if rules or o.operation:
            days, share = weekly_share(o, allowed_days(o, dates), rules)
            want = planned_visits(round(o.visits_per_week * share), scenario.days)
            cap = len(greedy_starts(start_intervals(object_windows(o, days), o.dwell_minutes), gap_minutes(o), want))
        else:
            want = planned_visits(o.visits_per_week, scenario.days)
            cap = visit_capacity(o, dates, want)
        if cap < want:
            out.append(f"{o.id}: {want} visits asked, but its days ({', '.join(o.days)}) and windows hold only {cap} "
                       f"{o.min_gap_hours:g} h apart; {want - cap} listed as unserved (surplus)")
    out += operation_warnings(scenario, objects)
    for line in out:
        log.warning(line)
    return out


def planned_visits(per_week: int, days: int) -> int:
    """Visits of an object in a plan of ``days`` days (as the optimizer counts them)."""
    if per_week <= 0:
        return 0
    return per_week if days == 7 else max(1, round(per_week * days / 7))


def _check_some_usable(path: Path | None, what: str, items: list[VitalObject] | list[Hotspot],
                       kept: list[VitalObject] | list[Hotspot], problems: list[Problem], area: BaseGeometry) -> None:
    """Raise when a layer has items but none of them can be snapped, with a hint at the likely cause."""
    if not items or kept:
        return
    reasons = sorted({p.reason for p in problems})
    swapped = sum(1 for it in items if abs(it.lon) <= 90 and area.contains(Point(it.lat, it.lon)))
    if swapped >= max(1, len(items) // 2):
        hint = "latitude and longitude look swapped (GeoJSON is [lon, lat]); swap them in the file"
    elif "outside_area" in reasons:
        hint = (f"none lies inside the road area; check that the file is WGS84 lon/lat of this area "
                f"(first: {problems[0].detail})")
    else:
        hint = f"all are farther than {settings.max_snap_distance_m:.0f} m from a road (first: {problems[0].detail})"
    raise InputError(f"{path}: none of the {len(items)} {what} can be used: {hint}")


def plan_matrices(ctx: PlanContext, progress: Callable[[str], None] | None = None) -> LocationMatrices:
    """Travel-time and distance matrices between the context's locations, one per unit kind of the scenario.

    Parameters
    ----------
    ctx
        A prepared context.
    progress
        Called with a short label before the computation.

    Returns
    -------
    LocationMatrices
    """
    if progress:
        progress("travel-time matrix")
    kinds = sorted({u.kind for u in ctx.scenario.units})
    return location_matrices(ctx.graph, ctx.locations(), kinds)


def _operation_objects(scenario: Scenario, taken: set[str]) -> list[VitalObject]:
    """The objects of the operations' own layers (e.g. polling stations), marked with their operation."""
    out: list[VitalObject] = []
    for op in scenario.operations:
        for path in op.layers:
            for o in read_vital_objects(path, scenario.default_dwell_minutes):
                if o.id in taken:
                    raise InputError(f"{path}: id {o.id!r} of operation {op.name!r} is already used by another "
                                     "vital object; ids must be unique across layers")
                taken.add(o.id)
                out.append(replace(o, operation=op.name))
    return out
