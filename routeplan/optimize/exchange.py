"""Priority exchange: a required visit the weekly search left out takes the place of lower-priority visits.

PyVRP's moves insert a stop that is not served or move stops that are; none swaps a stop that is not served for
one that is. In a full shift a priority-1 visit can therefore stay out while a priority-3 visit is served in the
same hours, and a visit carried over from last week (the highest prize) may miss the week again (issue #12; on
the sample cut to one motorcycle for two days with 45-minute dwells, 300 iterations left 12 priority-2 visits
out and served 10 of priority 3). :func:`exchange_priorities` gives such a visit, highest priority first, to
each route that could serve it in a search of that route alone: the route's stops may be dropped (breaks and
other required stops stay), the visit is offered, and the new route is kept when its prizes rise (a visit of
higher priority in place of lower ones, or of the reserve a required visit may take) and no object's minimum
gap is broken. The visits it pushed out are reported as usual
(``shifts_full``); the presence it pushed out is free for the fill step. Parts of a reserve the search left out
while presence kept the time are given back the same way (:func:`restore_reserve`).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Sequence

import routeplan.settings as settings
from routeplan.model.layers import VitalObject
from routeplan.optimize.candidates import Candidates
from routeplan.optimize.fleet import Fleet
from routeplan.optimize.routing import RouteResult, RoutingModel, RoutingResult

log = logging.getLogger(__name__)

#: The kinds of stop a route may give up for a part of its reserve.
_PRESENCE = ("hotspot", "area_patrol")


def exchange_priorities(result: RoutingResult, cs: Candidates, fleet: Fleet, gaps: dict[str, float], *,
                        seed: int = 0, seconds: float = 10.0, iterations: int | None = None) -> RoutingResult:
    """Let required visits left out replace lower-priority visits where a route can hold them.

    Parameters
    ----------
    result
        The solved weekly model (:attr:`Fleet.model`); updated in place.
    cs
        Its candidates, in the order of the model's stops and groups.
    fleet
        The vehicles (unit-shifts) of the model.
    gaps
        Minimum gap (seconds) between two visits of an object, by object id.
    seed, iterations
        Seed and iteration bound of each route's search (at most ``settings.exchange_iterations``), so the
        same seed gives the same routes.
    seconds
        All searches together stop after this many seconds; the visits not reached stay out.

    Returns
    -------
    RoutingResult
        ``result``, with the routes that took a visit of higher priority replaced.
    """
    model = fleet.model
    deadline = time.monotonic() + seconds
    its = min(settings.exchange_iterations, iterations or settings.exchange_iterations)
    members: dict[int, list[int]] = {}
    for i, st in enumerate(model.stops):
        if st.group is not None and st.prize > 0:
            members.setdefault(st.group, []).append(i)
    out = [g for g, (o, _j) in enumerate(cs.groups)
           if isinstance(o, VitalObject) and g not in cs.pin_groups and g in members
           and not any(i in result.served for i in members[g])]
    out.sort(key=lambda g: (-_base(cs, model, members[g][0]), g))
    for g in out:
        if any(i in result.served for i in members[g]):
            continue
        prize = _base(cs, model, members[g][0])
        reach = {i: fleet.feasible(model.stops[i].location, model.stops[i].tw_early, model.stops[i].tw_late,
                                   model.stops[i].service) for i in members[g]}
        for rr in list(result.routes):
            if time.monotonic() >= deadline:
                log.warning("priority exchange stopped after %.0f s; later visits stay out", seconds)
                return result
            v = model.vehicles[rr.vehicle]
            offer = [i for i in members[g] if bool(reach[i][rr.vehicle])
                     and model.stops[i].tw_late >= v.tw_early and model.stops[i].tw_early <= v.tw_late]
            if not offer or not any(_base(cs, model, si) < prize and not model.stops[si].required
                                    for si, _a, _b in rr.visits):
                continue
            new = _swap_in(model, rr, offer, seed, its, deadline - time.monotonic())
            # more prize, not a shorter route: a visit of the same priority in place of another is no exchange
            if (new is None or _prizes(cs, model, new) <= _prizes(cs, model, rr)
                    or not gaps_hold(cs, result, rr, new, gaps)):
                continue
            log.info("vehicle %d takes %s visit %d in place of %d stop(s) of lower value", rr.vehicle,
                     getattr(cs.groups[g][0], "id", "?"), cs.groups[g][1],
                     len({si for si, _a, _b in rr.visits} - {si for si, _a, _b in new.visits}))
            replace_route(result, rr, new)
            break
    return restore_reserve(result, cs, fleet, seed=seed, iterations=its, deadline=deadline)


def restore_reserve(result: RoutingResult, cs: Candidates, fleet: Fleet, *, seed: int, iterations: int,
                    deadline: float) -> RoutingResult:
    """Give back to each route the parts of its reserve the search left out while presence took the time.

    A part of the reserve is worth more than any presence of its length, but putting it back into a full route
    means dropping presence stops in the same move, which PyVRP's moves do not do: seen as a crew patrolling
    18 minutes over its target on a night with nothing required (and once as a night route of six visits and
    no reserve at all, which the fill step then filled for the whole shift). Each left-out part is offered to
    its own route, in a search of that route alone, where the route's idle time and presence could make room
    for it; the route is kept when its prizes rise. A part a required visit took stays out (the visit is worth
    more).
    """
    model = fleet.model
    parts: dict[int, list[int]] = {}
    for i, c in enumerate(cs.stops):
        if c.kind == "reserve" and i not in result.served:
            parts.setdefault(model.stops[i].location, []).append(i)
    for rr in list(result.routes):
        for i in parts.get(fleet.depot_copy.get(rr.vehicle, -1), []):
            if _room(model, cs, rr) < model.stops[i].service:
                continue
            if time.monotonic() >= deadline:
                log.warning("restoring reserves stopped at the time limit; some shifts patrol over their target")
                return result
            new = _swap_in(model, rr, [i], seed, iterations, deadline - time.monotonic())
            if new is None or _prizes(cs, model, new) <= _prizes(cs, model, rr):
                continue
            log.info("vehicle %d keeps %d more reserve minutes", rr.vehicle, model.stops[i].service // 60)
            replace_route(result, rr, new)
            rr = new
    return result


def _room(model: RoutingModel, cs: Candidates, rr: RouteResult) -> int:
    """Seconds of a route's shift that are idle or spent on presence: what a part of its reserve could take."""
    v = model.vehicles[rr.vehicle]
    durations = model.durations[v.profile]
    locs = [v.start, *(model.stops[si].location for si, _a, _b in rr.visits), v.end]
    busy = sum(int(durations[a, b]) for a, b in zip(locs, locs[1:]))
    busy += sum(model.stops[si].service for si, _a, _b in rr.visits if cs.stops[si].kind not in _PRESENCE)
    return v.tw_late - v.tw_early - busy


