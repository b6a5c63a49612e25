"""Faults seen on real OSM extracts (issue #12), reproduced on small synthetic OSM files, end to end.

A 2 km square of two-way residential roads around a depot; inside it, a way that osmnx merges from a
residential and a footway part (no unit can drive it), and a one-way road that only leaves towards the
square (its far node is outside the strongly connected network, like a road entering from outside an
extract).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import networkx as nx
import pytest

import routeplan
from routeplan.render.maps import render_plan_map
from routeplan.sample import THREE_SHIFTS_TOML

LON0, LAT0 = 110.0, -7.0
M_LAT = 1 / 110574.0
M_LON = 1 / (111320.0 * math.cos(math.radians(7.0)))


def _ll(x_m: float, y_m: float) -> tuple[float, float]:
    """(lon, lat) of a point ``x_m`` east and ``y_m`` north of the square's south-west corner."""
    return LON0 + x_m * M_LON, LAT0 + y_m * M_LAT


# node id: (x, y) metres
NODES = {1: (0, 0), 2: (1000, 0), 3: (2000, 0), 4: (2000, 2000), 5: (0, 2000), 6: (0, 1000),
         7: (300, 1000), 8: (450, 1000), 9: (1000, 1000), 11: (3000, 0), 12: (2000, -1000)}
# way id: (nodes, tags)
WAYS = {
    100: ([1, 2, 3, 4, 5, 6, 1], {"highway": "residential"}),
    101: ([6, 7], {"highway": "residential"}),
    102: ([7, 8], {"highway": "footway"}),
    103: ([9, 2], {"highway": "residential", "oneway": "yes"}),
    # a one-way loop east of the square, inside the network: 3 -> 11 straight, back by 12
    104: ([3, 11], {"highway": "residential", "oneway": "yes"}),
    105: ([11, 12, 3], {"highway": "residential", "oneway": "yes"}),
}


def _osm(path: Path) -> None:
    nodes = "".join(f'<node id="{i}" lat="{_ll(*xy)[1]:.7f}" lon="{_ll(*xy)[0]:.7f}"/>\n' for i, xy in NODES.items())
    ways = "".join(
        f'<way id="{w}">' + "".join(f'<nd ref="{n}"/>' for n in refs)
        + "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()) + "</way>\n"
        for w, (refs, tags) in WAYS.items())
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n{nodes}{ways}</osm>\n')


def _point(pid: str, x: float, y: float, **props: object) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(_ll(x, y))},
            "properties": {"id": pid, "name": f"Name {pid}", **props}}


def _scenario(tmp_path: Path) -> Path:
    _osm(tmp_path / "roads.osm")
    objects = [
        # 10 m from the middle of the square's 2 km east side: its end nodes are 1 km away
        _point("ON-RING", 1990, 1000, category="bank", visits_per_week=7),
        # 8 m beside the one-way 3 -> 11, 400 m from node 3 (the nearer end) and 600 m from node 11
        _point("ONEWAY-SHOP", 2400, 8, category="minimarket", visits_per_week=7),
        # 10 m from the footway part of the merged residential+footway way, 400 m from the square
        _point("CATHEDRAL", 400, 1010, category="tempat_ibadah", visits_per_week=7),
        # 15 m beside the one-way road outside the kept network, 200 m from the square
        _point("BESIDE-ONEWAY", 1015, 200, category="minimarket", visits_per_week=7),
    ]
    hotspots = [
        _point("HS-RING", 1990, 500, risk=0.5),
        # the riskiest: 20 m beside the one-way road, 900 m from any kept road
        _point("HS-ONEWAY", 1020, 900, risk=1.0),
    ]
    for name, feats in (("vo.geojson", objects), ("hs.geojson", hotspots)):
        (tmp_path / name).write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    lon, lat = _ll(0, 0)
    (tmp_path / "scenario.toml").write_text(f'''name = "real roads (test)"
[area]
osm_file = "roads.osm"
[plan]
start_date = "2026-11-30"
days = 2
[layers]
vital_objects = "vo.geojson"
hotspots = "hs.geojson"
[[depots]]
id = "polsek"
name = "Polsek"
lat = {lat}
lon = {lon}
{THREE_SHIFTS_TOML}
[[units]]
id = "R4"
kind = "car"
depot = "polsek"
shifts = ["pagi"]
[[units]]
id = "R2"
kind = "motorcycle"
depot = "polsek"
shifts = ["siang"]
''')
    return tmp_path / "scenario.toml"


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    path = _scenario(tmp_path_factory.mktemp("real-roads"))
    return routeplan.plan(path, seed=1, time_limit=20, max_iterations=300)


def test_object_beside_an_undrivable_merged_edge_is_served_from_a_drivable_road(planned: tuple) -> None:
    plan, ctx = planned
    # the fault's setting: osmnx merged the residential and footway ways into an edge no unit can drive
    merged = [d for _u, _v, d in ctx.graph.edges(data=True) if isinstance(d.get("highway"), list)]
    assert merged and all(not any(k.startswith("travel_time_") for k in d) for d in merged)
    obj = next(o for o in ctx.objects if o.id == "CATHEDRAL")
    assert obj.snap_m == pytest.approx(400, abs=15)  # the drivable square, not the footway 10 m away
    assert "CATHEDRAL" not in {u.id for u in plan.unserved}
    served = [s for r in plan.routes for s in r.stops if s.id == "CATHEDRAL"]
    assert len(served) == 2


