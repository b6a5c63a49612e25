"""Plan exports: plan.json, stops.csv, routes.geojson, one GPX per route and a GeoPackage."""

from __future__ import annotations

import csv
import io
import json
import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import gpxpy.gpx
import pandas as pd
from shapely import wkt
from shapely.geometry import LineString, Point

from routeplan._io import file_stem, unique_file_stems, write_text_atomic
from routeplan.model.plan import Plan, Route
from routeplan.model.planfile import write_plan_json
from routeplan.prepare.context import PlanContext

log = logging.getLogger(__name__)

STOP_COLUMNS = ["unit", "unit_kind", "day", "shift", "depot", "seq", "id", "kind", "name", "category",
                "arrival", "departure", "dwell_minutes", "window", "desa", "lon", "lat"]


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
    """One row per planned stop, in route and visiting order."""
    rows = []
    for r in plan.routes:
        for i, s in enumerate(r.stops, start=1):
            rows.append({
                "unit": r.unit, "unit_kind": r.unit_kind, "day": r.day.isoformat(), "shift": r.shift,
                "depot": r.depot, "seq": i, "id": s.id, "kind": s.kind, "name": s.name, "category": s.category,
                "arrival": s.arrival.isoformat(timespec="seconds"), "departure": s.departure.isoformat(timespec="seconds"),
                "dwell_minutes": s.dwell_minutes, "window": s.window, "desa": s.desa,
                "lon": round(s.lon, 7), "lat": round(s.lat, 7),
            })
    return rows


def stops_csv(plan: Plan) -> str:
    """The ``stops.csv`` text."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=STOP_COLUMNS, lineterminator="\n")
    w.writeheader()
    for row in stop_rows(plan):
        # spreadsheets execute cells starting with = + - @ (or tab/CR before one): neutralise every text cell
        # that looks like a formula; numbers stay numbers and an empty cell stays empty
        w.writerow({k: (f"'{v}" if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r") else v)
                    for k, v in row.items()})
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


def route_gpx(r: Route, depot_lonlat: tuple[float, float] | None = None) -> str:
    """GPX 1.1 of a route: ordered waypoints with names and times, and the road track."""
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
    seg = gpxpy.gpx.GPXTrackSegment()
    for x, y in r.path:
        seg.points.append(gpxpy.gpx.GPXTrackPoint(latitude=round(y, 7), longitude=round(x, 7)))
    trk.segments.append(seg)
    g.tracks.append(trk)
    return g.to_xml(version="1.1")


def write_geopackage(plan: Plan, ctx: PlanContext, path: Path) -> None:
    """A GeoPackage with layers routes, stops, vital_objects and hotspots, for QGIS."""
    routes = routes_geojson(plan)["features"]
    g_routes = gpd.GeoDataFrame(
        [f["properties"] for f in routes],
        geometry=[LineString(f["geometry"]["coordinates"]) if f["geometry"]["coordinates"] else None for f in routes],
        crs=4326,
    )
    rows = stop_rows(plan)
    g_stops = gpd.GeoDataFrame(pd.DataFrame(rows, columns=STOP_COLUMNS),
                               geometry=[Point(r["lon"], r["lat"]) for r in rows], crs=4326)
    g_obj = gpd.GeoDataFrame(
        [{"id": o.id, "name": o.name, "category": o.category, "priority": o.priority,
          "visits_per_week": o.visits_per_week, "dwell_minutes": o.dwell_minutes, "desa": o.desa} for o in ctx.objects],
        geometry=[Point(o.lon, o.lat) for o in ctx.objects], crs=4326,
    )
    g_hs = gpd.GeoDataFrame(
        [{"id": h.id, "name": h.name, "risk": h.risk, "types": ",".join(h.types)} for h in ctx.hotspots],
        geometry=[wkt.loads(h.geometry_wkt) if h.geometry_wkt else Point(h.lon, h.lat) for h in ctx.hotspots], crs=4326,
    )
    for name, gdf in (("routes", g_routes), ("stops", g_stops), ("vital_objects", g_obj), ("hotspots", g_hs)):
        gdf.to_file(path, layer=name, driver="GPKG", engine="pyogrio")


def write_exports(plan: Plan, ctx: PlanContext, out: Path) -> None:
    """Write plan.json, stops.csv, routes.geojson, gpx/*.gpx and plan.gpkg into ``out``.

    Parameters
    ----------
    plan
        The weekly plan.
    ctx
        The :class:`routeplan.prepare.context.PlanContext` it was made from.
    out
        Output folder (a staging folder when called through :func:`routeplan.render.write.write_plan`).
    """
    out = Path(out)
    write_plan_json(plan, out)
    write_text_atomic(out / "stops.csv", stops_csv(plan))
    write_text_atomic(out / "routes.geojson", json.dumps(routes_geojson(plan), ensure_ascii=False) + "\n")
    gpx_dir = out / "gpx"
    gpx_dir.mkdir(exist_ok=True)
    for r, slug in zip(plan.routes, route_slugs(plan.routes)):
        write_text_atomic(gpx_dir / f"{slug}.gpx", route_gpx(r))
    write_geopackage(plan, ctx, out / "plan.gpkg")
