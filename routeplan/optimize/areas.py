"""Area patrols: loops through a desa's roads (or a cell of the road network), timed for each unit kind, and the
hour-of-day intensity of hotspots that values presence (issue #12; DOMAIN.md "Patrol science").

An area patrol is presence too: driving slowly through a desa's lanes, where a rural kecamatan has few
hotspots. :func:`patrol_areas` builds one loop per area and unit kind; :mod:`routeplan.optimize.presence`
turns them into candidate stops.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import shapely
from shapely.geometry import box

import routeplan.settings as settings
from routeplan._checks import BAD_CHARS
from routeplan.load.layers import read_desa
from routeplan.model.geo import HotspotAreas, frame_of
from routeplan.model.layers import Hotspot, VitalObject, road_node
from routeplan.prepare.context import PlanContext

#: Hour-of-day intensity of the crime types of DOMAIN.md (0..1; 0.4 outside the listed hours): robbery at night
#: and in the cash hours, burglary and livestock theft at night, motorcycle theft at the market mornings,
#: school hours and evenings. A hotspot without types is equally likely at every hour of its active hours.
TYPE_HOURS: dict[str, tuple[tuple[int, int, float], ...]] = {
    "curas": ((18, 24, 1.0), (0, 3, 1.0), (8, 15, 0.7)),
    "curat": ((22, 24, 1.0), (0, 5, 1.0), (12, 15, 0.6)),
    "curanmor": ((5, 10, 1.0), (17, 23, 1.0), (10, 14, 0.7)),
    "curhewan": ((22, 24, 1.0), (0, 5, 1.0)),
}
_OFF_HOURS = 0.4


@dataclass(frozen=True)
class PatrolArea:
    """A loop through an area's roads for one unit kind, entered and left at a plan location."""

    id: str
    name: str
    kind: str
    entry: int  # road node, one of the plan's locations
    nodes: tuple[int, ...]  # the loop's road nodes, entry first and last
    minutes: float
    lon: float
    lat: float
    base_value: float
    #: the hotspots the loop passes, each with the share of the loop's length inside its area
    passes: tuple[tuple[Hotspot, float], ...]
    is_desa: bool = True  # a desa of the layer, else a cell of the road network
    metres: float = 0.0  # length of the loop on the roads: driven, so it counts in the route's distance

    @property
    def node(self) -> int:
        """The road node where the loop starts and ends."""
        return self.entry

    def value(self, hour: int) -> float:
        """Value of a minute of this loop at ``hour``: its floor and objects, and a share of the risk it passes
        (each hotspot's risk and intensity times the share of the loop inside the hotspot's area)."""
        passed = sum(h.risk * hour_intensity(h, hour) * share for h, share in self.passes)
        return min(1.5, self.base_value + settings.area_value_hotspot_share * passed)


def context_areas(ctx: PlanContext, kinds: Sequence[str], locations: Sequence[int] | None = None) -> list[PatrolArea]:
    """The area patrols of a plan's context: one loop per desa (or cell) and unit kind (:func:`patrol_areas`).

    Parameters
    ----------
    ctx
        The prepared scenario (its desa layer, read here when the context was prepared without it).
    kinds
        The unit kinds.
    locations
        The plan's location nodes (default: ``ctx.locations()``, the nodes of the plan's travel matrices).

    Returns
    -------
    list of PatrolArea
        The same loops the optimizer offers, so a measure of a plan can follow an area patrol's roads.
    """
    desa = ctx.desa if ctx.desa is not None or ctx.scenario.desa is None else read_desa(ctx.scenario.desa)
    nodes = list(locations) if locations is not None else ctx.locations()
    return patrol_areas(ctx.graph, desa, nodes, list(kinds), ctx.objects, ctx.hotspots)


def hour_intensity(h: Hotspot, hour: int) -> float:
    """The hotspot's intensity at ``hour`` (0..1): 0 outside its active hours, else its types' profile."""
    if not h.active_at(hour * 60 + 30):
        return 0.0
    known = [t for t in h.types if t in TYPE_HOURS]
    if not known:
        return 1.0
    return max(max((w for a, b, w in TYPE_HOURS[t] if a <= hour < b), default=_OFF_HOURS) for t in known)


def _weight(kind: str) -> Callable[[Any, Any, dict[Any, dict[str, Any]]], float | None]:
    key = f"travel_time_{kind}"

    def w(_u: Any, _v: Any, d: dict[Any, dict[str, Any]]) -> float | None:
        return min((e[key] for e in d.values() if key in e), default=None)
    return w


