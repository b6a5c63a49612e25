"""Deterministic road-like test graphs for the performance benchmarks.

A perturbed grid (about 120 m blocks, jittered intersections) with random removals of local
streets, a hierarchy of road classes along rows/columns (primary every 24th line, secondary every
8th, tertiary every 4th, residential otherwise), some one-way residential streets and a few long
diagonal primary roads. Two outputs:

* :func:`road_graph` an osmnx-like ``networkx.MultiDiGraph`` (node ``x``/``y``, edge ``length``,
  ``highway``, ``oneway``, ``travel_time_car`` / ``travel_time_motorcycle``), already restricted to
  its largest strongly connected component, as :func:`routeplan.graph_from_file` returns;
* :func:`write_osm` the same network as OSM XML (ways as runs of same-class street), so that an
  end-to-end run goes through the real loader (osmnx parsing, simplification, travel times).

``python benchmarks/gen_graph.py 200000 out.osm`` writes a file.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SPACING_M = 120.0
CENTRE = (113.22, -8.13)  # lon, lat (Lumajang-like; only the scale matters)
M_PER_DEG = 111_320.0


@dataclass
class Grid:
    rows: int
    cols: int
    x: np.ndarray  # lon per node (row-major)
    y: np.ndarray  # lat
    edges: list[tuple[int, int, str, int]]  # (u, v, highway, oneway: 0 two-way, 1 u->v)
    # runs for OSM ways: (node list, highway, oneway)
    ways: list[tuple[list[int], str, int]]


def _cls(i: int) -> str:
    if i % 24 == 0:
        return "primary"
    if i % 8 == 0:
        return "secondary"
    if i % 4 == 0:
        return "tertiary"
    return "residential"


def make_grid(n_nodes: int, seed: int = 0, removal: float = 0.12, oneway: float = 0.06) -> Grid:
    """The grid network of about ``n_nodes`` intersections (exact count depends on removals)."""
    rng = np.random.default_rng(seed)
    side = int(math.ceil(math.sqrt(n_nodes)))
    rows, cols = side, int(math.ceil(n_nodes / side))
    lat0 = CENTRE[1]
    dlat = SPACING_M / M_PER_DEG
    dlon = SPACING_M / (M_PER_DEG * math.cos(math.radians(lat0)))
    r, c = np.divmod(np.arange(rows * cols), cols)
    jit = rng.uniform(-0.25, 0.25, size=(2, rows * cols))
    x = CENTRE[0] + (c - cols / 2 + jit[0]) * dlon
    y = lat0 + (r - rows / 2 + jit[1]) * dlat
    nid = lambda rr, cc: rr * cols + cc  # noqa: E731

    edges: list[tuple[int, int, str, int]] = []
    ways: list[tuple[list[int], str, int]] = []

    def line(seq: list[int], hw: str) -> None:
        """Edges along one row/column; local streets lose random blocks and some become one-way."""
        run: list[int] = [seq[0]]
        run_ow = 0
        for a, b in zip(seq, seq[1:]):
            keep, ow = True, 0
            if hw == "residential":
                u = rng.random()
                keep = u >= removal
                if keep and rng.random() < oneway:
                    ow = 1 if rng.random() < 0.5 else -1
            if not keep or ow != run_ow:
                if len(run) > 1:
                    ways.append((run if run_ow >= 0 else run[::-1], hw, int(run_ow != 0)))
                run = [a] if keep else [b]
                run_ow = ow
                if not keep:
                    continue
            run.append(b)
            if ow == 0:
                edges.append((a, b, hw, 0))
            elif ow == 1:
                edges.append((a, b, hw, 1))
            else:
                edges.append((b, a, hw, 1))
        if len(run) > 1:
            ways.append((run if run_ow >= 0 else run[::-1], hw, int(run_ow != 0)))

    for rr in range(rows):
        line([nid(rr, cc) for cc in range(cols)], _cls(rr))
    for cc in range(cols):
        line([nid(rr, cc) for rr in range(rows)], _cls(cc))
    # long diagonal primary roads (cross the grid without junctions except at their own nodes)
    n_diag = max(1, side // 60)
    for k in range(n_diag):
        r0 = int(rng.integers(0, rows // 2))
        c0 = int(rng.integers(0, cols // 2))
        step = 1 if k % 2 == 0 else -1
        if step < 0:
            c0 = cols - 1 - c0
        seq = []
        rr, cc = r0, c0
        while 0 <= rr < rows and 0 <= cc < cols:
            seq.append(nid(rr, cc))
            rr, cc = rr + 1, cc + step
        if len(seq) > 1:
            for a, b in zip(seq, seq[1:]):
                edges.append((a, b, "primary", 0))
            ways.append((seq, "primary", 0))
    return Grid(rows, cols, x, y, edges, ways)


def _haversine(x1, y1, x2, y2):
    p1, p2 = np.radians(y1), np.radians(y2)
    dphi, dl = p2 - p1, np.radians(x2 - x1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6_371_009 * np.arcsin(np.sqrt(a))


def road_graph(n_nodes: int, seed: int = 0):
    """An osmnx-like MultiDiGraph of about ``n_nodes`` nodes with routeplan's travel times."""
    import networkx as nx

    from routeplan import DEFAULT_SPEEDS_KMH, add_travel_times

    g = make_grid(n_nodes, seed)
    e = np.array([(u, v) for u, v, _, _ in g.edges], dtype=np.int64)
    length = _haversine(g.x[e[:, 0]], g.y[e[:, 0]], g.x[e[:, 1]], g.y[e[:, 1]])
    G = nx.MultiDiGraph(crs="epsg:4326")
    used = np.unique(e)
    G.add_nodes_from((int(i) + 1, {"x": float(g.x[i]), "y": float(g.y[i]), "street_count": 0}) for i in used)
    batch = []
    for (u, v, hw, ow), ln in zip(g.edges, length):
        d = {"highway": hw, "oneway": bool(ow), "length": float(ln), "reversed": False}
        batch.append((u + 1, v + 1, d))
        if not ow:
            batch.append((v + 1, u + 1, dict(d, reversed=True)))
    G.add_edges_from(batch)
    add_travel_times(G, DEFAULT_SPEEDS_KMH)
    largest = max(nx.strongly_connected_components(G), key=len)
    if len(largest) < G.number_of_nodes():
        G = G.subgraph(largest).copy()
    return G


