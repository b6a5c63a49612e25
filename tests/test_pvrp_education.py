"""The compiled PVRP education (``benchmarks/pvrp_education.py``, issue #12, ``--pvrp-method edu``).

The education's moves are judged by O(1) deltas on cached route figures; these tests recompute every figure from
the routes and check, by brute force over every relocation, swap, 2-opt* and pattern change, that an educated
solution is a local optimum of the penalised cost (a wrong delta either applies a worsening move or misses an
improving one)."""

from __future__ import annotations

import itertools
import math
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import load_benchmark
from pvrp_tiny import tiny_instance

pytest.importorskip("numba")


@pytest.fixture(scope="module")
def pe():
    return load_benchmark("pvrp_education")


def _random_instance(seed: int, n: int = 14, t: int = 3, m: int = 3):
    rng = np.random.default_rng(seed)
    xy = np.vstack([[50.0, 50.0], rng.uniform(0, 100, (n, 2))])
    days = list(range(t))
    combos: list[list[tuple[int, ...]]] = [[()]]
    for _ in range(n):
        f = int(rng.integers(1, t + 1))
        allc = list(itertools.combinations(days, f))
        k = int(rng.integers(1, len(allc) + 1))
        pick = rng.choice(len(allc), size=k, replace=False)
        combos.append([allc[int(i)] for i in sorted(pick)])
    demand = np.r_[0, rng.integers(1, 20, n)]
    service = np.r_[0.0, rng.uniform(0, 5, n)]
    # tight enough that the penalties matter: about 1.3 routes' worth of a day's demand per route
    cap = [int(demand.sum() * 0.5 / m) + 20] * t
    return SimpleNamespace(name=f"rand{seed}", m=m, t=t, duration=[260.0] * t, capacity=cap, xy=xy,
                           service=service, demand=demand, freq=np.array([0] + [len(c[0]) for c in combos[1:]]),
                           combos=combos)


def _pen_route(inst, d, r, pc, pd):
    path = [0, *r, 0]
    dist = sum(math.dist(inst.xy[a], inst.xy[b]) for a, b in zip(path, path[1:]))
    load = sum(inst.demand[v] for v in r)
    svc = sum(inst.service[v] for v in r)
    c = dist + pc * max(0.0, load - inst.capacity[d])
    if inst.duration[d] > 0:
        c += pd * max(0.0, dist + svc - inst.duration[d])
    return c


def _pen(inst, days, pc, pd):
    return sum(_pen_route(inst, d, r, pc, pd) for d, rs in enumerate(days) for r in rs)


def _check_state(pe, inst, S):
    """Cached route figures, positions and combinations agree with the routes."""
    rt, rlen, wr, wp, rs, cum, cmb = S[:7]
    days = pe.routes_of(S)
    for d in range(inst.t):
        seen = set()
        for r in range(inst.m):
            order = [int(v) for v in rt[d, r, :rlen[d, r]]]
            path = [0, *order, 0]
            dist = sum(math.dist(inst.xy[a], inst.xy[b]) for a, b in zip(path, path[1:]))
            assert rs[d, r, 0] == pytest.approx(dist, abs=1e-6)
            assert rs[d, r, 1] == pytest.approx(sum(inst.demand[v] for v in order))
            for p, v in enumerate(order):
                assert (wr[d, v], wp[d, v]) == (r, p)
                seen.add(v)
        for v in range(1, len(inst.demand)):
            assert (v in seen) == (wr[d, v] >= 0)
    for v in range(1, len(inst.demand)):
        on = tuple(d for d in range(inst.t) if wr[d, v] >= 0)
        assert on == inst.combos[v][cmb[v]]
    return days


