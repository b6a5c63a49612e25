"""Is a TOP best-known score reachable with exact Euclidean distances? An upper bound from CP-SAT.

Some best-known scores of the Chao, Golden & Wasil (1996) instances were found with distances rounded to one
decimal: solutions that reach them break the length limit Tmax when their routes are measured exactly, which is how
``optimizer_quality.py`` checks every solution. This script settles such an instance: it solves the TOP exactly with
OR-Tools CP-SAT (the ``bench`` extra) on distances *floored* to 1e-4. Floored lengths are a relaxation (a route that
keeps Tmax with exact lengths keeps it with floored ones), so the proven optimum of the model is an upper bound on
the exact-distance optimum; when it equals the score ``optimizer_quality.py`` found, that score is optimal and the
best-known value above it is not reachable with exact distances::

    python benchmarks/top_exact.py p1.3.h p1.3.o --seconds 1200

Default model (``--model circuits``, :func:`build_circuits`): each vehicle is a circuit through the start depot,
its visits and the end depot (CP-SAT ``AddCircuit``, a skipped customer is a self-loop); every customer at most once;
customers, arcs and pairs of customers that no route can hold are pruned first by shortest-path lower bounds
(:func:`prune`); vehicles ordered by their smallest customer (no symmetry between identical vehicles left); solved
with CP-SAT's ``linearization_level`` 2 (the circuits in the LP with cuts). ``--model routes`` (:func:`build_routes`)
is one routes constraint over all vehicles with arrival lengths, weaker on p1.3.o. The solution found is checked
with ``optimizer_quality.verify_top`` (exact lengths). Writes ``benchmarks/results/top_exact.json`` (merged by
instance) and prints one line per instance. ``--readings QUALITY_JSON`` prints the mean / worst gap of a TOP
quality run against the published values and against the bounds of that file (:func:`readings`)::

    python benchmarks/top_exact.py --readings benchmarks/results/optimizer_quality_top_every_s7.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import sys
from pathlib import Path

import numpy as np
from ortools.sat.python import cp_model

sys.path.insert(0, str(Path(__file__).resolve().parent))

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "benchmarks" / "top_chao"
RESULTS = REPO / "benchmarks" / "results" / "top_exact.json"
SCALE = 10_000


def read_top(path: Path) -> tuple[int, float, np.ndarray, np.ndarray]:
    """``m``, ``Tmax``, node coordinates and scores of a Chao instance (start depot first, end depot last)."""
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    head = {ln[0]: ln[1] for ln in lines[:3]}
    rows = np.array([[float(v) for v in ln[:3]] for ln in lines[3:]])
    return int(head["m"]), float(head["tmax"]), rows[:, :2], rows[:, 2]


def floored(xy: np.ndarray, tmax: float) -> tuple[np.ndarray, int]:
    """Euclidean distances floored to ``1 / SCALE`` (integers) and the length limit in the same unit."""
    exact = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    # optimizer_quality.verify_top accepts a route up to Tmax + 1e-9: the limit must allow that too
    return np.floor(exact * SCALE).astype(np.int64), int(math.floor((tmax + 1e-9) * SCALE + 1e-7))


def shortest(d: np.ndarray) -> np.ndarray:
    """All-pairs shortest path lengths (Floyd-Warshall): floored lengths may break the triangle inequality, so
    ``d[a, b]`` alone is not a lower bound on the length of a path from ``a`` to ``b``; ``shortest(d)[a, b]`` is."""
    sp = d.copy()
    for k in range(len(sp)):
        np.minimum(sp, sp[:, k : k + 1] + sp[k : k + 1, :], out=sp)
    return sp


def prune(d: np.ndarray, limit: int, score: np.ndarray) -> tuple[list[int], set[tuple[int, int]], set[tuple[int, int]]]:
    """Reachability pruning of a floored TOP (start depot ``0``, end depot ``n - 1``): the customers a route can
    visit, the arcs a route can use, and the pairs of customers no route can visit together.

    Every test is a lower bound on the length of any route that would use the customer / arc / pair (shortest
    paths to and from it), so nothing feasible is removed: a customer ``i`` needs ``sp(s, i) + sp(i, e) <= limit``;
    an arc ``a -> b`` needs ``sp(s, a) + d(a, b) + sp(b, e) <= limit`` (depots included); two customers share a
    route only if one of the two orders fits.
    """
    n = len(score)
    s, e = 0, n - 1
    sp = shortest(d)
    cust = [i for i in range(1, n - 1) if sp[s, i] + sp[i, e] <= limit and score[i] > 0]
    arcs = {(a, b) for a in [s, *cust] for b in [*cust, e] if a != b and sp[s, a] + d[a, b] + sp[b, e] <= limit}
    apart = {(i, j) for i in cust for j in cust if i < j
             and min(sp[s, i] + sp[i, j] + sp[j, e], sp[s, j] + sp[j, i] + sp[i, e]) > limit}
    return cust, arcs, apart


def build_circuits(m: int, d: np.ndarray, limit: int, score: np.ndarray) -> tuple[cp_model.CpModel, dict]:
    """One ``AddCircuit`` per vehicle (a skipped customer is a self-loop) on the pruned arcs; customers that cannot
    share a route exclude each other per vehicle; vehicles ordered by their smallest visited customer (a used
    vehicle's first customer in index order is smaller than every customer of the vehicles after it, and unused
    vehicles come last), which breaks the symmetry between identical vehicles completely."""
    n = len(score)
    start, end = 0, n - 1
    cust, ok, apart = prune(d, limit, score)
    nodes = [start, *cust, end]
    pos = {v: k for k, v in enumerate(nodes)}
    model = cp_model.CpModel()
    visit = {(i, k): model.NewBoolVar(f"v{i}_{k}") for i in cust for k in range(m)}
    used: dict[tuple[int, int, int], cp_model.IntVar] = {}
    for i in cust:
        model.AddAtMostOne(visit[i, k] for k in range(m))
    for i, j in apart:
        for k in range(m):
            model.AddBoolOr([visit[i, k].Not(), visit[j, k].Not()])
    for k in range(m):
        arcs, length = [], []
        for a in cust:
            arcs.append((pos[a], pos[a], visit[a, k].Not()))
        for a, b in sorted(ok):
            lit = used[a, b, k] = model.NewBoolVar(f"x{a}_{b}_{k}")
            length.append(int(d[a, b]) * lit)
            arcs.append((pos[a], pos[b], lit))
        arcs.append((pos[end], pos[start], model.NewConstant(1)))
        model.AddCircuit(arcs)
        model.Add(sum(length) <= limit)
    # symmetry: customer i on vehicle k > 0 needs vehicle k - 1 to visit some customer j < i
    for k in range(1, m):
        for i in cust:
            model.AddBoolOr([visit[j, k - 1] for j in cust if j < i] + [visit[i, k].Not()])
    totals = [sum(int(score[i]) * visit[i, k] for i in cust) for k in range(m)]
    model.Maximize(sum(totals))
    return model, used


def build_routes(m: int, d: np.ndarray, limit: int, score: np.ndarray) -> tuple[cp_model.CpModel, dict]:
    """One ``AddMultipleCircuit`` (CP-SAT's routes constraint) over all vehicles: the start and end depots merged
    into node 0 (an arc ``i -> 0`` costs ``d(i, end)``), at most ``m`` arcs leave it, and each customer's arrival
    length ``t_i`` (bounded by its shortest paths from the start and to the end) grows along every used arc.
    Vehicles are not labelled, so there is no symmetry between them to break."""
    n = len(score)
    start, end = 0, n - 1
    cust, ok, _ = prune(d, limit, score)
    sp = shortest(d)
    model = cp_model.CpModel()
    t = {i: model.NewIntVar(int(sp[start, i]), int(limit - sp[i, end]), f"t{i}") for i in cust}
    visit = {i: model.NewBoolVar(f"v{i}") for i in cust}
    pos = {v: k for k, v in enumerate([start, *cust])}  # the routes constraint wants nodes 0..N-1, all with arcs
    pos[end] = 0
    arcs, leave = [], []
    used: dict[tuple[int, int, int], cp_model.IntVar] = {}
    for i in cust:
        arcs.append((pos[i], pos[i], visit[i].Not()))
    for a, b in sorted(ok):
        if (a, b) == (start, end):  # an empty route: nothing to model
            continue
        lit = used[a, b, 0] = model.NewBoolVar(f"x{a}_{b}")
        if a == start:
            arcs.append((0, pos[b], lit))
            leave.append(lit)
            model.Add(t[b] >= int(d[a, b])).OnlyEnforceIf(lit)
        elif b == end:
            arcs.append((pos[a], 0, lit))
            model.Add(t[a] + int(d[a, b]) <= limit).OnlyEnforceIf(lit)
        else:
            arcs.append((pos[a], pos[b], lit))
            model.Add(t[b] >= t[a] + int(d[a, b])).OnlyEnforceIf(lit)
    model.AddMultipleCircuit(arcs)
    model.Add(sum(leave) <= m)
    # redundant but strong in the LP: all routes together are at most m * limit long
    model.Add(sum(int(d[a, b]) * lit for (a, b, _), lit in used.items()) <= m * limit)
    model.Maximize(sum(int(score[i]) * visit[i] for i in cust))
    return model, used


MODELS = {"circuits": build_circuits, "routes": build_routes}


def routes_of(value: dict[tuple[int, int, int], bool], n: int) -> list[list[int]]:
    """The routes (customers in visiting order, no depots) of a solution given as the value of every arc literal
    ``(a, b, vehicle)`` of a model from :data:`MODELS` (start depot ``0``, end depot ``n - 1``)."""
    succ: dict[tuple[int, int], int] = {}
    firsts = []
    for (a, b, k), on in sorted(value.items()):
        if on:
            if a == 0:
                firsts.append((k, b))
            else:
                succ[a, k] = b
    routes = []
    for k, v in sorted(firsts):  # by vehicle
        r = []
        while v != n - 1:
            r.append(v)
            v = succ[v, k]
        routes.append(r)
    return routes


def upper_bound(path: Path, seconds: float, workers: int = 1, kind: str = "circuits", linearization: int = 2) -> dict:
    """Solve the floored-distance TOP of ``path`` with model ``kind`` (:data:`MODELS`); the status, best score
    and proven bound, and the solution's routes checked with ``optimizer_quality.verify_top`` (exact lengths).

    ``linearization`` is CP-SAT's ``linearization_level``: 2 puts the circuit constraints into its LP with cuts,
    which is what proves p1.3.o (bound 265 after 900 s at the default level, optimal in about 30 s at 2)."""
    m, tmax, xy, score = read_top(path)
    d, limit = floored(xy, tmax)
    model, used = MODELS[kind](m, d, limit, score)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    solver.parameters.linearization_level = linearization
    status = solver.Solve(model)
    row = {"instance": path.stem, "model": kind, "linearization": linearization, "status": solver.StatusName(status),
           "best": solver.ObjectiveValue(), "bound": solver.BestObjectiveBound(), "seconds": round(solver.WallTime(), 1)}
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        import optimizer_quality as oq  # lazy: pulls in PyVRP and routeplan, needed only to check a solution

        routes = routes_of({key: bool(solver.Value(lit)) for key, lit in used.items()}, len(score))
        ok, value, lengths, why = oq.verify_top(oq.read_top(path), routes)
        row.update(routes=routes, exact_ok=ok, exact_score=value, exact_lengths=[round(x, 6) for x in lengths])
        if why:
            row["exact_why"] = why
    return row


def readings(quality: dict, exact: dict, above: float = 2.0) -> dict:
    """Mean and worst gap of a TOP quality run (``optimizer_quality.py --set top`` JSON) on two readings.

    ``published``: against the published best-known values (the file's own ``gap_pct``). ``proven``: an instance
    whose CP-SAT bound on floored lengths (``exact``, this script's JSON; any status, a bound is a bound) lies below
    its published value is measured against that bound instead: with exact lengths the published value is out of
    reach and the bound is at least the true optimum, so the gap read this way is never flattering. Per reading:
    the mean, the worst with its instance, and the instances above ``above`` percent, overall and per set.
    """
    bound = {r["instance"]: math.floor(r["bound"] + 1e-9) for r in exact["rows"]}
    out: dict = {}
    for reading in ("published", "proven"):
        gaps = {}
        for r in quality["rows"]:
            ref = r["best_known"]
            if reading == "proven" and bound.get(r["instance"], ref) < ref:
                ref = bound[r["instance"]]
            value = r["value"] if r["feasible"] else 0.0
            # as optimizer_quality.gap(): negative when a run beats the reference
            gaps[r["instance"]] = (0.0 if value >= ref else 100.0) if ref == 0 else 100.0 * (ref - value) / ref
        sets: dict[str, list[str]] = {}
        for name in gaps:
            sets.setdefault(name.split(".")[0], []).append(name)
        out[reading] = {key: _stats([gaps[n] for n in names], names, above)
                        for key, names in [("all", list(gaps)), *sorted(sets.items())]}
    return out


def _stats(gaps: list[float], names: list[str], above: float) -> dict:
    worst = max(range(len(gaps)), key=lambda k: gaps[k])
    return {"instances": len(gaps), "mean_gap_pct": round(sum(gaps) / len(gaps), 3),
            "worst_gap_pct": round(gaps[worst], 3), "worst": names[worst],
            "above": [n for n, g in zip(names, gaps) if g > above]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("instances", nargs="*", help="instance names, e.g. p1.3.h")
    ap.add_argument("--seconds", type=float, default=300.0, help="CP-SAT time limit per instance")
    ap.add_argument("--workers", type=int, default=1, help="CP-SAT workers (one per core)")
    ap.add_argument("--model", choices=sorted(MODELS), default="circuits", help="see build_circuits / build_routes")
    ap.add_argument("--linearization", type=int, choices=(0, 1, 2), default=2, help="CP-SAT linearization_level")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--readings", type=Path, metavar="QUALITY_JSON",
                    help="print mean / worst of a TOP quality run on both readings (see readings()) and exit")
    a = ap.parse_args()
    if a.readings:
        print(json.dumps(readings(json.loads(a.readings.read_text()), json.loads(RESULTS.read_text())), indent=1))
        return
    new = {}
    for name in a.instances:
        row = upper_bound(a.data / "instances" / f"{name}.txt", a.seconds, a.workers, a.model, a.linearization)
        row["date"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        new[name] = row
        print(json.dumps(row), flush=True)
    # read the file only now: another run may have written it meanwhile
    old = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"rows": []}
    rows = {r["instance"]: r for r in old["rows"]} | new
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": {"platform": platform.platform(), "cores": os.cpu_count()},
                                   "scale": SCALE, "rows": sorted(rows.values(), key=lambda r: r["instance"])},
                                  indent=2) + "\n")


if __name__ == "__main__":
    main()
