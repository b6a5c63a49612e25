"""Travel-time matrix: routeplan.travel_matrix against a networkx baseline, in the same run.

For each graph (the real Buahbatu network and generated road-like graphs, see ``gen_graph.py``)
and N stops drawn at random (seeded), times

* ``routeplan``: :func:`routeplan.travel_matrix` (N x N durations, distances along the
  fastest paths and the predecessor trees for route geometry), median of ``repeats`` runs;
* ``networkx``: ``nx.single_source_dijkstra_path_length(G, s, weight=w)`` per source with the same
  weight (edges without ``travel_time_car`` hidden, minimum over parallel edges), durations only.
  Where the full baseline would be too slow it is timed on a subset of the sources and
  extrapolated linearly to N sources (``baseline_sources`` < N, ``extrapolated`` true).

Every run also checks the routeplan durations against the baseline on the timed sources.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import routeplan

sys.path.insert(0, str(Path(__file__).resolve().parent))

BUAHBATU = Path(__file__).resolve().parents[2] / "shared" / "data" / "osm" / "buahbatu_bandung_drive.osm.bz2"
WEIGHT = "travel_time_car"


def load_graph(name: str):
    if name == "buahbatu":
        return routeplan.graph_from_file(BUAHBATU, routeplan.DEFAULT_SPEEDS_KMH)
    from gen_graph import road_graph

    return road_graph(int(name.removeprefix("grid")), seed=0)


def _nx_weight(u, v, d):
    ws = [a[WEIGHT] for a in d.values() if WEIGHT in a]
    return min(ws) if ws else None


def networkx_rows(G, sources, targets):
    import networkx as nx

    out = np.full((len(sources), len(targets)), np.inf)
    for i, s in enumerate(sources):
        dist = nx.single_source_dijkstra_path_length(G, s, weight=_nx_weight)
        out[i] = [dist.get(t, np.inf) for t in targets]
    return out


def bench_one(G, gname: str, n_stops: int, repeats: int, baseline_max_sources: int, workers: int | None = None,
              seed: int = 1) -> dict:
    rng = np.random.default_rng(seed)
    nodes = list(G.nodes)
    stops = [nodes[i] for i in rng.choice(len(nodes), n_stops, replace=False)]
    times = []
    tm = None
    for _ in range(repeats):
        del tm
        gc.collect()
        t = time.perf_counter()
        tm = routeplan.travel_matrix(G, stops, "car", workers=workers)
        times.append(time.perf_counter() - t)
    k = min(n_stops, baseline_max_sources)
    sub = list(range(k))
    t = time.perf_counter()
    ref = networkx_rows(G, [stops[i] for i in sub], stops)
    tb = time.perf_counter() - t
    base_full = tb * n_stops / k
    fin = np.isfinite(ref)
    err = float(np.max(np.abs(tm.duration[sub][fin] - ref[fin]) / np.maximum(ref[fin], 1e-9))) if fin.any() else 0.0
    same_inf = bool(np.array_equal(np.isinf(tm.duration[sub]), ~fin))
    med = statistics.median(times)
    return {
        "graph": gname, "graph_nodes": G.number_of_nodes(), "graph_edges": G.number_of_edges(),
        "n_stops": n_stops, "workers": workers, "repeats": repeats,
        "routeplan_s": times, "routeplan_median_s": med,
        "baseline_sources": k, "baseline_timed_s": tb, "baseline_s": base_full, "extrapolated": k < n_stops,
        "speedup": base_full / med, "max_rel_error_vs_networkx": err, "unreachable_agree": same_inf,
    }


def stage_breakdown(G, n_stops: int, seed: int = 1) -> dict:
    """Seconds per internal stage of travel_matrix (one run), and Dijkstra with 1 vs 2 threads."""
    from scipy.sparse.csgraph import dijkstra

    # the one place a benchmark reads a private module: it times the internal stages of travel_matrix
    from routeplan.prepare import matrix as M

    rng = np.random.default_rng(seed)
    nodes = list(G.nodes)
    stops = [nodes[i] for i in rng.choice(len(nodes), n_stops, replace=False)]
    t = time.perf_counter()
    csr = M.to_csr(G, WEIGHT)
    out = {"to_csr_s": time.perf_counter() - t}
    src = np.array([csr.index[n] for n in stops])
    from concurrent.futures import ThreadPoolExecutor

    def run(chunk):
        return dijkstra(csr.matrix, directed=True, indices=chunk, return_predecessors=True)

    for w in (1, 2):
        t = time.perf_counter()
        if w == 1:
            d, p = run(src)
        else:
            with ThreadPoolExecutor(2) as pool:
                parts = list(pool.map(run, np.array_split(src, 2)))
            _d, p = np.vstack([x[0] for x in parts]), np.vstack([x[1] for x in parts])
        out[f"scipy_dijkstra_threads{w}_s"] = time.perf_counter() - t
    t = time.perf_counter()
    trees = [M._path_tree(p[a], src) for a in range(len(src))]
    out["path_trees_s"] = time.perf_counter() - t
    t = time.perf_counter()
    for tree, s in zip(trees, src):
        M._tree_lengths(csr.length, tree, int(s), src)
    out["path_lengths_s"] = time.perf_counter() - t
    return out


def run(quick: bool = False) -> dict:
    if quick:
        plan = [("buahbatu", [200, 1000], 2, 100), ("grid50000", [1000], 1, 5)]
    else:
        plan = [("buahbatu", [200, 1000], 5, 1000), ("grid50000", [200, 1000], 5, 40),
                ("grid200000", [200, 1000], 3, 10)]
    rows, stages = [], []
    for gname, sizes, reps, bmax in plan:
        t = time.perf_counter()
        G = load_graph(gname)
        load_s = time.perf_counter() - t
        print(f"[matrix] {gname}: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges ({load_s:.1f}s)", flush=True)
        for n in sizes:
            r = bench_one(G, gname, n, reps, bmax)
            rows.append(r)
            print(f"[matrix]   N={n}: routeplan {r['routeplan_median_s']:.2f}s, networkx {r['baseline_s']:.1f}s"
                  f"{' (extrapolated from {} sources)'.format(r['baseline_sources']) if r['extrapolated'] else ''}, "
                  f"x{r['speedup']:.0f}", flush=True)
        if gname.startswith("grid"):
            s = stage_breakdown(G, 200 if quick else 1000)
            s["graph"] = gname
            s["n_stops"] = 200 if quick else 1000
            stages.append(s)
            print(f"[matrix]   stages: {s}", flush=True)
        del G
        gc.collect()
    return {"rows": rows, "stages": stages}


def markdown(res: dict) -> str:
    out = ["| graph | nodes | edges | N | routeplan median (s) | runs | networkx (s) | baseline sources timed | speed-up | max rel. error |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in res["rows"]:
        base = f"{r['baseline_s']:.1f}" + (" (extrap.)" if r["extrapolated"] else "")
        out.append(f"| {r['graph']} | {r['graph_nodes']} | {r['graph_edges']} | {r['n_stops']} | {r['routeplan_median_s']:.2f} | "
                   f"{r['repeats']} | {base} | {r['baseline_sources']}/{r['n_stops']} | {r['speedup']:.0f}x | "
                   f"{r['max_rel_error_vs_networkx']:.1e} |")
    if res.get("stages"):
        out += ["", "| graph | N | to_csr (s) | scipy Dijkstra, 1 thread (s) | 2 threads (s) | path lengths (s) |",
                "|---|---:|---:|---:|---:|---:|"]
        for s in res["stages"]:
            out.append(f"| {s['graph']} | {s['n_stops']} | {s['to_csr_s']:.2f} | {s['scipy_dijkstra_threads1_s']:.2f} | "
                       f"{s['scipy_dijkstra_threads2_s']:.2f} | {s['path_lengths_s']:.2f} |")
    return "\n".join(out)


if __name__ == "__main__":
    import json

    res = run(quick="--quick" in sys.argv)
    print(markdown(res))
    print(json.dumps(res)[:2000])
