"""Re-planning each route alone (routeplan.optimize.recompose): more presence, never a required stop less."""

import types

import numpy as np
from routing_worlds import two_shifts_with_a_bank, visit_served_elsewhere

from routeplan.optimize.candidates import RESERVE_PRIZE_PER_MINUTE, Candidate, Candidates
from routeplan.optimize.recompose import recompose_routes
from routeplan.optimize.routing import UNREACHABLE, RouteResult, RoutingModel, RoutingResult, Stop, Vehicle

LOW, HIGH = 3_000 * 15 // 4, 3_000 * 15  # a hotspot stop of 15 minutes at risk 0.25 and at risk 1


def _world():
    """Two shifts of two hours. The first serves a required visit (location 1), a quiet hotspot (2) and its
    30-minute reserve (at the depot's copy, 4); the riskiest hotspot (3) has a 15-minute slot in the same hour as
    the quiet one's, which the weekly search left free. There is room for one of the two hotspot stops only."""
    model, cs, _obj = two_shifts_with_a_bank()
    model.add_stop(Stop(2, 2_400, 3_000, 900, LOW, name="H-low"))
    cs.stops.append(Candidate("hotspot", None, 0, 0, (40, 65)))
    model.add_stop(Stop(3, 2_400, 3_000, 900, HIGH, name="H-high"))
    cs.stops.append(Candidate("hotspot", None, 0, 0, (40, 65)))
    model.add_stop(Stop(4, 0, 5_400, 1_800, RESERVE_PRIZE_PER_MINUTE * 30, name="reserve"))
    cs.stops.append(Candidate("reserve", None, 0, 0, (0, 120)))
    fleet = types.SimpleNamespace(model=model, depot_copy={0: 4},
                                  feasible=lambda _loc, _early, _late, _service: np.array([True, True]),
                                  feasible_for=lambda _vi, locs, _early, _late, _service: np.ones(len(locs), bool))
    # O 600-2400, the quiet hotspot 3000-3900, the reserve 4500-6300, home 6300 (+0)
    route = RouteResult(0, 0, 6_300, [(0, 600, 2_400), (1, 3_000, 3_900), (3, 4_500, 6_300)], 0, 6_300)
    return RoutingResult([route], 0, 0, 0, True, 0, 0.0, served={0, 1, 3}), cs, fleet


def _served(rr: RouteResult) -> list[int]:
    return [si for si, _a, _b in rr.visits]


def test_a_route_takes_the_riskier_free_slot_and_keeps_what_it_must_serve():
    result, cs, fleet = _world()
    out = recompose_routes(result, cs, fleet, {}, seed=1, seconds=30, iterations=300)
    stops = _served(out.routes[0])
    assert 2 in stops and 1 not in stops  # the riskiest hotspot in place of the quiet one
    assert 0 in stops and 3 in stops  # the required visit and the reserve stay
    assert out.served == {0, 2, 3}


def test_a_slot_another_route_serves_is_not_offered():
    result, cs, fleet = _world()
    result.routes.append(RouteResult(1, 30_000, 31_000, [], 0, 1_000))
    result.served.add(2)  # as if another route held the riskiest slot
    out = recompose_routes(result, cs, fleet, {}, seed=1, seconds=30, iterations=300)
    assert _served(out.routes[0]) == [0, 1, 3]


def test_a_route_without_a_better_alternative_stays_as_it_was():
    result, cs, fleet = _world()
    fleet.model.stops[2].prize = LOW // 2  # the free slot is worth less than the one served
    before = list(result.routes[0].visits)
    out = recompose_routes(result, cs, fleet, {}, seed=1, seconds=30, iterations=300)
    assert out.routes[0].visits == before and out.served == {0, 1, 3}


def test_a_re_planned_route_keeps_minimum_gaps():
    result, cs, fleet = _world()
    # the object is also visited by the other shift 8.3 h after this route's visit; a 9-hour gap is broken by any
    # time this route could give it, so the route may not change at all (its visit would move)
    visit_served_elsewhere(result, cs, fleet.model, cs.groups[0][0], 2, 1, 1, 30_600, (30_000, 33_000))
    before = list(result.routes[0].visits)
    out = recompose_routes(result, cs, fleet, {"O": 9 * 3600}, seed=1, seconds=30, iterations=300)
    assert out.routes[0].visits == before
    out = recompose_routes(result, cs, fleet, {"O": 8 * 3600}, seed=1, seconds=30, iterations=300)
    assert 2 in _served(out.routes[0])