def _polygons(G: nx.MultiDiGraph, desa: list[tuple[str, Any]] | None) -> list[tuple[str, Any]]:
    """The areas to patrol: the desa, or square cells of ``settings.area_cell_m`` over the road network."""
    if desa:
        return desa
    xs = np.array([d["x"] for _n, d in G.nodes(data=True)])
    ys = np.array([d["y"] for _n, d in G.nodes(data=True)])
    if not len(xs):
        return []
    lat0 = float(np.mean(ys))
    step_y = settings.area_cell_m / 111_320
    step_x = step_y / max(math.cos(math.radians(lat0)), 0.1)
    out = []
    for i, y in enumerate(np.arange(ys.min(), ys.max() + 1e-12, step_y)):
        for j, x in enumerate(np.arange(xs.min(), xs.max() + 1e-12, step_x)):
            out.append((f"{chr(65 + i % 26)}{j + 1}", box(x, y, x + step_x, y + step_y)))
    return out


# long: one loop per area and unit kind, built in one pass over the areas' road nodes
def patrol_areas(G: nx.MultiDiGraph, desa: list[tuple[str, Any]] | None, locations: list[int], kinds: list[str],
                 objects: list[VitalObject], hotspots: list[Hotspot]) -> list[PatrolArea]:
    """One :class:`PatrolArea` per area (desa, else cell) and unit kind whose roads make a loop.

    Parameters
    ----------
    G
        The road graph with ``travel_time_<kind>`` on the edges each kind drives.
    desa
        (name, polygon) of the desa layer, or None for cells of the road network.
    locations
        Road nodes of the plan's locations: a loop is entered at one of them (inside the area, nearest its
        middle; else the nearest within ``settings.area_entry_max_m``).
    kinds
        The unit kinds of the plan.
    objects, hotspots
        The snapped layers, for the value of each area.

    Returns
    -------
    list of PatrolArea
        Loops of at least ``settings.area_loop_min_minutes`` and at most ``settings.area_loop_max_minutes``.
    """
    node_ids = np.array(list(G.nodes))
    xs = np.array([G.nodes[n]["x"] for n in node_ids])
    ys = np.array([G.nodes[n]["y"] for n in node_ids])
    loc_xy = np.array([(G.nodes[n]["x"], G.nodes[n]["y"]) for n in locations])
    out: list[PatrolArea] = []
    passed = HotspotAreas(hotspots, frame_of(G))
    for name, poly in _polygons(G, desa):
        inside = node_ids[shapely.contains_xy(poly, xs, ys)]
        if len(inside) < 2:
            continue
        members = set(inside.tolist())
        mid = poly.representative_point()
        entry = _entry(locations, loc_xy, members, mid.x, mid.y)
        if entry is None:
            continue
        objs = sum(1 for o in objects if road_node(o) in members)
        base = settings.area_value_floor + min(settings.area_value_objects_cap, settings.area_value_per_object * objs)
        label = str(name) if desa else _cell_label(str(name), G, members)
        for kind in kinds:
            loop = _loop(G, entry, sorted(members), kind)
            if loop is None:
                continue
            nodes, seconds = loop
            out.append(PatrolArea(f"area:{name}", label, kind, entry, nodes, seconds / 60,
                                  float(G.nodes[entry]["x"]), float(G.nodes[entry]["y"]), base,
                                  _shares(passed, G, nodes), bool(desa),
                                  metres=_path_metres(G, nodes, kind)))
    return out


def _shares(areas: HotspotAreas, G: nx.MultiDiGraph, nodes: tuple[int, ...]) -> tuple[tuple[Hotspot, float], ...]:
    """The hotspots a loop passes, each with the share of the loop's length inside its area."""
    total, inside = areas.inside([G.nodes[n]["x"] for n in nodes], [G.nodes[n]["y"] for n in nodes])
    if total <= 0:
        return ()
    return tuple((areas.hotspots[i], m / total) for i, m in inside if m > 0)


def _entry(locations: list[int], loc_xy: np.ndarray, members: set[int], x: float, y: float) -> int | None:
    """The plan location inside the area nearest its middle, else the nearest one close enough."""
    if not len(locations):
        return None
    d = np.hypot((loc_xy[:, 0] - x) * math.cos(math.radians(y)), loc_xy[:, 1] - y) * 111_320
    order = np.argsort(d, kind="stable")
    for i in order:
        if locations[int(i)] in members:
            return locations[int(i)]
    i = int(order[0])
    return locations[i] if d[i] <= settings.area_entry_max_m else None


