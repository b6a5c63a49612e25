"""The weekly patrol model: every unit x day x shift is a route from its depot and back inside the shift.

:func:`plan_week` puts it together, one module per step: the vehicles with their pinned visits, breaks
and matrix profiles (:mod:`routeplan.optimize.fleet`), the candidate stops of vital objects, pins, breaks
and hotspots (:mod:`routeplan.optimize.candidates`), the search with its minimum-gap rounds (here), and
the decoding of the result into a :class:`~routeplan.model.plan.Plan` (:mod:`routeplan.optimize.decode`).
Hotspot stops are optional and collected for their risk (prize-collecting). A required visit that cannot
be served is listed with its binding reason instead of being dropped silently.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable

import numpy as np

import routeplan.settings as settings
from routeplan.model.geo import HotspotAreas, frame_of
from routeplan.model.layers import VitalObject
from routeplan.model.plan import Plan
from routeplan.model.scenario import Scenario
from routeplan.optimize.areas import PatrolArea, context_areas
from routeplan.optimize.candidates import (
    Candidate,
    Candidates,
    add_break_candidates,
    add_object_candidates,
    add_pin_candidates,
    check_stop_count,
)
from routeplan.optimize.coverage import cover_hotspots
from routeplan.optimize.decode import build_plan, decode_routes, patrol_summary, snap_unserved, unserved_after_solve
from routeplan.optimize.dosage import raise_low_hotspots
from routeplan.optimize.exchange import exchange_priorities
from routeplan.optimize.fill import fill_short_routes
from routeplan.optimize.fleet import Fleet, build_fleet
from routeplan.optimize.presence import add_presence_candidates
from routeplan.optimize.recompose import recompose_routes
from routeplan.optimize.routing import RoutingModel, RoutingResult
from routeplan.prepare.context import PlanContext
from routeplan.prepare.matrix import LocationMatrices

log = logging.getLogger(__name__)


def plan_week(
    scenario: Scenario,
    ctx: PlanContext,
    matrices: LocationMatrices,
    *,
    seed: int = 0,
    time_limit: float = 30.0,
    max_iterations: int | None = None,
    progress: Callable[[str], None] | None = None,
    solver_progress: Callable[[int, float], None] | None = None,
    from_day: int = 0,
    done_visits: dict[str, int] | None = None,
    units_off: set[str] | frozenset[str] = frozenset(),
    avoid_hours: dict[tuple[str, int], set[int]] | None = None,
) -> Plan:
    """Plan a week of patrols.

    Parameters
    ----------
    scenario
        The scenario to plan: ``ctx.scenario``, or a copy of it for another week (start date).
    ctx
        The prepared context (:func:`routeplan.prepare.context.prepare`): snapped layers, depot nodes and
        the snapping problems, which become unserved visits (:func:`routeplan.optimize.decode.snap_unserved`).
    matrices
        Travel matrices between ``ctx.locations()`` (:func:`routeplan.prepare.context.plan_matrices`).
    seed
        Random seed of the search.
    time_limit
        Seconds for the search.
    max_iterations
        Stop after this many iterations if reached before ``time_limit``; makes runs repeatable.
    progress
        Called with a short label before each stage.
    solver_progress
        Observer of the search, called with (iterations done, seconds) as it runs; it does not change the plan.
    from_day
        Plan only the days from this index on (re-planning); earlier days are taken as done.
    done_visits
        Visits per object already made on earlier days; they count against its visits per week.
    units_off
        Units that are not available (e.g. called away).
    avoid_hours
        ``{(object id, weekday): {hours}}`` visited the week before; candidate windows leave those
        hours out where the window is wide enough, so that visits do not repeat at the same hour.

    Returns
    -------
    Plan
    """
    say = progress or (lambda _msg: None)
    rng = np.random.default_rng(seed)
    loc_of = matrices.index()
    areas = context_areas(ctx, list(matrices.kinds), matrices.nodes)
    fleet = build_fleet(scenario, ctx.objects, matrices, ctx.depot_nodes, from_day=from_day, units_off=units_off,
                        areas=[(a.kind, a.entry) for a in areas])

    say("weekly model")
    cs = _candidates(scenario, ctx, fleet, loc_of, rng, from_day=from_day, done_visits=done_visits,
                     avoid_hours=avoid_hours, areas=areas)
    model = fleet.model
    log.info("weekly model: %d vehicles, %d candidate stops, %d groups", len(model.vehicles), len(model.stops), len(model.groups))
    say(f"optimizing ({len(model.stops)} stops, {len(model.vehicles)} shifts)")
    gaps = {o.id: o.min_gap_hours * 3600 for o in ctx.objects if o.min_gap_hours > 0}
    t_end = time.monotonic() + time_limit
    # the steps after the search fill short patrols: when the time limit binds they keep their share of it
    result, gap_violations = _solve(fleet, cs.stops, gaps, seed=seed, time_limit=(1 - settings.fill_min_share) * time_limit,
                                    max_iterations=max_iterations, say=say, solver_progress=solver_progress)
    result = _repair(result, cs, fleet, scenario, gaps, seed=seed, max_iterations=max_iterations,
                     seconds=max(t_end - time.monotonic(), settings.fill_min_share * time_limit), say=say)

    say("building routes")
    routes = decode_routes(result, cs, fleet, scenario, matrices, ctx.graph)
    snapped_out, snapped_visits = snap_unserved(ctx.problems)
    unserved = cs.unserved + unserved_after_solve(cs, fleet, result, loc_of, gaps, scenario.start_date) + snapped_out
    plan = build_plan(scenario, routes, unserved, cs.required + snapped_visits, seed=seed, time_limit=time_limit,
                      result=result, fleet=fleet, gap_violations=gap_violations)
    plan.patrol = patrol_summary(result, cs, fleet, scenario)
    return plan


def _repair(result: RoutingResult, cs: Candidates, fleet: Fleet, scenario: Scenario, gaps: dict[str, float], *,
            seed: int, max_iterations: int | None, seconds: float, say: Callable[[str], None]) -> RoutingResult:
    """The steps after the search, each a search of one route at a time, sharing ``seconds`` (what is left of the
    time limit, at least ``settings.fill_min_share`` of it): required visits left out take the place of lower
    ones (:mod:`routeplan.optimize.exchange`, up to a third), short routes are filled (:mod:`.fill`, up to half of
    what is left), then every route is re-planned alone for more presence (:mod:`.recompose`). In that order the
    re-planning also finds better presence than the quiet loops a fill took (Buahbatu +1 %, sample +1 % against
    re-planning first). With ``[plan] dosage_floor``, hotspots far below their dosage then get dearer slots and the
    routes are re-planned once more (:mod:`.dosage`). Last, a hotspot the week left without a stop takes some presence
    (:mod:`.coverage`)."""
    end = time.monotonic() + seconds
    result = exchange_priorities(result, cs, fleet, gaps, seed=seed, iterations=max_iterations, seconds=seconds / 3)
    say("filling short patrols")
    result = fill_short_routes(result, cs, fleet, scenario, seed=seed, iterations=max_iterations,
                               seconds=max(end - time.monotonic(), 0.0) / 2)
    say("re-planning routes alone and in pairs")
    needs = {vi: target * (1 - scenario.patrol_tolerance) for vi, s in enumerate(fleet.specs)
             if (target := scenario.patrol_target(s.unit, s.shift))}
    # a tenth of what is left stays for the hotspots the week left without a stop (after the re-planning, which
    # would trade such a stop back for a more valuable one)
    floor = scenario.dosage_floor
    result = recompose_routes(result, cs, fleet, gaps, seed=seed, iterations=max_iterations, needs=needs,
                              seconds=(0.6 if floor > 0 else 0.9) * max(end - time.monotonic(), 0.0))
    if floor > 0 and raise_low_hotspots(fleet.model, cs.stops, result, floor):
        say("re-planning routes for hotspots below their dosage")
        result = recompose_routes(result, cs, fleet, gaps, seed=seed, iterations=max_iterations, needs=needs,
                                  seconds=0.75 * max(end - time.monotonic(), 0.0))
    if settings.hotspot_min_stops_per_week <= 0:
        return result
    say("covering hotspots without a stop")
    return cover_hotspots(result, cs, fleet, gaps, needs=needs, seed=seed, iterations=max_iterations,
                          seconds=max(end - time.monotonic(), 1.0))


def _candidates(scenario: Scenario, ctx: PlanContext, fleet: Fleet, loc_of: dict[int, int], rng: np.random.Generator,
                *, from_day: int, done_visits: dict[str, int] | None,
                avoid_hours: dict[tuple[str, int], set[int]] | None, areas: list[PatrolArea]) -> Candidates:
    """The candidate stops of the week: vital objects, pinned visits, breaks and reserves, and the presence that
    fills patrol time (hotspot slots and area patrols), checked for their count."""
    # pinned visits count against the object's visits of the week
    done = dict(done_visits or {})
    for p in fleet.pins:
        done[p.obj.id] = done.get(p.obj.id, 0) + 1
    cs = Candidates()
    # a required visit in a hotspot's area while the hotspot is active is presence there too (as the figures count it)
    spots = HotspotAreas(ctx.hotspots, frame_of(ctx.graph)) if ctx.hotspots else None
    near = {o.id: [ctx.hotspots[i] for i in spots.containing(o.lon, o.lat)] for o in ctx.objects} if spots else {}
    add_object_candidates(cs, fleet, scenario, ctx.objects, loc_of, from_day=from_day, done_visits=done,
                          avoid_hours=avoid_hours, near=near)
    add_pin_candidates(cs, fleet)
    add_break_candidates(cs, fleet)
    add_presence_candidates(cs, fleet, scenario, ctx.hotspots, areas, loc_of, rng, from_day=from_day)
    check_stop_count(fleet, scenario)
    return cs


def _solve(fleet: Fleet, candidates: list[Candidate], gaps: dict[str, float], *, seed: int, time_limit: float,
           max_iterations: int | None, say: Callable[[str], None],
           solver_progress: Callable[[int, float], None] | None = None) -> tuple[RoutingResult, list[str]]:
    """Solve the model, then re-solve while visits of one object are closer than its minimum gap.

    Minimum gaps between visits of one object cannot be stated to PyVRP directly: where the search placed
    two visits too close, the later visit's windows are moved past the gap and the model is solved again
    (a few rounds); what still violates a gap is returned, for the solver figures.
    """
    model = fleet.model
    deadline = time.monotonic() + time_limit
    # every solve reports to the observer, which is also how a caller stops the search (Ctrl+C, a cancelled job)
    warm = _required_first(model, candidates, seed=seed, time_limit=time_limit / 3,
                           max_iterations=None if max_iterations is None else max(1, max_iterations // 3),
                           progress=solver_progress)
    result = model.solve(time_limit=max(1.0, deadline - time.monotonic()), seed=seed, max_iterations=max_iterations,
                         progress=solver_progress, initial_routes=warm)
    for _round in range(3 if gaps else 0):
        violations = _push_gaps(model, candidates, result, gaps)
        if not violations:
            break
        say(f"re-optimizing for minimum gaps ({len(violations)} too close)")
        # re-solves share what is left of the time limit, so --time-limit bounds the whole search; each starts
        # from the routes it corrects (a moved window may make them infeasible: the search repairs that)
        result = model.solve(time_limit=max(1.0, deadline - time.monotonic()), seed=seed,
                             max_iterations=max_iterations, progress=solver_progress,
                             initial_routes=[(rr.vehicle, [si for si, _a, _b in rr.visits]) for rr in result.routes])
    return result, (_push_gaps(model, candidates, result, gaps, dry_run=True) if gaps else [])


def _required_first(model: RoutingModel, candidates: list[Candidate], *, seed: int, time_limit: float,
                    max_iterations: int | None, progress: Callable[[int, float], None] | None = None,
                    ) -> list[tuple[int, list[int]]] | None:
    """Routes of the model without its presence candidates, as the warm start of the whole model.

    Required visits come first: solved alone (vital objects, pins and breaks, in the whole shift), the search
    serves them all where it can (at the prizes of their priorities alone); then the reserve is added around them
    (parts of it give way to a required visit, nothing else); the whole model starts from those routes and fills the patrol time, and never gives up
    a required visit or the reserve (each worth more) for presence.
    """
    if not any(c.kind in ("hotspot", "area_patrol") for c in candidates):
        return None
    warm: list[tuple[int, list[int]]] | None = None
    for leave_out in (("hotspot", "area_patrol", "reserve"), ("hotspot", "area_patrol")):
        keep = [i for i, c in enumerate(candidates) if c.kind not in leave_out]
        if not keep:
            continue
        sub = model.for_vehicles(range(len(model.vehicles)))
        for _members, required in model.groups:
            sub.add_group(required)
        for i in keep:
            # without the presence a visit in a hotspot's hours earns: else the visits crowd into those hours first,
            # and the reserve (added next, worth less than any visit) is what gives way
            sub.add_stop(dataclasses.replace(model.stops[i], prize=model.stops[i].prize - candidates[i].bonus))
        pos = {i: k for k, i in enumerate(keep)}
        init = None if warm is None else [(v, [pos[i] for i in visits]) for v, visits in warm]
        res = sub.solve(time_limit=max(1.0, time_limit / 2), seed=seed, initial_routes=init, progress=progress,
                        max_iterations=None if max_iterations is None else max(1, max_iterations // 2))
        warm = [(rr.vehicle, [keep[si] for si, _a, _b in rr.visits]) for rr in res.routes]
    return warm


def _push_gaps(model: RoutingModel, candidates: list[Candidate], result: RoutingResult, gaps: dict[str, float],
               dry_run: bool = False) -> list[str]:
    """Find visits of one object that start closer than its minimum gap; unless ``dry_run``, move the
    later visit's candidate windows to start after the gap (candidates left without a window are
    switched off). Returns a description of each violation."""
    served = []
    for rr in result.routes:
        for si, start, _end in rr.visits:
            c = candidates[si]
            # an operation's visits (a copy without a gap) follow the operation's own spacing
            if c.kind == "vital_object" and isinstance(c.ref, VitalObject) and c.ref.id in gaps and c.ref.min_gap_hours > 0:
                served.append((c.ref.id, start, si))
    served.sort()
    found = []
    for (o1, s1, _i1), (o2, s2, i2) in zip(served, served[1:]):
        if o1 != o2 or s2 - s1 >= gaps[o1]:
            continue
        found.append(f"{o1}: visits {(s2 - s1) / 3600:.1f} h apart (minimum {gaps[o1] / 3600:g} h)")
        if dry_run:
            continue
        group = model.stops[i2].group
        for st in model.stops:
            if st.group == group and st.tw_early < s1 + gaps[o1]:
                st.tw_early = int(s1 + gaps[o1])
                if st.tw_early > st.tw_late:
                    st.tw_early, st.prize = st.tw_late, 0
    return found
