"""The hidden-Markov map matcher (Viterbi) and the dwell detection of ``routeplan.actual``."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from conftest import SAMPLE
from shapely.geometry import LineString

from routeplan.actual.dwell import detect_stays
from routeplan.actual.matching import RoadMatcher
from routeplan.load.roads import load_roads
from routeplan.load.scenario import load_scenario
from routeplan.model.geo import Frame

FRAME = Frame(113.2, -8.2)


def _lonlat(x, y):
    return np.asarray(x) / FRAME.kx + FRAME.lon0, np.asarray(y) / FRAME.ky + FRAME.lat0


def _graph(edges: list[tuple[int, int, list[tuple[float, float]]]]) -> nx.MultiDiGraph:
    """A road graph from lines in local metres (both directions, like a two-way road)."""
    G = nx.MultiDiGraph(crs="epsg:4326")
    for u, v, pts in edges:
        lon, lat = _lonlat([p[0] for p in pts], [p[1] for p in pts])
        for n, (x, y) in ((u, (lon[0], lat[0])), (v, (lon[-1], lat[-1]))):
            G.add_node(n, x=float(x), y=float(y))
        line = LineString(zip(lon, lat))
        G.add_edge(u, v, 0, geometry=line, length=LineString(pts).length)
        G.add_edge(v, u, 0, geometry=LineString(line.coords[::-1]), length=LineString(pts).length)
    return G


def test_the_hmm_keeps_to_the_connected_road_where_the_nearest_road_is_a_parallel_one():
    # road A along y=0 and road B along y=40, joined only 2 km away; a track on A drifts toward B for a while
    G = _graph([(1, 2, [(0, 0), (2000, 0)]), (3, 4, [(0, 40), (2000, 40)]), (2, 4, [(2000, 0), (2000, 40)])])
    m = RoadMatcher(G, sigma=10, beta=30, radius=60)
    x = np.arange(100, 1000, 40.0)
    y = np.where((x > 400) & (x < 600), 24.0, 3.0)  # nearer to B (y=40) than A (y=0) in the middle
    lon, lat = _lonlat(x, y)
    res = m.match(lon, lat, np.arange(len(x)) * 5.0)
    a = next(i for i, (u, v) in enumerate(m.edge_nodes) if {int(u), int(v)} == {1, 2})
    assert set(res.edges.tolist()) == {a}
    assert res.km == pytest.approx(0.9, abs=0.05)
    nearest = [int(c[0][0]) for c in m.candidates(*m.frame.xy(lon, lat))]
    assert a != nearest[len(x) // 2]  # nearest-edge snapping would have jumped to road B


def test_a_gps_jump_breaks_the_chain_and_adds_no_distance():
    G = _graph([(1, 2, [(0, 0), (2000, 0)])])
    m = RoadMatcher(G, sigma=10, beta=30, radius=60)
    x = np.arange(0, 1000, 40.0)
    y = np.zeros_like(x)
    y[10] = 5000  # one point far off any road
    res = m.match(*_lonlat(x, y), np.arange(len(x)) * 5.0)
    assert res.edges[np.flatnonzero(res.used == 10)].tolist() in ([], [-1])
    assert res.km == pytest.approx(0.96, abs=0.05)
    assert res.breaks >= 1


def test_a_noisy_drive_on_real_roads_is_matched_to_its_path():
    G = load_roads(load_scenario(SAMPLE / "scenario.toml"))
    m = RoadMatcher(G)
    nodes = sorted(G.nodes)
    path = nx.shortest_path(m.graph, nodes[10], nodes[600], weight="length")
    pairs = {frozenset((int(u), int(v))) for u, v in zip(path[:-1], path[1:])}
    coords: list[tuple[float, float]] = []
    for u, v in zip(path[:-1], path[1:]):
        e = next(i for i, (a, b) in enumerate(m.edge_nodes) if {int(a), int(b)} == {u, v})
        c = list(m.lines[e].coords)
        coords += c if int(m.edge_nodes[e][0]) == u else c[::-1]
    line = LineString(coords)
    rng = np.random.default_rng(3)
    s = np.arange(0, line.length, 45.0)  # about 9 m/s at one point per 5 s
    x = np.array([line.interpolate(d).x for d in s]) + rng.normal(0, 10, len(s))
    y = np.array([line.interpolate(d).y for d in s]) + rng.normal(0, 10, len(s))
    lon, lat = x / m.frame.kx + m.frame.lon0, y / m.frame.ky + m.frame.lat0
    res = m.match(lon, lat, np.arange(len(s)) * 5.0)
    on_path = [frozenset(map(int, m.edge_nodes[e])) in pairs for e in res.edges if e >= 0]
    assert np.mean(on_path) >= 0.95
    assert res.matched_share == 1.0
    assert res.km == pytest.approx(line.length / 1000, rel=0.05)


def test_stays_are_found_through_noise_and_gaps_and_driving_is_not_a_stay():
    rng = np.random.default_rng(0)
    t1 = np.arange(0, 600, 5.0)  # 10 min standing at (0, 0), with a 2-minute gap
    t1 = t1[(t1 < 200) | (t1 > 320)]
    x1, y1 = rng.normal(0, 8, len(t1)), rng.normal(0, 8, len(t1))
    t2 = np.arange(600, 1200, 5.0)  # then 10 min driving at 5 m/s (a slow patrol) ...
    x2, y2 = (t2 - 600) * 5.0, np.zeros_like(t2)
    t3 = np.arange(1200, 1500, 5.0)  # ... and 5 min standing at its end
    x3, y3 = 3000 + rng.normal(0, 8, len(t3)), rng.normal(0, 8, len(t3))
    t = np.concatenate([t1, t2, t3])
    lon, lat = _lonlat(np.concatenate([x1, x2, x3]), np.concatenate([y1, y2, y3]))
    stays = detect_stays("U", t, lon, lat, FRAME)
    assert len(stays) == 2
    assert stays[0].minutes == pytest.approx(10, abs=0.5) and stays[1].minutes == pytest.approx(5, abs=0.5)
    x, _y = FRAME.xy(np.array([stays[1].lon]), np.array([stays[1].lat]))
    assert x[0] == pytest.approx(3000, abs=10)
    assert detect_stays("U", t2, *_lonlat(x2, y2), FRAME) == []
