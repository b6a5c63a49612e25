"""Figures of plan against actual: per unit (km, patrol minutes, compliance) and per hotspot (presence)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

import routeplan.settings as settings
from routeplan.actual.checkins import metres
from routeplan.actual.compare import DELIVERED, VisitResult, route_span
from routeplan.actual.dwell import Stay
from routeplan.actual.matching import RoadMatcher
from routeplan.actual.tracks import Track
from routeplan.model.geo import Frame
from routeplan.model.layers import in_daily_window
from routeplan.model.plan import Plan, Route


def route_tracks(plan: Plan, tracks: Mapping[str, Track]) -> list[Track | None]:
    """The part of its unit's track that belongs to each route (None when the unit has no track).

    Each point of a unit's track belongs to at most one route: the route whose planned time holds it, else
    the route of that unit nearest in time within the slack of :func:`route_span`. Two routes of a unit one
    after the other (shifts back to back) thus never count the same kilometres or minutes twice.
    """
    out: list[Track | None] = []
    owner: dict[str, np.ndarray] = {}
    for unit, tr in tracks.items():
        mine = [(n, r) for n, r in enumerate(plan.routes) if r.unit == unit]
        best = np.full(len(tr), -1, dtype=np.int64)
        gap = np.full(len(tr), np.inf)
        for n, r in mine:
            lo, hi = route_span(r)
            a, b = r.start.timestamp(), r.end.timestamp()
            d = np.maximum(np.maximum(a - tr.t, tr.t - b), 0.0)
            better = (tr.t >= lo) & (tr.t <= hi) & (d < gap)
            best[better], gap[better] = n, d[better]
        owner[unit] = best
    for n, r in enumerate(plan.routes):
        whole = tracks.get(r.unit)
        if whole is None:
            out.append(None)
            continue
        keep = owner[r.unit] == n
        out.append(Track(whole.unit, whole.files, whole.t[keep], whole.lon[keep], whole.lat[keep]))
    return out


def planned_km(r: Route) -> float:
    """The planned road distance of a route as driven: the length of its planned path (which holds the
    loops of area patrols, not counted in :attr:`Route.distance_km`), else the route's distance."""
    if len(r.path) < 2:
        return r.distance_km
    p = np.asarray(r.path, dtype=float)
    return round(float(sum(metres(*p[i], *p[i + 1]) for i in range(len(p) - 1))) / 1000, 3)


def _away_minutes(tr: Track, depot: tuple[float, float] | None, frame: Frame) -> float:
    """Minutes of recorded track (gaps above the setting left out) with a point away from the depot."""
    if len(tr) < 2:
        return 0.0
    x, y = frame.xy(tr.lon, tr.lat)
    gaps = np.diff(tr.t)
    ok = gaps <= settings.actual_max_gap_minutes * 60
    if depot is not None:
        dx, dy = frame.xy(np.array([depot[0]]), np.array([depot[1]]))
        away = np.hypot(x - dx[0], y - dy[0]) > 2 * settings.actual_visit_radius_m
        ok &= away[:-1] | away[1:]
    return float(gaps[ok].sum() / 60)


def moving(tr: Track, stays: list[Stay]) -> Track:
    """The track with each stay collapsed to one point at its centre (standing still adds no distance, and GPS
    noise while standing would add zig-zags)."""
    keep = np.ones(len(tr), dtype=bool)
    lon, lat = tr.lon.copy(), tr.lat.copy()
    for s in stays:
        lo, hi = np.searchsorted(tr.t, [s.start, s.end], side="left")
        hi = min(int(hi) + 1, len(tr))
        if hi - lo > 1:
            keep[lo + 1:hi] = False
            lon[lo], lat[lo] = s.lon, s.lat
    return Track(tr.unit, tr.files, tr.t[keep], lon[keep], lat[keep])


