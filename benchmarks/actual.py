"""Plan against actual: map-matching speed for a week of tracks and classification accuracy on a synthetic truth.

    python benchmarks/actual.py [--seeds 3] [--iterations 1500]

The sample scenario (6 units, 7 days, 3 shifts) is planned once; for each seed, synthetic GPX tracks are made
from the plan's own routes (``routeplan.actual.synth``: one point per 5 s, 10 m GPS noise, 8 % of 2-minute
stretches not recorded, 10 % of stops missed, 5 % cut short, 5 % done at the wrong hour, one route that never
leaves the depot). Timed, in the same run:

* ``read``: reading and checking the GPX files;
* ``stays``: dwell detection on every unit's track;
* ``hmm``: the hidden-Markov matcher (:class:`routeplan.actual.matching.RoadMatcher`) on every route's track,
  standing points collapsed first, as ``routeplan actual`` does;
* ``nearest``: the baseline, snapping every (thinned) point to its nearest road edge (the matcher's candidate
  query alone, no Viterbi);
* ``compare``: the whole :func:`routeplan.actual.run.compare_actual` (stays, classification, matching, figures).

Accuracy is the share of planned visits whose status is the truth's.

A second part matches random drives (shortest paths between random nodes, 9 m/s, one point per 5 s, 10 m
noise) on the real Buahbatu (Bandung) road network, where roads are dense and nearest-edge snapping errs: the
share of points put on an edge of the true path, HMM against nearest edge, and the time of both (skipped when
``../shared/data`` is absent). Results go to ``results/actual.json``.
"""

from __future__ import annotations

import argparse
import collections
import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np
from shapely.geometry import LineString

import routeplan
from routeplan import (
    RoadMatcher,
    actual_context,
    collapse_stays,
    compare_actual,
    detect_stays,
    read_tracks,
    route_tracks,
    synthesise_tracks,
    write_tracks,
)

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parent / "data" / "sample" / "scenario.toml"


def _accuracy(visits: list[dict], truth: dict) -> float:
    seen: collections.Counter = collections.Counter()
    ok = 0
    for v in visits:
        key = (v["unit"], v["day"], v["shift"], v["id"])
        seen[key] += 1
        ok += truth[(*key, seen[key])] == v["status"]
    return ok / len(visits)


