"""Every hotspot at least once a week: a hotspot the week left without a stop takes the place of some presence.

Presence goes where risk × hour intensity is highest, with diminishing returns per day, so a hotspot of low risk
that is active only at night, or one far from the crews' other stops, can end the week without a single stop (the
sample's HS-13: risk 0.32, active 00-04; on Buahbatu HS-16, risk 0.45), while nearby hotspots get several a day.
A commander reads that as a place the plan forgot. After the re-planning (the last step, which would trade such a
stop back for a more valuable one), each hotspot with fewer than ``settings.hotspot_min_stops_per_week`` stops,
riskiest first, is offered with its free slots to the ``settings.coverage_routes`` routes that can reach one of
them in time and pass nearest, each in a search of that route alone in which the slot outweighs all the route's
presence: the route keeps its required visits, breaks, pins and reserve, and gives up the presence that costs
least. Of those, the route whose prizes fall least, that keeps its needed patrol minutes and every object's minimum
gap, is kept. A hotspot no route can reach in its active hours stays without a stop, and the scorecard shows it.
"""

from __future__ import annotations

import dataclasses
import logging
import time

import routeplan.settings as settings
from routeplan.model.layers import Hotspot
from routeplan.optimize.candidates import Candidates
from routeplan.optimize.decode import patrol_figures
from routeplan.optimize.exchange import gaps_hold, replace_route
from routeplan.optimize.fill import PRESENCE
from routeplan.optimize.fleet import Fleet
from routeplan.optimize.recompose import held_stops
from routeplan.optimize.routing import RouteResult, RoutingModel, RoutingResult

log = logging.getLogger(__name__)


def cover_hotspots(result: RoutingResult, cs: Candidates, fleet: Fleet, gaps: dict[str, float], *,
                   needs: dict[int, float] | None = None, seed: int = 0, seconds: float = 10.0,
                   iterations: int | None = None) -> RoutingResult:
    """Give each hotspot below its weekly minimum of stops a stop on the route that loses least presence for it.

    Parameters
    ----------
    result
        The solved weekly model (:attr:`Fleet.model`), after the re-planning; updated in place.
    cs
        Its candidates, in the order of the model's stops.
    fleet
        The vehicles (unit-shifts) of the model.
    gaps
        Minimum gap (seconds) between two visits of an object, by object id.
    needs
        Patrol minutes each vehicle's route must keep; a new route below it is kept only if the old one was lower.
    seed, iterations
        Seed and iteration bound of each route's search (at most ``settings.exchange_iterations``).
    seconds
        All searches together stop after this many seconds; the hotspots not reached stay as they are.

    Returns
    -------
    RoutingResult
        ``result``, with at most one route changed per hotspot covered.
    """
    model = fleet.model
    deadline = time.monotonic() + seconds
    its = min(settings.exchange_iterations, iterations or settings.exchange_iterations)
    for h, slots in _short_hotspots(result, cs):
        if time.monotonic() >= deadline:
            log.warning("covering hotspots stopped at the time limit; %s keeps fewer stops than its minimum", h.id)
            break
        best: tuple[int, RouteResult, RouteResult] | None = None
        for rr, offer in _nearest_routes(model, fleet, result, slots):
            if time.monotonic() >= deadline:
                break
            new = _with_slot(model, cs, rr, offer, seed, its, deadline - time.monotonic())
            if new is None or not gaps_hold(cs, result, rr, new, gaps) or _uncovers(result, cs, rr, new):
                continue
            if needs and _patrol(cs, model, new) < min(_patrol(cs, model, rr), needs.get(rr.vehicle, 0.0)):
                continue
            loss = _prizes(model, rr) - _prizes(model, new)
            if best is None or loss < best[0]:
                best = (loss, rr, new)
        if best is None:
            log.info("hotspot %s: no route on duty in its hours can take a stop there", h.id)
            continue
        log.info("hotspot %s gets a stop from vehicle %d (presence prizes -%d)", h.id, best[1].vehicle, best[0])
        replace_route(result, best[1], best[2])
    return result


def _stops_of(result: RoutingResult, cs: Candidates) -> dict[str, int]:
    out: dict[str, int] = {}
    for i in result.served:
        c = cs.stops[i]
        if c.kind == "hotspot" and isinstance(c.ref, Hotspot):
            out[c.ref.id] = out.get(c.ref.id, 0) + 1
    return out