def test_points_beside_a_road_outside_the_network_are_listed_with_their_reason(planned: tuple) -> None:
    plan, ctx = planned
    reasons = {u.id: u.reason for u in plan.unserved}
    assert reasons.get("BESIDE-ONEWAY") == "disconnected_road"
    assert reasons.get("HS-ONEWAY") == "disconnected_road"
    stops = {s.id for r in plan.routes for s in r.stops}
    assert "BESIDE-ONEWAY" not in stops and "HS-ONEWAY" not in stops
    detail = next(u.detail for u in plan.unserved if u.id == "HS-ONEWAY")
    assert "20 m" in detail and "900 m" in detail
    # every input point is in the plan: served, or unserved with its reason
    for pid in ("ON-RING", "ONEWAY-SHOP", "CATHEDRAL", "BESIDE-ONEWAY", "HS-RING", "HS-ONEWAY"):
        assert pid in stops or pid in reasons, pid
    assert plan.required_visits == 8 and plan.served_required + 2 == plan.required_visits


def test_scorecard_counts_the_hotspot_left_out(planned: tuple) -> None:
    plan, ctx = planned
    card = routeplan.score_plan(plan, ctx)
    hot = card["hotspots"]
    assert hot["count"] == 2
    assert hot["left_out"] == {"disconnected_road": 1}
    row = next(r for r in hot["per_hotspot"] if r["id"] == "HS-ONEWAY")
    assert row["risk"] == 1.0 and row["minutes"] == 0 and row["target_minutes"] > 0
    assert row["left_out"] == "disconnected_road"
    # the riskiest hotspot is never visited: at most a third of the risk-weighted target can be covered
    assert hot["risk_covered_pct"] <= 100 * 0.25 / 1.25 + 0.1
    assert card["required_visits"]["unserved_by_reason"] == {"disconnected_road": 1}


def test_map_shows_the_points_not_served(planned: tuple) -> None:
    plan, ctx = planned
    html = render_plan_map(plan, ctx, lang="en", tiles=False)
    assert html.count("rp-not-served") >= 2
    assert "Name HS-ONEWAY" in html and "Name BESIDE-ONEWAY" in html


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    return math.hypot((lon2 - lon1) / M_LON, (lat2 - lat1) / M_LAT)


def test_stops_are_driven_to_where_they_meet_their_road(planned: tuple) -> None:
    plan, ctx = planned
    G = ctx.graph
    objs = {o.id: o for o in ctx.objects}
    for oid, off in (("ON-RING", 10), ("ONEWAY-SHOP", 8)):
        o = objs[oid]
        node = G.nodes[o.node]
        # the stop's road node is the projection on its road, not an end node 400 m to 1 km away
        assert _metres(o.lon, o.lat, node["x"], node["y"]) == pytest.approx(off, abs=1.0), oid
        assert o.snap_m == pytest.approx(off, abs=1.0)
    depot = ctx.depot_nodes["polsek"]

    def secs(a: int, b: int) -> float:
        return nx.shortest_path_length(G, a, b, weight="travel_time_car")

    speed = 20 / 3.6  # residential, car
    # 2 km along the south side, 1 km up the east side, both ways
    assert secs(depot, objs["ON-RING"].node) == pytest.approx(3000 / speed, rel=0.01)
    assert secs(objs["ON-RING"].node, depot) == pytest.approx(3000 / speed, rel=0.01)
    # one-way: 400 m on from node 3 there; back 600 m on to node 11, round by node 12 (1414 m + 1 km) and home
    assert secs(depot, objs["ONEWAY-SHOP"].node) == pytest.approx(2400 / speed, rel=0.01)
    back = 600 + math.hypot(1000, 1000) + 1000 + 2000
    assert secs(objs["ONEWAY-SHOP"].node, depot) == pytest.approx(back / speed, rel=0.01)


def test_no_route_is_shorter_than_the_straight_lines_between_its_stops(planned: tuple) -> None:
    plan, ctx = planned
    depot = ctx.scenario.depots["polsek"]
    assert any(s.id == "ON-RING" for r in plan.routes for s in r.stops)
    for r in plan.routes:
        pts = [(depot.lon, depot.lat)] + [(s.lon, s.lat) for s in r.stops] + [(depot.lon, depot.lat)]
        straight = sum(_metres(*a, *b) for a, b in zip(pts, pts[1:]))
        # the stops themselves lie up to 20 m off their roads, both ways
        assert r.distance_m >= straight - 40 * len(r.stops), (r.unit, r.day, r.shift)


def test_cli_names_the_hotspot_left_out_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from routeplan.cli import main

    path = _scenario(tmp_path)
    assert main(["plan", str(path), "--out", str(tmp_path / "out"), "--quiet", "--iterations", "200"]) == 0
    out = capsys.readouterr().out
    assert out.count("'HS-ONEWAY'") == 1 and out.count("'BESIDE-ONEWAY'") == 1, out
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert {u["id"]: u["reason"] for u in plan["unserved"]}["HS-ONEWAY"] == "disconnected_road"
