"""Is a TOP best-known score reachable with exact Euclidean distances? An upper bound from CP-SAT.

Some best-known scores of the Chao, Golden & Wasil (1996) instances were found with distances rounded to one
decimal: solutions that reach them break the length limit Tmax when their routes are measured exactly, which is how
``optimizer_quality.py`` checks every solution. This script settles such an instance: it solves the TOP exactly with
OR-Tools CP-SAT (the ``bench`` extra) on distances *floored* to 1e-4. Floored lengths are a relaxation (a route that
keeps Tmax with exact lengths keeps it with floored ones), so the proven optimum of the model is an upper bound on
the exact-distance optimum; when it equals the score ``optimizer_quality.py`` found, that score is optimal and the
best-known value above it is not reachable with exact distances::

    python benchmarks/top_exact.py p1.3.h p5.3.e --seconds 300

Each vehicle is a circuit through the start depot, its visits and the end depot (CP-SAT ``AddCircuit``, a skipped
customer is a self-loop); every customer at most once; vehicles ordered by score to break their symmetry. Writes
``benchmarks/results/top_exact.json`` (merged by instance) and prints one line per instance.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
from pathlib import Path

import numpy as np
from ortools.sat.python import cp_model

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


def upper_bound(path: Path, seconds: float, workers: int = 2) -> dict:
    """Solve the floored-distance TOP of ``path``; the status, best score and proven bound."""
    m, tmax, xy, score = read_top(path)
    n = len(score)
    exact = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    d = np.floor(exact * SCALE).astype(int)
    limit = int(math.floor(tmax * SCALE + 1e-7))
    start, end = 0, n - 1
    # customers that fit in a route alone (there and on to the end depot) and are worth something
    cust = [i for i in range(1, n - 1) if d[start, i] + d[i, end] <= limit and score[i] > 0]
    nodes = [start, *cust, end]
    pos = {v: k for k, v in enumerate(nodes)}
    model = cp_model.CpModel()
    visit = {(i, k): model.NewBoolVar(f"v{i}_{k}") for i in cust for k in range(m)}
    for i in cust:
        model.Add(sum(visit[i, k] for k in range(m)) <= 1)
    totals = []
    for k in range(m):
        arcs, length = [], []
        for a in nodes:
            for b in nodes:
                if a == b:
                    if a not in (start, end):
                        arcs.append((pos[a], pos[a], visit[a, k].Not()))
                    continue
                if (b == start) != (a == end):  # only the closing arc end -> start enters the start depot
                    continue
                lit = model.NewBoolVar(f"x{a}_{b}_{k}")
                if a == end:
                    model.Add(lit == 1)
                else:
                    length.append(int(d[a, b]) * lit)
                arcs.append((pos[a], pos[b], lit))
        model.AddCircuit(arcs)
        model.Add(sum(length) <= limit)
        totals.append(sum(int(score[i]) * visit[i, k] for i in cust))
    for k in range(m - 1):
        model.Add(totals[k] >= totals[k + 1])
    model.Maximize(sum(totals))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    status = solver.Solve(model)
    return {"instance": path.stem, "status": solver.StatusName(status), "best": solver.ObjectiveValue(),
            "bound": solver.BestObjectiveBound(), "seconds": round(solver.WallTime(), 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("instances", nargs="+", help="instance names, e.g. p1.3.h")
    ap.add_argument("--seconds", type=float, default=300.0, help="CP-SAT time limit per instance")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--data", type=Path, default=DATA)
    a = ap.parse_args()
    old = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"rows": []}
    rows = {r["instance"]: r for r in old["rows"]}
    for name in a.instances:
        row = upper_bound(a.data / "instances" / f"{name}.txt", a.seconds, a.workers)
        row["date"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        rows[name] = row
        print(json.dumps(row), flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": {"platform": platform.platform(), "cores": os.cpu_count()},
                                   "scale": SCALE, "rows": sorted(rows.values(), key=lambda r: r["instance"])},
                                  indent=2) + "\n")


if __name__ == "__main__":
    main()
