"""Priority exchange (routeplan.optimize.exchange): a required visit left out takes the place of lower ones."""

import time
import types

import numpy as np
from routing_worlds import visit_served_elsewhere

from routeplan.model.layers import VitalObject
from routeplan.optimize.candidates import REQUIRED_PRIZE, RESERVE_PRIZE_PER_MINUTE, Candidate, Candidates
from routeplan.optimize.exchange import exchange_priorities, restore_reserve
from routeplan.optimize.routing import RouteResult, RoutingModel, RoutingResult, Stop, Vehicle


def _obj(oid: str, priority: int, gap: float = 0.0) -> VitalObject:
    return VitalObject(oid, oid, "bank", 0.0, 0.0, priority, 1, 30, (), (), min_gap_hours=gap)


def _world(served_low: bool = True):
    """One shift, two objects whose windows hold only one 30-minute visit: the search served the lower one."""
    m = np.full((4, 4), 300)
    np.fill_diagonal(m, 0)
    model = RoutingModel([m])
    model.add_vehicle(Vehicle(0, 0, 0, 7_200))
    model.add_vehicle(Vehicle(0, 0, 20_000, 30_000))  # another shift, hours later
    hi, lo = _obj("HI", 1, gap=6.0), _obj("LO", 3)
    cs = Candidates()
    for o, loc in ((hi, 1), (lo, 2)):
        g = model.add_group(required=False)
        cs.groups.append((o, 1))
        model.add_stop(Stop(loc, 0, 600, 1_800, REQUIRED_PRIZE[o.priority], group=g, name=o.id))
        cs.stops.append(Candidate("vital_object", o, 1, 0, (0, 40)))
    fleet = types.SimpleNamespace(model=model, feasible=lambda _loc, _early, _late, _service: np.array([True, True]),
                                  depot_copy={})
    route = RouteResult(0, 0, 2_400, [(1, 300, 2_100)], 600, 2_400)  # LO served, HI left out
    return RoutingResult([route], 0, 0, 0, True, 0, 0.0, served={1}), cs, fleet, hi


def test_a_visit_left_out_replaces_a_lower_priority_one():
    result, cs, fleet, _hi = _world()
    out = exchange_priorities(result, cs, fleet, {"HI": 6 * 3600}, seed=1, seconds=30, iterations=200)
    assert out.served == {0}
    assert [si for si, _a, _b in out.routes[0].visits] == [0]


def test_the_exchange_keeps_minimum_gaps():
    result, cs, fleet, hi = _world()
    # HI is already visited on the other shift 20 000 s in: one more at the start of the first is 5.5 h before it
    visit_served_elsewhere(result, cs, fleet.model, hi, 2, 1, 1, 20_300, (20_000, 22_400))
    out = exchange_priorities(result, cs, fleet, {"HI": 6 * 3600}, seed=1, seconds=30, iterations=200)
    assert out.served == {1, 2}  # unchanged: the first visit would break HI's 6-hour gap
    out = exchange_priorities(result, cs, fleet, {"HI": 5 * 3600}, seed=1, seconds=30, iterations=200)
    assert out.served == {0, 2}  # with a 5-hour gap it fits


def test_no_exchange_for_a_visit_of_equal_or_lower_priority():
    result, cs, fleet, _hi = _world()
    route = RouteResult(0, 0, 2_400, [(0, 300, 2_100)], 600, 2_400)  # HI served, LO left out
    result = RoutingResult([route], 0, 0, 0, True, 0, 0.0, served={0})
    out = exchange_priorities(result, cs, fleet, {}, seed=1, seconds=30, iterations=200)
    assert out.served == {0}


def test_no_exchange_for_a_visit_of_equal_priority_that_also_earns_presence():
    result, cs, fleet, _hi = _world()
    # HI is of LO's priority now, and a visit to it would be presence at a hotspot too (a bonus on its prize)
    fleet.model.stops[0].prize = REQUIRED_PRIZE[3] + 30_000
    cs.stops[0] = Candidate("vital_object", _obj("HI", 3), 1, 0, (0, 40), bonus=30_000)
    out = exchange_priorities(result, cs, fleet, {}, seed=1, seconds=30, iterations=200)
    assert out.served == {1}


def _reserve_world():
    """One 2-hour shift: its 30-minute reserve (at the depot's copy, location 3) was left out while three
    30-minute hotspot stops filled the time."""
    m = np.full((4, 4), 300)
    np.fill_diagonal(m, 0)
    model = RoutingModel([m])
    model.add_vehicle(Vehicle(0, 0, 0, 7_200))
    cs = Candidates()
    for loc in (1, 2, 1):
        model.add_stop(Stop(loc, 0, 5_400, 1_800, 3_000 * 30, name="H"))
        cs.stops.append(Candidate("hotspot", None, 0, 0, (0, 120)))
    model.add_stop(Stop(3, 0, 5_400, 1_800, RESERVE_PRIZE_PER_MINUTE * 30, name="reserve"))
    cs.stops.append(Candidate("reserve", None, 0, 0, (0, 120)))
    fleet = types.SimpleNamespace(model=model, depot_copy={0: 3})
    route = RouteResult(0, 0, 7_200, [(0, 300, 2_100), (1, 2_400, 4_200), (2, 4_500, 6_300)], 1_200, 7_200)
    return RoutingResult([route], 0, 0, 0, True, 0, 0.0, served={0, 1, 2}), cs, fleet


def test_a_reserve_left_out_for_presence_is_given_back():
    result, cs, fleet = _reserve_world()
    out = restore_reserve(result, cs, fleet, seed=1, iterations=200, deadline=time.monotonic() + 30)
    assert 3 in out.served and len(out.served & {0, 1, 2}) <= 2
    assert [si for si, _a, _b in out.routes[0].visits].count(3) == 1


def test_a_reserve_a_required_visit_took_stays_out():
    result, cs, fleet = _reserve_world()
    # the stops are required visits now, not presence: nothing the reserve may take their place
    for i in range(3):
        fleet.model.stops[i].prize = REQUIRED_PRIZE[3]
        cs.stops[i] = Candidate("vital_object", _obj(f"O{i}", 3), 1, 0, (0, 120))
    out = restore_reserve(result, cs, fleet, seed=1, iterations=200, deadline=time.monotonic() + 30)
    assert out.served == {0, 1, 2}


def test_a_route_with_idle_time_gets_its_reserve_back():
    """A route of one visit whose reserve the search left out: room enough without dropping anything."""
    result, cs, fleet = _reserve_world()
    fleet.model.stops[0].prize = REQUIRED_PRIZE[3]
    cs.stops[0] = Candidate("vital_object", _obj("O0", 3), 1, 0, (0, 120))
    result.routes[0].visits = [(0, 300, 2_100)]
    result.served = {0}
    out = restore_reserve(result, cs, fleet, seed=1, iterations=200, deadline=time.monotonic() + 30)
    assert out.served == {0, 3}