def _neighbours(inst, days):
    """Every solution one relocation, swap, 2-opt* or pattern change away (routes per day)."""
    t, m = inst.t, inst.m
    for d in range(t):
        routes = [list(r) for r in days[d]] + [[] for _ in range(m - len(days[d]))]
        for a, ra in enumerate(routes):
            for i, u in enumerate(ra):
                for b, rb in enumerate(routes):
                    base = [list(r) for r in routes]
                    base[a] = ra[:i] + ra[i + 1:]
                    for q in range(len(base[b]) + 1):  # relocation
                        new = [list(r) for r in base]
                        new[b] = new[b][:q] + [u] + new[b][q:]
                        yield d, new
                    for j, v in enumerate(rb):  # swap
                        if (b, j) <= (a, i):
                            continue
                        new = [list(r) for r in routes]
                        new[a][i], new[b][j] = v, u
                        yield d, new
                    if b != a:  # 2-opt*, both variants
                        for j in range(len(rb)):
                            new = [list(r) for r in routes]
                            new[a], new[b] = ra[:i + 1] + rb[j + 1:], rb[:j + 1] + ra[i + 1:]
                            yield d, new
                            new = [list(r) for r in routes]
                            new[a], new[b] = ra[:i + 1] + rb[:j + 1][::-1], ra[i + 1:][::-1] + rb[j + 1:]
                            yield d, new


def _best_pattern_change(inst, days, pc, pd):
    """The cheapest solution one pattern change away (leave the days dropped, cheapest insertion on those joined)."""
    best = math.inf
    for u in range(1, len(inst.demand)):
        on = tuple(d for d in range(inst.t) if any(u in r for r in days[d]))
        for c in inst.combos[u]:
            if c == on:
                continue
            new = [[[v for v in r if v != u or d in c] for r in rs] for d, rs in enumerate(days)]
            for d in c:
                if d in on:
                    continue
                routes = [list(r) for r in new[d]] + [[] for _ in range(inst.m - len(new[d]))]
                cands = []
                for k, r in enumerate(routes):
                    for q in range(len(r) + 1):
                        trial = [list(x) for x in routes]
                        trial[k] = r[:q] + [u] + r[q:]
                        cands.append(trial)
                new[d] = min(cands, key=lambda rs, d=d: sum(_pen_route(inst, d, x, pc, pd) for x in rs))
            best = min(best, _pen(inst, new, pc, pd))
    return best


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_education_reaches_a_local_optimum_of_every_move(pe, seed):
    inst = _random_instance(seed)
    pe.seed_rng(seed)
    P = pe._arrays(inst, len(inst.demand))  # the full neighbourhood: every position is next to some customer
    S = pe._empty_state(inst)
    pc, pd = 2.0, 1.5
    pe.construct(S, P, pc, pd, 0.5)
    before = _pen(inst, _check_state(pe, inst, S), pc, pd)
    pe.educate(S, P, pc, pd, 1000)
    days = _check_state(pe, inst, S)
    after = _pen(inst, days, pc, pd)
    assert after <= before + 1e-9
    dist, ex_l, ex_t = pe.cost(S, P)
    assert dist + pc * ex_l + pd * ex_t == pytest.approx(after, abs=1e-6)
    for d, routes in _neighbours(inst, days):
        trial = [list(rs) for rs in days]
        trial[d] = [r for r in routes if r]
        assert _pen(inst, trial, pc, pd) >= after - 1e-6, f"an improving route move on day {d} was missed"
    assert _best_pattern_change(inst, days, pc, pd) >= after - 1e-6


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_applied_move_lowers_the_true_penalised_cost(pe, seed):
    """Each step of the education (route moves of a customer on a day, the empty-route move, the pattern move)
    either leaves the solution unchanged or lowers its penalised cost recomputed from the routes."""
    inst = _random_instance(10 + seed, n=24, m=4)
    pe.seed_rng(seed)
    P = pe._arrays(inst, 8)
    S = pe._empty_state(inst)
    pc, pd = 3.0, 2.0
    pe.construct(S, P, pc, pd, 2.0)  # a noisy start leaves much to improve
    n = len(inst.demand)
    b1, b2 = np.empty(n, np.int64), np.empty(n, np.int64)
    C = (np.empty((n, inst.t, inst.m)), np.empty((n, inst.t, inst.m), np.int64),
         np.full((n, inst.t, inst.m), -1, np.int64))
    cur = _pen(inst, pe.routes_of(S), pc, pd)
    applied = 0
    for _ in range(30):
        moved_any = False
        for u in range(1, n):
            steps = [lambda d, u=u: pe._try_node(S, P, d, u, pc, pd, b1, b2),
                     lambda d, u=u: pe._try_empty(S, P, d, u, pc, pd, b1)]
            for d in range(inst.t):
                for step in steps:
                    if S[2][d, u] < 0:
                        continue
                    moved = step(d)
                    new = _pen(inst, pe.routes_of(S), pc, pd)
                    if moved:
                        assert new < cur - 1e-9, f"a route move of {u} on day {d} raised the cost {cur} -> {new}"
                        applied += 1
                    else:
                        assert new == pytest.approx(cur, abs=1e-9)
                    cur, moved_any = new, moved_any or moved
            if len(inst.combos[u]) > 1:
                moved = pe._try_pattern(S, P, u, pc, pd, b1, C)
                new = _pen(inst, pe.routes_of(S), pc, pd)
                if moved:
                    assert new < cur - 1e-9, f"the pattern move of {u} raised the cost {cur} -> {new}"
                    applied += 1
                cur, moved_any = new, moved_any or moved
        _check_state(pe, inst, S)
        if not moved_any:
            break
    assert applied > 5


