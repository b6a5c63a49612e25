"""Plan exports: plan.json, stops.csv, plan.xlsx, routes.geojson, one GPX per route and a GeoPackage."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import gpxpy.gpx
import gpxpy.gpxfield
import pandas as pd
from shapely import wkt
from shapely.geometry import LineString, MultiPolygon, Point
from shapely.geometry.base import BaseGeometry

from routeplan._io import file_stem, unique_file_stems, write_text_atomic
from routeplan.model.plan import Plan, Route
from routeplan.model.planfile import write_plan_json
from routeplan.prepare.context import PlanContext
from routeplan.render.xlsx import timezone_label, write_workbook

log = logging.getLogger(__name__)

STOP_COLUMNS = ["unit", "unit_kind", "day", "shift", "depot", "seq", "id", "kind", "name", "category",
                "arrival", "departure", "timezone", "dwell_minutes", "window", "desa", "lon", "lat"]
#: Date-times in ``stops.csv``: local time, a form spreadsheets read as a date-time (the zone is its own column).
CSV_TIME_FORMAT = "%Y-%m-%d %H:%M"


def route_slug(r: Route) -> str:
    """A file-name-safe key of a route: ``<unit>_<day>_<shift>``.

    Ids that file names cannot hold as they are get a short hash (:func:`routeplan._io.file_stem`);
    :func:`route_slugs` also keeps routes whose names differ only in case apart.
    """
    return file_stem(r.unit, r.day.isoformat(), r.shift)


def route_slugs(routes: list[Route]) -> list[str]:
    """The file-name keys of a plan's routes, unique within the plan (the briefing pages use the same)."""
    return unique_file_stems((r.unit, r.day.isoformat(), r.shift) for r in routes)


def stop_rows(plan: Plan) -> list[dict[str, Any]]:
    """One row per planned stop, in route and visiting order (arrival and departure as local date-times)."""
    rows = []
    for r in plan.routes:
        for i, s in enumerate(r.stops, start=1):
            rows.append({
                "unit": r.unit, "unit_kind": r.unit_kind, "day": r.day.isoformat(), "shift": r.shift,
                "depot": r.depot, "seq": i, "id": s.id, "kind": s.kind, "name": s.name, "category": s.category,
                "arrival": s.arrival, "departure": s.departure, "timezone": timezone_label(s.arrival),
                "dwell_minutes": s.dwell_minutes, "window": s.window, "desa": s.desa,
                "lon": round(s.lon, 7), "lat": round(s.lat, 7),
            })
    return rows