def unit_figures(plan: Plan, results: list[VisitResult], parts: list[Track | None],
                 matcher: RoadMatcher, stays: Mapping[str, list[Stay]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per route and per unit: planned and actual km and patrol minutes, visits and compliance."""
    depots = {d.id: (d.lon, d.lat) for d in (plan.depots or [])}
    by_route: dict[int, list[VisitResult]] = {}
    for v in results:
        by_route.setdefault(id(v.route), []).append(v)
    routes: list[dict[str, Any]] = []
    for r, tr in zip(plan.routes, parts):
        vs = by_route.get(id(r), [])
        mv = moving(tr, stays.get(r.unit, [])) if tr is not None else None
        m = matcher.match(mv.lon, mv.lat, mv.t) if mv is not None and len(mv) > 1 else None
        routes.append({
            "unit": r.unit, "day": r.day.isoformat(), "shift": r.shift,
            "planned_km": planned_km(r), "km": round(m.km, 2) if m else 0.0,
            "planned_minutes": round((r.end - r.start).total_seconds() / 60, 1),
            "patrol_minutes": round(_away_minutes(tr, depots.get(r.depot), matcher.frame), 1) if tr is not None else 0.0,
            "track_points": len(tr) if tr is not None else 0,
            "matched_share": round(m.matched_share, 3) if m else None,
            "visits": len(vs), "delivered": sum(1 for v in vs if v.status in DELIVERED),
            "on_time": sum(1 for v in vs if v.status == "done"),
        })
    units = []
    for unit in sorted({r["unit"] for r in routes}):
        rs = [r for r in routes if r["unit"] == unit]
        n = sum(r["visits"] for r in rs)
        delivered = sum(r["delivered"] for r in rs)
        units.append({
            "unit": unit, "routes": len(rs),
            "planned_km": round(sum(r["planned_km"] for r in rs), 2), "km": round(sum(r["km"] for r in rs), 2),
            "planned_minutes": round(sum(r["planned_minutes"] for r in rs), 1),
            "patrol_minutes": round(sum(r["patrol_minutes"] for r in rs), 1),
            "visits": n, "delivered": delivered, "on_time": sum(r["on_time"] for r in rs),
            "compliance_pct": round(100 * delivered / n, 1) if n else None,
        })
    return routes, units


def _in_hours(when: dt.datetime, hours: tuple[tuple[int, int], ...]) -> bool:
    if not hours:
        return True
    m = when.hour * 60 + when.minute
    return any(in_daily_window(m, a, b) for a, b in hours)


def hotspot_figures(plan: Plan, results: list[VisitResult], tracks: Mapping[str, Track],
                    areas: Mapping[str, BaseGeometry], active: Mapping[str, tuple[tuple[int, int], ...]],
                    frame: Frame) -> list[dict[str, Any]]:
    """Per planned hotspot: planned and delivered minutes of presence inside its area, and hours.

    Presence is the recorded time (gaps above the setting left out) between two consecutive points of any
    unit inside the area; ``active_minutes`` counts the part inside the hotspot's active hours. An hour of
    the plan (date and clock hour of a planned stop) is ``matched`` when presence was delivered in it.
    """
    tz = plan.routes[0].start.tzinfo if plan.routes else None
    planned: dict[str, list[VisitResult]] = {}
    for v in results:
        if v.visit.kind == "hotspot":
            planned.setdefault(v.visit.id, []).append(v)
    out = []
    for hid in sorted(planned):
        area = areas.get(hid)
        hours_planned = {(v.visit.arrival.date(), v.visit.arrival.hour) for v in planned[hid]}
        minutes = active_min = 0.0
        hours_done: set[tuple[dt.date, int]] = set()
        for tr in (tracks[u] for u in sorted(tracks)):
            if area is None or len(tr) < 2:
                continue
            x, y = frame.xy(tr.lon, tr.lat)
            inside = shapely.contains_xy(area, x, y)
            gaps = np.diff(tr.t)
            ok = inside[:-1] & inside[1:] & (gaps <= settings.actual_max_gap_minutes * 60)
            for i in np.flatnonzero(ok):
                when = dt.datetime.fromtimestamp(float(tr.t[i]), tz)
                minutes += gaps[i] / 60
                if _in_hours(when, active.get(hid, ())):
                    active_min += gaps[i] / 60
                hours_done.add((when.date(), when.hour))
        out.append({
            "id": hid, "name": planned[hid][0].visit.name, "planned_stops": len(planned[hid]),
            "planned_minutes": sum(v.visit.dwell_minutes for v in planned[hid]),
            "delivered_minutes": round(float(minutes), 1), "active_minutes": round(float(active_min), 1),
            "planned_hours": len(hours_planned), "hours_matched": len(hours_planned & hours_done),
            "hours_with_presence": len(hours_done),
        })
    return out
