"""PyVRP's neighbourhood over merged profiles (routeplan.optimize.neighbours): the same neighbours, the same search."""

from __future__ import annotations

import numpy as np
import pyvrp
from pyvrp.search import compute_neighbours
from pyvrp.stop import MaxIterations

from routeplan.optimize.neighbours import merged_profiles
from routeplan.optimize.routing import UNREACHABLE, RoutingModel, Stop, Vehicle

XS = np.array([0, 7, 13, 21, 30, 34, 45, 52, 61, 66], dtype=float)


def _week_like() -> RoutingModel:
    """Locations on a line and two copies of the depot (10, 11), each reached only by its own vehicle's profile,
    as the weekly model gives a vehicle with a break or reserve; a second unit kind twice as slow; one vehicle of
    the first kind with other unit costs."""
    n = len(XS)
    base = np.abs(XS[:, None] - XS[None, :]) * 10
    wide = np.full((n + 2, n + 2), np.inf)
    wide[:n, :n] = base
    own = []
    for copy in (n, n + 1):
        m = wide.copy()
        m[copy, :n], m[:n, copy], m[copy, copy] = base[0], base[:, 0], 0
        own.append(m)
    slow = wide * 2
    model = RoutingModel([wide, own[0], own[1], slow])
    model.add_vehicle(Vehicle(0, 0, 0, 20_000, profile=1, name="A"))
    model.add_vehicle(Vehicle(0, 0, 0, 20_000, profile=2, name="B"))
    model.add_vehicle(Vehicle(0, 0, 0, 20_000, profile=3, name="slow"))
    model.add_vehicle(Vehicle(0, 0, 0, 20_000, profile=0, unit_distance_cost=3, name="costly"))
    for loc in range(1, n):
        for start in (0, 6_000, 12_000):  # time-slot copies of one place, as hotspot slots are
            model.add_stop(Stop(loc, start, start + 6_000, service=300, prize=400 + 37 * loc))
    model.add_stop(Stop(n, 4_000, 5_000, service=900, required=True))  # A's break at its copy of the depot
    model.add_stop(Stop(n + 1, 9_000, 10_000, service=900, required=True))  # B's
    return model


def test_merged_profiles_give_pyvrps_own_neighbourhood() -> None:
    model = _week_like()
    merged = model._neighbourhood_data()
    assert merged is not None
    # the two copies merge into one; the slow kind and the vehicle with other unit costs keep theirs
    assert model._problem_data().num_profiles == 4 and merged.num_profiles == 3
    params = pyvrp.SolveParams().neighbourhood
    assert compute_neighbours(merged, params) == compute_neighbours(model._problem_data(), params)


def test_the_search_is_pyvrps_solve() -> None:
    model = _week_like()
    res = model.solve(time_limit=600, seed=3, max_iterations=150)
    ref = pyvrp.solve(model._problem_data(), MaxIterations(150), seed=3, collect_stats=False).best
    assert res.feasible and res.served
    assert [[a for a, _s, _e in r.visits] for r in res.routes] == [
        [a.idx for a in r.schedule() if a.is_client()] for r in ref.routes()]
    assert res.prizes == ref.prizes() and res.distance == ref.distance()


def test_profiles_that_disagree_are_not_merged() -> None:
    a = np.array([[0, 5], [5, 0]])
    b = np.array([[0, 6], [6, 0]])
    assert merged_profiles([a, b], [a, b], [(0, 1, 0), (0, 1, 1)], UNREACHABLE) is None
    # one agreeing copy merges: the unreachable pair of one takes the other's value
    c = np.array([[0, UNREACHABLE], [5, 0]])
    durs, _dists, into = merged_profiles([a, c], [a, c], [(0, 1, 0), (0, 1, 1)], UNREACHABLE)  # type: ignore[misc]
    assert into == {0: 0, 1: 0} and durs[0].tolist() == [[0, 5], [5, 0]]
