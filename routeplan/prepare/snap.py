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
    edges: list[tuple[int, int]]
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
        for u, v, d in G.edges(data=True):
            if keys is not None and not keys.intersection(d):
                continue
            geom = d.get("geometry")
            if geom is not None:
                cx, cy = tf.transform(*geom.xy)
                line = LineString(list(zip(cx, cy)))
            else:
                line = LineString([node_xy[u], node_xy[v]])
            lines.append(line)
            edges.append((u, v))
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
        u, v = self.edges[i]
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
