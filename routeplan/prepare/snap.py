"""Snapping layer points to the road graph: the nearest usable road node, or a :class:`Problem` saying why not.

Only edges that a patrol unit kind of the plan can drive are snapped to (an edge osmnx merged from a drivable
and a foot-only class has no travel time and would make its object unreachable). Roads left outside the kept
strongly connected network (:data:`routeplan.load.roads.OUTSIDE_KEY`) are indexed too, so that a point
beside one of them is reported as ``disconnected_road`` rather than served from a farther street.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import geopandas as gpd
import networkx as nx
import numpy as np
from pyproj import Transformer
from shapely.geometry import LineString, Point
from shapely.ops import substring
from shapely.strtree import STRtree

import routeplan.settings as settings
from routeplan.errors import InputError
from routeplan.load.roads import OUTSIDE_KEY
from routeplan.model.layers import Hotspot, VitalObject
from routeplan.model.plan import Problem

#: A layer item: a vital object or a hotspot (the same type comes back, with ``node`` set).
Item = TypeVar("Item", VitalObject, Hotspot)


@dataclass
class SnapIndex:
    """Nearest-road lookup in a projected CRS (metres)."""

    crs: Any
    tree: STRtree
    edges: list[tuple[int, int, int]]  # (u, v, key) of each indexed line
    node_xy: dict[int, tuple[float, float]]
    area: Any = None  # shapely polygon of the road area, or None
    to_proj: Any = None  # pyproj Transformer from EPSG:4326 to ``crs``
    outside: STRtree | None = None  # roads outside the kept network, or None

    @classmethod
    def from_graph(cls, G: nx.MultiDiGraph, area_polygon: Any = None, kinds: list[str] | None = None) -> SnapIndex:
        """Build the index of the drivable edges of ``G`` (edge geometry where osmnx kept it) in a local UTM CRS.

        Parameters
        ----------
        G
            The road graph (nodes with ``x``/``y`` in degrees).
        area_polygon
            The road area; points outside it are :class:`Problem` ``outside_area`` in :func:`snap_layer`.
        kinds
            Unit kinds of the plan: only edges with ``travel_time_<kind>`` for one of them are indexed. None
            indexes the edges any kind can drive (a ``travel_time_*`` attribute), and every edge of a graph
            without travel times.

        Returns
        -------
        SnapIndex
        """
        xs = np.array([d["x"] for _, d in G.nodes(data=True)])
        ys = np.array([d["y"] for _, d in G.nodes(data=True)])
        crs = gpd.GeoSeries.from_xy([xs.mean()], [ys.mean()], crs=4326).estimate_utm_crs()
        tf = Transformer.from_crs(4326, crs, always_xy=True)
        px, py = tf.transform(xs, ys)
        node_xy = {n: (float(x), float(y)) for n, x, y in zip(G.nodes, px, py)}
        keys = ({f"travel_time_{k}" for k in kinds} if kinds is not None
                else {k for _, _, d in G.edges(data=True) for k in d if k.startswith("travel_time_")} or None)
        lines, edges = [], []
        for u, v, k, d in G.edges(keys=True, data=True):
            if keys is not None and not keys.intersection(d):
                continue
            geom = d.get("geometry")
            if geom is not None:
                cx, cy = tf.transform(*geom.xy)
                line = LineString(list(zip(cx, cy)))
            else:
                line = LineString([node_xy[u], node_xy[v]])
            lines.append(line)
            edges.append((u, v, k))
        if not lines:
            raise InputError(f"{G.graph.get('routeplan_source', 'roads')}: no road that the units' kinds "
                             f"({', '.join(sorted(kinds or []))}) can drive; check [speeds]")
        outside = []
        for coords in G.graph.get(OUTSIDE_KEY) or []:
            if len(coords) >= 2:
                ox_, oy_ = tf.transform([c[0] for c in coords], [c[1] for c in coords])
                outside.append(LineString(list(zip(ox_, oy_))))
        return cls(crs, STRtree(lines), edges, node_xy, area_polygon, tf, STRtree(outside) if outside else None)

    def outside_distance(self, lon: float, lat: float) -> float | None:
        """Metres from a point to the nearest road outside the kept network, or None when there is none."""
        if self.outside is None:
            return None
        p = Point(*self.to_proj.transform(lon, lat))
        return float(self.outside.geometries[int(self.outside.nearest(p))].distance(p))

    def snap(self, lon: float, lat: float) -> tuple[int, float]:
        """Return (node, metres) of the road node to use for a point and its distance to the road."""
        x, y = self.to_proj.transform(lon, lat)
        p = Point(x, y)
        i = int(self.tree.nearest(p))
        dist_road = float(self.tree.geometries[i].distance(p))
        u, v, _k = self.edges[i]
        du = math.dist(self.node_xy[u], (x, y))
        dv = math.dist(self.node_xy[v], (x, y))
        return (u if du <= dv else v), dist_road


def snap_layer(items: list[Item], index: SnapIndex, what: str,
               max_m: float | None = None) -> tuple[list[Item], list[Problem]]:
    """Snap items to road nodes; return (snapped items, problems) where problems name the id and reason.

    Parameters
    ----------
    items
        VitalObject or Hotspot instances.
    index
        A :class:`SnapIndex` of the road graph.
    what
        Layer name for messages.
    max_m
        Farthest allowed distance to a road; defaults to ``settings.max_snap_distance_m``.

    Returns
    -------
    tuple
        (snapped items with ``node`` and ``snap_m`` set, a :class:`~routeplan.model.plan.Problem` for each
        item left out: ``outside_area``, ``disconnected_road`` or ``far_from_road``; ``visits`` is 0, the caller knows the plan's days)
    """
    limit = settings.max_snap_distance_m if max_m is None else max_m
    kept: list[Item] = []
    problems: list[Problem] = []
    for it in items:
        layer = "vital_object" if isinstance(it, VitalObject) else "hotspot"
        if index.area is not None and not index.area.contains(Point(it.lon, it.lat)):
            problems.append(Problem(it.id, layer, "outside_area",
                                    f"{what} {it.id!r} at ({it.lon:.5f}, {it.lat:.5f}) is outside the road area",
                                    **_where(it)))
            continue
        node, dist = index.snap(it.lon, it.lat)
        off = index.outside_distance(it.lon, it.lat)
        if off is not None and off <= limit and dist - off > settings.disconnected_margin_m:
            problems.append(Problem(
                it.id, layer, "disconnected_road",
                f"{what} {it.id!r} is {off:.0f} m from a road that does not connect with the planned network "
                f"(one-way or cut at the area's edge); the nearest connected road is {dist:.0f} m away",
                **_where(it)))
            continue
        if dist > limit:
            problems.append(Problem(it.id, layer, "far_from_road",
                                    f"{what} {it.id!r} is {dist:.0f} m from the nearest road (limit {limit:.0f} m)",
                                    **_where(it)))
            continue
        kept.append(replace(it, node=node, snap_m=round(dist, 1)))
    return kept, problems


def _where(it: VitalObject | Hotspot) -> dict[str, Any]:
    """The fields of a :class:`Problem` that keep a left-out point on the map and in the scorecard."""
    return {"name": it.name, "lon": it.lon, "lat": it.lat, "risk": it.risk if isinstance(it, Hotspot) else None}


#: A point whose projection lies closer than this to an end of its edge uses that end node (metres).
END_NODE_M = 1.0


def place_on_roads(G: nx.MultiDiGraph, index: SnapIndex, points: list[tuple[float, float]]) -> list[int]:
    """Road nodes at the projections of points on their nearest drivable edges, splitting those edges.

    A stop is driven to where it meets its road, not to the nearer end node of a long edge (which may lie
    a kilometre away). Each edge with projections on it is cut there into pieces with their share of the
    edge's ``length``, ``travel_time_<kind>`` and geometry; its reverse twin (a two-way road) is cut at the
    same places, so times are exact both ways and a one-way edge stays one-way. ``index`` must be built on
    ``G`` before the call; it is stale after it.

    Parameters
    ----------
    G
        The road graph; modified in place.
    index
        The :class:`SnapIndex` of ``G``.
    points
        (lon, lat) of each point, e.g. depots, then snapped objects and hotspots.

    Returns
    -------
    list of int
        The road node of each point, in order: an end node within :data:`END_NODE_M` of the projection,
        else a new node (ids after the graph's largest, in edge and position order: deterministic).
    """
    twin = _twins(G, index)
    where: list[tuple[int, float] | int] = []
    cuts: dict[int, set[float]] = {}
    for lon, lat in points:
        p = Point(*index.to_proj.transform(lon, lat))
        i = int(index.tree.nearest(p))
        line = index.tree.geometries[i]
        along = float(line.project(p))
        u, v, _k = index.edges[i]
        if along < END_NODE_M:
            where.append(u)
        elif line.length - along < END_NODE_M:
            where.append(v)
        else:
            f = round(along / line.length, 9)
            if twin.get(i, i) < i:  # cut a two-way road on one of its two edges, the first indexed
                i, f = twin[i], round(1.0 - f, 9)
            cuts.setdefault(i, set()).add(f)
            where.append((i, f))
    next_id = max((int(n) for n in G.nodes), default=0) + 1
    new_node: dict[tuple[int, float], int] = {}
    for i in sorted(cuts):
        fracs = sorted(cuts[i])
        u, v, k = index.edges[i]
        geom = _oriented(G, u, v, k)
        chain = [u]
        for f in fracs:
            x, y = geom.interpolate(f, normalized=True).coords[0]
            G.add_node(next_id, x=float(x), y=float(y), street_count=2)
            new_node[(i, f)] = next_id
            chain.append(next_id)
            next_id += 1
        chain.append(v)
        _split_edge(G, u, v, k, chain, [0.0, *fracs, 1.0])
        if i in twin:
            tu, tv, tk = index.edges[twin[i]]
            _split_edge(G, tu, tv, tk, chain[::-1], [0.0, *(1.0 - f for f in reversed(fracs)), 1.0])
    return [w if isinstance(w, int) else new_node[w] for w in where]


def _twins(G: nx.MultiDiGraph, index: SnapIndex) -> dict[int, int]:
    """Indexed edges by their reverse twin: (v, u) of the same length and line, the two ways of one road."""
    pos = {e: i for i, e in enumerate(index.edges)}
    out = {}
    for i, (u, v, k) in enumerate(index.edges):
        length = G.edges[u, v, k].get("length", 0.0)
        for k2, d in (G[v][u].items() if G.has_edge(v, u) else []):
            j = pos.get((v, u, k2))
            if j is not None and j != i and abs(d.get("length", 0.0) - length) < 1e-6 \
                    and index.tree.geometries[j].equals(index.tree.geometries[i]):
                out[i] = j
                break
    return out


def _oriented(G: nx.MultiDiGraph, u: int, v: int, k: int) -> LineString:
    """The edge's lon/lat line from ``u`` to ``v`` (its geometry, reversed if digitised the other way)."""
    a, b = (G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])
    geom = G.edges[u, v, k].get("geometry")
    if geom is None:
        return LineString([a, b])
    pts = list(geom.coords)
    if math.dist(pts[0], a) > math.dist(pts[-1], a):
        pts = pts[::-1]
    return LineString(pts)


def _split_edge(G: nx.MultiDiGraph, u: int, v: int, k: int, chain: list[int], fracs: list[float]) -> None:
    """Replace edge (u, v, k) by edges along ``chain`` with the shares ``fracs`` (0 … 1) of its attributes."""
    data = dict(G.edges[u, v, k])
    geom = _oriented(G, u, v, k) if data.get("geometry") is not None else None
    G.remove_edge(u, v, k)
    for a, b, fa, fb in zip(chain, chain[1:], fracs, fracs[1:]):
        share = fb - fa
        piece = {key: val for key, val in data.items() if key != "geometry"}
        piece["length"] = float(data.get("length", 0.0)) * share
        for key, val in data.items():
            if key.startswith("travel_time_"):
                piece[key] = float(val) * share
        if geom is not None:
            piece["geometry"] = substring(geom, fa, fb, normalized=True)
        G.add_edge(a, b, **piece)
