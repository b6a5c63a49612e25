"""Route sketches: roads around the route, main road names, stop labels that never overlap, depot, arrows."""

from __future__ import annotations

import itertools

import pytest
from fieldplans import night_plan, roads
from shapely.geometry import box

from routeplan.render.sketch import RoadIndex, layout, read_roads, road_lines, to_svg


def _stops(route):
    return [{"lon": s.lon, "lat": s.lat, "kind": s.kind} for s in route.stops]


def _box(lb):
    return (lb.x - lb.w / 2, lb.y - lb.h / 2, lb.x + lb.w / 2, lb.y + lb.h / 2)


def _overlap(a, b):
    return min(a[2], b[2]) - max(a[0], b[0]) > 0 and min(a[3], b[3]) - max(a[1], b[1]) > 0


@pytest.mark.parametrize("n", [4, 20, 40])
def test_labels_do_not_overlap_and_name_every_stop(n):
    r = night_plan(n).routes[0]
    sk = layout(r.path, _stops(r), (r.path[0][0], r.path[0][1]), roads())
    boxes = [_box(lb) for lb in sk.labels]
    for a, b in itertools.combinations(boxes, 2):
        assert not _overlap(a, b), (a, b)
    depot = (sk.depot[0] - 8, sk.depot[1] - 8, sk.depot[0] + 8, sk.depot[1] + 8)
    assert not any(_overlap(b, depot) for b in boxes)  # the depot stays visible
    for b in boxes:
        assert 0 <= b[0] and b[2] <= sk.width and 0 <= b[1] and b[3] <= sk.height
    numbers = sorted(int(x) for lb in sk.labels for x in lb.text.split("/") if x != "…")
    assert numbers == list(range(1, n + 1))
    assert any("/" in lb.text for lb in sk.labels)  # stops on one spot share a label


def test_roads_and_names_drawn_clipped():
    r = night_plan(6).routes[0]
    sk = layout(r.path, _stops(r), r.path[0], roads())
    assert {cls for cls, _ in sk.roads} == {"main", "tertiary", "minor"}
    for _cls, pp in sk.roads:
        for x, y in pp:
            assert -1 <= x <= sk.width + 1 and -1 <= y <= sk.height + 1
    names = {n for n, *_ in sk.road_labels}
    assert "Jalan Raya Kunir" in names and "Far Road" not in names
    svg = to_svg(sk)
    assert 'class="road main"' in svg and "Jalan Raya Kunir" in svg and 'class="arrow"' in svg
    assert svg.count('class="stop"') == 6 and 'class="depot"' in svg


def test_a_shared_road_index_draws_the_same_sketch():
    """Briefings lay out every route's sketch over one :class:`RoadIndex`: the same sketch as from the list."""
    index = RoadIndex(roads())
    for r in night_plan(12).routes:
        assert layout(r.path, _stops(r), r.path[0], index) == layout(r.path, _stops(r), r.path[0], roads())
    far = [rd for rd in roads() if rd[0] == "Far Road"]
    xs, ys = [p[0] for p in r.path], [p[1] for p in r.path]
    assert far and RoadIndex(far).clipped(box(min(xs), min(ys), max(xs), max(ys))) == []  # outside: not drawn


def test_without_roads_the_route_alone():
    r = night_plan(6).routes[0]
    sk = layout(r.path, _stops(r), r.path[0], None)
    assert sk.roads == [] and sk.road_labels == [] and len(sk.route) == len(r.path)


def test_road_names_are_escaped(tmp_path):
    import json

    import networkx as nx

    G = nx.MultiDiGraph()
    G.add_node(1, x=113.20, y=-8.2225)
    G.add_node(2, x=113.22, y=-8.2225)
    G.add_edge(1, 2, highway="primary", name="<script>alert(1)</script>", osmid=5)
    G.add_edge(2, 1, highway="primary", name="<script>alert(1)</script>", osmid=5)
    gj = road_lines(G)
    assert len(gj["features"]) == 1
    (tmp_path / "roads.geojson").write_text(json.dumps(gj))
    rs = read_roads(tmp_path / "roads.geojson")
    r = night_plan(3).routes[2]
    svg = to_svg(layout(r.path, _stops(r), r.path[0], rs))
    assert "<script>" not in svg and "&lt;script&gt;" in svg


@pytest.mark.parametrize("cls", ['"><script>alert(1)</script>', "{{ 7*7 }}", "main\x00", None, 3])
def test_a_road_class_from_a_file_is_a_style_never_text(tmp_path, cls):
    """``cls`` of an edited ``roads.geojson`` names no style: the road is drawn as a minor one, the text goes nowhere."""
    import json

    r = night_plan(3).routes[2]
    gj = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Jalan X", "cls": cls},
         "geometry": {"type": "LineString", "coordinates": [list(p) for p in r.path[:2]]}}]}
    (tmp_path / "roads.geojson").write_text(json.dumps(gj))
    rs = read_roads(tmp_path / "roads.geojson")
    assert [c for _n, c, _p in rs] == ["minor"]
    sk = layout(r.path, _stops(r), r.path[0], [("Jalan X", cls, list(r.path[:2]))])  # given as a list, too
    svg = to_svg(sk)
    assert [c for c, _p in sk.roads] == ["minor"] and svg.count('class="road minor"') == 1
    assert "<script" not in svg and "7*7" not in svg and "\x00" not in svg and "Jalan X" not in svg.split("<text")[0]


def test_the_roads_of_a_class_are_one_path():
    """A town's thousands of streets are one SVG path per road class, each street a line of it."""
    import re

    r = night_plan(6).routes[0]
    sk = layout(r.path, _stops(r), r.path[0], roads())
    svg = to_svg(sk)
    paths = re.findall(r'<path class="road (\w+)" d="([^"]*)"', svg)
    assert [c for c, _d in paths] == ["minor", "tertiary", "main"]  # the main roads drawn over the others
    for cls, d in paths:
        want = [pp for c, pp in sk.roads if c == cls]
        assert d.count("M") == len(want)
        assert [[tuple(map(float, xy.split(","))) for xy in part.split()] for part in d[1:].split(" M")] == want
