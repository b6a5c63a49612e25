"""Helpers for the hand-made routing worlds of test_exchange.py, test_recompose.py and test_coverage.py."""

from __future__ import annotations

from typing import Any

import numpy as np

from routeplan.model.layers import VitalObject
from routeplan.optimize.candidates import REQUIRED_PRIZE, Candidate, Candidates
from routeplan.optimize.routing import RouteResult, RoutingModel, RoutingResult, Stop, Vehicle


def visit_served_elsewhere(result: RoutingResult, cs: Candidates, model: RoutingModel, obj: VitalObject | Any,
                           visit_no: int, location: int, vehicle: int, start: int, route: tuple[int, int]) -> None:
    """Add visit ``visit_no`` of ``obj`` (30 minutes at ``location``, starting at ``start`` seconds) as the one stop
    of ``vehicle``'s route from ``route[0]`` to ``route[1]``, already served: another shift's visit of the object."""
    g = model.add_group(required=False)
    cs.groups.append((obj, visit_no))
    i = model.add_stop(Stop(location, start, start + 400, 1_800, REQUIRED_PRIZE[obj.priority], group=g, name=obj.id))
    cs.stops.append(Candidate("vital_object", obj, visit_no, 0, (start // 60, start // 60 + 37)))
    result.routes.append(RouteResult(vehicle, route[0], route[1], [(i, start, start + 1_800)], 0, route[1] - route[0]))
    result.served.add(i)


def two_shifts_with_a_bank() -> tuple[RoutingModel, Candidates, VitalObject]:
    """Two shifts of two hours (0-7 200 s and 30 000-37 200 s) over five locations 600 s apart, location 4 the
    depot's copy (0 s from the depot); stop 0 is the one candidate of a required visit to a bank O at location 1
    (30 minutes, starting by 1 800 s; minimum gap 8 hours)."""
    m = np.full((5, 5), 600)
    np.fill_diagonal(m, 0)
    m[0, 4] = m[4, 0] = 0
    model = RoutingModel([m])
    model.add_vehicle(Vehicle(0, 0, 0, 7_200))
    model.add_vehicle(Vehicle(0, 0, 30_000, 37_200))
    cs = Candidates()
    obj = VitalObject("O", "Bank", "bank", 0.0, 0.0, 1, 1, 30, (), (), min_gap_hours=8.0)
    g = model.add_group(required=False)
    cs.groups.append((obj, 1))
    model.add_stop(Stop(1, 0, 1_800, 1_800, REQUIRED_PRIZE[1], group=g, name="O"))
    cs.stops.append(Candidate("vital_object", obj, 1, 0, (0, 60)))
    return model, cs, obj