def test_ils_solution_is_feasible_and_reported_at_its_cost(pe):
    oq = load_benchmark("optimizer_quality")
    inst = oq.PvrpInstance(**vars(_random_instance(7, n=20)) | {"name": "rand7"})
    out = pe.PvrpIls(inst, seed=3).run(0.5)
    assert out is not None
    cost, days, combos = out
    ok, real, why = oq.verify_pvrp(inst, days)
    assert ok, why
    assert real == pytest.approx(cost, abs=1e-6)
    for u, c in combos.items():
        assert c in inst.combos[u]


def test_ils_is_repeatable_for_a_seed(pe):
    inst = _random_instance(5, n=18)
    runs = []
    for _ in range(2):
        ils = pe.PvrpIls(inst, seed=11)
        # a fixed number of iterations (a clock that counts calls), so that the runs do the same work
        ticks = iter(range(10 ** 6))
        runs.append(ils.run(40, clock=lambda ticks=ticks: next(ticks)))
    assert runs[0] is not None and runs[0][:2] == runs[1][:2]


def test_edu_method_solves_the_tiny_instance(pe):
    pytest.importorskip("pyvrp")
    pytest.importorskip("highspy")
    oq = load_benchmark("optimizer_quality")
    inst = tiny_instance(oq, m=2)
    s = oq.PvrpEduSolver(inst, seed=0)
    s.search = oq.PVRP_SEARCH["fast-penalty"]
    res = s.solve(3.0)
    assert res["feasible"]
    ok, cost, why = oq.verify_pvrp(inst, res["routes"])
    assert ok, why
    assert res["education"]["iterations"] > 0
    assert res["value"] == pytest.approx(cost, abs=0.01)


def test_edu_method_without_combination_choices_keeps_the_education(pe):
    """Only single-day choices (p01, p03, ...): the education's best, polished by PyVRP, not a cold solve."""
    pytest.importorskip("pyvrp")
    pytest.importorskip("highspy")
    oq = load_benchmark("optimizer_quality")
    inst = _random_instance(4, n=12)
    inst.combos = [[()]] + [[(d,) for d in range(inst.t)] for _ in range(12)]
    inst.freq = np.array([0] + [1] * 12)
    inst = oq.PvrpInstance(**vars(inst))
    s = oq.PvrpEduSolver(inst, seed=0)
    assert not s.choice_needed
    s.search = oq.PVRP_SEARCH["fast-penalty"]
    res = s.solve(2.0)
    ok, cost, why = oq.verify_pvrp(inst, res["routes"])
    assert ok, why
    assert res["education"]["iterations"] > 0
    assert res["value"] == pytest.approx(cost, abs=0.01)
    assert res["value"] <= res["education"]["cost"] + 0.01