def test_routes_on_duty_together_are_also_re_planned_as_a_pair():
    from routeplan.optimize.recompose import _neighbourhoods

    model = RoutingModel([np.zeros((2, 2))])
    for early, late in ((0, 28_800), (3_600, 32_400), (25_200, 54_000), (28_800, 57_600), (43_200, 68_400)):
        model.add_vehicle(Vehicle(0, 0, early, late))
    # alone first; then pairs on duty together for half the shorter shift or more: 0-1 and 2-3 (7 of 8 h), 3-4 (4 h of
    # the 7-hour shift 4); not 0-2 (1 h), 1-2 (2 h), 1-3 (1 h) nor 2-4 (3 h)
    assert _neighbourhoods(model, [3, 0, 4, 2, 1]) == [(0,), (1,), (2,), (3,), (4,), (0, 1), (2, 3), (3, 4)]


def test_a_pair_keeps_each_reserve_with_its_own_unit():
    """Two units in the same two hours, each with a 30-minute reserve at its own copy of the depot (which only it
    reaches): re-planned together, the riskier free slot is served, and each reserve stays with its unit."""
    result, cs, fleet = _world()
    m0 = np.full((6, 6), 600)
    np.fill_diagonal(m0, 0)
    m0[0, 4] = m0[4, 0] = m0[0, 5] = m0[5, 0] = 0
    m1 = m0.copy()
    m0[:, 5] = m0[5, :] = UNREACHABLE  # vehicle 0 does not reach vehicle 1's copy of the depot
    m1[:, 4] = m1[4, :] = UNREACHABLE
    m0[5, 5] = m1[4, 4] = 0
    model = RoutingModel([m0, m1])
    model.add_vehicle(Vehicle(0, 0, 0, 7_200, profile=0))
    model.add_vehicle(Vehicle(0, 0, 0, 7_200, profile=1))
    for _members, required in fleet.model.groups:
        model.add_group(required)
    for st in fleet.model.stops:
        model.add_stop(st)
    model.add_stop(Stop(5, 0, 5_400, 1_800, RESERVE_PRIZE_PER_MINUTE * 30, name="reserve"))
    cs.stops.append(Candidate("reserve", None, 0, 0, (0, 120)))
    fleet.model, fleet.depot_copy = model, {0: 4, 1: 5}
    result.routes.append(RouteResult(1, 0, 2_400, [(4, 0, 1_800)], 0, 2_400))
    result.served.add(4)
    out = recompose_routes(result, cs, fleet, {}, seed=1, seconds=30, iterations=300)
    by_vehicle = {rr.vehicle: _served(rr) for rr in out.routes}
    assert 3 in by_vehicle[0] and 4 in by_vehicle[1]
    assert 2 in out.served and 0 in out.served


def test_a_stop_a_pair_trades_stays_served(monkeypatch):
    """Two units from two posts (5 and 6): B holds the slot near A's post (3), the riskier free slot lies near B's post
    (4), out of A's reach. Re-planned together, A takes B's slot and B the free one: both stay served, once."""
    import routeplan.optimize.recompose as recompose

    m = np.full((7, 7), 1_000)
    np.fill_diagonal(m, 0)
    m[5, 3] = m[3, 5] = m[6, 4] = m[4, 6] = 300
    m[5, 4] = m[4, 5] = 3_000  # A cannot reach the free slot and be back in its shift
    model = RoutingModel([m])
    model.add_vehicle(Vehicle(5, 5, 0, 4_000))
    model.add_vehicle(Vehicle(6, 6, 0, 4_000))
    cs = Candidates()
    model.add_stop(Stop(3, 1_000, 1_600, 900, 40_000, name="S"))
    model.add_stop(Stop(4, 1_000, 1_600, 900, 45_000, name="T"))
    cs.stops += [Candidate("hotspot", None, 0, 0, (16, 42)), Candidate("hotspot", None, 0, 0, (16, 42))]
    fleet = types.SimpleNamespace(model=model, depot_copy={}, feasible=lambda *_a: np.array([True, True]),
                                  feasible_for=lambda _vi, locs, *_a: np.ones(len(locs), bool))
    routes = [RouteResult(0, 0, 0, [], 0, 0), RouteResult(1, 0, 2_900, [(0, 1_000, 1_900)], 0, 2_900)]
    result = RoutingResult(routes, 0, 0, 0, True, 0, 0.0, served={0})
    monkeypatch.setattr(recompose, "_neighbourhoods", lambda _model, _vehicles: [(0, 1)])
    out = recompose_routes(result, cs, fleet, {}, seed=1, seconds=30, iterations=300)
    by_vehicle = {rr.vehicle: _served(rr) for rr in out.routes}
    assert by_vehicle == {0: [0], 1: [1]}
    assert out.served == {0, 1}
