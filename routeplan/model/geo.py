"""Places in metres: a local plane around a road graph, and the area of a hotspot in it.

One definition of "at a hotspot" serves every stage: the optimizer values an area patrol by the part of its loop
inside hotspot areas, the presence figures weigh a stop by the hotspot areas it is in, and plan against actual
counts the minutes a track spends in them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

import routeplan.settings as settings
from routeplan.model.layers import Hotspot


@dataclass(frozen=True)
class Frame:
    """A local plane (metres) around ``(lon0, lat0)``: equirectangular, good to well under 0.1 % over 50 km."""

    lon0: float
    lat0: float

    @property
    def kx(self) -> float:
        """Metres per degree of longitude."""
        return 111_320.0 * math.cos(math.radians(self.lat0))

    @property
    def ky(self) -> float:
        """Metres per degree of latitude."""
        return 110_574.0

    def xy(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Project degrees to local metres."""
        return (np.asarray(lon, dtype=float) - self.lon0) * self.kx, (np.asarray(lat, dtype=float) - self.lat0) * self.ky


def frame_of(G: nx.MultiDiGraph) -> Frame:
    """Return the local plane centred on a road graph (nodes in degrees)."""
    xs = [d["x"] for _, d in G.nodes(data=True)]
    ys = [d["y"] for _, d in G.nodes(data=True)]
    return Frame(float(np.mean(xs)) if xs else 0.0, float(np.mean(ys)) if ys else 0.0)


def hotspot_area(lon: float, lat: float, wkt: str, frame: Frame, margin_m: float = 0.0) -> BaseGeometry:
    """Return a hotspot's area in the local plane.

    Parameters
    ----------
    lon, lat
        The hotspot's point (degrees).
    wkt
        Its polygon as WKT (degrees), or "" for a point hotspot.
    frame
        The local plane.
    margin_m
        Metres added around a polygon (a stop on the road beside it is at the hotspot).

    Returns
    -------
    shapely geometry
        The polygon (grown by ``margin_m``), or a circle of ``settings.hotspot_radius_m`` around the point.
    """
    if wkt:
        g = shapely.from_wkt(wkt)
        if g.geom_type in ("Polygon", "MultiPolygon"):
            poly = shapely.transform(g, lambda c: np.column_stack(frame.xy(c[:, 0], c[:, 1])))
            return poly.buffer(margin_m) if margin_m > 0 else poly
    x, y = frame.xy(np.array([lon]), np.array([lat]))
    return shapely.Point(x[0], y[0]).buffer(settings.hotspot_radius_m)


class HotspotAreas:
    """The areas of hotspots in a local plane, indexed.

    Each area is :func:`hotspot_area` grown by ``settings.hotspot_radius_m``; the index answers which areas contain a
    point and how much of a path runs inside each.
    """

    def __init__(self, hotspots: Sequence[Hotspot], frame: Frame):
        self.hotspots = list(hotspots)
        self.frame = frame
        self.areas = [hotspot_area(h.lon, h.lat, h.geometry_wkt, frame, margin_m=settings.hotspot_radius_m)
                      for h in self.hotspots]
        self.tree = shapely.STRtree(self.areas) if self.areas else None

    def containing(self, lon: float, lat: float) -> list[int]:
        """Return the indices of the hotspots whose area holds the point (degrees)."""
        if self.tree is None:
            return []
        x, y = self.frame.xy(np.array([lon]), np.array([lat]))
        return sorted(int(i) for i in self.tree.query(shapely.Point(x[0], y[0]), predicate="intersects"))

    def inside(self, lon: Sequence[float], lat: Sequence[float]) -> tuple[float, list[tuple[int, float]]]:
        """Return the length of a path (metres) and how much of it lies in each hotspot area.

        The path runs through the points (degrees); the list holds (hotspot index, metres inside its area) for each
        area the path enters.
        """
        if len(lon) < 2:
            return 0.0, []
        xs, ys = self.frame.xy(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        line = shapely.LineString(np.column_stack([xs, ys]))
        if self.tree is None:
            return float(line.length), []
        hits = sorted(int(i) for i in self.tree.query(line, predicate="intersects"))
        return float(line.length), [(i, float(shapely.intersection(line, self.areas[i]).length)) for i in hits]
