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
        # every road point in order (a stop's point twice: arrival and departure), each with a time
        it = iter((round(y, 7), round(x, 7)) for x, y in r.path)
        want = next(it, None)
        for p in pts:
            if want is not None and (p.latitude, p.longitude) == want:
                want = next(it, None)
        assert want is None and len(pts) <= len(r.path) + 2 * len(r.stops)
        times = [p.time for p in pts]
        assert all(t is not None for t in times)
        assert all(a <= b for a, b in zip(times, times[1:])), "track times go back"
        assert times[0] == r.start.replace(microsecond=0) and times[-1] == r.end.replace(microsecond=0)
        for s in r.stops:  # the crew is on the track at the stop from arrival to departure
            assert s.arrival in times and s.departure in times
    # user text is XML-escaped, not markup
    raw = "".join(f.read_text(encoding="utf-8") for f in files)
    assert "&lt;script&gt;" in raw and EVIL not in raw


def test_geopackage_layers(out):
    import geopandas as gpd
    import pyogrio

    plan, ctx = evil_plan()
    layers = {name: kind for name, kind in pyogrio.list_layers(out / "plan.gpkg")}
    # one declared geometry type per layer (QGIS shows "Unknown" for a mixed layer): hotspot areas and points apart
    assert layers == {"routes": "LineString", "stops": "Point", "vital_objects": "Point",
                      "hotspot_areas": "MultiPolygon", "hotspot_points": "Point"}
    routes = gpd.read_file(out / "plan.gpkg", layer="routes")
    stops = gpd.read_file(out / "plan.gpkg", layer="stops")
    objs = gpd.read_file(out / "plan.gpkg", layer="vital_objects")
    areas = gpd.read_file(out / "plan.gpkg", layer="hotspot_areas")
    points = gpd.read_file(out / "plan.gpkg", layer="hotspot_points")
    assert len(routes) == len(plan.routes) and len(stops) == sum(len(r.stops) for r in plan.routes)
    assert len(objs) == len(ctx.objects)
    assert len(areas) and len(points) and len(areas) + len(points) == len(ctx.hotspots)
    assert set(areas["id"]) == {h.id for h in ctx.hotspots if h.geometry_wkt and "POLYGON" in h.geometry_wkt}
    assert set(areas.geom_type) == {"MultiPolygon"} and set(points.geom_type) == {"Point"}
    assert routes.crs.to_epsg() == 4326 and set(routes.geom_type) == {"LineString"}
    assert set(stops.geom_type) == {"Point"}
    assert areas.crs.to_epsg() == 4326 and points.crs.to_epsg() == 4326
    assert EVIL in set(objs["name"])


def test_stops_csv(out):
    import pandas as pd

    plan, _ctx = evil_plan()
    rows = list(csv.DictReader((out / "stops.csv").open(encoding="utf-8")))
    assert len(rows) == sum(len(r.stops) for r in plan.routes)
    assert rows[0].keys() >= {"unit", "day", "shift", "seq", "name", "arrival", "timezone", "lon", "lat"}
    stops = [s for r in plan.routes for s in r.stops]
    for row, s in zip(rows, stops):
        # local date-times a spreadsheet reads as such, with the zone stated in its own column
        assert row["arrival"] == s.arrival.strftime("%Y-%m-%d %H:%M")
        assert row["departure"] == s.departure.strftime("%Y-%m-%d %H:%M")
        assert row["timezone"] == "UTC+07:00"
        if s.kind == "hotspot":
            assert row["desa"] == ""  # an empty text stays empty, not a lone "'"
    assert any(r["kind"] == "hotspot" for r in rows)
    df = pd.read_csv(out / "stops.csv", parse_dates=["arrival", "departure"], date_format="%Y-%m-%d %H:%M")
    assert str(df["arrival"].dtype).startswith("datetime64") and (df["departure"] >= df["arrival"]).all()


