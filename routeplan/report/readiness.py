"""Readiness for 110 calls: per hour of the plan, the share of desa within a drive time of a unit on duty.

Where a unit is during an hour is approximated from its routes, at the middle of the hour:

* it is on duty when that moment lies inside one of its shifts (its days × shifts of the scenario);
* its position is its depot before the first stop of the route it is driving and after the last one (and
  on a shift without a route), else the stop it is at or last left. Driving between two stops is thus
  counted from the stop it left, which errs on the side of the longer drive.

Drive times run on the road graph for the unit's kind (scipy Dijkstra from the few positions, cached per
road node) to each desa's representative point snapped to the nearest drivable road (however far: a desa
is reached by its nearest road). Without a desa layer the snapped vital objects and hotspots stand in for
the desa, each weighted one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
from typing import Any

import geopandas as gpd
import numpy as np
from scipy.sparse.csgraph import dijkstra

import routeplan.settings as settings
from routeplan.load.layers import read_desa, read_desa_population
from routeplan.model.layers import road_node
from routeplan.model.plan import Plan, Route, Visit
from routeplan.prepare.context import PlanContext
from routeplan.prepare.matrix import CSRGraph, to_csr
from routeplan.prepare.snap import SnapIndex

log = logging.getLogger(__name__)

#: Hours listed per desa as its worst (the longest drive from the nearest unit on duty).
WORST_HOURS_PER_DESA = 5


def _targets(ctx: PlanContext) -> tuple[str, str, list[tuple[str, int, float]]]:
    """The places to reach: (basis, weighting, [(name, road node, weight)])."""
    sc = ctx.scenario
    if sc.desa is None:
        pts = [(o.name or o.id, road_node(o), 1.0) for o in ctx.objects]
        pts += [(h.name or h.id, road_node(h), 1.0) for h in ctx.hotspots]
        return "points", "count", pts
    polys = ctx.desa if ctx.desa is not None else read_desa(sc.desa)
    pop = read_desa_population(sc.desa)
    if pop is not None and len(pop) == len(polys):
        weights, how = list(pop), "population"
    else:
        geo = gpd.GeoSeries([g for _, g in polys], crs=4326)
        weights, how = [float(a) for a in geo.to_crs(geo.estimate_utm_crs()).area], "area"
    index = SnapIndex.from_graph(ctx.graph, None, sorted({u.kind for u in sc.units}))
    out: list[tuple[str, int, float]] = []
    for (name, geom), w in zip(polys, weights):
        p = geom.representative_point()
        node, dist = index.snap(p.x, p.y)
        if dist > settings.max_snap_distance_m:  # still reached by its nearest road: a desa is not a stop
            log.info("desa %r: its representative point is %.0f m from the nearest road", name, dist)
        out.append((name, node, w))
    return "desa", how, out


def _position(routes: list[Route], depot_node: int | None, t: dt.datetime,
              wrap: dt.timedelta | None = None) -> tuple[int | None, Visit | None]:
    """Road node of a unit at ``t``: the stop it is at or last left, else its depot (see the module); with
    that stop, or None at the depot.

    With ``wrap`` (a week that repeats), a route running at ``t + wrap`` (the last night's shift, past the
    end of the plan) counts for ``t`` too.
    """
    for r in routes:
        if wrap is not None and r.start <= t + wrap < r.end:
            t = t + wrap
        elif not (r.start <= t < r.end):
            continue
        stops = [s for s in r.stops if s.node is not None]
        if not stops or t < stops[0].arrival or t >= stops[-1].departure:
            return depot_node, None
        stop = next(s for s in reversed(stops) if s.arrival <= t)
        return stop.node, stop
    return depot_node, None


def _with_nodes(routes: list[Route], ctx: PlanContext) -> list[Route]:
    """The routes with the road node of every stop: a plan read back from ``plan.json`` keeps no nodes, and a stop
    without one would leave its unit at the depot for the whole shift. A vital object or hotspot gets the node it
    was planned at; any other stop (an area patrol's entry, a layer changed since) the nearest road its unit drives."""
    if all(s.node is not None for r in routes for s in r.stops):
        return routes
    planned = {o.id: road_node(o) for o in ctx.objects} | {h.id: road_node(h) for h in ctx.hotspots}
    index: dict[str, SnapIndex] = {}

    def node(kind: str, s: Visit) -> int:
        if s.node is not None:
            return s.node
        if s.kind in ("vital_object", "hotspot") and s.id in planned:
            return planned[s.id]
        if kind not in index:
            index[kind] = SnapIndex.from_graph(ctx.graph, None, [kind])
        return index[kind].snap(s.lon, s.lat)[0]

    return [dataclasses.replace(r, stops=[dataclasses.replace(s, node=node(r.unit_kind, s)) for s in r.stops])
            for r in routes]


def _on_duty(ctx: PlanContext, hours: int, wrap: bool = False) -> dict[str, list[bool]]:
    """Per unit: for each hour of the plan, whether the middle of the hour lies inside one of its shifts.

    With ``wrap`` the plan is a week that repeats: a shift running past the end of the plan (the last
    night's) also covers the same hours at the start of the plan.
    """
    sc = ctx.scenario
    out: dict[str, list[bool]] = {}
    for u in sc.units:
        spans = [sc.shifts[s].absolute(d) for d in sc.working_days(u) for s in u.shifts]
        if wrap:
            spans += [(a - hours * 60, b - hours * 60) for a, b in spans if b > hours * 60]
        out[u.id] = [any(a <= h * 60 + 30 < b for a, b in spans) for h in range(hours)]
    return out


def readiness(plan: Plan, ctx: PlanContext, minutes: float | None = None) -> dict[str, Any]:
    """Per hour of the plan: the weighted share of desa within ``minutes`` of a unit on duty.

    Parameters
    ----------
    plan
        The plan.
    ctx
        The :class:`routeplan.prepare.context.PlanContext` it was made from.
    minutes
        The drive time; defaults to ``routeplan.settings.readiness_minutes``.

    Returns
    -------
    dict
        ``minutes``, ``basis`` (``desa``, or ``points`` for the vital objects and hotspots without a desa
        layer), ``weighting`` (``population``, ``area`` or ``count``), ``hours`` (``start`` ISO date-time,
        ``share`` 0..1, ``not_reachable`` names), ``mean_share``, ``worst`` hour and ``per_desa`` worst hours.
    """
    sc = ctx.scenario
    limit = float(settings.readiness_minutes if minutes is None else minutes) * 60
    basis, how, targets = _targets(ctx)
    total = sum(w for _, _, w in targets)
    t0 = dt.datetime.combine(sc.start_date, dt.time(0, 0), tzinfo=_offset(plan.utc_offset))
    n_hours = plan.days * 24
    # a weekly plan repeats: the last night's shift, past the end of the plan, covers the first hours of the
    # next week, which are this plan's first hours too (else Monday 00-06 would show no unit on duty)
    weekly = plan.days == 7
    wrap = dt.timedelta(days=plan.days) if weekly else None
    duty = _on_duty(ctx, n_hours, wrap=weekly)
    csr: dict[str, CSRGraph] = {}
    cache: dict[tuple[str, int], np.ndarray] = {}

    def drive(kind: str, node: int) -> np.ndarray:
        """Seconds from ``node`` to every target for ``kind`` (inf beyond the limit or unreachable)."""
        if (kind, node) not in cache:
            g = csr.setdefault(kind, to_csr(ctx.graph, f"travel_time_{kind}"))
            row = np.full(len(targets), np.inf)
            if node in g.index:
                d = dijkstra(g.matrix, indices=g.index[node], limit=limit + 1e-6)
                for i, (_, tn, _) in enumerate(targets):
                    if tn in g.index:
                        row[i] = d[g.index[tn]]
            cache[(kind, node)] = row
        return cache[(kind, node)]

    routes = _with_nodes(plan.routes, ctx)
    by_unit = {u.id: [r for r in routes if r.unit == u.id] for u in sc.units}
    rows: list[dict[str, Any]] = []
    where: list[list[dict[str, str]]] = []  # per hour, the units on duty and where they stand
    best = np.full((n_hours, len(targets)), np.inf)
    for h in range(n_hours):
        t = t0 + dt.timedelta(hours=h, minutes=30)
        where.append([])
        for u in sc.units:
            if duty[u.id][h]:
                pos, stop = _position(by_unit[u.id], ctx.depot_nodes.get(u.depot), t, wrap)
                where[-1].append({"unit": u.id, "at": (stop.name or stop.id) if stop else sc.depots[u.depot].name,
                                  "kind": stop.kind if stop else "depot"})
                if pos is not None:
                    best[h] = np.minimum(best[h], drive(u.kind, pos))
        ok = best[h] <= limit
        share = sum(w for (_, _, w), k in zip(targets, ok) if k) / total if total else 0.0
        rows.append({"start": (t0 + dt.timedelta(hours=h)).isoformat(), "share": round(share, 3),
                     "not_reachable": [n for (n, _, _), k in zip(targets, ok) if not k]})
    return _summary(rows, where, best, targets, limit, basis, how)


def _summary(rows: list[dict[str, Any]], where: list[list[dict[str, str]]], best: np.ndarray,
             targets: list[tuple[str, int, float]], limit: float, basis: str, how: str) -> dict[str, Any]:
    """The section: settings, hours, mean and worst hour (with the units on duty then, where they stand, and the
    desa out of reach: the commander's first question), hours below ``settings.readiness_low_share``, and per
    desa its worst hours."""
    at = min(range(len(rows)), key=lambda h: (rows[h]["share"], h), default=None)
    worst = None if at is None else {"start": rows[at]["start"], "share": rows[at]["share"], "on_duty": where[at],
                                     "not_reachable": rows[at]["not_reachable"]}
    per = []
    for i, (name, _node, _w) in enumerate(targets):
        col = best[:, i] if len(rows) else np.array([])
        order = sorted(range(len(col)), key=lambda h: (-col[h], h))[:WORST_HOURS_PER_DESA]
        per.append({"desa": name,
                    "hours_not_reachable": int(np.sum(col > limit)),
                    "worst_hours": [{"start": rows[h]["start"],
                                     "minutes": round(float(col[h]) / 60, 1) if math.isfinite(col[h]) and col[h] <= limit
                                     else None} for h in order]})
    return {
        "minutes": round(limit / 60, 1), "basis": basis, "weighting": how, "targets": len(targets),
        "position": "stop at or last left, depot before the first and after the last stop; at mid-hour",
        "hours": rows,
        "mean_share": round(sum(r["share"] for r in rows) / len(rows), 3) if rows else None,
        "worst": worst,
        "low_share": settings.readiness_low_share,
        "hours_low": sum(1 for r in rows if r["share"] < settings.readiness_low_share),
        "per_desa": per,
    }


def _offset(text: str) -> dt.timezone:
    """``+07:00`` as a timezone."""
    sign = -1 if text.startswith("-") else 1
    hh, mm = text.lstrip("+-").split(":")
    return dt.timezone(sign * dt.timedelta(hours=int(hh), minutes=int(mm)))