def neutralise(v: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: text starting with = + - @ (or tab/CR) gets a ``'`` prefix.

    Spreadsheets execute such cells as formulas; numbers stay numbers and an empty text stays empty.
    """
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return f"'{v}"
    return v


def stops_csv(plan: Plan) -> str:
    """The ``stops.csv`` text: local date-times as ``YYYY-MM-DD HH:MM`` with a ``timezone`` column."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=STOP_COLUMNS, lineterminator="\n")
    w.writeheader()
    for row in stop_rows(plan):
        row = {k: (v.strftime(CSV_TIME_FORMAT) if isinstance(v, dt.datetime) else v) for k, v in row.items()}
        w.writerow({k: neutralise(v) for k, v in row.items()})
    return buf.getvalue()


def routes_geojson(plan: Plan) -> dict[str, Any]:
    """One LineString per route following the roads, with unit/day/shift properties (EPSG:4326)."""
    feats = []
    for r in plan.routes:
        coords = [[round(x, 6), round(y, 6)] for x, y in r.path]
        if len(coords) < 2:
            coords = coords * 2 if coords else []
        feats.append({
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": coords},
            "properties": {
                "unit": r.unit, "unit_kind": r.unit_kind, "day": r.day.isoformat(), "shift": r.shift,
                "depot": r.depot, "start": r.start.isoformat(timespec="seconds"),
                "end": r.end.isoformat(timespec="seconds"), "stops": len(r.stops),
                "distance_km": round(r.distance_m / 1000, 3), "drive_minutes": round(r.drive_s / 60, 1),
            },
        })
    return {"type": "FeatureCollection", "features": feats}


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Approximate ground distance in metres between two lon/lat points (equirectangular, fine for a route leg)."""
    kx = 111_320.0 * math.cos(math.radians((a[1] + b[1]) / 2))
    return math.hypot((b[0] - a[0]) * kx, (b[1] - a[1]) * 110_540.0)


def _stop_indices(r: Route) -> list[int]:
    """For each stop, the index of the path point where the route reaches it, never before the previous stop's.

    A route may pass a place twice (out and back): each stop takes the first point after the previous stop that
    is within a few metres of its nearest point on the rest of the path.
    """
    out: list[int] = []
    lo = 0
    for s in r.stops:
        rest = [_metres((s.lon, s.lat), p) for p in r.path[lo:]]
        if not rest:
            out.append(max(lo, len(r.path) - 1))
            continue
        best = min(rest)
        i = lo + next(k for k, d in enumerate(rest) if d <= best + 5.0)
        out.append(i)
        lo = i
    return out


def track_points(r: Route) -> list[tuple[float, float, dt.datetime]]:
    """The road track of a route as (lon, lat, time), times interpolated by distance between known times.

    The known times are the start at the first point of ``r.path``, each stop's arrival and departure (its
    point appears twice, once with each, when the crew stays there) and the end at the last point. Times
    never decrease along the track; they are whole seconds.
    """
    n = len(r.path)
    if n == 0:
        return []
    anchors: list[tuple[int, dt.datetime, dt.datetime]] = [(0, r.start, r.start)]
    for i, s in zip(_stop_indices(r), r.stops):
        anchors.append((i, s.arrival, s.departure))
    anchors.append((n - 1, r.end, r.end))
    cum = [0.0]
    for a, b in zip(r.path, r.path[1:]):
        cum.append(cum[-1] + _metres(a, b))
    out: list[tuple[float, float, dt.datetime]] = [(*r.path[0], r.start)]
    for (i0, _a0, leave), (i1, arrive, _d1) in zip(anchors, anchors[1:]):
        leave = max(leave, out[-1][2])
        arrive = max(arrive, leave)
        if out[-1][2] < leave:  # the crew stayed at the previous anchor: its point again, at departure
            out.append((*r.path[i0], leave))
        if i1 == i0:
            if out[-1][2] < arrive:
                out.append((*r.path[i1], arrive))
            continue
        span = cum[i1] - cum[i0]
        for k in range(i0 + 1, i1 + 1):
            share = (cum[k] - cum[i0]) / span if span > 0 else (k - i0) / (i1 - i0)
            out.append((*r.path[k], leave + (arrive - leave) * share))
    return [(x, y, t.replace(microsecond=0)) for x, y, t in out]


def route_gpx(r: Route, depot_lonlat: tuple[float, float] | None = None) -> str:
    """GPX 1.1 of a route: ordered waypoints with names and times, and the road track with interpolated times."""
    g = gpxpy.gpx.GPX()
    g.creator = "routeplan"
    g.name = f"{r.unit} {r.day.isoformat()} {r.shift}"
    g.description = f"{r.unit} ({r.unit_kind}) {r.day.isoformat()} {r.shift}, {len(r.stops)} stops"
    for i, s in enumerate(r.stops, start=1):
        wp = gpxpy.gpx.GPXWaypoint(latitude=round(s.lat, 7), longitude=round(s.lon, 7), time=s.arrival,
                                   name=f"{i:02d} {s.name}", description=f"{s.category} {s.arrival:%H:%M}-{s.departure:%H:%M}")
        wp.type = s.kind
        g.waypoints.append(wp)
    trk = gpxpy.gpx.GPXTrack(name=g.name)
    trk.segments.append(gpxpy.gpx.GPXTrackSegment())
    g.tracks.append(trk)
    doc = g.to_xml(version="1.1")
    # gpxpy writes every field of every track point through its generic field machinery, most of the time of a
    # plan's GPX files; the points hold numbers and times only (no user text), so they are written here, exactly
    # as gpxpy writes them, into the empty segment gpxpy wrote (user text around it stays escaped by gpxpy)
    empty = "\n    <trkseg>\n    </trkseg>"
    if doc.count(empty) != 1:  # not gpxpy's layout as known: let gpxpy write the points itself
        return _gpx_with_points(g, track_points(r))
    return doc.replace(empty, "\n    <trkseg>" + _trkpts(track_points(r)) + "\n    </trkseg>", 1)


def _trkpts(points: list[tuple[float, float, dt.datetime]]) -> str:
    """``<trkpt>`` elements as gpxpy 1.x writes them (its float and time converters)."""
    num, when = gpxpy.gpxfield.FLOAT_TYPE.to_string, gpxpy.gpxfield.format_time
    return "".join(f'\n      <trkpt lat="{num(round(y, 7))}" lon="{num(round(x, 7))}">\n        <time>{when(t)}</time>'
                   "\n      </trkpt>" for x, y, t in points)


def _gpx_with_points(g: gpxpy.gpx.GPX, points: list[tuple[float, float, dt.datetime]]) -> str:
    seg = g.tracks[0].segments[0]
    for x, y, t in points:
        seg.points.append(gpxpy.gpx.GPXTrackPoint(latitude=round(y, 7), longitude=round(x, 7), time=t))
    return g.to_xml(version="1.1")


def _multipolygon(geom: BaseGeometry) -> MultiPolygon:
    return geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])


def _hotspot_layers(ctx: PlanContext) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Hotspot areas (MultiPolygon) and hotspot points (Point): one geometry type per layer for GIS tools."""
    areas: list[tuple[dict[str, Any], BaseGeometry]] = []
    points: list[tuple[dict[str, Any], BaseGeometry]] = []
    for h in ctx.hotspots:
        props = {"id": h.id, "name": h.name, "risk": h.risk, "types": ",".join(h.types)}
        geom = wkt.loads(h.geometry_wkt) if h.geometry_wkt else None
        if geom is not None and geom.geom_type in ("Polygon", "MultiPolygon"):
            areas.append((props, _multipolygon(geom)))
        else:
            points.append((props, Point(h.lon, h.lat)))
    cols = ["id", "name", "risk", "types"]

    def frame(rows: list[tuple[dict[str, Any], BaseGeometry]]) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(pd.DataFrame([p for p, _g in rows], columns=cols), geometry=[g for _p, g in rows],
                                crs=4326)

    return frame(areas), frame(points)


