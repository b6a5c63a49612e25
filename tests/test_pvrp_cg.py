"""Column generation for benchmarks/optimizer_quality.py's PVRP set-partitioning step (issue #12, ``--pvrp-method cg``).

The tiny five-customer instance of test_pvrp_pool.py, where every route can be enumerated: the LP bound after
column generation must not exceed the true optimum, the duals must give HiGHS's own reduced costs, pricing must
find a column with a negative reduced cost when one exists and none when the pool holds every route, and the
solver's plan must be feasible.
"""

from __future__ import annotations

import itertools
import math

import pytest
from conftest import load_benchmark
from pvrp_tiny import route_length, tiny_instance

pytest.importorskip("pyvrp")
highspy = pytest.importorskip("highspy")


@pytest.fixture(scope="module")
def oq():
    return load_benchmark("optimizer_quality")


def _all_routes(inst) -> list[tuple[int, ...]]:
    """The shortest order of every customer set within the capacity (three customers of 30 at most)."""
    out = []
    for k in range(1, 4):
        for subset in itertools.combinations(range(1, 6), k):
            out.append(min(itertools.permutations(subset), key=lambda o: route_length(inst.xy, o)))
    return out


def _optimum(inst) -> float:
    """The true optimum by enumeration: per combination choice, each day's cheapest cover by at most m routes."""
    routes = [(o, route_length(inst.xy, o)) for o in _all_routes(inst)]
    day_best: dict[frozenset[int], float] = {}

    def cheapest(need: frozenset[int]) -> float:
        if need not in day_best:
            val = 0.0 if not need else math.inf
            for k in range(1, inst.m + 1):
                for pick in itertools.combinations(routes, k):
                    if need <= set().union(*(set(p[0]) for p in pick)):
                        val = min(val, sum(p[1] for p in pick))
            day_best[need] = val
        return day_best[need]

    best = math.inf
    for choice in itertools.product(*inst.combos[1:]):
        best = min(best, sum(cheapest(frozenset(i + 1 for i, c in enumerate(choice) if d in c)) for d in range(3)))
    return best


def _solver(oq, inst, pool_orders):
    s = oq.PvrpCgSolver(inst, seed=0)
    s.search = oq.PVRP_SEARCH["fast-penalty"]
    for o in pool_orders:
        s.pool.add(list(o))
    return s


def _columns(s):
    return [(d, order, length) for length, order, ds in s.pool.routes.values() for d in ds]


@pytest.mark.parametrize("interior", [False, True])
def test_reduced_costs_from_the_duals_are_highs_own(oq, interior):
    inst = tiny_instance(oq, m=2)
    s = _solver(oq, inst, [(i,) for i in range(1, 6)] + [(1, 2), (3, 4), (4, 5), (2, 3, 4)])
    cols = _columns(s)
    duals = oq.pvrp_sp_duals(inst, cols, interior=interior)
    assert duals is not None
    assert all(v >= 0 for v in duals["rho"].values()) and all(v <= 0 for v in duals["mu"])
    lp, _, _, _ = oq._sp_lp(inst, cols, integer=False)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    h.run()
    assert duals["objective"] == pytest.approx(h.getInfo().objective_function_value, abs=1e-5)
    if not interior:  # the vertex duals are HiGHS's simplex duals: identical reduced costs
        rc = h.getSolution().col_dual
        for j, (d, order, length) in enumerate(cols):
            assert oq.pvrp_reduced_cost(duals, d, order, length) == pytest.approx(rc[j], abs=1e-6)
    # a column in the LP's basis (value strictly between its bounds) has reduced cost 0 up to the tolerances
    x = duals["x"]
    for j, (d, order, length) in enumerate(cols):
        if 1e-4 < x[j] < 1 - 1e-4:
            assert oq.pvrp_reduced_cost(duals, d, order, length) == pytest.approx(0.0, abs=1e-3 if interior else 1e-6)


@pytest.mark.parametrize("m", [2, 3])
def test_pricing_finds_a_negative_column_when_one_exists_and_none_when_all_are_in(oq, m):
    inst = tiny_instance(oq, m=m)
    # singletons and one long route: a pair of neighbours is cheaper than two singletons, so some route prices out
    s = _solver(oq, inst, [(i,) for i in range(1, 6)] + [(1, 3, 5)])
    duals = oq.pvrp_sp_duals(inst, _columns(s), interior=False)
    best = min(oq.pvrp_reduced_cost(duals, d, o, route_length(inst.xy, o)) for o in _all_routes(inst) for d in range(3))
    assert best < -1e-6  # a negative column exists
    found = [(d, o) for d in range(3) for o in s.price_day(d, duals, [], 1.0, seed=0)]
    assert found
    have = {(d, frozenset(o)) for d, o, _ in _columns(s)}
    for d, o in found:
        assert oq.pvrp_reduced_cost(duals, d, o, route_length(inst.xy, o)) < -1e-6
        assert (d, frozenset(o)) not in have  # at the LP optimum every column in it prices at >= 0
    # with every route in the pool the LP is optimal over all columns: nothing prices out
    s_all = _solver(oq, inst, _all_routes(inst))
    duals = oq.pvrp_sp_duals(inst, _columns(s_all), interior=False)
    assert all(not s_all.price_day(d, duals, [], 1.0, seed=0) for d in range(3))


