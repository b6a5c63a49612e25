"""Presence measures of a plan: does every crew on duty patrol, is presence where and when risk is.

These are the figures a commander reads before signing a plan and the figures the presence benchmark
(``benchmarks/presence.py``) compares across optimizer versions. They are computed from the plan and its
context only, so a plan made by any version of routeplan (``plan.json`` schema 1) can be measured.

* **Staffed unit-shifts**: every unit x day x shift of the scenario (less those marked standby).
* **Patrol minutes** of a unit-shift: minutes driven and present at stops (waiting, breaks and the reserve
  at the depot are not patrol).
* **Longest stretch without a stop**: the largest time on a route between leaving the depot or a stop and
  reaching the next stop or the depot again (the plan's own figure where it lists its unit-shifts, which
  counts the reserve at the depot as a stop); a route of a single long stretch is what DOMAIN's "presence
  spread through the patrol time" rules out.
* **Risk-weighted presence minutes**: every stop's minutes times the risk (normalised to the riskiest
  hotspot = 1) of the riskiest hotspot within ``settings.hotspot_radius_m`` (150 m) of the stop that is active at that time of day;
  a stop near no active hotspot counts nothing. An area patrol's minutes are spent on its loop: they count the
  risk of each active hotspot for the share of the loop inside its area (the loop is rebuilt from the context). Drive-throughs are counted apart (see
  :func:`presence_metrics`), by place only, because a route's path carries no times.
* **Stacked visits**: two visits of one vital object closer than its minimum gap, including one stop split
  across midnight (counted twice); two stops of one hotspot starting less than :data:`HOTSPOT_SPACING_MIN`
  apart (start to start: the spacing of "repeat every hour or two").
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np

from routeplan.model.geo import Frame, HotspotAreas
from routeplan.model.layers import Hotspot
from routeplan.model.operations import day_rules
from routeplan.model.plan import Plan, Route, Visit
from routeplan.optimize.areas import PatrolArea, context_areas
from routeplan.prepare.context import PlanContext
from routeplan.report.readiness import readiness

#: two stops of one hotspot starting closer than this (minutes, start to start) are stacked
HOTSPOT_SPACING_MIN = 60.0


def presence_metrics(plan: Plan, ctx: PlanContext, *, with_readiness: bool = True,
                     ready: dict[str, Any] | None = None) -> dict[str, Any]:
    """Measure presence, spread, stacking and readiness of a plan.

    Parameters
    ----------
    plan
        The plan (e.g. :func:`routeplan.read_plan`).
    ctx
        Its context (:func:`routeplan.prepare_scenario` of the plan's scenario).
    with_readiness
        Also compute readiness for 110 calls (the mean over the hours of the plan); it needs travel times
        on the road graph and is the slowest measure.
    ready
        The plan's :func:`routeplan.report.readiness.readiness` when the caller has it already (e.g. from
        :func:`routeplan.score_plan`'s ``readiness``), so it is not computed twice.

    Returns
    -------
    dict
        ``unit_shifts`` (staffed), ``patrolled`` (with at least one stop), ``patrol_minutes``
        (``min``/``median``/``mean``/``max`` over staffed unit-shifts, 0 for one with no route),
        ``longest_stretch_minutes`` (``max``/``median`` over routes), ``stops``, ``presence_minutes``,
        ``risk_presence_minutes`` (stops), ``risk_drive_minutes`` (driving through hotspot areas),
        ``km``, ``stacked_visits`` (``objects``/``hotspots``), ``readiness_mean_pct`` and
        ``readiness_worst_pct`` (share of desa within reach of a unit on duty: mean and worst hour).
    """
    staffed = _staffed_unit_shifts(ctx)
    by_key: dict[tuple[str, dt.date, str], list[Route]] = defaultdict(list)
    for r in plan.routes:
        by_key[(r.unit, r.day, r.shift)].append(r)
    patrol = [sum(_patrol_minutes(r) for r in by_key.get(k, [])) for k in staffed]
    # the reserve spent at the depot is not in a route's stops; a plan that planned it lists every unit-shift's
    # longest stretch (the reserve counted as a stop), an older plan has only its routes
    stretches = ([x.longest_stretch_minutes for x in plan.patrol if x.stops] if plan.patrol
                 else [_longest_stretch(r) for r in plan.routes])
    weights = _HotspotWeights(ctx.hotspots, _frame(ctx))
    stops = [s for r in plan.routes for s in r.stops]
    kinded = [(r.unit_kind, s) for r in plan.routes for s in r.stops]
    loops = _loops(plan, ctx)
    out: dict[str, Any] = {
        "unit_shifts": len(staffed),
        "patrolled": sum(1 for k in staffed if any(r.stops for r in by_key.get(k, []))),
        "routes": len(plan.routes),
        "patrol_minutes": _spread(patrol),
        "longest_stretch_minutes": {"max": round(max(stretches, default=0.0), 1),
                                    "median": round(statistics.median(stretches), 1) if stretches else 0.0},
        "stops": len(stops),
        "presence_minutes": round(sum(_minutes(s.arrival, s.departure) for s in stops), 1),
        "risk_presence_minutes": round(sum(_minutes(s.arrival, s.departure) * weights.stop(s, kind, loops)
                                           for kind, s in kinded), 1),
        "risk_drive_minutes": round(sum(weights.drive_minutes(r) for r in plan.routes), 1),
        "km": round(sum(r.distance_m for r in plan.routes) / 1000, 1),
        "stacked_visits": _stacked(plan, ctx),
        "readiness_mean_pct": None,
        "readiness_worst_pct": None,
    }
    if with_readiness:
        ready = readiness(plan, ctx) if ready is None else ready
        if ready["mean_share"] is not None:
            out["readiness_mean_pct"] = round(100 * ready["mean_share"], 1)
            out["readiness_worst_pct"] = round(100 * ready["worst"]["share"], 1)
    return out


def _staffed_unit_shifts(ctx: PlanContext) -> list[tuple[str, dt.date, str]]:
    sc = ctx.scenario
    dates = sc.dates
    keys: list[tuple[str, dt.date, str]] = []
    for u in sc.units:
        # a unit-shift on standby (no patrol target) is not staffed for patrol
        keys.extend((u.id, dates[d], s) for d in sc.working_days(u) for s in u.shifts
                    if sc.patrol_target(u, sc.shifts[s]) is not None)
    return keys


def _minutes(a: dt.datetime, b: dt.datetime) -> float:
    return (b - a).total_seconds() / 60


def _patrol_minutes(r: Route) -> float:
    """Minutes driven and present at stops: waiting, breaks and the reserve at the depot are not patrol."""
    return r.drive_s / 60 + sum(_minutes(s.arrival, s.departure) for s in r.stops)


def _longest_stretch(r: Route) -> float:
    """The longest time between leaving the depot or a stop and the next stop or the depot (breaks are stops)."""
    marks = sorted([(s.arrival, s.departure) for s in r.stops] + list(r.breaks))
    longest, t = 0.0, r.start
    for a, b in marks:
        longest = max(longest, _minutes(t, a))
        t = max(t, b)
    return max(longest, _minutes(t, r.end))


def _spread(values: list[float]) -> dict[str, float]:
    if not values:
        return {"min": 0.0, "median": 0.0, "mean": 0.0, "max": 0.0}
    return {"min": round(min(values), 1), "median": round(statistics.median(values), 1),
            "mean": round(statistics.fmean(values), 1), "max": round(max(values), 1)}


def _stacked(plan: Plan, ctx: PlanContext) -> dict[str, int]:
    gap_h = {o.id: o.min_gap_hours for o in ctx.objects}
    dates = [plan.start_date + dt.timedelta(days=i) for i in range(plan.days)]
    # on an operation's days its own visits a day replace the object's gap (model.operations)
    op_days = {o.id: {dates[i] for i in day_rules(o, ctx.scenario.operations, dates)}
               for o in ctx.objects} if ctx.scenario.operations else {}
    seen: dict[tuple[str, str], list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for r in plan.routes:
        for s in r.stops:
            seen[(s.kind, s.id)].append((s.arrival, s.departure))
    objects = hotspots = 0
    for (kind, oid), times in seen.items():
        times.sort()
        for (a0, d0), (a1, _d1) in zip(times, times[1:]):
            if kind == "hotspot":
                hotspots += _minutes(a0, a1) < HOTSPOT_SPACING_MIN
            elif kind == "vital_object" and not op_days.get(oid, set()) & {d0.date(), a1.date()}:
                objects += _minutes(d0, a1) < 60 * gap_h.get(oid, 0.0)
    return {"objects": objects, "hotspots": hotspots}


def _frame(ctx: PlanContext) -> Frame:
    pts = [(h.lon, h.lat) for h in ctx.hotspots] or [(o.lon, o.lat) for o in ctx.objects] or [(0.0, 0.0)]
    return Frame(float(np.mean([p[0] for p in pts])), float(np.mean([p[1] for p in pts])))


def _loops(plan: Plan, ctx: PlanContext) -> dict[tuple[str, str], PatrolArea]:
    """The loops of the plan's area patrols by (area id, unit kind), rebuilt from the context as the optimizer
    builds them (a plan file keeps only the loop's entry)."""
    kinds = sorted({r.unit_kind for r in plan.routes if any(s.kind == "area_patrol" for s in r.stops)})
    return {(a.id, a.kind): a for a in context_areas(ctx, kinds)} if kinds else {}


def _active(h: Hotspot, t: dt.datetime) -> bool:
    return h.active_at(t.hour * 60 + t.minute)


class _HotspotWeights:
    """Risk at a place and time: the riskiest active hotspot near it, the riskiest hotspot = 1."""

    def __init__(self, hotspots: Iterable[Hotspot], frame: Frame):
        self.places = HotspotAreas(list(hotspots), frame)
        self.hotspots = self.places.hotspots
        top = max((h.risk for h in self.hotspots), default=0.0)
        self.risk = [h.risk / top if top > 0 else 0.0 for h in self.hotspots]
        self.index = {id(h): i for i, h in enumerate(self.hotspots)}

    def at(self, lon: float, lat: float, t: dt.datetime) -> float:
        return max((self.risk[i] for i in self.places.containing(lon, lat) if _active(self.hotspots[i], t)),
                   default=0.0)

    def stop(self, s: Visit, kind: str, loops: dict[tuple[str, str], PatrolArea]) -> float:
        """Risk of a minute at a stop; an area patrol's minute is spent on its loop: the risk of each active hotspot
        for the share of the loop inside the hotspot's area (at most 1), not the risk at its entry."""
        loop = loops.get((s.id, kind)) if s.kind == "area_patrol" else None
        if loop is None:
            return self.at(s.lon, s.lat, s.arrival)
        passed = sum(self.risk[self.index[id(h)]] * share for h, share in loop.passes
                     if id(h) in self.index and _active(h, s.arrival))
        return min(1.0, passed)

    def drive_minutes(self, r: Route) -> float:
        """Driving minutes inside hotspot areas, times their risk (the route's mean speed; place only)."""
        if len(r.path) < 2 or r.distance_m <= 0:
            return 0.0
        length, inside = self.places.inside([p[0] for p in r.path], [p[1] for p in r.path])
        per_m = (r.drive_s / 60) / max(length, 1.0)
        return sum(self.risk[i] * m * per_m for i, m in inside)
