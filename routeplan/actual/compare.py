"""Plan against actual: classify every planned visit from track stays and check-ins.

Per planned stop (vital object or hotspot) of a route, the evidence is looked for among the stays of the
route's unit and the trusted check-ins of that unit for that object, from ``actual_slack_minutes`` before
the route's start to as long after its end. The stay that covers most of the planned time is taken, else
the one nearest the planned arrival, and the check-in nearest the planned arrival; each piece of evidence
serves one visit of an object (a stay that spans the planned times of consecutive visits of one object serves
each of them). A unit that was there at the planned arrival started on time. The status is then

* ``missed``: no evidence;
* ``too_short``: a track stay shorter than ``actual_min_dwell_share`` of the planned dwell;
* ``done_early`` / ``done_late``: started more than ``actual_tolerance_minutes`` before / after the plan;
* ``done``: otherwise.

A check-in alone proves presence but not its length, so it is never ``too_short``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import routeplan.settings as settings
from routeplan.actual.checkins import CheckIn, metres
from routeplan.actual.dwell import Stay
from routeplan.model.plan import Plan, Route, Visit

STATUSES = ("done", "done_late", "done_early", "too_short", "missed")
DELIVERED = ("done", "done_late", "done_early")


@dataclass
class Evidence:
    """What a visit was classified from."""

    stay: Stay | None = None
    checkin: CheckIn | None = None

    @property
    def label(self) -> str:
        """``checkin+track``, ``checkin``, ``track`` or empty."""
        return "+".join(n for n, v in (("checkin", self.checkin), ("track", self.stay)) if v is not None)


@dataclass
class VisitResult:
    """A planned stop and what was delivered."""

    route: Route
    visit: Visit
    status: str
    evidence: Evidence = field(default_factory=Evidence)
    start: float | None = None
    end: float | None = None

    @property
    def delay_minutes(self) -> float | None:
        """Minutes between the planned arrival and the actual start (negative: early)."""
        return None if self.start is None else round((self.start - self.visit.arrival.timestamp()) / 60, 1)


def stop_radius(route: Route, s: Visit) -> float:
    """Metres within which evidence counts for stop ``s``: the setting plus the stop's distance from its road."""
    if not route.path:
        return settings.actual_visit_radius_m
    path = np.asarray(route.path, dtype=float)
    kx = 111_320.0 * math.cos(math.radians(s.lat))
    d = np.hypot((path[:, 0] - s.lon) * kx, (path[:, 1] - s.lat) * 110_574.0)
    return settings.actual_visit_radius_m + float(d.min())


def route_span(r: Route) -> tuple[float, float]:
    """Seconds (epoch) in which evidence counts for a route."""
    slack = settings.actual_slack_minutes * 60
    return r.start.timestamp() - slack, r.end.timestamp() + slack


def classify(plan: Plan, stays: dict[str, list[Stay]], checkins: list[CheckIn]) -> list[VisitResult]:
    """Classify every planned stop of ``plan`` (see the module's text), in the plan's route order."""
    used_stays: set[tuple[str, int, str]] = set()
    used_checkins: set[int] = set()
    trusted: dict[tuple[str, str], list[CheckIn]] = {}
    for c in checkins:
        if not c.flag:
            trusted.setdefault((c.unit, c.object_id), []).append(c)
    spans: dict[str, list[tuple[Route, float, float]]] = {}
    for r in plan.routes:
        spans.setdefault(r.unit, []).append((r, r.start.timestamp(), r.end.timestamp()))
    out: list[VisitResult] = []
    for r in plan.routes:
        lo, hi = route_span(r)
        # a stay inside another route of the unit (the next shift of a double shift) is that route's evidence,
        # not a late visit of this one
        unit_stays = [(i, s) for i, s in enumerate(stays.get(r.unit, [])) if s.end >= lo and s.start <= hi
                      and not any(o is not r and a <= s.start and s.end <= b for o, a, b in spans[r.unit])]
        for v in r.stops:
            radius = stop_radius(r, v)
            planned = v.arrival.timestamp()
            # a stay serves one visit of an object, or several when it spans their planned times (a plan may
            # split a long presence at a hotspot into consecutive stops)
            near = [(i, s) for i, s in unit_stays if metres(s.lon, s.lat, v.lon, v.lat) <= radius
                    and ((r.unit, i, v.id) not in used_stays
                         or s.start < v.departure.timestamp() and s.end > v.arrival.timestamp())]
            stay = min(near, key=lambda p: (-_overlap(p[1], v), _gap(p[1], planned), p[0]), default=None)
            cands = [c for c in trusted.get((r.unit, v.id), []) if c.row not in used_checkins
                     and lo <= c.time.timestamp() <= hi]
            chk = min(cands, key=lambda c: (abs(c.time.timestamp() - planned), c.row), default=None)
            ev = _combine(stay[1] if stay else None, chk)
            if ev.stay is not None and stay is not None:
                used_stays.add((r.unit, stay[0], v.id))
            if ev.checkin is not None:
                used_checkins.add(ev.checkin.row)
            out.append(_status(r, v, ev))
    return out