def run(seeds: int, iterations: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench-actual-"))
    try:
        plan_dir = work / "plan"
        planned, pctx = routeplan.plan(SAMPLE, seed=1, max_iterations=iterations, time_limit=600)
        routeplan.write_plan(planned, pctx, plan_dir)
        plan, ctx = actual_context(plan_dir)
        t0 = time.perf_counter()
        matcher = RoadMatcher(ctx.graph)
        build_s = time.perf_counter() - t0
        rows = []
        for seed in range(seeds):
            folder = work / f"tracks-{seed}"
            syn = synthesise_tracks(plan, matcher.frame, seed=seed, noise_m=10.0, gaps=0.08)
            write_tracks(syn, folder)
            t0 = time.perf_counter()
            tracks = read_tracks([folder], plan, ctx)
            read_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            stays = {u: detect_stays(u, tr.t, tr.lon, tr.lat, matcher.frame) for u, tr in tracks.items()}
            stays_s = time.perf_counter() - t0
            parts = [collapse_stays(tr, stays[tr.unit]) for tr in route_tracks(plan, tracks) if tr is not None]
            used = sum(len(p) for p in parts)
            t0 = time.perf_counter()
            km = sum(matcher.match(p.lon, p.lat, p.t).km for p in parts if len(p) > 1)
            hmm_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            for p in parts:
                matcher.candidates(*matcher.frame.xy(p.lon, p.lat))
            nearest_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            result = compare_actual(plan, ctx, tracks, [])
            compare_s = time.perf_counter() - t0
            points = sum(len(tr) for tr in tracks.values())
            rows.append({
                "seed": seed, "units": len(tracks), "points": points, "points_after_stays": used,
                "read_s": round(read_s, 2), "stays_s": round(stays_s, 2), "hmm_s": round(hmm_s, 2),
                "nearest_s": round(nearest_s, 2), "hmm_over_nearest": round(hmm_s / nearest_s, 1),
                "hmm_ms_per_1000_points": round(1000 * hmm_s / points * 1000, 1),
                "compare_s": round(compare_s, 2), "matched_km": round(km, 1),
                "planned_km": round(sum(r.distance_km for r in plan.routes), 1),
                "accuracy": round(_accuracy(result.data["visits"], syn.truth), 4),
                "visits": len(result.data["visits"]),
                "truth": dict(collections.Counter(syn.truth.values())),
            })
            print(json.dumps(rows[-1]), flush=True)
        return {"machine": platform.processor() or platform.machine(), "python": sys.version.split()[0],
                "date": time.strftime("%Y-%m-%d"), "matcher_build_s": round(build_s, 2),
                "iterations": iterations, "runs": rows,
                "mean_accuracy": round(float(np.mean([r["accuracy"] for r in rows])), 4)}
    finally:
        shutil.rmtree(work, ignore_errors=True)


BUAHBATU = HERE.parents[1] / "shared" / "data" / "osm" / "buahbatu_bandung_drive.osm.bz2"


def _drive(m: RoadMatcher, path: list[int]) -> list[tuple[float, float]]:
    """The local-plane polyline of a node path, along the matcher's edge lines."""
    index = {frozenset((int(a), int(b))): i for i, (a, b) in enumerate(m.edge_nodes)}
    coords: list[tuple[float, float]] = []
    for u, v in zip(path[:-1], path[1:]):
        e = index[frozenset((u, v))]
        c = list(m.lines[e].coords)
        coords += c if int(m.edge_nodes[e][0]) == u else c[::-1]
    return coords


def real_roads(drives: int = 60, seed: int = 0) -> dict | None:
    """HMM against nearest-edge snapping on random drives over the Buahbatu network."""
    if not BUAHBATU.exists():
        print(f"skipped the real-road part: {BUAHBATU} not found")
        return None
    G = routeplan.graph_from_file(BUAHBATU, routeplan.DEFAULT_SPEEDS_KMH)
    t0 = time.perf_counter()
    m = RoadMatcher(G)
    build_s = time.perf_counter() - t0
    rng = np.random.default_rng(seed)
    nodes = sorted(m.graph.nodes)
    hmm_ok = near_ok = n = 0
    hmm_s = near_s = 0.0
    km_err = []
    while drives:
        a, b = (int(x) for x in rng.choice(nodes, 2, replace=False))
        try:
            path = nx.shortest_path(m.graph, a, b, weight="length")
        except nx.NetworkXNoPath:
            continue
        line = LineString(_drive(m, path)) if len(path) > 1 else None
        if line is None or line.length < 1000:
            continue
        drives -= 1
        pairs = {frozenset((int(u), int(v))) for u, v in zip(path[:-1], path[1:])}
        s = np.arange(0, line.length, 45.0)
        x = np.array([line.interpolate(d).x for d in s]) + rng.normal(0, 10, len(s))
        y = np.array([line.interpolate(d).y for d in s]) + rng.normal(0, 10, len(s))
        lon, lat = x / m.frame.kx + m.frame.lon0, y / m.frame.ky + m.frame.lat0
        t0 = time.perf_counter()
        res = m.match(lon, lat, np.arange(len(s)) * 5.0)
        hmm_s += time.perf_counter() - t0
        t0 = time.perf_counter()
        cands = m.candidates(*m.frame.xy(lon[res.used], lat[res.used]))
        near_s += time.perf_counter() - t0
        hmm_ok += sum(e >= 0 and frozenset(map(int, m.edge_nodes[e])) in pairs for e in res.edges)
        near_ok += sum(len(c[0]) > 0 and frozenset(map(int, m.edge_nodes[c[0][0]])) in pairs for c in cands)
        n += len(res.used)
        km_err.append(abs(res.km - line.length / 1000) / (line.length / 1000))
    out = {"graph_nodes": G.number_of_nodes(), "graph_edges": G.number_of_edges(), "matcher_build_s": round(build_s, 2),
           "points": n, "hmm_on_true_path": round(hmm_ok / n, 4), "nearest_on_true_path": round(near_ok / n, 4),
           "hmm_s": round(hmm_s, 2), "nearest_s": round(near_s, 2),
           "hmm_ms_per_1000_points": round(1e6 * hmm_s / n, 1),
           "median_km_error": round(float(np.median(km_err)), 4)}
    print(json.dumps(out), flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--iterations", type=int, default=1500)
    args = ap.parse_args()
    res = run(args.seeds, args.iterations)
    res["real_roads"] = real_roads()
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "actual.json").write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print(f"mean accuracy {res['mean_accuracy']:.1%} over {len(res['runs'])} seeds")


if __name__ == "__main__":
    main()