@pytest.mark.parametrize("m", [2, 3])
def test_column_generation_lp_bound_is_below_the_optimum_and_falls(oq, m):
    inst = tiny_instance(oq, m=m)
    s = _solver(oq, inst, [(i,) for i in range(1, 6)] + [(1, 2, 3), (4, 5)])
    warm = [[[1], [3, 2]], [[1], [4]], [[2], [5]]] if m >= 2 else None
    ok, cost, why = oq.verify_pvrp(inst, warm)
    assert ok, why
    s.pool.add_solution(warm)
    s.column_generation((cost, warm, {}), oq.now() + 20.0)
    lp = s.cg_stats["lp"]
    opt = _optimum(inst)
    assert len(lp) >= 2 and s.cg_stats["columns"] > 0
    # the restricted LP may start above the optimum; once no column prices out it is the full LP, a lower bound
    assert lp[-1] <= opt + 1e-6
    assert lp[-1] < lp[0] - 1e-6
    assert s.cg_stats["converged"]
    # converged with exact-enough pricing on five customers: the LP over all routes has the same bound
    full = oq.pvrp_sp_duals(inst, [(d, o, route_length(inst.xy, o)) for o in _all_routes(inst) for d in range(3)])
    assert lp[-1] == pytest.approx(full["objective"], abs=1e-4)


def test_lp_dive_gives_a_plan_no_better_than_the_optimum(oq):
    inst = tiny_instance(oq, m=2)
    cols = [(d, o, route_length(inst.xy, o)) for o in _all_routes(inst) for d in range(3)]
    out = oq.pvrp_lp_dive(inst, cols, oq.now() + 20.0)
    assert out is not None and out[0] is not None
    plan = oq.pvrp_routes_from_cover(oq.euclid(inst.xy), out[0], out[1])
    ok, cost, why = oq.verify_pvrp(inst, plan)
    assert ok, why
    assert cost >= _optimum(inst) - 1e-6


def test_cg_solver_returns_a_verified_plan(oq):
    inst = tiny_instance(oq, m=2)
    s = oq.PvrpCgSolver(inst, seed=0)
    s.search = oq.PVRP_SEARCH["fast-penalty"]
    res = s.solve(8.0)
    assert res["feasible"]
    ok, cost, why = oq.verify_pvrp(inst, res["routes"])
    assert ok, why
    assert cost == pytest.approx(res["value"], abs=0.01)
    assert cost >= _optimum(inst) - 1e-6
    assert res["cg"]["iterations"] >= 1 and res["cg"]["dives"] and res["sp"]["calls"] == 0


def test_cg_sp_solver_returns_a_verified_plan(oq):
    inst = tiny_instance(oq, m=2)
    s = oq.PvrpCgSpSolver(inst, seed=0)
    s.search = oq.PVRP_SEARCH["fast-penalty"]
    res = s.solve(8.0)
    assert res["feasible"]
    ok, cost, why = oq.verify_pvrp(inst, res["routes"])
    assert ok, why
    assert cost >= _optimum(inst) - 1e-6
    assert res["cg"]["iterations"] >= 1 and not res["cg"]["dives"] and res["sp"]["calls"] == 1


def test_strip_dive_proposes_the_dive_s_own_routes(oq):
    inst = tiny_instance(oq, m=2)
    s = oq.PvrpStripDiveSolver(inst, seed=0)
    for o in _all_routes(inst):
        s.pool.add(list(o))
    s._time_limit = 20.0
    # a feasible plan that is not the optimum: customer 2 on days 0 and 2 in routes of their own
    warm = [[[1], [2, 3]], [[1], [4]], [[2], [5]]]
    ok, cost, why = oq.verify_pvrp(inst, warm)
    assert ok, why
    assert cost > _optimum(inst) + 1e-6
    out = s._dive_step((cost, warm, {1: (0, 1), 2: (0, 2)}))
    assert out is not None
    days, combo = out
    dive = oq.pvrp_lp_dive(inst, _columns(s), oq.now() + 20.0)
    assert dive is not None and dive[0] is not None
    # the proposal is the dive's plan itself, not the current routes with customers re-inserted
    assert days == oq.pvrp_routes_from_cover(oq.euclid(inst.xy), dive[0], dive[1])
    ok, value, why = oq.verify_pvrp(inst, days)
    assert ok, why
    assert s.cg_stats["dives"][-1]["routes"] == pytest.approx(value, abs=0.01)
    assert value < cost - 1e-6
    assert combo == {i: dive[1][i] for i in s.choice_needed}
