"""Fill the patrol time of unit-shifts the weekly search left short, one route at a time.

The weekly search optimizes every route of the week at once; on a large model it can settle with one route that
returns to the depot early although presence candidates (hotspot slots, area patrols) are still free in its
shift (issue #12: "every staffed unit-shift gets a route that uses its patrol time"). :func:`fill_short_routes`
gives each such route a search of its own: the route's visits stay (required), the free presence candidates it
can reach are offered, and the new route replaces the old one only when it patrols longer. The other routes are
not touched, so required visits, minimum gaps and hotspot spacing (every slot is its own stop) stay as they were.
"""

from __future__ import annotations

import dataclasses
import logging
import time

import numpy as np

import routeplan.settings as settings
from routeplan.model.scenario import Scenario
from routeplan.optimize.areas import PatrolArea
from routeplan.optimize.candidates import Candidates
from routeplan.optimize.decode import patrol_figures
from routeplan.optimize.fleet import Fleet
from routeplan.optimize.routing import RouteResult, RoutingModel, RoutingResult

log = logging.getLogger(__name__)

#: candidate kinds that are presence (optional, free to add to a route)
PRESENCE = ("hotspot", "area_patrol")


def fill_short_routes(result: RoutingResult, cs: Candidates, fleet: Fleet, scenario: Scenario, *,
                      seed: int = 0, seconds: float = 10.0, iterations: int | None = None) -> RoutingResult:
    """Re-plan alone each route short of its patrol time, offering it the presence no route serves.

    Parameters
    ----------
    result
        The solved weekly model (:attr:`Fleet.model`).
    cs
        Its candidates, in the order of the model's stops.
    fleet
        The vehicles (unit-shifts) of the model.
    scenario
        Patrol targets and tolerance.
    seed
        Seed of each route's search; the search is bounded by iterations
        (``settings.fill_iterations``), so the same seed gives the same routes.
    iterations
        The weekly search's iteration budget, if it had one: no route's search gets more (nor more than
        ``settings.fill_iterations``), so a quick plan stays quick.
    seconds
        All the routes' searches together stop after this many seconds: the routes not reached keep the weekly
        search's. The planner passes what is left of its ``time_limit`` (at least ``settings.fill_min_share`` of
        it), so a run bounded by iterations with a generous time limit is repeatable on a busy machine.

    Returns
    -------
    RoutingResult
        ``result`` with the routes that now patrol longer replaced (the same object, updated).
    """
    model = fleet.model
    by_vehicle = {rr.vehicle: rr for rr in result.routes}
    budget = seconds
    deadline = time.monotonic() + budget
    for vi, spec in enumerate(fleet.specs):
        target = scenario.patrol_target(spec.unit, spec.shift)
        if not target:
            continue
        need = target * (1 - scenario.patrol_tolerance)
        old = by_vehicle.get(vi)
        prof = model.vehicles[vi].profile
        before = patrol_figures(old, cs, prof, model)[0] if old else 0.0
        if before + 1e-6 >= need:
            continue
        left = deadline - time.monotonic()
        if left <= 0:
            log.warning("filling short patrols stopped after %.0f s; the other short routes stay as they were",
                        budget)
            break
        its = min(settings.fill_iterations, iterations or settings.fill_iterations)
        # varied first: a route alone takes the loop nearest at hand again and again (every loop is worth the
        # same floor a minute); a loop once a shift reads as a patrol, the same desa three times does not.
        # Where variety cannot fill the shift, a shorter second search keeps the varied route and may repeat.
        new, after = None, before
        for vary, base, n in ((True, old, its), (False, None, max(1, its // 2))):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            got = _refill(model, cs, fleet, vi, base or new or old, result.served, seed, need - after, left, n,
                          vary=vary)
            mins = patrol_figures(got, cs, prof, model)[0] if got is not None else 0.0
            if got is not None and mins > after + 1e-6:
                new, after = got, mins
            if after + 1e-6 >= need:
                break
        if new is None:
            continue
        log.info("filled %s day %d %s: %.0f -> %.0f patrol minutes (target %d)", spec.unit.id, spec.day,
                 spec.shift.name, before, after, target)
        result.served -= {si for si, _a, _b in (old.visits if old else [])}
        result.served |= {si for si, _a, _b in new.visits}
        if old is None:
            result.routes.append(new)
        else:
            result.routes[result.routes.index(old)] = new
        by_vehicle[vi] = new
    return result


def _refill(model: RoutingModel, cs: Candidates, fleet: Fleet, vi: int, old: RouteResult | None,
            served: set[int], seed: int, missing: float, seconds: float, iterations: int, *,
            vary: bool = False) -> RouteResult | None:
    """The best route of vehicle ``vi`` alone that keeps its visits and may add free presence, or None.

    None also when the free presence it can reach is less than the ``missing`` minutes: the shift is short for
    want of candidates (``few_candidates``), not of search, and a search of its own would not fill it.
    With ``vary`` an area loop is offered only if the route does not drive it yet, and only one of its slots."""
    keep = [si for si, _a, _b in old.visits] if old else []
    kept = set(keep)  # ``old`` may be an earlier fill of this route, whose visits ``served`` does not hold yet
    free, loop = free_presence(model, cs, fleet, vi, served, kept, vary=vary)
    # its own reserve parts the search left out come first (each worth more than presence), so that a route the
    # search left without its reserve is not filled for the whole shift
    own = [i for i, c in enumerate(cs.stops) if c.kind == "reserve" and i not in served and i not in kept
           and model.stops[i].location == fleet.depot_copy.get(vi)]
    if sum(model.stops[i].service for i in free) / 60 < missing:
        return None
    sub = model.for_vehicles([vi])
    # the route's own visits are required in its search: it may re-order them, never give one up
    for i in keep:
        sub.add_stop(dataclasses.replace(model.stops[i], required=True, group=None))
    # filling is the point here: presence the weekly search valued below its drive (a loop without hotspots)
    # still beats an idle crew, so each free candidate is worth at least the fill floor a minute
    floor = settings.fill_value_floor * settings.presence_prize_per_minute / 60
    groups: dict[tuple[str, str], int] = {}
    for i in free:
        st = model.stops[i]
        g = None
        if vary and i in loop:  # at most one slot of each loop: a group with one member served at most
            g = groups.setdefault(loop[i], sub.add_group(required=False))
        sub.add_stop(dataclasses.replace(st, group=g, prize=max(st.prize, int(floor * st.service))))
    for i in own:
        sub.add_stop(dataclasses.replace(model.stops[i]))
    index = keep + free + own
    res = sub.solve(time_limit=seconds, seed=seed, max_iterations=iterations,
                    no_improvement=settings.route_no_improvement,
                    initial_routes=[(0, list(range(len(keep))))] if keep else None)
    if not res.feasible or not res.routes or not set(range(len(keep))) <= res.served:
        return None
    rr = res.routes[0]
    return RouteResult(vi, rr.start, rr.end, [(index[si], a, b) for si, a, b in rr.visits], rr.distance, rr.duration)


def free_presence(model: RoutingModel, cs: Candidates, fleet: Fleet, vi: int, served: set[int], kept: set[int], *,
                  vary: bool = False) -> tuple[list[int], dict[int, tuple[str, str]]]:
    """The presence candidates no route serves that vehicle ``vi`` can reach in its shift, and the loop of each
    area-patrol among them. With ``vary``, no slot of a loop the route's ``kept`` stops already drive."""
    v = model.vehicles[vi]
    free = [i for i, (st, c) in enumerate(zip(model.stops, cs.stops))
            if c.kind in PRESENCE and i not in served and i not in kept and st.tw_late >= v.tw_early
            and st.tw_early <= v.tw_late]
    if free:
        st = [model.stops[i] for i in free]
        ok = fleet.feasible_for(vi, np.array([s.location for s in st]), np.array([s.tw_early for s in st]),
                                np.array([s.tw_late for s in st]), np.array([s.service for s in st]))
        free = [i for i, good in zip(free, ok) if good]
    loop = {i: key for i in free if (key := _loop_key(cs, i)) is not None} if vary else {}
    if vary:
        driven = {key for i in kept if (key := _loop_key(cs, i)) is not None}
        free = [i for i in free if loop.get(i) not in driven]
    return free, loop


def _loop_key(cs: Candidates, i: int) -> tuple[str, str] | None:
    """(area, unit kind) of an area-patrol candidate, else None."""
    ref = cs.stops[i].ref
    return (ref.id, ref.kind) if cs.stops[i].kind == "area_patrol" and isinstance(ref, PatrolArea) else None
