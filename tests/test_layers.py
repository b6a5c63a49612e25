import json

import pytest
from conftest import SAMPLE

from routeplan.errors import InputError
from routeplan.load.layers import read_hotspots, read_vital_objects
from routeplan.load.roads import graph_area_polygon, graph_from_file
from routeplan.load.scenario import DEFAULT_SPEEDS_KMH
from routeplan.model import CATEGORIES
from routeplan.model.layers import Hotspot, in_daily_window
from routeplan.prepare.snap import SnapIndex, snap_layer


def fc(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def pt(lon, lat, **props):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


def test_sample_layers_fill_category_defaults():
    objs = read_vital_objects(SAMPLE / "vital_objects.geojson")
    assert len(objs) >= 40
    for o in objs:
        d = CATEGORIES[o.category]
        assert 1 <= o.priority <= 3 and o.dwell_minutes >= 0
        assert o.windows or not d.windows or o.windows  # windows are parsed tuples
    market = [o for o in objs if o.category == "pasar"]
    assert market and all(o.windows for o in market)
    hs = read_hotspots(SAMPLE / "hotspots.geojson")
    assert max(h.risk for h in hs) == pytest.approx(1.0)
    assert any(h.geometry_wkt for h in hs)


def test_csv_layer(tmp_path):
    p = tmp_path / "vo.csv"
    p.write_text("id,name,category,lat,lon,windows\nA,Pasar,pasar,-8.2,113.2,04:00-09:00\nB,Bank,bank,-8.21,113.21,\n")
    objs = read_vital_objects(p)
    assert [o.id for o in objs] == ["A", "B"]
    assert objs[0].windows == ((240, 540),)
    assert objs[1].windows == ((480, 900),)  # bank default


@pytest.mark.parametrize("features, fragment", [
    ([pt(113.2, -8.2, id="A", category="pasar"), pt(113.2, -8.2, id="A", category="bank")], "duplicate id"),
    ([pt(113.2, -8.2, name="x", category="pasar")], "missing 'id'"),
    ([pt(113.2, -8.2, id="A", category="casino")], "unknown category"),
    ([pt(700000, 9090000, id="A", category="pasar")], "projected"),
    ([pt(113.2, -8.2, id="A", windows=["9-10"])], "HH:MM"),
    ([pt(113.2, -8.2, id="A", visits_per_week=2.5)], "whole number"),
])
def test_bad_vital_objects(tmp_path, features, fragment):
    p = tmp_path / "vo.geojson"
    p.write_text(json.dumps(fc(*features)))
    with pytest.raises(InputError) as err:
        read_vital_objects(p)
    assert fragment in str(err.value) and str(p) in str(err.value)


def test_bad_hotspot_risk(tmp_path):
    p = tmp_path / "hs.geojson"
    p.write_text(json.dumps(fc(pt(113.2, -8.2, id="H", risk=-1))))
    with pytest.raises(InputError, match="positive"):
        read_hotspots(p)


def test_snapping_reports_far_and_outside_points():
    G = graph_from_file(SAMPLE / "roads.osm", DEFAULT_SPEEDS_KMH)
    area = graph_area_polygon(G)
    index = SnapIndex.from_graph(G, area)
    objs = read_vital_objects(SAMPLE / "vital_objects.geojson")
    kept, problems = snap_layer(objs, index, "vital object")
    assert len(kept) == len(objs) and not problems
    assert all(o.node in G.nodes and o.snap_m <= 500 for o in kept)
    far = [objs[0].__class__(**{**objs[0].__dict__, "id": "FAR", "lon": objs[0].lon + 0.5})]
    kept2, problems2 = snap_layer(far, index, "vital object")
    assert not kept2 and problems2[0].id == "FAR" and problems2[0].reason in ("outside_area", "far_from_road")


def test_pasaran_days_match_the_javanese_calendar():
    import datetime as dt

    from routeplan.model import pasaran_of

    # dates with their pasaran as published in Javanese calendars (e.g. Jumat Legi, 17 Aug 1945)
    known = {dt.date(1945, 8, 17): "legi", dt.date(2022, 8, 19): "pahing", dt.date(2023, 2, 4): "legi",
             dt.date(2022, 9, 7): "legi", dt.date(2023, 11, 3): "pon"}
    for date, name in known.items():
        assert pasaran_of(date) == name


def test_market_on_pasaran_days_is_visited_only_then(tmp_path):

    import dataclasses

    import routeplan
    from routeplan.model import pasaran_of

    sc = routeplan.load_scenario(SAMPLE / "scenario.toml")
    ctx = routeplan.prepare_scenario(sc)
    market = next(o for o in ctx.objects if o.category == "pasar")
    m = market.__class__(**{**market.__dict__, "pasaran": ("legi", "pon"), "visits_per_week": 2})
    plan, _ = routeplan.plan(sc, ctx=dataclasses.replace(ctx, objects=[m], hotspots=[]), seed=0, time_limit=20,
                             max_iterations=200)
    days = [s.arrival.date() for r in plan.routes for s in r.stops if s.kind == "vital_object"]  # not area patrols
    assert len(days) == 2 and all(pasaran_of(d) in ("legi", "pon") for d in days)
    p = tmp_path / "vo.geojson"
    p.write_text(json.dumps(fc(pt(113.2, -8.2, id="A", category="pasar", pasaran=["Sabtu"]))))
    with pytest.raises(InputError, match="pasaran"):
        read_vital_objects(p)


def test_area_covers_curved_roads_with_few_nodes():
    import networkx as nx
    from shapely.geometry import LineString, Point

    G = nx.MultiDiGraph(crs="epsg:4326")
    G.add_node(1, x=113.20, y=-8.20)
    G.add_node(2, x=113.201, y=-8.20)
    # a ring-like road simplified to two nodes: its geometry bulges 2 km north
    arc = LineString([(113.20, -8.20), (113.20, -8.18), (113.201, -8.18), (113.201, -8.20)])
    G.add_edge(1, 2, geometry=arc, length=4500, highway="tertiary")
    area = graph_area_polygon(G, buffer_m=100)
    assert area.contains(Point(113.2005, -8.181))


@pytest.mark.parametrize(("start", "end", "inside", "outside"), [
    (8 * 60, 15 * 60, (8 * 60, 14 * 60 + 59), (15 * 60, 7 * 60 + 59)),
    (22 * 60, 4 * 60, (23 * 60, 0, 3 * 60 + 59), (4 * 60, 12 * 60, 21 * 60 + 59)),
    (22 * 60, 28 * 60, (23 * 60, 0, 3 * 60 + 59), (4 * 60, 12 * 60)),
    (0, 0, (0, 720, 1439), ()),
])
def test_daily_windows_cross_midnight(start, end, inside, outside):
    assert all(in_daily_window(m, start, end) for m in inside)
    assert not any(in_daily_window(m, start, end) for m in outside)
    h = Hotspot("H", "x", 0.0, 0.0, 1.0, ((start, end),))
    assert all(h.active_at(m) for m in inside) and not any(h.active_at(m) for m in outside)
    assert Hotspot("H", "x", 0.0, 0.0, 1.0, ()).active_at(700)
