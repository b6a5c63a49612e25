import networkx as nx
import numpy as np
import pytest
from conftest import SAMPLE, shared_file

from routeplan.load.roads import graph_from_file
from routeplan.load.scenario import DEFAULT_SPEEDS_KMH
from routeplan.prepare.matrix import to_csr, travel_matrix


def toy():
    G = nx.MultiDiGraph()
    for n, (x, y) in enumerate([(0, 0), (1, 0), (2, 0)]):
        G.add_node(n, x=x, y=y)
    G.add_edge(0, 1, length=100, travel_time_car=10)
    G.add_edge(0, 1, length=80, travel_time_car=30)  # slower parallel edge must be ignored
    G.add_edge(1, 2, length=100, travel_time_car=10)
    G.add_edge(2, 0, length=500, travel_time_car=50)
    G.add_edge(1, 0, length=100, travel_time_car=10)
    return G


def test_parallel_edges_take_minimum_and_paths():
    tm = travel_matrix(toy(), [0, 2, 0], "car", workers=1)
    assert tm.duration[0, 1] == pytest.approx(20)
    assert tm.distance[0, 1] == pytest.approx(200)
    assert tm.duration[1, 0] == pytest.approx(50)
    assert tm.duration[0, 2] == 0
    assert tm.path(0, 1) == [0, 1, 2]
    csr = to_csr(toy(), "travel_time_car")
    assert csr.matrix.nnz == 4


def test_unreachable_is_inf():
    G = toy()
    G.add_node(9, x=5, y=5)
    G.add_edge(2, 9, length=10, travel_time_car=1)
    tm = travel_matrix(G, [0, 9], "car", workers=1)
    assert np.isinf(tm.duration[1, 0]) and np.isfinite(tm.duration[0, 1])
    assert tm.path(1, 0) == []


@pytest.mark.parametrize("compact", [False, True], ids=["full-trees", "compact-trees"])
def test_matrix_matches_networkx_on_buahbatu(compact, monkeypatch):
    from routeplan.prepare import matrix
    if compact:  # the regency-size code path: trees cut to the paths between stops
        monkeypatch.setattr(matrix, "_FULL_TREE_NODES", 0)
    G = graph_from_file(shared_file("osm", "buahbatu_bandung_drive.osm.bz2"), DEFAULT_SPEEDS_KMH)
    rng = np.random.default_rng(0)
    nodes = [list(G.nodes)[i] for i in rng.choice(len(G), 40, replace=False)]
    tm = travel_matrix(G, nodes, "motorcycle", workers=2)
    for a, b in [(0, 1), (5, 17), (39, 2), (12, 30)]:
        ref = nx.shortest_path_length(G, nodes[a], nodes[b], weight="travel_time_motorcycle")
        assert tm.duration[a, b] == pytest.approx(ref, rel=1e-9)
        path = tm.path(a, b)
        assert path[0] == nodes[a] and path[-1] == nodes[b]
        t = sum(min(d["travel_time_motorcycle"] for d in G[u][v].values()) for u, v in zip(path, path[1:]))
        assert t == pytest.approx(ref, rel=1e-9)
        ln = sum(min(G[u][v].values(), key=lambda d: d["travel_time_motorcycle"])["length"] for u, v in zip(path, path[1:]))
        assert tm.distance[a, b] == pytest.approx(ln, rel=1e-6)


def test_car_cannot_use_paths_motorcycle_can():
    G = graph_from_file(SAMPLE / "roads.osm", DEFAULT_SPEEDS_KMH)
    hw = {(d["highway"] if isinstance(d["highway"], str) else d["highway"][0]) for *_, d in G.edges(data=True)}
    assert "primary" in hw
    assert all("travel_time_motorcycle" in d for *_, d in G.edges(data=True))
