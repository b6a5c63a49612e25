"""The daily patrol model: PyVRP (through routeplan.RoutingModel) against OR-Tools routing.

Instance (deterministic by seed): the real Buahbatu network, one depot (the node nearest the
kecamatan centre), 200 optional stops at random road nodes, 5 vehicles in one 8-hour shift
(0..28 800 s). Each stop has a risk r in [0.05, 1] (Beta(2, 3)), a prize of round(r * 3600) s,
10 minutes of dwell and a time window of 1-4 h inside the shift. Travel times are routeplan's car
matrix (rounded to whole seconds) and are the same for both solvers.

Both solvers minimise the same objective, in seconds: travel time of all routes + prizes of the
stops left out (PyVRP: distance matrix = travel times with unit distance cost 1 and no duration cost;
OR-Tools: arc cost = travel time, disjunction penalty = prize, a time dimension with the windows,
waiting allowed). Every solution is re-evaluated here outside the solvers (windows, shift end,
travel time, collected prize) before it is reported.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

import routeplan

sys.path.insert(0, str(Path(__file__).resolve().parent))

SHIFT = 8 * 3600
SERVICE = 600


def build_instance(n_stops: int = 200, n_vehicles: int = 5, seed: int = 0) -> dict:
    from bench_matrix import load_graph

    G = load_graph("buahbatu")
    rng = np.random.default_rng(seed)
    nodes = list(G.nodes)
    depot = min(nodes, key=lambda n: (G.nodes[n]["x"] - 107.66) ** 2 + (G.nodes[n]["y"] + 6.95) ** 2)
    others = [n for n in nodes if n != depot]
    stops = [others[i] for i in rng.choice(len(others), n_stops, replace=False)]
    tm = routeplan.travel_matrix(G, [depot] + stops, "car")
    D = np.where(np.isfinite(tm.duration), np.round(tm.duration), 10**7).astype(np.int64)
    np.fill_diagonal(D, 0)
    risk = np.clip(rng.beta(2, 3, n_stops), 0.05, 1.0)
    prize = np.round(risk * 3600).astype(np.int64)
    length = rng.integers(1, 5, n_stops) * 3600
    start = np.array([int(rng.integers(0, SHIFT - L + 1)) // 60 * 60 for L in length])
    early, late = start, start + length - SERVICE
    return {"D": D, "prize": prize, "early": early, "late": late, "n_vehicles": n_vehicles, "seed": seed,
            "n_stops": n_stops}


def evaluate(inst: dict, routes: list[list[int]]) -> dict:
    """Check windows and the shift end for routes of stop numbers 1..n; travel, prize and objective."""
    D, early, late = inst["D"], inst["early"], inst["late"]
    seen: set[int] = set()
    travel, ok = 0, True
    for r in routes:
        t, prev = 0, 0
        for s in r:
            t += D[prev, s]
            travel += D[prev, s]
            t = max(t, early[s - 1])
            ok &= t <= late[s - 1] and s not in seen
            seen.add(s)
            t += SERVICE
            prev = s
        if r:
            t += D[prev, 0]
            travel += D[prev, 0]
            ok &= t <= SHIFT
    collected = int(sum(inst["prize"][s - 1] for s in seen))
    total = int(inst["prize"].sum())
    return {"feasible": bool(ok), "stops_served": len(seen), "travel_s": int(travel), "collected_prize": collected,
            "uncollected_prize": total - collected, "objective": int(travel) + total - collected}


def solve_pyvrp(inst: dict, time_limit: float, seed: int = 0) -> dict:
    D = inst["D"]
    m = routeplan.RoutingModel([D], [D])
    m.add_vehicle(routeplan.Vehicle(0, 0, 0, SHIFT, unit_distance_cost=1, unit_duration_cost=0, num_available=inst["n_vehicles"]))
    for i in range(inst["n_stops"]):
        m.add_stop(routeplan.Stop(i + 1, int(inst["early"][i]), int(inst["late"][i]), SERVICE, int(inst["prize"][i])))
    t = time.perf_counter()
    res = m.solve(time_limit=time_limit, seed=seed)
    wall = time.perf_counter() - t
    routes = [[m.stops[v[0]].location for v in r.visits] for r in res.routes]
    out = evaluate(inst, routes)
    out.update({"solver": "pyvrp (RoutingModel)", "time_limit": time_limit, "wall_s": wall, "seed": seed,
                "solver_cost": res.cost, "iterations": res.iterations})
    return out


def solve_ortools(inst: dict, time_limit: float) -> dict:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    D = inst["D"]
    n = D.shape[0]
    mgr = pywrapcp.RoutingIndexManager(n, inst["n_vehicles"], 0)
    routing = pywrapcp.RoutingModel(mgr)
    Dl = D.tolist()

    def travel(i, j):
        return Dl[mgr.IndexToNode(i)][mgr.IndexToNode(j)]

    def with_service(i, j):
        a = mgr.IndexToNode(i)
        return Dl[a][mgr.IndexToNode(j)] + (SERVICE if a != 0 else 0)

    cost_cb = routing.RegisterTransitCallback(travel)
    time_cb = routing.RegisterTransitCallback(with_service)
    routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)
    routing.AddDimension(time_cb, SHIFT, SHIFT, False, "time")
    dim = routing.GetDimensionOrDie("time")
    for s in range(1, n):
        idx = mgr.NodeToIndex(s)
        dim.CumulVar(idx).SetRange(int(inst["early"][s - 1]), int(inst["late"][s - 1]))
        routing.AddDisjunction([idx], int(inst["prize"][s - 1]))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(time_limit * 1000))
    t = time.perf_counter()
    sol = routing.SolveWithParameters(params)
    wall = time.perf_counter() - t
    routes = []
    if sol is not None:
        for v in range(inst["n_vehicles"]):
            i = routing.Start(v)
            r = []
            i = sol.Value(routing.NextVar(i))
            while not routing.IsEnd(i):
                r.append(mgr.IndexToNode(i))
                i = sol.Value(routing.NextVar(i))
            routes.append(r)
    out = evaluate(inst, routes)
    out.update({"solver": "ortools (GLS)", "time_limit": time_limit, "wall_s": wall,
                "solver_cost": sol.ObjectiveValue() if sol is not None else None})
    return out


def run(quick: bool = False) -> dict:
    limits = [2.0] if quick else [2.0, 10.0, 30.0]
    repeats = 1 if quick else 3
    inst = build_instance()
    rows = []
    for tl in limits:
        for rep in range(repeats):
            for r in (solve_pyvrp(inst, tl, seed=rep), solve_ortools(inst, tl)):
                r["repeat"] = rep
                rows.append(r)
                print(f"[optimizer] {r['solver']:22s} {tl:4.0f}s rep {rep}: objective {r['objective']}, prize "
                      f"{r['collected_prize']}, travel {r['travel_s']}, served {r['stops_served']}, "
                      f"feasible {r['feasible']}, wall {r['wall_s']:.1f}s", flush=True)
    summary = []
    for tl in limits:
        for name in ("pyvrp (RoutingModel)", "ortools (GLS)"):
            rs = [r for r in rows if r["time_limit"] == tl and r["solver"] == name]
            summary.append({"solver": name, "time_limit": tl, "runs": len(rs),
                            **{k: statistics.median(r[k] for r in rs) for k in
                               ("objective", "collected_prize", "travel_s", "stops_served", "wall_s")},
                            "all_feasible": all(r["feasible"] for r in rs)})
    return {"instance": {"graph": "buahbatu", "stops": inst["n_stops"], "vehicles": inst["n_vehicles"],
                         "shift_s": SHIFT, "service_s": SERVICE, "total_prize": int(inst["prize"].sum()),
                         "seed": inst["seed"]}, "runs": rows, "summary": summary}


def markdown(res: dict) -> str:
    i = res["instance"]
    out = [f"Buahbatu daily model: {i['stops']} optional stops, {i['vehicles']} vehicles, {i['shift_s'] // 3600} h shift, "
           f"total prize {i['total_prize']} s. Objective = travel time + uncollected prize (seconds), lower is better; medians.",
           "", "| time limit (s) | solver | runs | objective | collected prize | travel time (s) | stops served | wall (s) | feasible |",
           "|---:|---|---:|---:|---:|---:|---:|---:|---|"]
    for s in res["summary"]:
        out.append(f"| {s['time_limit']:.0f} | {s['solver']} | {s['runs']} | {s['objective']:.0f} | {s['collected_prize']:.0f} | "
                   f"{s['travel_s']:.0f} | {s['stops_served']:.0f} | {s['wall_s']:.1f} | {s['all_feasible']} |")
    return "\n".join(out)


if __name__ == "__main__":
    r = run(quick="--quick" in sys.argv)
    print(markdown(r))
