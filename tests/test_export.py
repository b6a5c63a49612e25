"""Exports of a plan folder: GPX 1.1, GeoPackage layers, stops.csv and plan.json extras for briefings."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET

import pytest
from test_maps import EVIL, evil_plan, evil_plan_dir

GPX_NS = "http://www.topografix.com/GPX/1/1"
#: Child order of the GPX 1.1 schema (xsd:sequence) for the elements we write.
GPX_ORDER = ["metadata", "wpt", "rte", "trk", "extensions"]
WPT_ORDER = ["ele", "time", "magvar", "geoidheight", "name", "cmt", "desc", "src", "link", "sym", "type",
             "fix", "sat", "hdop", "vdop", "pdop", "ageofdgpsdata", "dgpsid", "extensions"]


def _local(tag: str) -> str:
    return tag.split("}", 1)[1] if "}" in tag else tag


def _in_order(tags: list[str], order: list[str]) -> bool:
    idx = [order.index(t) for t in tags]
    return idx == sorted(idx)


@pytest.fixture(scope="module")
def out():
    return evil_plan_dir()


def test_gpx_is_valid_1_1_and_reads_back(out):
    import gpxpy

    from routeplan.render.export import route_slug

    plan, _ctx = evil_plan()
    files = sorted((out / "gpx").glob("*.gpx"))
    assert len(files) == len(plan.routes)
    for r in plan.routes:
        f = out / "gpx" / f"{route_slug(r)}.gpx"
        root = ET.parse(f).getroot()
        assert root.tag == f"{{{GPX_NS}}}gpx" and root.get("version") == "1.1" and root.get("creator")
        kids = [_local(c.tag) for c in root]
        assert all(c.tag.startswith(f"{{{GPX_NS}}}") for c in root)
        assert _in_order(kids, GPX_ORDER), kids
        for w in root.findall(f"{{{GPX_NS}}}wpt"):
            assert _in_order([_local(c.tag) for c in w], WPT_ORDER)
        g = gpxpy.parse(f.read_text(encoding="utf-8"))
        assert len(g.waypoints) == len(r.stops)
        for wp, s in zip(g.waypoints, r.stops):
            assert abs(wp.latitude - s.lat) < 1e-6 and abs(wp.longitude - s.lon) < 1e-6
            assert wp.time is not None and wp.time == s.arrival
            assert s.name in wp.name
        pts = [p for t in g.tracks for seg in t.segments for p in seg.points]
        assert len(pts) == len(r.path)
    # user text is XML-escaped, not markup
    raw = "".join(f.read_text(encoding="utf-8") for f in files)
    assert "&lt;script&gt;" in raw and EVIL not in raw


def test_geopackage_layers(out):
    import geopandas as gpd
    import pyogrio

    plan, ctx = evil_plan()
    layers = {name: kind for name, kind in pyogrio.list_layers(out / "plan.gpkg")}
    assert set(layers) >= {"routes", "stops", "vital_objects", "hotspots"}
    routes = gpd.read_file(out / "plan.gpkg", layer="routes")
    stops = gpd.read_file(out / "plan.gpkg", layer="stops")
    objs = gpd.read_file(out / "plan.gpkg", layer="vital_objects")
    hs = gpd.read_file(out / "plan.gpkg", layer="hotspots")
    assert len(routes) == len(plan.routes) and len(stops) == sum(len(r.stops) for r in plan.routes)
    assert len(objs) == len(ctx.objects) and len(hs) == len(ctx.hotspots)
    assert routes.crs.to_epsg() == 4326 and set(routes.geom_type) == {"LineString"}
    assert set(stops.geom_type) == {"Point"}
    assert EVIL in set(objs["name"])


def test_stops_csv(out):
    plan, _ctx = evil_plan()
    rows = list(csv.DictReader((out / "stops.csv").open(encoding="utf-8")))
    assert len(rows) == sum(len(r.stops) for r in plan.routes)
    assert rows[0].keys() >= {"unit", "day", "shift", "seq", "name", "arrival", "lon", "lat"}


def test_plan_json_has_briefing_fields(out):
    d = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert d["language"] in ("id", "en") and d["depots"] and d["units"]
    r = d["routes"][0]
    assert {"unit", "day", "shift", "depot", "crew", "depot_name", "stops"} <= r.keys()
    assert {"window", "desa", "name", "arrival"} <= r["stops"][0].keys()
