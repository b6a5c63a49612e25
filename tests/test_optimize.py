"""Unit tests of routeplan.optimize.routing.RoutingModel on tiny hand-made instances."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pyvrp")

from routeplan import RoutingModel, Stop, Vehicle  # noqa: E402

# small fixed effort: these instances are solved to optimality within a few hundred iterations
FAST = dict(time_limit=5.0, max_iterations=300, seed=1)


def line_matrix(xs: list[float]) -> np.ndarray:
    """Travel times between points on a line (seconds)."""
    x = np.asarray(xs, dtype=float)
    return np.abs(x[:, None] - x[None, :])


def route_nodes(model: RoutingModel, res) -> list[list[int]]:
    return [[model.stops[s].location for s, _, _ in r.visits] for r in res.routes]


def test_time_windows_respected():
    # depot 0 at x=0; stops at 10, 20, 30; windows force the order 30 -> 10 -> 20
    m = RoutingModel([line_matrix([0, 10, 20, 30])])
    m.add_vehicle(Vehicle(0, 0, 0, 1000))
    windows = {1: (70, 90), 2: (120, 150), 3: (30, 40)}
    for loc, (a, b) in windows.items():
        m.add_stop(Stop(loc, a, b, service=5, required=True))
    res = m.solve(**FAST)
    assert res.feasible
    assert route_nodes(m, res) == [[3, 1, 2]]
    for s, start, end in res.routes[0].visits:
        stop = m.stops[s]
        assert stop.tw_early <= start <= stop.tw_late
        assert end == start + stop.service


def test_group_serves_at_most_one():
    m = RoutingModel([line_matrix([0, 1, 2, 3])])
    m.add_vehicle(Vehicle(0, 0, 0, 1000))
    g = m.add_group()
    for loc in (1, 2, 3):
        m.add_stop(Stop(loc, 0, 1000, prize=1000, group=g))
    res = m.solve(**FAST)
    assert res.feasible
    assert len(res.served) == 1
    # the cheapest member (closest) is the one served
    assert route_nodes(m, res) == [[1]]


def test_required_group_serves_exactly_one():
    m = RoutingModel([line_matrix([0, 5, 9])])
    m.add_vehicle(Vehicle(0, 0, 0, 1000))
    g = m.add_group(required=True)
    m.add_stop(Stop(1, 0, 1000, group=g))
    m.add_stop(Stop(2, 0, 1000, group=g))
    res = m.solve(**FAST)
    assert res.feasible and res.served == {0}


def test_required_stop_served_even_without_prize():
    m = RoutingModel([line_matrix([0, 100, 1])])
    m.add_vehicle(Vehicle(0, 0, 0, 10_000))
    m.add_stop(Stop(1, 0, 10_000, required=True))  # far, no prize
    m.add_stop(Stop(2, 0, 10_000, prize=1))  # optional, not worth a detour of 2 ... but on the way? no: x=1
    res = m.solve(**FAST)
    assert res.feasible
    assert 0 in res.served


def test_prize_collecting_picks_profitable_stop():
    # detour to x=10 costs 20 s; prize 50 -> take it. Detour to x=-40 costs 80 s; prize 30 -> skip
    m = RoutingModel([line_matrix([0, 10, -40])])
    m.add_vehicle(Vehicle(0, 0, 0, 1000))
    a = m.add_stop(Stop(1, 0, 1000, prize=50))
    b = m.add_stop(Stop(2, 0, 1000, prize=30))
    res = m.solve(**FAST)
    assert res.feasible
    assert a in res.served and b not in res.served
    assert res.prizes == 50


def test_unreachable_entries_avoided():
    # 0 -> 1 -> 2 -> 0 is impossible (no road 1 -> 2); 0 -> 2 -> 1 -> 0 must be used
    d = np.array([[0, 5, 5], [5, 0, np.inf], [5, 5, 0]], dtype=float)
    m = RoutingModel([d])
    m.add_vehicle(Vehicle(0, 0, 0, 1000))
    m.add_stop(Stop(1, 0, 1000, required=True))
    m.add_stop(Stop(2, 0, 1000, required=True))
    res = m.solve(**FAST)
    assert res.feasible
    assert route_nodes(m, res) == [[2, 1]]
    assert res.routes[0].duration == 15


def test_capacity_and_num_available():
    # four stops of demand 6, capacity 12: two copies of one vehicle, two stops each
    m = RoutingModel([line_matrix([0, 1, 2, -1, -2])])
    m.add_vehicle(Vehicle(0, 0, 0, 1000, capacity=12, num_available=2))
    for loc in (1, 2, 3, 4):
        m.add_stop(Stop(loc, 0, 1000, required=True, demand=6))
    res = m.solve(**FAST)
    assert res.feasible
    assert len(res.routes) == 2
    assert all(r.vehicle == 0 for r in res.routes)
    assert sorted(sorted(r) for r in route_nodes(m, res)) == [[1, 2], [3, 4]]


def test_max_distance_limits_route():
    # TOP-like: distance budget 10 allows x=4 (round trip 8) but not x=6 (12)
    d = line_matrix([0, 4, 6])
    m = RoutingModel([d], [d])
    m.add_vehicle(Vehicle(0, 0, 0, 1000, max_distance=10, unit_distance_cost=0, unit_duration_cost=0))
    small = m.add_stop(Stop(1, 0, 1000, prize=1))
    big = m.add_stop(Stop(2, 0, 1000, prize=100))
    res = m.solve(**FAST)
    assert res.feasible and res.served == {small} and big not in res.served
    assert res.routes[0].distance <= 10


def test_same_seed_and_iterations_identical():
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 100, size=(25, 2))
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))

    def run():
        m = RoutingModel([d])
        m.add_vehicle(Vehicle(0, 0, 0, 2000, num_available=3, capacity=10))
        for loc in range(1, 25):
            m.add_stop(Stop(loc, 0, 2000, service=10, prize=60, demand=1, required=loc % 3 == 0))
        res = m.solve(time_limit=30.0, seed=7, max_iterations=200)
        return [(r.vehicle, r.visits) for r in res.routes], res.cost

    assert run() == run()


def test_initial_routes_warm_start():
    m = RoutingModel([line_matrix([0, 10, 20, 30])])
    m.add_vehicle(Vehicle(0, 0, 0, 1000))
    for loc in (1, 2, 3):
        m.add_stop(Stop(loc, 0, 1000, required=True))
    # a poor but complete warm start is improved to the optimum (cost 60)
    res = m.solve(initial_routes=[(0, [2, 0, 1])], **FAST)
    assert res.feasible and res.cost == 60