def _combine(stay: Stay | None, chk: CheckIn | None) -> Evidence:
    """Both pieces when they tell of the same visit, else the one nearer the plan (the stay first on a tie)."""
    if stay is None or chk is None:
        return Evidence(stay, chk)
    margin = settings.actual_tolerance_minutes * 60
    if stay.start - margin <= chk.time.timestamp() <= stay.end + margin:
        return Evidence(stay, chk)
    return Evidence(stay, None)


def _overlap(s: Stay, v: Visit) -> float:
    """Seconds of the stay inside the visit's planned time."""
    return max(0.0, min(s.end, v.departure.timestamp()) - max(s.start, v.arrival.timestamp()))


def _gap(s: Stay, planned: float) -> float:
    """Seconds between a stay and the planned arrival (0 when the unit was there at that time)."""
    return 0.0 if s.start <= planned <= s.end else min(abs(s.start - planned), abs(s.end - planned))


def _status(r: Route, v: Visit, ev: Evidence) -> VisitResult:
    if ev.stay is None and ev.checkin is None:
        return VisitResult(r, v, "missed", ev)
    planned = v.arrival.timestamp()
    starts = []
    if ev.stay is not None:
        # there at the planned arrival: on time from then (also when it stood there since before, e.g. beside
        # the depot); otherwise from when the stay began, and never before the route
        starts.append(planned if ev.stay.start <= planned <= ev.stay.end else max(ev.stay.start, r.start.timestamp()))
    if ev.checkin is not None:
        starts.append(ev.checkin.time.timestamp())
    start = min(starts)
    end = ev.stay.end if ev.stay is not None else None
    res = VisitResult(r, v, "done", ev, start, end)
    delay = (start - planned) / 60
    tol = settings.actual_tolerance_minutes
    if end is not None and (end - start) / 60 < settings.actual_min_dwell_share * v.dwell_minutes:
        res.status = "too_short"
    elif delay > tol:
        res.status = "done_late"
    elif delay < -tol:
        res.status = "done_early"
    return res


def iso(ts: float | None, tz: dt.tzinfo | None) -> str | None:
    """Seconds since the epoch as an ISO date-time in ``tz`` (to the second)."""
    return None if ts is None else dt.datetime.fromtimestamp(round(ts), tz).isoformat()


def visit_record(v: VisitResult) -> dict[str, Any]:
    """One row of ``actual.csv`` / an entry of ``actual.json``'s ``visits``."""
    r, s, tz = v.route, v.visit, v.route.start.tzinfo
    return {
        "unit": r.unit, "day": r.day.isoformat(), "shift": r.shift, "id": s.id, "kind": s.kind, "name": s.name,
        "status": v.status, "evidence": v.evidence.label,
        "planned_arrival": s.arrival.isoformat(), "planned_departure": s.departure.isoformat(),
        "planned_minutes": s.dwell_minutes,
        "actual_arrival": iso(v.start, tz), "actual_departure": iso(v.end, tz),
        "actual_minutes": None if v.end is None or v.start is None else round((v.end - v.start) / 60, 1),
        "delay_minutes": v.delay_minutes,
        "checkin_row": v.evidence.checkin.row if v.evidence.checkin is not None else None,
        "lon": s.lon, "lat": s.lat,
    }


def unplanned_stops(stays: dict[str, list[Stay]], results: list[VisitResult], plan: Plan,
                    places: dict[str, tuple[float, float]], tz: dt.tzinfo | None) -> list[dict[str, Any]]:
    """Stays on duty that served no planned visit and are not at a depot, with the nearest known place."""
    used = {id(v.evidence.stay) for v in results if v.evidence.stay is not None}
    depots = [(d.lon, d.lat) for d in (plan.depots or [])]
    spans = [(r.unit, *route_span(r)) for r in plan.routes]
    out = []
    for unit in sorted(stays):
        for s in stays[unit]:
            if id(s) in used or s.minutes < settings.actual_unplanned_min_minutes:
                continue
            if not any(u == unit and lo <= s.start <= hi for u, lo, hi in spans):
                continue
            if any(metres(s.lon, s.lat, x, y) <= 2 * settings.actual_visit_radius_m for x, y in depots):
                continue
            near = min(((metres(s.lon, s.lat, x, y), k) for k, (x, y) in places.items()), default=None)
            out.append({"unit": unit, "start": iso(s.start, tz), "end": iso(s.end, tz),
                        "minutes": round(s.minutes, 1), "lon": s.lon, "lat": s.lat,
                        "near": near[1] if near and near[0] <= settings.hotspot_radius_m else ""})
    return out


def summary(results: list[VisitResult]) -> dict[str, Any]:
    """Counts per status and the compliance of the whole plan."""
    counts = {s: sum(1 for v in results if v.status == s) for s in STATUSES}
    n = len(results)
    delivered = sum(counts[s] for s in DELIVERED)
    return {"visits": n, **counts, "compliance_pct": round(100 * delivered / n, 1) if n else None,
            "on_time_pct": round(100 * counts["done"] / n, 1) if n else None}