def write_osm(n_nodes: int, path: str | Path, seed: int = 0) -> dict:
    """Write the grid network as OSM XML; returns counts."""
    g = make_grid(n_nodes, seed)
    used = sorted({n for seq, _, _ in g.ways for n in seq})
    path = Path(path)
    with path.open("w", encoding="utf-8") as f:
        f.write("<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\" generator=\"routeplan benchmarks/gen_graph.py\">\n")
        f.write(f'  <bounds minlat="{g.y.min():.7f}" minlon="{g.x.min():.7f}" maxlat="{g.y.max():.7f}" maxlon="{g.x.max():.7f}"/>\n')
        for i in used:
            f.write(f'  <node id="{i + 1}" version="1" lat="{g.y[i]:.7f}" lon="{g.x[i]:.7f}"/>\n')
        for w, (seq, hw, ow) in enumerate(g.ways, start=1):
            f.write(f'  <way id="{w}" version="1">\n')
            f.write("".join(f'    <nd ref="{n + 1}"/>\n' for n in seq))
            f.write(f'    <tag k="highway" v="{hw}"/>\n')
            if ow:
                f.write('    <tag k="oneway" v="yes"/>\n')
            f.write("  </way>\n")
        f.write("</osm>\n")
    return {"nodes": len(used), "ways": len(g.ways), "bytes": path.stat().st_size,
            "bbox": [float(g.x.min()), float(g.y.min()), float(g.x.max()), float(g.y.max())]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("nodes", type=int)
    ap.add_argument("out", nargs="?", help="write OSM XML here; without it, build the graph and print its size")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    if a.out:
        print(write_osm(a.nodes, a.out, a.seed))
    else:
        G = road_graph(a.nodes, a.seed)
        print(G.number_of_nodes(), "nodes", G.number_of_edges(), "edges")


if __name__ == "__main__":
    main()
