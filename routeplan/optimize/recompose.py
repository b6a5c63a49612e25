"""Re-plan routes alone and in pairs for more presence, the rest of the week held still.

The weekly search optimizes every route of the week in one model of thousands of candidate stops; within its
iterations it leaves each route short of the best it could be on its own (issue #12: on Buahbatu at 3 000
iterations, the whole model searched for 10 000 iterations gained nothing, while re-solving each route alone
afterwards raised risk-weighted presence by 13 %). :func:`recompose_routes` gives every route, then every pair of
routes on duty in the same hours, a search of its own, a large-neighbourhood step: their required visits, breaks,
pins and reserve stay (re-timed and re-ordered; a break or reserve stays with its unit), their presence stops may
be dropped, re-timed or traded between the two, the presence no route serves is offered (each area loop a route
does not drive yet, once), and the new routes are kept when their prizes rise, every object keeps its minimum gap
and no route patrols less than its shift needs (a few valuable stops in place of many quiet loops could leave it
short). It runs after the fill step, whose quiet loops it may trade for better stops. The other routes do not
change, so hotspot spacing (each slot is one stop) holds.
"""

from __future__ import annotations

import dataclasses
import logging
import time

import routeplan.settings as settings
from routeplan.optimize.candidates import Candidates
from routeplan.optimize.decode import patrol_figures
from routeplan.optimize.exchange import gaps_hold
from routeplan.optimize.fill import PRESENCE, free_presence
from routeplan.optimize.fleet import Fleet
from routeplan.optimize.routing import RouteResult, RoutingModel, RoutingResult

log = logging.getLogger(__name__)


