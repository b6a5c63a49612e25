"""The exact TOP bound of benchmarks/top_exact.py (CP-SAT on floored lengths), on small constructed instances.

No benchmark data needed: every instance is built here and every answer is checked against brute force (all
orders of all subsets of customers) on the same floored lengths.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from conftest import load_benchmark

pytest.importorskip("ortools", reason="ortools not installed (pip install -e .[test])")


@pytest.fixture(scope="module")
def te():
    return load_benchmark("top_exact")


def _instance(seed: int, k: int = 7, tmax: float = 16.0):
    """Start (0, 0) and end (10, 0) depots, ``k`` customers in a 12 x 10 box, prizes 1..9."""
    rng = np.random.default_rng(seed)
    xy = np.vstack([[0.0, 0.0], rng.uniform([-1, -5], [11, 5], (k, 2)), [10.0, 0.0]])
    score = np.r_[0, rng.integers(1, 10, k), 0].astype(float)
    return xy, score, tmax


def _feasible_routes(d, limit, n):
    """Every route (customers in order) whose floored length keeps the limit, by brute force."""
    out = []
    for size in range(1, n - 1):
        for r in itertools.permutations(range(1, n - 1), size):
            path = [0, *r, n - 1]
            if sum(int(d[a, b]) for a, b in zip(path, path[1:])) <= limit:
                out.append(r)
    return out


def _optimum(routes, score, m):
    """Best total prize of at most ``m`` disjoint routes, by brute force over the customer sets."""
    best: dict[frozenset[int], float] = {}
    for r in routes:
        best[frozenset(r)] = float(sum(score[v] for v in r))
    sets = [frozenset(), *best]
    top = 0.0
    for combo in itertools.combinations_with_replacement(sets, m):
        if sum(len(s) for s in combo) == len(frozenset().union(*combo)):
            top = max(top, sum(best.get(s, 0.0) for s in combo))
    return top


def test_shortest_repairs_the_triangle_inequality(te):
    # floored lengths: 0 -> 1 -> 2 is 2 units, 0 -> 2 directly 3 units (a floored matrix can do this)
    d = np.array([[0, 1, 3], [1, 0, 1], [3, 1, 0]])
    sp = te.shortest(d)
    assert sp[0, 2] == 2 and sp[2, 0] == 2
    assert (sp <= d).all()
    for a, b, c in itertools.product(range(3), repeat=3):
        assert sp[a, c] <= sp[a, b] + sp[b, c]


@pytest.mark.parametrize("seed", range(4))
def test_pruning_never_removes_anything_feasible(te, seed):
    xy, score, tmax = _instance(seed, k=6, tmax=14.0)
    n = len(score)
    d, limit = te.floored(xy, tmax)
    cust, arcs, apart = te.prune(d, limit, score)
    routes = _feasible_routes(d, limit, n)
    assert routes, "the instance should allow some route"
    for r in routes:
        path = [0, *r, n - 1]
        assert set(r) <= set(cust), r
        assert set(zip(path, path[1:])) <= arcs, r
        assert not {(min(i, j), max(i, j)) for i, j in itertools.combinations(r, 2)} & apart, r
    # and it does prune something: otherwise the test proves nothing
    assert len(cust) < n - 2 or len(arcs) < len(cust) * (len(cust) + 1) + 1 or apart


@pytest.mark.parametrize("kind", ["circuits", "routes"])
@pytest.mark.parametrize(("seed", "m", "tmax"), [(0, 2, 16.0), (1, 2, 14.0), (2, 3, 13.0), (3, 2, 20.0)])
def test_models_prove_the_brute_force_optimum(te, kind, seed, m, tmax):
    xy, score, tmax = _instance(seed, k=7, tmax=tmax)
    n = len(score)
    d, limit = te.floored(xy, tmax)
    want = _optimum(_feasible_routes(d, limit, n), score, m)
    model, used = te.MODELS[kind](m, d, limit, score)
    solver = te.cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 30
    assert solver.Solve(model) == te.cp_model.OPTIMAL
    assert solver.ObjectiveValue() == want
    routes = te.routes_of({key: bool(solver.Value(lit)) for key, lit in used.items()}, n)
    # the routes it reports are a solution worth exactly that, checked with floored and with exact lengths
    assert len(routes) <= m
    flat = [v for r in routes for v in r]
    assert len(flat) == len(set(flat)) and sum(score[v] for v in flat) == want
    for r in routes:
        path = [0, *r, n - 1]
        assert sum(int(d[a, b]) for a, b in zip(path, path[1:])) <= limit
        assert sum(math.dist(xy[a], xy[b]) for a, b in zip(path, path[1:])) <= tmax + 1e-3
    if kind == "circuits":  # symmetry broken: used vehicles come first, ordered by their smallest customer
        firsts = [min(r) for r in routes if r]
        assert firsts == sorted(firsts)


def test_upper_bound_checks_its_solution_exactly(te, tmp_path):
    xy, score, tmax = _instance(0, k=7, tmax=16.0)
    path = tmp_path / "t1.2.a.txt"
    rows = "\n".join(f"{x:.3f}\t{y:.3f}\t{int(s)}" for (x, y), s in zip(xy, score))
    path.write_text(f"n {len(score)}\nm 2\ntmax {tmax}\n{rows}\n")
    row = te.upper_bound(path, 30, 1, "routes")
    assert row["status"] == "OPTIMAL" and row["best"] == row["bound"]
    assert row["exact_ok"] is True and row["exact_score"] <= row["best"]


def test_readings_replace_only_published_values_a_bound_rules_out(te):
    def row(name, value, best, feasible=True):
        return {"instance": name, "value": value, "best_known": best, "feasible": feasible}

    quality = {"rows": [row("p1.3.a", 90, 100), row("p1.3.b", 70, 75), row("p2.2.a", 40, 40), row("p2.2.b", 0, 30, False),
                        row("p2.2.c", 105, 100)]}
    exact = {"rows": [{"instance": "p1.3.a", "status": "FEASIBLE", "bound": 120.0},  # above published: no news
                      {"instance": "p1.3.b", "status": "OPTIMAL", "bound": 70.0},  # published out of reach
                      {"instance": "p2.2.b", "status": "FEASIBLE", "bound": 20.0}]}  # a bound, not an optimum
    out = te.readings(quality, exact)
    pub, proven = out["published"], out["proven"]
    assert pub["all"]["instances"] == 5
    assert pub["all"]["mean_gap_pct"] == round((10 + 100 * 5 / 75 + 0 + 100 - 5) / 5, 3)
    assert pub["all"]["worst"] == "p2.2.b" and pub["p1"]["above"] == ["p1.3.a", "p1.3.b"]
    # proven: p1.3.b at its optimum (gap 0), p2.2.b against the bound 20 (infeasible: still 100 %), p1.3.a unchanged
    assert proven["all"]["mean_gap_pct"] == round((10 + 0 + 0 + 100 - 5) / 5, 3)
    assert proven["p1"] == {"instances": 2, "mean_gap_pct": 5.0, "worst_gap_pct": 10.0, "worst": "p1.3.a",
                            "above": ["p1.3.a"]}