def write_geopackage(plan: Plan, ctx: PlanContext, path: Path) -> None:
    """A GeoPackage for QGIS, one geometry type per layer.

    Layers: ``routes`` (LineString), ``stops`` and ``vital_objects`` (Point), ``hotspot_areas`` (MultiPolygon)
    and ``hotspot_points`` (Point).
    """
    routes = routes_geojson(plan)["features"]
    g_routes = gpd.GeoDataFrame(
        [f["properties"] for f in routes],
        geometry=[LineString(f["geometry"]["coordinates"]) if f["geometry"]["coordinates"] else None for f in routes],
        crs=4326,
    )
    rows = [{k: (v.isoformat(timespec="seconds") if isinstance(v, dt.datetime) else v) for k, v in r.items()}
            for r in stop_rows(plan)]
    g_stops = gpd.GeoDataFrame(pd.DataFrame(rows, columns=STOP_COLUMNS),
                               geometry=[Point(r["lon"], r["lat"]) for r in rows], crs=4326)
    g_obj = gpd.GeoDataFrame(
        [{"id": o.id, "name": o.name, "category": o.category, "priority": o.priority,
          "visits_per_week": o.visits_per_week, "dwell_minutes": o.dwell_minutes, "desa": o.desa} for o in ctx.objects],
        geometry=[Point(o.lon, o.lat) for o in ctx.objects], crs=4326,
    )
    g_areas, g_points = _hotspot_layers(ctx)
    for name, gdf, kind in (("routes", g_routes, "LineString"), ("stops", g_stops, "Point"),
                            ("vital_objects", g_obj, "Point"), ("hotspot_areas", g_areas, "MultiPolygon"),
                            ("hotspot_points", g_points, "Point")):
        gdf.to_file(path, layer=name, driver="GPKG", engine="pyogrio", geometry_type=kind)


def write_exports(plan: Plan, ctx: PlanContext, out: Path, lang: str | None = None) -> None:
    """Write plan.json, stops.csv, plan.xlsx, routes.geojson, gpx/*.gpx and plan.gpkg into ``out``.

    Parameters
    ----------
    plan
        The weekly plan.
    ctx
        The :class:`routeplan.prepare.context.PlanContext` it was made from.
    out
        Output folder (a staging folder when called through :func:`routeplan.render.write.write_plan`).
    lang
        Language of the workbook; defaults to the plan's (else Bahasa Indonesia).
    """
    out = Path(out)
    write_plan_json(plan, out)
    write_text_atomic(out / "stops.csv", stops_csv(plan))
    write_workbook(plan, out / "plan.xlsx", lang or plan.language or "id")
    write_text_atomic(out / "routes.geojson", json.dumps(routes_geojson(plan), ensure_ascii=False) + "\n")
    gpx_dir = out / "gpx"
    gpx_dir.mkdir(exist_ok=True)
    for r, slug in zip(plan.routes, route_slugs(plan.routes)):
        write_text_atomic(gpx_dir / f"{slug}.gpx", route_gpx(r))
    write_geopackage(plan, ctx, out / "plan.gpkg")