def replace_route(result: RoutingResult, old: RouteResult, new: RouteResult) -> None:
    """Put ``new`` in the place of ``old`` in ``result`` (its routes and served stops)."""
    result.served -= {si for si, _a, _b in old.visits}
    result.served |= {si for si, _a, _b in new.visits}
    result.routes[result.routes.index(old)] = new


def _swap_in(model: RoutingModel, rr: RouteResult, offer: list[int], seed: int, iterations: int,
             seconds: float) -> RouteResult | None:
    """The best route of ``rr``'s vehicle alone from its own stops (each may be dropped unless required) and one
    of ``offer`` (a visit's candidate stops), or None when the search does not serve the visit."""
    keep = [si for si, _a, _b in rr.visits]
    sub = model.for_vehicles([rr.vehicle])
    for i in keep:
        sub.add_stop(dataclasses.replace(model.stops[i], group=None))
    g = sub.add_group(required=False)
    for i in offer:
        sub.add_stop(dataclasses.replace(model.stops[i], group=g))
    index = keep + offer
    res = sub.solve(time_limit=max(seconds, 0.1), seed=seed, max_iterations=iterations,
                    initial_routes=[(0, list(range(len(keep))))] if keep else None)
    if not res.feasible or not res.routes or not any(si >= len(keep) for si in res.served):
        return None
    got = res.routes[0]
    return RouteResult(rr.vehicle, got.start, got.end, [(index[si], a, b) for si, a, b in got.visits],
                       got.distance, got.duration)


def _base(cs: Candidates, model: RoutingModel, si: int) -> int:
    """A stop's prize without the presence a required visit may also earn: an exchange puts a visit of higher
    priority in place of lower ones, never one visit in place of another of its priority for more presence."""
    return model.stops[si].prize - cs.stops[si].bonus


def _prizes(cs: Candidates, model: RoutingModel, rr: RouteResult) -> int:
    """The prizes of a route's stops (a required visit of priority 1 outweighs any number of presence stops)."""
    return sum(_base(cs, model, si) for si, _a, _b in rr.visits)


def gaps_hold(cs: Candidates, result: RoutingResult, old: RouteResult | Sequence[RouteResult],
              new: RouteResult | Sequence[RouteResult], gaps: dict[str, float]) -> bool:
    """Whether every object keeps its minimum gap with ``new`` (a route or several) in place of ``old``."""
    olds = [old] if isinstance(old, RouteResult) else list(old)
    news = [new] if isinstance(new, RouteResult) else list(new)
    starts: dict[str, list[int]] = {}
    for rr in [*news, *(r for r in result.routes if not any(r is o for o in olds))]:
        for si, start, _end in rr.visits:
            c = cs.stops[si]
            if c.kind == "vital_object" and isinstance(c.ref, VitalObject) and c.ref.min_gap_hours > 0 \
                    and c.ref.id in gaps:
                starts.setdefault(c.ref.id, []).append(start)
    return all(b - a >= gaps[o] for o, s in starts.items() for a, b in zip(sorted(s), sorted(s)[1:]))