def test_csv_neutraliser_leaves_empty_and_plain_text():
    from routeplan.render.export import neutralise

    assert neutralise("") == "" and neutralise("Kunir Lor") == "Kunir Lor" and neutralise(5) == 5
    assert neutralise(-8.2) == -8.2  # a number stays a number
    for payload in ("=1+1", "+62", "-VO-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert neutralise(payload) == "'" + payload


def test_track_times_when_two_stops_share_a_point():
    import datetime as dt

    from routeplan.model.plan import Route, Visit
    from routeplan.render.export import track_points

    tz = dt.timezone(dt.timedelta(hours=7))
    at = dt.datetime(2026, 11, 30, 23, 0, tzinfo=tz)

    def visit(i: str, lon: float, arr: int, dep: int) -> Visit:
        return Visit(i, "vital_object", i, "bank", at + dt.timedelta(minutes=arr), at + dt.timedelta(minutes=dep),
                     lon, 0.0, dep - arr, "any")

    path = [(0.0, 0.0), (0.001, 0.0), (0.002, 0.0), (0.002, 0.0), (0.001, 0.0), (0.0, 0.0)]
    stops = [visit("A", 0.002, 10, 20), visit("B", 0.002, 20, 35)]  # B right after A, at the same place
    r = Route("R", "car", "", at.date(), "malam", "d", "D", at, at + dt.timedelta(minutes=70), stops, 440.0, 600.0,
              path=path)
    pts = track_points(r)
    times = [t for _x, _y, t in pts]
    assert times == sorted(times) and times[0] == r.start and times[-1] == r.end
    assert {s.arrival for s in stops} | {s.departure for s in stops} <= set(times)
    assert times[1] == at + dt.timedelta(minutes=5)  # halfway to the stop at half the way's time
    assert times[-1].date() == dt.date(2026, 12, 1)  # after midnight: the next day's date


def test_plan_json_has_briefing_fields(out):
    d = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert d["language"] in ("id", "en") and d["depots"] and d["units"]
    r = d["routes"][0]
    assert {"unit", "day", "shift", "depot", "crew", "depot_name", "stops"} <= r.keys()
    assert {"window", "desa", "name", "arrival"} <= r["stops"][0].keys()


def _route_from(path, gaps):
    import datetime as dt

    from routeplan.model.plan import Route, Visit

    tz = dt.timezone(dt.timedelta(hours=7))
    t = dt.datetime(2026, 11, 30, 22, 0, tzinfo=tz)
    start = t
    stops = []
    for k, (drive, dwell) in enumerate(gaps):
        t += dt.timedelta(seconds=drive)
        x, y = path[(k * 7) % len(path)]
        stops.append(Visit(f"S{k}", "hotspot", "s", "hotspot", t, t + dt.timedelta(seconds=dwell), x, y, dwell // 60, ""))
        t += dt.timedelta(seconds=dwell)
    return Route("R", "car", "", start.date(), "malam", "d", "D", start, t + dt.timedelta(seconds=60), stops, 0.0, 0.0,
                 path=path)


def test_track_times_never_go_back_for_any_route():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from routeplan.render.export import track_points

    coord = st.tuples(st.floats(113.0, 113.01), st.floats(-8.01, -8.0))

    @settings(max_examples=150, deadline=None)
    @given(path=st.lists(coord, min_size=1, max_size=40),
           gaps=st.lists(st.tuples(st.integers(0, 3600), st.integers(0, 1800)), max_size=8))
    def check(path, gaps):
        r = _route_from(path, gaps)
        pts = track_points(r)
        times = [t for _x, _y, t in pts]
        assert times == sorted(times)
        assert times[0] == r.start and times[-1] == r.end
        assert len(pts) >= len(path)
        for s in r.stops:
            assert s.arrival in times and s.departure in times

    check()


def test_gpx_track_points_are_written_exactly_as_gpxpy_writes_them():
    """The track points are written without gpxpy's field machinery (its slowest part), byte for byte as gpxpy does."""
    import gpxpy.gpx

    from routeplan.render.export import _gpx_with_points, route_gpx, track_points

    plan, _ctx = evil_plan()
    assert plan.routes
    for r in plan.routes:
        fast = route_gpx(r)
        g = gpxpy.parse(fast)  # the same document, its points then written by gpxpy itself
        g.tracks[0].segments[0].points = []
        assert fast == _gpx_with_points(g, track_points(r))
        assert fast.count("<trkpt ") == len(track_points(r)) > 0