def recompose_routes(result: RoutingResult, cs: Candidates, fleet: Fleet, gaps: dict[str, float], *,
                     seed: int = 0, seconds: float = 10.0, iterations: int | None = None,
                     needs: dict[int, float] | None = None) -> RoutingResult:
    """Re-solve each route alone, keeping what it must serve, for more presence.

    Parameters
    ----------
    result
        The solved weekly model (:attr:`Fleet.model`); updated in place.
    cs
        Its candidates, in the order of the model's stops.
    fleet
        The vehicles (unit-shifts) of the model.
    gaps
        Minimum gap (seconds) between two visits of an object, by object id.
    seed, iterations
        Seed, and the weekly search's iteration budget: each search of one or two routes gets a quarter of it at most
        (and at most ``settings.recompose_iterations``), and stops after a third of that, at most
        ``settings.route_no_improvement``, iterations without better routes; so the same seed gives the same
        routes.
    seconds
        All searches together stop after this many seconds; the routes not reached stay as they were.
    needs
        Patrol minutes each vehicle's route must keep (its target less the tolerance): a new route below it is
        kept only if the old one was further below.

    Returns
    -------
    RoutingResult
        ``result``, with the routes that now earn more replaced.
    """
    model = fleet.model
    deadline = time.monotonic() + seconds
    # a quarter of the weekly search's budget at most: there are about three searches per route (alone and in
    # pairs), so a quick plan stays quick
    its = min(settings.recompose_iterations, max(1, iterations // 4) if iterations else settings.recompose_iterations)
    gained = 0
    for vehicles in _neighbourhoods(model, [rr.vehicle for rr in result.routes]):
        if time.monotonic() >= deadline:
            log.warning("re-planning routes alone stopped after %.0f s; the other routes stay as they were", seconds)
            break
        old = [next(r for r in result.routes if r.vehicle == v) for v in vehicles]
        new = _resolve(model, cs, fleet, old, result.served, seed, its, deadline - time.monotonic())
        if new is None or _prizes(model, new) <= _prizes(model, old) or not gaps_hold(cs, result, old, new, gaps):
            continue
        if needs and any(_patrol(cs, model, n) < min(_patrol(cs, model, o), needs.get(o.vehicle, 0.0))
                         for o, n in zip(old, new)):
            continue
        gained += _prizes(model, new) - _prizes(model, old)
        # the old routes' stops out, then the new ones in: a stop one route of a pair gave the other stays served
        # (route by route, the second route's old stops would take it out again)
        result.served -= {si for rr in old for si, _a, _b in rr.visits}
        result.served |= {si for rr in new for si, _a, _b in rr.visits}
        for o, n in zip(old, new):
            result.routes[result.routes.index(o)] = n
    log.info("routes re-planned alone and in pairs: prizes +%d", gained)
    return result


def _neighbourhoods(model: RoutingModel, vehicles: list[int]) -> list[tuple[int, ...]]:
    """Each route alone, then each pair of routes on duty together (for half the shorter shift or more):
    two crews in the same hours trade hotspot stops so that each drives less between its own. Pairs after the
    single routes: Buahbatu +4 % presence over single routes alone, and +3.5 % over pairs alone."""
    order = sorted(vehicles)
    pairs: list[tuple[int, ...]] = []
    for k, a in enumerate(order):
        va = model.vehicles[a]
        for b in order[k + 1:]:
            vb = model.vehicles[b]
            if 2 * (min(va.tw_late, vb.tw_late) - max(va.tw_early, vb.tw_early)) >= min(va.tw_late - va.tw_early,
                                                                                     vb.tw_late - vb.tw_early):
                pairs.append((a, b))
    return [(v,) for v in order] + pairs


def _patrol(cs: Candidates, model: RoutingModel, rr: RouteResult) -> float:
    return patrol_figures(rr, cs, model.vehicles[rr.vehicle].profile, model)[0]


def _prizes(model: RoutingModel, routes: list[RouteResult]) -> int:
    return sum(model.stops[si].prize for rr in routes for si, _a, _b in rr.visits)


def _resolve(model: RoutingModel, cs: Candidates, fleet: Fleet, old: list[RouteResult], served: set[int], seed: int,
             iterations: int, seconds: float) -> list[RouteResult] | None:
    """The best routes of ``old``'s vehicles together: their stops (presence optional, the rest required; a
    break or reserve is at its own vehicle's copy of the depot, which no other vehicle reaches) and the free
    presence they can reach; None when the search does not keep every required stop or serve every vehicle."""
    keep = [si for rr in old for si, _a, _b in rr.visits]
    free: list[int] = []
    loops: dict[int, tuple[str, str]] = {}
    for rr in old:
        got, loop = free_presence(model, cs, fleet, rr.vehicle, served, set(keep), vary=True)
        free += [i for i in got if i not in free]
        loops.update(loop)
    # the routes are full (the fill ran): a free stop worth less a minute than every presence stop they hold could
    # only take the place of better ones, so it is not offered (fewer stops, a quicker search)
    rates = [model.stops[i].prize / max(model.stops[i].service, 1) for i in keep if cs.stops[i].kind in PRESENCE]
    if rates:
        free = [i for i in free if model.stops[i].prize / max(model.stops[i].service, 1) > min(rates)]
    if not free:
        return None
    sub, must = held_stops(model, cs, [rr.vehicle for rr in old], keep)
    groups: dict[tuple[str, str], int] = {}
    for i in free:  # one slot of a loop at most: a loop once a shift reads as a patrol
        key = loops.get(i)
        g = None if key is None else groups.setdefault(key, sub.add_group(required=False))
        sub.add_stop(dataclasses.replace(model.stops[i], group=g))
    index = keep + free
    init, k = [], 0
    for n, rr in enumerate(old):
        init.append((n, list(range(k, k + len(rr.visits)))))
        k += len(rr.visits)
    # a third of the budget without a better route ends a search early: a quick plan (a few hundred iterations)
    # stays quick, and a full one stops at ``route_no_improvement``
    patience = min(settings.route_no_improvement, max(25, iterations // 3))
    res = sub.solve(time_limit=max(seconds, 0.1), seed=seed, max_iterations=iterations, no_improvement=patience,
                    initial_routes=init)
    by_vehicle = {r.vehicle: r for r in res.routes}
    if not res.feasible or not must <= res.served or len(by_vehicle) < len(old):
        return None
    return [RouteResult(rr.vehicle, got.start, got.end, [(index[si], a, b) for si, a, b in got.visits], got.distance,
                        got.duration) for rr, got in ((rr, by_vehicle[n]) for n, rr in enumerate(old))]


def held_stops(model: RoutingModel, cs: Candidates, vehicles: list[int], keep: list[int]) -> tuple[RoutingModel, set[int]]:
    """A model of ``vehicles`` alone with the stops ``keep`` (in that order, out of their groups): presence
    optional, every other stop (a required visit, break, pin or part of a reserve) required; and the indices in
    ``keep`` of the required ones."""
    sub = model.for_vehicles(vehicles)
    must = set()
    for k, i in enumerate(keep):
        required = cs.stops[i].kind not in PRESENCE
        if required:
            must.add(k)
        sub.add_stop(dataclasses.replace(model.stops[i], group=None, required=required))
    return sub, must
