"""Where hotspots are: road lines and desa for the page's base layer, and hotspot names from them.

A hotspot is named after the nearest named road within :data:`ROAD_NAME_WITHIN_M` of its centre, and the
desa (village) holding its centre, when a road graph or a desa layer is given; otherwise it keeps its
generic name (``Titik rawan 1 (curat)``). Names from OpenStreetMap and the desa layer are user text: the
page escapes them (:mod:`routeplan.hotspots.page`).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
from shapely.geometry import LineString, box

from routeplan._checks import BAD_CHARS
from routeplan.hotspots.density import local_crs
from routeplan.hotspots.result import HotspotResult
from routeplan.load.layers import read_desa as load_desa
from routeplan.load.roads import graph_from_file
from routeplan.load.scenario import DEFAULT_SPEEDS_KMH

log = logging.getLogger(__name__)

#: A road farther than this from a hotspot's centre does not name it (metres).
ROAD_NAME_WITHIN_M: float = 300.0
#: Highway classes drawn wider on the page and labelled with their names.
MAIN_ROADS: frozenset[str] = frozenset({"motorway", "trunk", "primary", "secondary", "tertiary",
                                        "motorway_link", "trunk_link", "primary_link", "secondary_link"})


def _text(value: Any) -> str:
    """An OSM tag value as one clean line (the first of a list; control characters become spaces)."""
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return " ".join(re.sub(BAD_CHARS, " ", str(value)).split())


def road_lines(graph: nx.MultiDiGraph, bounds: tuple[float, float, float, float] | None = None) -> gpd.GeoDataFrame:
    """The graph's roads as lines (one per pair of nodes, either direction), in EPSG:4326.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A road graph with node ``x``/``y`` in degrees (:func:`routeplan.graph_from_file`).
    bounds : (minx, miny, maxx, maxy), optional
        Keep only roads that touch this box (degrees).

    Returns
    -------
    geopandas.GeoDataFrame
        ``name`` (``""`` when unnamed), ``highway``, ``main`` (a main road class) and the line.
    """
    rows, seen = [], set()
    for u, v, d in graph.edges(data=True):
        key = (min(u, v), max(u, v))
        if key in seen:
            continue
        seen.add(key)
        geom = d.get("geometry")
        if geom is None:
            a, b = graph.nodes[u], graph.nodes[v]
            geom = LineString([(a["x"], a["y"]), (b["x"], b["y"])])
        highway = _text(d.get("highway"))
        rows.append({"name": _text(d.get("name")), "highway": highway, "main": highway in MAIN_ROADS,
                     "geometry": geom})
    lines = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326") if rows else gpd.GeoDataFrame(
        {"name": [], "highway": [], "main": []}, geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    if bounds is not None and len(lines):
        lines = lines[lines.intersects(box(*bounds))]
    return lines.reset_index(drop=True)


def read_roads(path: str | Path, bounds: tuple[float, float, float, float] | None = None) -> gpd.GeoDataFrame:
    """Road lines of a local OSM file (``.osm``, ``.osm.bz2``, ``.osm.pbf``), see :func:`road_lines`.

    Parameters
    ----------
    path : str or Path
    bounds : (minx, miny, maxx, maxy), optional

    Returns
    -------
    geopandas.GeoDataFrame
    """
    return road_lines(graph_from_file(path, DEFAULT_SPEEDS_KMH), bounds)


def read_desa(path: str | Path) -> gpd.GeoDataFrame:
    """Desa (village) polygons with their names, in EPSG:4326, read and checked as the planner's desa layer.

    Parameters
    ----------
    path : str or Path
        A desa layer as :func:`routeplan.load.layers.read_desa` reads it (GeoJSON polygons with ``desa``,
        ``name``, ``nama`` or ``id``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``name`` and the polygon.

    Raises
    ------
    InputError
        As :func:`routeplan.load.layers.read_desa`.
    """
    rows = load_desa(path)
    return gpd.GeoDataFrame({"name": [name for name, _ in rows]}, geometry=[geom for _, geom in rows], crs="EPSG:4326")


def place_names(points: gpd.GeoSeries, roads: gpd.GeoDataFrame | None = None,
                desa: gpd.GeoDataFrame | None = None) -> list[str]:
    """The place of each point: the nearest named road within :data:`ROAD_NAME_WITHIN_M`, then its desa.

    Parameters
    ----------
    points : geopandas.GeoSeries
        Points with a CRS.
    roads : geopandas.GeoDataFrame, optional
        :func:`road_lines`.
    desa : geopandas.GeoDataFrame, optional
        :func:`read_desa`.

    Returns
    -------
    list of str
        ``"N Broad Street, Desa Kunir"``, one part, or ``""`` where neither is known.
    """
    parts: list[list[str]] = [[] for _ in range(len(points))]
    if len(points) == 0:
        return []
    utm = local_crs(gpd.GeoDataFrame(geometry=points.to_crs("EPSG:4326")))
    pts = points.to_crs(utm).reset_index(drop=True)
    if roads is not None and len(roads):
        named = roads[roads["name"] != ""].to_crs(utm).reset_index(drop=True)
        if len(named):
            idx_pt, idx_road = named.sindex.nearest(pts, max_distance=ROAD_NAME_WITHIN_M, return_all=False)
            for i, j in zip(idx_pt, idx_road):
                parts[int(i)].append(str(named.loc[int(j), "name"]))
    if desa is not None and len(desa):
        d = desa.to_crs(utm).reset_index(drop=True)
        idx_pt, idx_desa = d.sindex.query(pts, predicate="within")
        for i, j in zip(idx_pt, idx_desa):
            if len(parts[int(i)]) < 2:
                parts[int(i)].append(f"Desa {d.loc[int(j), 'name']}")
    return [", ".join(p) for p in parts]


def name_hotspots(result: HotspotResult, roads: gpd.GeoDataFrame | None = None,
                  desa: gpd.GeoDataFrame | None = None) -> None:
    """Put the place of each hotspot into its name and a ``place`` column (in place).

    ``Titik rawan 1 (curat)`` becomes ``Titik rawan 1: N Broad Street (curat)``; a hotspot without a
    known place keeps its name.

    Parameters
    ----------
    result : HotspotResult
    roads, desa : geopandas.GeoDataFrame, optional
        See :func:`place_names`.
    """
    hs = result.hotspots
    if len(hs) == 0:
        hs["place"] = []
        return
    utm = local_crs(gpd.GeoDataFrame(geometry=hs.geometry))
    centres = hs.geometry.to_crs(utm).representative_point().to_crs(hs.crs)
    places = place_names(centres, roads, desa)
    hs["place"] = places
    names = []
    for name, place in zip(hs["name"].astype(str), places):
        head, sep, tail = name.partition(" (")
        names.append(f"{head}: {place}{sep}{tail}" if place else name)
    hs["name"] = names
    log.info("%d of %d hotspots named after a road or desa", sum(1 for p in places if p), len(places))
