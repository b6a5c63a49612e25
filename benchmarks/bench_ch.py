"""Contraction hierarchies from the package index against scipy's Dijkstra, for the travel-time matrix.

    python benchmarks/bench_ch.py                 # kecamatan-size and regency-size graphs
    python benchmarks/bench_ch.py --quick

For each graph (a kecamatan-size one: Buahbatu's real roads when ``../shared/data`` is there, else a generated
5 000-node graph; a regency-size one: the generated 50 000-node graph of ``gen_graph.py``) and N random stops
(seeded), N x N car travel times are computed by

* ``scipy``: ``scipy.sparse.csgraph.dijkstra`` from every stop on the CSR matrix of the graph (minimum over
  parallel edges) - the search inside ``routeplan.travel_matrix``, durations only;
* ``routeplan``: :func:`routeplan.travel_matrix` (durations, metres and the road paths, for context);
* ``pyroutingkit``: RoutingKit's customizable contraction hierarchy (build + customize + many-to-many);
* ``pandana``: pandana's contraction hierarchy (build + N x N pair queries);
* ``networkx``: ``single_source_dijkstra_path_length`` on a subset of the sources, extrapolated (the ratio
  the project keeps).

Times are wall seconds of one run each (the machine is shared; the load average is recorded). The CH
libraries work in whole milliseconds; their results are checked against scipy to within 1 ms per edge.
Writes ``benchmarks/results/ch.json`` and prints a markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

import routeplan

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
BUAHBATU = HERE.parents[1] / "shared" / "data" / "osm" / "buahbatu_bandung_drive.osm.bz2"
WEIGHT = "travel_time_car"


def _arrays(G):
    nodes = list(G.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    best: dict[tuple[int, int], float] = {}
    for u, v, d in G.edges(data=True):
        w = d.get(WEIGHT)
        if w is None:
            continue
        k = (index[u], index[v])
        if w < best.get(k, np.inf):
            best[k] = float(w)
    tail = np.array([k[0] for k in best], dtype=np.int64)
    head = np.array([k[1] for k in best], dtype=np.int64)
    w = np.array(list(best.values()))
    x = np.array([G.nodes[n]["x"] for n in nodes])
    y = np.array([G.nodes[n]["y"] for n in nodes])
    return nodes, index, tail, head, w, x, y


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def bench_graph(G, name: str, n_stops: int, nx_sources: int, seed: int = 1, pandana: bool = True) -> dict:
    nodes, index, tail, head, w, x, y = _arrays(G)
    n = len(nodes)
    rng = np.random.default_rng(seed)
    stops = rng.choice(n, n_stops, replace=False)
    res: dict = {"graph": name, "nodes": n, "edges": len(w), "n_stops": n_stops}
    csr = sp.csr_matrix((w, (tail, head)), shape=(n, n))
    ref, res["scipy_s"] = _timed(lambda: dijkstra(csr, directed=True, indices=stops)[:, stops])
    _, res["routeplan_travel_matrix_s"] = _timed(lambda: routeplan.travel_matrix(G, [nodes[i] for i in stops], "car"))
    ms = np.maximum(1, np.rint(w * 1000)).astype(np.uint32)
    try:
        import pyroutingkit

        def prk():
            cch = pyroutingkit.CCH()
            cch.build_topology(tail.astype(np.uint32), head.astype(np.uint32), y.astype(np.float32),
                               x.astype(np.float32), n)
            cch.customize_weights(ms)
            return cch

        cch, res["pyroutingkit_build_s"] = _timed(prk)
        got, res["pyroutingkit_query_s"] = _timed(
            lambda: cch.distances_many_to_many(stops.astype(np.uint32), stops.astype(np.uint32)))
        res["pyroutingkit_s"] = res["pyroutingkit_build_s"] + res["pyroutingkit_query_s"]
        res["pyroutingkit_max_abs_err_s"] = float(np.max(np.abs(np.asarray(got, dtype=float) / 1000 - ref)))
    except ImportError:
        res["pyroutingkit"] = "not installed"
    try:
        if not pandana:
            raise ImportError("skipped")
        import pandana as pdna
        import pandas as pd

        def pdn():
            ids = np.arange(n)
            return pdna.Network(pd.Series(x, index=ids), pd.Series(y, index=ids), pd.Series(tail),
                                   pd.Series(head), pd.DataFrame({"t": ms.astype(np.float64)}), twoway=False)

        net, res["pandana_build_s"] = _timed(pdn)
        orig = np.repeat(stops, n_stops)
        dest = np.tile(stops, n_stops)
        got, res["pandana_query_s"] = _timed(lambda: net.shortest_path_lengths(orig, dest, imp_name="t"))
        res["pandana_s"] = res["pandana_build_s"] + res["pandana_query_s"]
        res["pandana_max_abs_err_s"] = float(np.max(np.abs(np.asarray(got, dtype=float).reshape(n_stops, n_stops)
                                                           / 1000 - ref)))
    except ImportError as exc:
        res["pandana"] = "skipped (--no-pandana-regency)" if str(exc) == "skipped" else "not installed"
    from bench_matrix import networkx_rows

    k = min(nx_sources, n_stops)
    _, tb = _timed(lambda: networkx_rows(G, [nodes[i] for i in stops[:k]], [nodes[i] for i in stops]))
    res["networkx_s_extrapolated"] = tb * n_stops / k
    res["load"] = os.getloadavg()
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-pandana-regency", action="store_true",
                    help="leave pandana out on the regency-size graph (its N x N pair queries take many minutes)")
    a = ap.parse_args()
    from gen_graph import road_graph

    runs = []
    if BUAHBATU.exists():
        kec = routeplan.graph_from_file(BUAHBATU, routeplan.DEFAULT_SPEEDS_KMH)
        kname = "buahbatu (real, kecamatan)"
    else:
        kec, kname = road_graph(5000, seed=0), "grid5000 (kecamatan)"
    runs.append(bench_graph(kec, kname, 150 if a.quick else 300, 20))
    big = 5000 if a.quick else 50000
    runs.append(bench_graph(road_graph(big, seed=0), f"grid{big} (regency)", 200 if a.quick else 1000, 10,
                            pandana=not a.no_pandana_regency))
    out = {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
           "command": " ".join([Path(sys.executable).name, *sys.argv]), "cores": os.cpu_count(), "runs": runs}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / ("ch_quick.json" if a.quick else "ch.json")).write_text(json.dumps(out, indent=2) + "\n")
    print("| graph | nodes | N | scipy s | pyroutingkit s (build + query) | pandana s (build + query) | "
          "routeplan.travel_matrix s | networkx s (extrap.) | load |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        prk = (f"{r['pyroutingkit_s']:.2f} ({r['pyroutingkit_build_s']:.2f} + {r['pyroutingkit_query_s']:.2f})"
               if "pyroutingkit_s" in r else "-")
        pdn = (f"{r['pandana_s']:.2f} ({r['pandana_build_s']:.2f} + {r['pandana_query_s']:.2f})"
               if "pandana_s" in r else "-")
        print(f"| {r['graph']} | {r['nodes']} | {r['n_stops']} | {r['scipy_s']:.2f} | {prk} | {pdn} | "
              f"{r['routeplan_travel_matrix_s']:.2f} | {r['networkx_s_extrapolated']:.1f} | "
              f"{r['load'][0]:.1f} |")
        print(f"<!-- max abs error vs scipy: pyroutingkit {r.get('pyroutingkit_max_abs_err_s')}, "
              f"pandana {r.get('pandana_max_abs_err_s')} -->")


if __name__ == "__main__":
    main()
