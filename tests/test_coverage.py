"""Every hotspot at least once a week (routeplan.optimize.coverage): a hotspot without a stop takes some presence."""

import types

import numpy as np
import pytest
from routing_worlds import two_shifts_with_a_bank

import routeplan.settings as settings
from routeplan.model.layers import Hotspot
from routeplan.optimize.candidates import RESERVE_PRIZE_PER_MINUTE, Candidate
from routeplan.optimize.coverage import cover_hotspots
from routeplan.optimize.routing import RouteResult, RoutingResult, Stop

LOW, HIGH = 3_000 * 15 // 4, 3_000 * 15  # a hotspot stop of 15 minutes at risk 0.25 and at risk 1
RISKY = Hotspot("HS-A", "Simpang", 0.0, 0.0, 1.0, ())
QUIET = Hotspot("HS-B", "Kandang", 0.0, 0.0, 0.25, ())


def _world(a_on_second: bool = True, b_on_second: bool = False, reach: bool = True, b_service: int = 900):
    """Two shifts of two hours. The first serves a required visit (location 1), the risky hotspot A (2) and its
    30-minute reserve (at the depot's copy, 4), with room for one hotspot stop only; the quiet hotspot B (3) has a
    slot in the same hour as A's and no stop this week. The second shift serves another stop of A
    (``a_on_second``) and has most of its time free; B has a slot there too with ``b_on_second``."""
    model, cs, _obj = two_shifts_with_a_bank()
    stops = [
        (Stop(2, 2_400, 3_000, 900, HIGH, name="A"), Candidate("hotspot", RISKY, 0, 0, (40, 65))),
        (Stop(3, 2_400, 3_000, b_service, LOW, name="B"), Candidate("hotspot", QUIET, 0, 0, (40, 65))),
        (Stop(4, 0, 5_400, 1_800, RESERVE_PRIZE_PER_MINUTE * 30, name="reserve"), Candidate("reserve", None, 0, 0, (0, 120))),
        (Stop(2, 30_000, 31_000, 900, HIGH, name="A"), Candidate("hotspot", RISKY, 0, 0, (500, 530))),
        (Stop(3, 33_000, 34_000, 900, LOW, name="B"), Candidate("hotspot", QUIET, 0, 0, (550, 580))),
    ]
    for stop, cand in stops[: 5 if b_on_second else 4]:
        model.add_stop(stop)
        cs.stops.append(cand)
    fleet = types.SimpleNamespace(model=model, depot_copy={0: 4},
                                  feasible=lambda _loc, early, _late, _service: np.array(
                                      [reach and early < 7_200, reach and early >= 30_000]))
    # O 600-2400, A 3000-3900, the reserve 4500-6300, home 6300 (+0); the second shift: A 30600-31500
    first = RouteResult(0, 0, 6_300, [(0, 600, 2_400), (1, 3_000, 3_900), (3, 4_500, 6_300)], 0, 6_300)
    second = RouteResult(1, 30_000, 32_100, [(4, 30_600, 31_500)] if a_on_second else [], 0, 2_100)
    routes = [first, second] if a_on_second else [first]
    served = {0, 1, 3} | ({4} if a_on_second else set())
    return RoutingResult(routes, 0, 0, 0, True, 0, 0.0, served=served), cs, fleet


def _stops(result: RoutingResult, vehicle: int) -> list[int]:
    return [si for rr in result.routes if rr.vehicle == vehicle for si, _a, _b in rr.visits]


def test_a_hotspot_without_a_stop_takes_presence_and_the_route_keeps_what_it_must_serve():
    result, cs, fleet = _world()
    out = cover_hotspots(result, cs, fleet, {}, seed=1, seconds=30, iterations=300)
    first = _stops(out, 0)
    assert 2 in first and 1 not in first  # B's slot in place of A's stop on the first shift
    assert 0 in first and 3 in first  # the required visit and the reserve stay
    assert 4 in out.served  # A keeps its stop on the second shift
    assert out.served == {0, 2, 3, 4}


def test_a_hotspots_only_stop_is_not_taken_for_another():
    result, cs, fleet = _world(a_on_second=False)
    out = cover_hotspots(result, cs, fleet, {}, seed=1, seconds=30, iterations=300)
    assert out.served == {0, 1, 3}  # B stays without a stop rather than A losing its only one


def test_the_route_that_gives_up_least_takes_the_stop():
    result, cs, fleet = _world(b_on_second=True)
    out = cover_hotspots(result, cs, fleet, {}, seed=1, seconds=30, iterations=300)
    assert _stops(out, 0) == [0, 1, 3]  # the full first shift keeps A
    assert sorted(_stops(out, 1)) == [4, 5]  # the second shift had the time: it takes B as well
    assert out.served == {0, 1, 3, 4, 5}


def test_a_hotspot_no_route_can_reach_stays_as_it_is():
    result, cs, fleet = _world(reach=False)
    out = cover_hotspots(result, cs, fleet, {}, seed=1, seconds=30, iterations=300)
    assert out.served == {0, 1, 3, 4}


def test_a_minimum_of_zero_changes_nothing(monkeypatch):
    monkeypatch.setattr(settings, "hotspot_min_stops_per_week", 0)
    result, cs, fleet = _world()
    out = cover_hotspots(result, cs, fleet, {}, seed=1, seconds=30, iterations=300)
    assert out.served == {0, 1, 3, 4}


def test_a_route_is_not_left_below_its_patrol_need():
    # B's stop is 5 minutes against A's 15: the first shift would patrol 10 minutes less
    patrol = 600 + 1_800 + 600 + 900 + 600  # minutes x 60 of the first shift: drives and stops, not its reserve
    result, cs, fleet = _world(b_service=300)
    out = cover_hotspots(result, cs, fleet, {}, needs={0: patrol / 60}, seed=1, seconds=30, iterations=300)
    assert out.served == {0, 1, 3, 4}
    result, cs, fleet = _world(b_service=300)
    out = cover_hotspots(result, cs, fleet, {}, needs={0: patrol / 60 - 10}, seed=1, seconds=30, iterations=300)
    assert 2 in out.served and 1 not in out.served


@pytest.mark.parametrize("minimum", [1, 2])
def test_every_hotspot_counts_toward_its_minimum(monkeypatch, minimum):
    monkeypatch.setattr(settings, "hotspot_min_stops_per_week", minimum)
    result, cs, fleet = _world(b_on_second=True)
    out = cover_hotspots(result, cs, fleet, {}, seed=1, seconds=30, iterations=300)
    assert 5 in out.served  # B gets its stop on the second shift either way
