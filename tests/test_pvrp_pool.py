"""The set-partitioning step of benchmarks/optimizer_quality.py's PVRP route-pool method (issue #12).

Tiny hand-made instances, no shared data: the SP over a known pool must return the optimum found by brute force,
respect vehicles per day and the allowed combinations, and removing the extra visits of a covering solution must
never lengthen a route.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from conftest import load_benchmark
from pvrp_tiny import route_length, tiny_instance

pytest.importorskip("pyvrp")


@pytest.fixture(scope="module")
def oq():
    return load_benchmark("optimizer_quality")


def _pool_columns(inst, rng) -> list[tuple[int, tuple[int, ...], float]]:
    cols = []
    for _ in range(14):
        k = int(rng.integers(1, 4))
        order = tuple(int(v) for v in rng.choice(np.arange(1, 6), size=k, replace=False))
        d = int(rng.integers(0, 3))
        cols.append((d, order, route_length(inst.xy, order)))
    # singletons on every day so that a feasible choice always exists
    cols += [(d, (i,), route_length(inst.xy, (i,))) for d in range(3) for i in range(1, 6)]
    return cols


def _brute_force(inst, cols) -> float:
    """Cheapest plan over ``cols`` by enumeration: for every assignment of combinations, each day's
    needed customers covered by at most ``m`` columns of that day (covering, extra visits allowed)."""
    best = math.inf
    by_day = {d: [c for c in cols if c[0] == d] for d in range(inst.t)}
    day_best: dict[tuple[int, frozenset[int]], float] = {}

    def cheapest(d: int, need: frozenset[int]) -> float:
        key = (d, need)
        if key not in day_best:
            val = 0.0 if not need else math.inf
            for k in range(1, inst.m + 1):
                for pick in itertools.combinations(by_day[d], k):
                    if need <= set().union(*(set(p[1]) for p in pick)):
                        val = min(val, sum(p[2] for p in pick))
            day_best[key] = val
        return day_best[key]

    for choice in itertools.product(*inst.combos[1:]):
        total = sum(cheapest(d, frozenset(i + 1 for i, c in enumerate(choice) if d in c)) for d in range(inst.t))
        best = min(best, total)
    return best


@pytest.mark.parametrize("m, seed", [(1, 0), (2, 1), (2, 2), (3, 3)])
def test_set_partition_is_the_brute_force_optimum_and_keeps_the_rules(oq, m, seed):
    inst = tiny_instance(oq, m=m, capacity=1000)
    cols = _pool_columns(inst, np.random.default_rng(seed))
    out = oq.pvrp_set_partition(inst, cols, time_limit=10.0)
    assert out is not None
    days, combo, value = out
    assert value == pytest.approx(_brute_force(inst, cols), abs=1e-6)
    assert sum(route_length(inst.xy, r) for rs in days for r in rs) == pytest.approx(value, abs=1e-6)
    for d, routes in enumerate(days):
        assert len(routes) <= inst.m
        assert all((d, tuple(r)) in {(c[0], c[1]) for c in cols} for r in routes)
    for i in range(1, 6):
        assert combo[i] in inst.combos[i]
        for d in combo[i]:
            assert any(i in r for r in days[d])
    plan = oq.pvrp_routes_from_cover(oq.euclid(inst.xy), days, combo)
    ok, cost, why = oq.verify_pvrp(inst, plan)
    assert ok, why
    assert cost <= value + 1e-6


def test_set_partition_respects_vehicles_per_day(oq):
    # singletons, adjacent pairs and a zigzag through all five on every day: with one vehicle a day only the long
    # routes serve a day's customers; with five the short ones are cheaper
    values = {}
    for m in (1, 5):
        inst = tiny_instance(oq, m=m, capacity=1000)
        orders = [(i,) for i in range(1, 6)] + [(i, i + 1) for i in range(1, 5)] + [(1, 3, 5, 2, 4)]
        cols = [(d, o, route_length(inst.xy, o)) for d in range(3) for o in orders]
        days, combo, values[m] = oq.pvrp_set_partition(inst, cols, time_limit=10.0)
        assert all(len(rs) <= m for rs in days)
        assert values[m] == pytest.approx(_brute_force(inst, cols), abs=1e-6)
    assert values[1] > values[5] + 1.0


def test_removing_extra_visits_never_lengthens_a_route(oq):
    inst = tiny_instance(oq)
    real = oq.euclid(inst.xy)
    rng = np.random.default_rng(5)
    for _ in range(200):
        combo = {i: inst.combos[i][int(rng.integers(len(inst.combos[i])))] for i in range(1, 6)}
        # every customer on every day of its combination at least once, plus random extra visits
        days = [[[int(v) for v in rng.permutation(np.arange(1, 6))[: int(rng.integers(1, 6))]] for _ in range(2)]
                for _ in range(3)]
        for i, c in combo.items():
            for d in c:
                if i not in days[d][0]:
                    days[d][0].append(i)
        plan = oq.pvrp_routes_from_cover(real, days, combo)
        for d in range(3):
            # each kept route is one input route of its day with visits removed, in order: never longer
            rest = iter(days[d])
            for r in plan[d]:
                src = next(o for o in rest if [v for v in o if v in r] == r)
                assert route_length(inst.xy, r) <= route_length(inst.xy, src) + 1e-9
        for i, c in combo.items():
            on = sorted(d for d in range(3) for r in plan[d] for v in r if v == i)
            assert tuple(on) == c


def test_route_pool_dedupes_sets_keeps_the_shorter_order_and_checks_each_day(oq):
    inst = tiny_instance(oq, capacity=70)
    inst.capacity = [70, 100, 50]
    solver = oq.PvrpSolver(inst, seed=0)
    pool = oq.PvrpRoutePool(inst, solver.real, solver._route_ok)
    assert pool.add([1, 3])  # 60 load: fits days 0 and 1, not day 2 (50)
    assert pool.routes[frozenset({1, 3})][2] == (0, 1)
    assert not pool.add([1, 3])  # same set, same length
    assert not pool.add([3, 1])  # same set, same length (reversed)
    longer, shorter = [1, 3, 2], [1, 2, 3]
    assert route_length(inst.xy, longer) > route_length(inst.xy, shorter)
    assert not pool.add([1, 2, 3, 4])  # 120 load: no day
    assert pool.add(longer)  # 90: only day 1
    assert pool.add(shorter)
    assert pool.routes[frozenset(shorter)][1] == tuple(shorter)
    assert pool.routes[frozenset(shorter)][2] == (1,)
    assert not pool.add(longer)
    assert len(pool.routes) == 2


def test_route_pool_variants_drop_or_add_one_customer_and_fit_their_days(oq):
    inst = tiny_instance(oq, capacity=100)
    inst.capacity = [130, 90, 60]
    solver = oq.PvrpSolver(inst, seed=0)
    pool = oq.PvrpRoutePool(inst, solver.real, solver._route_ok)
    assert pool.add_solution([[[1, 2, 3]], [], []], variants=2) == 1 + 3 + 2
    sets = set(pool.routes)
    assert {frozenset({1, 2}), frozenset({1, 3}), frozenset({2, 3})} <= sets  # one customer dropped
    assert {frozenset({1, 2, 3, 4}), frozenset({1, 2, 3, 5})} == {k for k in sets if len(k) == 4}  # nearest added
    for key, (length, order, days) in pool.routes.items():
        assert set(order) == key and length == pytest.approx(route_length(inst.xy, order))
        assert days == tuple(d for d in range(3) if 30 * len(key) <= inst.capacity[d])
    # an inserted customer goes where it adds least: between its neighbours on the circle
    assert pool.routes[frozenset({1, 2, 3, 4})][1] in {(1, 2, 3, 4), (4, 3, 2, 1)}


def test_set_partition_from_a_warm_start_is_never_worse_than_it(oq):
    inst = tiny_instance(oq, m=2, capacity=1000)
    cols = _pool_columns(inst, np.random.default_rng(7)) + [(0, (3, 2), route_length(inst.xy, (3, 2)))]
    # a plan of pool routes: 1 on days (0, 1), 2 on (0, 2), 3 on 0, 4 on 1, 5 on 2
    warm = [[[1], [3, 2]], [[1], [4]], [[2], [5]]]
    ok, warm_cost, why = oq.verify_pvrp(inst, warm)
    assert ok, why
    point = oq._sp_point(cols, [(i, c) for i in range(1, 6) for c in inst.combos[i]], warm)
    assert point[: len(cols)] @ np.array([c[2] for c in cols]) == pytest.approx(warm_cost)
    assert point[len(cols):].sum() == 5  # one combination per customer
    out = oq.pvrp_set_partition(inst, cols, time_limit=10.0, warm=warm)
    assert out is not None and out[2] <= warm_cost + 1e-9
    assert out[2] == pytest.approx(_brute_force(inst, cols), abs=1e-6)