def _loop(G: nx.MultiDiGraph, entry: int, members: list[int], kind: str) -> tuple[tuple[int, ...], float] | None:
    """A loop from ``entry`` through up to five far-apart road nodes of the area, in angle order, timed on the
    roads ``kind`` drives; at most ``settings.area_loop_max_minutes`` long."""
    weight = _weight(kind)
    max_s = settings.area_loop_max_minutes * 60
    near = nx.single_source_dijkstra_path_length(G, entry, cutoff=max_s / 2, weight=weight)
    cand = [n for n in members if n in near and n != entry]
    if not cand:
        return None
    xy = {n: (G.nodes[n]["x"], G.nodes[n]["y"]) for n in [entry, *cand]}
    legs: dict[tuple[int, int], tuple[float, list[int]]] = {}

    def leg(a: int, b: int) -> tuple[float, list[int]]:
        if (a, b) not in legs:
            try:
                legs[(a, b)] = nx.bidirectional_dijkstra(G, a, b, weight=weight)
            except nx.NetworkXNoPath:
                legs[(a, b)] = (math.inf, [])
        return legs[(a, b)]

    chosen: list[int] = []
    best: tuple[tuple[int, ...], float] | None = None
    while len(chosen) < 5:
        pts = [entry, *chosen]
        far = max((n for n in cand if n not in chosen),
                  key=lambda n: min(math.hypot(xy[n][0] - xy[p][0], xy[n][1] - xy[p][1]) for p in pts), default=None)
        if far is None:
            break
        seq = _angle_order(entry, [*chosen, far], xy)
        total, path = 0.0, [entry]
        for a, b in zip(seq, seq[1:]):
            t, p = leg(a, b)
            total += t
            path.extend(p[1:])
        if total > max_s:
            break
        chosen.append(far)
        best = (tuple(path), total)
    if best is None or best[1] < settings.area_loop_min_minutes * 60:
        return None
    return best


#: A cell's label keeps at most this much of its road's name (a name is one line of a briefing row).
CELL_ROAD_MAX_CHARS = 80


def _cell_label(cell: str, G: nx.MultiDiGraph, members: set[int]) -> str:
    """A cell's name for people: its grid reference and the named road with the most length inside it
    (``B2 (Jalan Raya Kunir)``), so that a briefing's "area patrol B2" says where; the reference alone when no
    road in it has a name. OSM names are user text: one line, control characters removed (escaped at output)."""
    length: dict[str, float] = {}
    for _a, b, d in G.edges(members, data=True):
        if b in members and d.get("name"):
            road = d["name"][0] if isinstance(d["name"], (list, tuple)) else d["name"]
            road = " ".join(re.sub(BAD_CHARS, " ", str(road)).split())[:CELL_ROAD_MAX_CHARS]
            if road:
                length[road] = length.get(road, 0.0) + float(d.get("length", 0.0))
    if not length:
        return cell
    road = max(sorted(length), key=lambda r: length[r])  # sorted first: ties go the same way in every run
    return f"{cell} ({road})"


def _path_metres(G: nx.MultiDiGraph, nodes: tuple[int, ...], kind: str) -> float:
    """Length of a node path, each step on the shortest parallel edge that the unit kind drives."""
    weight = f"travel_time_{kind}"
    total = 0.0
    for a, b in zip(nodes, nodes[1:]):
        lengths = [float(d.get("length", 0.0)) for d in G[a][b].values() if d.get(weight) is not None]
        total += min(lengths) if lengths else 0.0
    return total


def _angle_order(entry: int, pts: list[int], xy: dict[int, tuple[float, float]]) -> list[int]:
    """``entry``, the points by angle around their middle starting after the entry, and ``entry`` again."""
    allp = [entry, *pts]
    cx = sum(xy[p][0] for p in allp) / len(allp)
    cy = sum(xy[p][1] for p in allp) / len(allp)
    ang = {p: math.atan2(xy[p][1] - cy, xy[p][0] - cx) for p in allp}
    ring = sorted(allp, key=lambda p: (ang[p], p))
    k = ring.index(entry)
    return ring[k:] + ring[:k] + [entry]
