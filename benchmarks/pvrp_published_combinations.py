"""How much of a PVRP gap is the combination choice: our routing with the published solution's day choices fixed.

For each Cordeau instance with a solution file (``solutions/pNN.res``, Cordeau's own 1997 solutions), the visit days
of every customer in that solution (its combination, and the day of a customer with one visit) are fixed, and the
joint routing model of ``optimizer_quality.py`` (``PvrpSolver.solve_round``, the model every PVRP method re-solves)
is solved cold for ``--time-limit`` CPU seconds. The gap to the best known cost then measures our *routing* on good
combinations; the rest of a method's gap is its *combination choice*::

    python benchmarks/pvrp_published_combinations.py --instances p10,p11,p23 --time-limit 7 \\
        --compare benchmarks/results/optimizer_quality_pvrp_s10.json \\
        --out benchmarks/results/pvrp_published_combinations.json

The published solutions are read, checked with ``verify_pvrp`` and their stated cost compared; nothing from them
reaches any solver of ``optimizer_quality.py``: this is a diagnosis, not a method.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import optimizer_quality as oq


def read_solution(path: Path, days: int) -> tuple[float, list[list[list[int]]]]:
    """A Cordeau ``.res`` file: (stated cost, routes per day as customer lists)."""
    lines = path.read_text().splitlines()
    stated = float(lines[0].split()[0])
    routes: list[list[list[int]]] = [[] for _ in range(days)]
    for ln in lines[1:]:
        tok = ln.split()
        if len(tok) < 6:
            continue
        # day, vehicle, duration, load, then the route from depot 0 to depot 0
        route = [int(v) for v in tok[4:] if int(v)]
        if route:
            routes[int(tok[0]) - 1].append(route)
    return stated, routes


def fixed_solve(inst: oq.PvrpInstance, routes: list[list[list[int]]], seconds: float, seed: int = 0) -> dict:
    """Our joint model with every customer's days as in ``routes``, solved cold for ``seconds``."""
    visits: dict[int, set[int]] = {}
    for d, rs in enumerate(routes):
        for r in rs:
            for v in r:
                visits.setdefault(v, set()).add(d)
    solver = oq.PvrpSolver(inst, seed=seed)
    solver.search = oq.PVRP_SEARCH["fast-penalty"]
    # no day is left to the solver: a customer with a choice of single days is fixed like the others
    solver.single = []
    combo = {i: tuple(sorted(visits[i])) for i in range(1, solver.n) if len(inst.combos[i]) > 1}
    t0 = oq.now()
    days, _ = solver.solve_round(combo, None, seconds, seed=seed)
    ok, cost, why = oq.verify_pvrp(inst, days)
    return {"feasible": ok, "value": round(cost, 2) if ok else None, "why": why, "runtime": round(oq.now() - t0, 2),
            "routes": days}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--instances", required=True, help="comma-separated names, or 'every' (p01-p32)")
    ap.add_argument("--time-limit", type=float, default=7.0, help="CPU seconds of each fixed-combination solve")
    ap.add_argument("--compare", type=Path, default=None, help="a results JSON of optimizer_quality.py (--set pvrp)")
    ap.add_argument("--data", type=Path, default=oq.DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    folder = args.data / "pvrp_cordeau"
    if not folder.is_dir():
        print(f"no PVRP data in {folder}", file=sys.stderr)
        return 2
    names = [f"p{k:02d}" for k in range(1, 33)] if args.instances == "every" else args.instances.split(",")
    bks = oq.pvrp_best_known(args.data)
    ours: dict[str, float] = {}
    if args.compare is not None:
        raw = json.loads(args.compare.read_text())
        rows = raw["sets"]["pvrp"]["rows"] if "sets" in raw else raw["rows"]
        ours = {r["instance"]: r["gap_pct"] for r in rows if r.get("gap_pct") is not None}
    out = []
    print("| instance | published file, gap % | our routing on its combinations, gap % | our method, gap % |")
    print("|---|---:|---:|---:|")
    for name in names:
        inst = oq.read_pvrp(folder / "instances" / name)
        stated, routes = read_solution(folder / "solutions" / f"{name}.res", inst.t)
        ok, cost, why = oq.verify_pvrp(inst, routes)
        row = {"instance": name, "best_known": bks[name], "published_stated": stated,
               "published_verified": round(cost, 2) if ok else None, "published_why": why,
               "published_gap_pct": round(oq.gap(cost, bks[name], maximise=False), 3) if ok else None}
        if ok:
            fixed = fixed_solve(inst, routes, args.time_limit)
            row["fixed"] = fixed
            row["fixed_gap_pct"] = (round(oq.gap(fixed["value"], bks[name], maximise=False), 3)
                                    if fixed["feasible"] else None)
        row["method_gap_pct"] = ours.get(name)
        out.append(row)
        print(f"| {name} | {row['published_gap_pct']} | {row.get('fixed_gap_pct')} | "
              f"{'' if row['method_gap_pct'] is None else round(row['method_gap_pct'], 2)} |", flush=True)
    if args.out is not None:
        args.out.write_text(json.dumps({"time_limit": args.time_limit, "compare": str(args.compare),
                                        "rows": out}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
