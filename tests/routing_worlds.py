"""Helpers for the hand-made routing worlds of test_exchange.py and test_recompose.py."""

from __future__ import annotations

from typing import Any

from routeplan.model.layers import VitalObject
from routeplan.optimize.candidates import REQUIRED_PRIZE, Candidate, Candidates
from routeplan.optimize.routing import RouteResult, RoutingModel, RoutingResult, Stop


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