def _uncovers(result: RoutingResult, cs: Candidates, old: RouteResult, new: RouteResult) -> bool:
    """Whether ``new`` in place of ``old`` leaves some hotspot below the weekly minimum that was not before."""
    before = _stops_of(result, cs)
    after = dict(before)
    for rr, step in ((old, -1), (new, 1)):
        for si, _a, _b in rr.visits:
            c = cs.stops[si]
            if c.kind == "hotspot" and isinstance(c.ref, Hotspot):
                after[c.ref.id] = after.get(c.ref.id, 0) + step
    floor = settings.hotspot_min_stops_per_week
    return any(n < floor <= before.get(hid, 0) for hid, n in after.items())


def _short_hotspots(result: RoutingResult, cs: Candidates) -> list[tuple[Hotspot, list[int]]]:
    """Hotspots with fewer stops than the weekly minimum and their free slots, riskiest first."""
    stops = _stops_of(result, cs)
    free: dict[str, list[int]] = {}
    spots: dict[str, Hotspot] = {}
    for i, c in enumerate(cs.stops):
        if c.kind == "hotspot" and isinstance(c.ref, Hotspot):
            spots[c.ref.id] = c.ref
            if i not in result.served:
                free.setdefault(c.ref.id, []).append(i)
    short = [h for hid, h in spots.items()
             if stops.get(hid, 0) < settings.hotspot_min_stops_per_week and free.get(hid)]
    short.sort(key=lambda h: (-h.risk, h.id))
    return [(h, free[h.id]) for h in short]


def _nearest_routes(model: RoutingModel, fleet: Fleet, result: RoutingResult,
                    slots: list[int]) -> list[tuple[RouteResult, list[int]]]:
    """The ``settings.coverage_routes`` routes that can reach one of ``slots`` in time, by the drive from their
    nearest stop (or depot) to the hotspot, each with the slots it can reach."""
    loc = model.stops[slots[0]].location
    # which vehicles reach each slot in time: once per slot, not once per slot and route
    reach = {i: fleet.feasible(loc, model.stops[i].tw_early, model.stops[i].tw_late, model.stops[i].service)
             for i in slots}
    out: list[tuple[float, int, RouteResult, list[int]]] = []
    for rr in result.routes:
        v = model.vehicles[rr.vehicle]
        offer = [i for i in slots if bool(reach[i][rr.vehicle])]
        if not offer:
            continue
        durations = model.durations[v.profile]
        near = min(float(durations[a, loc]) for a in [v.start, *(model.stops[si].location for si, _a, _b in rr.visits)])
        out.append((near, rr.vehicle, rr, offer))
    out.sort(key=lambda t: (t[0], t[1]))
    return [(rr, offer) for _n, _v, rr, offer in out[: settings.coverage_routes]]


def _with_slot(model: RoutingModel, cs: Candidates, rr: RouteResult, offer: list[int], seed: int, iterations: int,
               seconds: float) -> RouteResult | None:
    """The best route of ``rr``'s vehicle alone with one of ``offer``: the rest of its stops kept (presence may be
    dropped), the slot worth more than all its presence together; None when it cannot serve a slot that way."""
    keep = [si for si, _a, _b in rr.visits]
    sub, must = held_stops(model, cs, [rr.vehicle], keep)
    # above the route's whole presence: the search serves the slot whenever it can, dropping the presence that
    # costs least (the real prizes then rank the routes)
    prize = 1 + sum(model.stops[i].prize for i in keep if cs.stops[i].kind in PRESENCE) + max(
        model.stops[i].prize for i in offer)
    g = sub.add_group(required=False)
    for i in offer:
        sub.add_stop(dataclasses.replace(model.stops[i], group=g, prize=int(prize)))
    index = keep + offer
    res = sub.solve(time_limit=max(seconds, 0.1), seed=seed, max_iterations=iterations,
                    initial_routes=[(0, list(range(len(keep))))] if keep else None)
    if not res.feasible or not res.routes or not must <= res.served or not any(si >= len(keep) for si in res.served):
        return None
    got = res.routes[0]
    return RouteResult(rr.vehicle, got.start, got.end, [(index[si], a, b) for si, a, b in got.visits],
                       got.distance, got.duration)


def _patrol(cs: Candidates, model: RoutingModel, rr: RouteResult) -> float:
    return patrol_figures(rr, cs, model.vehicles[rr.vehicle].profile, model)[0]


def _prizes(model: RoutingModel, rr: RouteResult) -> int:
    return sum(model.stops[si].prize for si, _a, _b in rr.visits)
