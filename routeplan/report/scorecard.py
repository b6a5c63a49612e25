"""The scorecard: how good a plan is, in figures a Kapolsek can check."""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from routeplan._html import escape
from routeplan.i18n import number, t
from routeplan.load.layers import read_desa
from routeplan.model.plan import Plan
from routeplan.optimize.dosage import rule_ratios
from routeplan.prepare.context import PlanContext
from routeplan.report.operations import operation_lines, operations_report
from routeplan.report.readiness import readiness

log = logging.getLogger(__name__)


def hotspot_targets(ctx: PlanContext) -> dict[str, float]:
    """Weekly target minutes per hotspot: the riskiest gets the scenario's target, others in proportion to risk."""
    target = ctx.scenario.hotspot_target_minutes_per_week * ctx.scenario.days / 7
    return {h: risk * target for h, risk in _all_hotspots(ctx).items()}


def _all_hotspots(ctx: PlanContext) -> dict[str, float]:
    """Risk of every hotspot of the layer by id, planned or left out of the plan (then from its problem)."""
    out = {h.id: h.risk for h in ctx.hotspots}
    out.update({p.id: p.risk or 0.0 for p in ctx.problems if p.layer == "hotspot"})
    return out


def score_plan(plan: Plan, ctx: PlanContext) -> dict[str, Any]:
    """Compute the scorecard of one weekly plan.

    Parameters
    ----------
    plan
        The plan.
    ctx
        The :class:`routeplan.prepare.context.PlanContext` it was made from.

    Returns
    -------
    dict
        ``required_visits``, ``hotspots``, ``units``, ``workload``, ``gaps``, ``desa``, ``readiness``
        (:func:`routeplan.report.readiness.readiness`) and ``patrol`` (:func:`patrol_section`) sections
        (JSON-ready, rounded).
    """
    sc = ctx.scenario
    req = _required_visits(plan, {p.id for p in ctx.problems if p.layer == "hotspot"})
    # --- hotspot dosage: risk-weighted dwell minutes against target
    minutes: dict[str, float] = defaultdict(float)
    visits: dict[str, int] = defaultdict(int)
    for r in plan.routes:
        for s in r.stops:
            if s.kind == "hotspot":
                minutes[s.id] += (s.departure - s.arrival).total_seconds() / 60
                visits[s.id] += 1
    hot = _hotspot_dosage(ctx, minutes, visits)
    units, busy_hours = _unit_rows(plan, ctx)
    workload = _workload(units, busy_hours)
    # --- largest gap between visits per object (hours), over the plan
    times: dict[str, list[dt.datetime]] = defaultdict(list)
    for r in plan.routes:
        for s in r.stops:
            if s.kind == "vital_object":
                times[s.id].append(s.arrival)
    gaps = []
    for o in ctx.objects:
        ts = sorted(times.get(o.id, []))
        g = max(((b - a).total_seconds() / 3600 for a, b in zip(ts, ts[1:])), default=None)
        gaps.append({"id": o.id, "visits": len(ts), "largest_gap_hours": round(g, 1) if g is not None else None})
    # --- coverage per desa, from the objects' desa field or the desa layer
    desa = _desa_coverage(plan, ctx, times, minutes)
    return {
        "scenario": sc.name, "start_date": plan.start_date.isoformat(), "days": plan.days,
        "required_visits": req, "hotspots": hot, "units": units, "workload": workload,
        "largest_gap_per_object": gaps, "desa": desa, "readiness": readiness(plan, ctx),
        "operations": operations_report(plan, ctx),
        "patrol": patrol_section(plan, sc.patrol_tolerance),
    }


def patrol_section(plan: Plan, tolerance: float) -> dict[str, Any]:
    """The patrol section: staffed unit-shifts that use their patrol time, the fairness band and every shortfall.

    Per unit, the mean patrol minutes per staffed shift against the mean over units (``band_pct`` is the largest
    deviation, in % of that mean); each unit-shift below ``target × (1 − tolerance)`` is listed with its reason.
    """
    staffed = [x for x in plan.patrol if x.target_minutes is not None]
    per_unit: dict[str, list[float]] = defaultdict(list)
    for x in staffed:
        per_unit[x.unit].append(x.patrol_minutes)
    means = {u: sum(v) / len(v) for u, v in per_unit.items()}
    overall = sum(means.values()) / len(means) if means else 0.0
    return {
        "staffed_shifts": len(staffed),
        "standby_shifts": len(plan.patrol) - len(staffed),
        "within_tolerance": sum(1 for x in staffed if not x.reason),
        "tolerance": tolerance,
        "patrol_hours": round(sum(x.patrol_minutes for x in staffed) / 60, 1),
        "target_hours": round(sum(x.target_minutes or 0 for x in staffed) / 60, 1),
        "longest_stretch_minutes": max((x.longest_stretch_minutes for x in staffed), default=None),
        "per_unit_minutes_per_shift": {u: round(m, 1) for u, m in means.items()},
        "band_pct": round(100 * max(abs(m - overall) for m in means.values()) / overall, 1) if overall else None,
        "short": [{"unit": x.unit, "day": x.day.isoformat(), "shift": x.shift, "patrol_minutes": x.patrol_minutes,
                   "target_minutes": x.target_minutes, "reason": x.reason, "detail": x.detail}
                  for x in staffed if x.reason],
    }


def _required_visits(plan: Plan, hotspots_out: set[str]) -> dict[str, Any]:
    """The required visits section: served against required, and the unserved ones by reason.

    Hotspots left out of the plan (``hotspots_out``) are counted in the hotspots section, not here.
    """
    unserved = [u for u in plan.unserved if u.id not in hotspots_out]
    return {
        "required": plan.required_visits,
        "served": plan.served_required,
        "served_pct": round(100.0 * plan.served_required / plan.required_visits, 1) if plan.required_visits else 100.0,
        "unserved_by_reason": dict(sorted(Counter(u.reason for u in unserved).items())),
    }


def _hotspot_dosage(ctx: PlanContext, minutes: dict[str, float], visits: dict[str, int]) -> dict[str, Any]:
    """The hotspots section: risk-weighted dwell minutes against the target, in total and per hotspot, and each
    hotspot's dosage against the dosage rule (:func:`dosage_ratios`)."""
    targets = hotspot_targets(ctx)
    risk = _all_hotspots(ctx)
    left_out = {p.id: p.reason for p in ctx.problems if p.layer == "hotspot"}
    denom = sum(risk[h] * targets[h] for h in targets)
    num = sum(risk[h] * min(minutes.get(h, 0.0), targets[h]) for h in targets)
    ratios = dosage_ratios(ctx, minutes)
    return {
        "count": len(targets),
        "visited": sum(1 for h in targets if visits.get(h)),
        "left_out": dict(sorted(Counter(left_out.values()).items())),
        "risk_covered_pct": round(100.0 * num / denom, 1) if denom else None,
        "dwell_minutes": round(sum(minutes.values()), 1),
        "target_minutes": round(sum(targets.values()), 1),
        "dosage_low": sorted(h for h, r in ratios.items() if r is not None and r < DOSAGE_LOW),
        "dosage_high": sorted(h for h, r in ratios.items() if r is not None and r > DOSAGE_HIGH),
        "dosage_floor": ctx.scenario.dosage_floor,
        "per_hotspot": [
            {"id": h, "risk": round(risk[h], 3), "visits": visits.get(h, 0),
             "minutes": round(minutes.get(h, 0.0), 1), "target_minutes": round(targets[h], 1),
             "dosage_ratio": _round(ratios.get(h), 2)}
            | ({"left_out": left_out[h]} if h in left_out else {})
            for h in targets
        ],
    }


def _round(x: float | None, digits: int) -> float | None:
    return None if x is None else round(x, digits)


#: A hotspot whose dosage ratio is below this got less than half of its share by the dosage rule ...
DOSAGE_LOW = 0.5
#: ... and above this more than twice its share.
DOSAGE_HIGH = 2.0


def dosage_ratios(ctx: PlanContext, minutes: dict[str, float]) -> dict[str, float | None]:
    """Each planned hotspot's share of the hotspot minutes over its share by the dosage rule.

    The rule (issue #12, DOMAIN.md "Patrol science") spreads presence across the week in proportion to risk x
    hour-of-day intensity: a hotspot's share is its risk times the sum over the 24 hours of its intensity
    (:func:`routeplan.optimize.areas.hour_intensity`: 0 outside its active hours), over the same of every planned
    hotspot. 1.0 is in proportion; below 1 the hotspot got less than its share (often a remote one, where
    driving there costs presence elsewhere), above 1 more.

    Returns
    -------
    dict
        Ratio per planned hotspot id; None when no hotspot minutes were planned or the hotspot has no active hour.
    """
    return rule_ratios(ctx.hotspots, minutes)


def _unit_rows(plan: Plan, ctx: PlanContext) -> tuple[list[dict[str, Any]], list[float]]:
    """Per unit: driven km and hours, idle share of the shifts it works; and the busy hours of each unit."""
    sc = ctx.scenario
    units: list[dict[str, Any]] = []
    busy_hours: list[float] = []
    for u in sc.units:
        rs = [r for r in plan.routes if r.unit == u.id]
        shift_min = sum(sc.shifts[s].length for _ in sc.working_days(u) for s in u.shifts)
        # area-patrol loops are driven: their time goes with the km (which count the loops), not with the stays
        loop_min = sum(r.loop_minutes for r in rs)
        drive_min = sum(r.drive_s for r in rs) / 60 + loop_min
        dwell_min = sum((s.departure - s.arrival).total_seconds() / 60 for r in rs for s in r.stops) - loop_min
        busy = drive_min + dwell_min
        busy_hours.append(busy / 60)
        units.append({
            "unit": u.id, "kind": u.kind, "routes": len(rs), "stops": sum(len(r.stops) for r in rs),
            "km": round(sum(r.distance_m for r in rs) / 1000, 1), "drive_hours": round(drive_min / 60, 2),
            "dwell_hours": round(dwell_min / 60, 2), "shift_hours": round(shift_min / 60, 1),
            "idle_share": round(1 - busy / shift_min, 3) if shift_min else None,
        })
    return units, busy_hours


def _workload(units: list[dict[str, Any]], busy_hours: list[float]) -> dict[str, Any]:
    """The workload section: busy hours across units (mean, range, coefficient of variation) and total km."""
    mean = sum(busy_hours) / len(busy_hours) if busy_hours else 0.0
    sd = math.sqrt(sum((b - mean) ** 2 for b in busy_hours) / len(busy_hours)) if busy_hours else 0.0
    return {
        "busy_hours_mean": round(mean, 2), "busy_hours_min": round(min(busy_hours, default=0), 2),
        "busy_hours_max": round(max(busy_hours, default=0), 2), "busy_hours_cv": round(sd / mean, 3) if mean else None,
        "km_total": round(sum(x["km"] for x in units), 1),
    }


def _desa_coverage(plan: Plan, ctx: PlanContext, times: dict[str, list[dt.datetime]],
                   minutes: dict[str, float]) -> list[dict[str, Any]]:
    """Required and served visits and hotspot minutes per desa, by the objects' desa field or the desa layer."""
    sc = ctx.scenario
    name_of: dict[str, str] = {o.id: o.desa for o in ctx.objects if o.desa}
    hs_desa: dict[str, str] = {}
    polys: list[tuple[str, BaseGeometry]] = []
    if sc.desa is not None:
        if ctx.desa is not None:
            polys = ctx.desa
        else:  # a context not made by pipeline.prepare: read (and check) the layer now
            polys = read_desa(sc.desa)
        for o in ctx.objects:
            if o.id not in name_of:
                p = Point(o.lon, o.lat)
                name_of[o.id] = next((n for n, g in polys if g.contains(p)), "")
        for h in ctx.hotspots:
            p = Point(h.lon, h.lat)
            hs_desa[h.id] = next((n for n, g in polys if g.contains(p)), "")
    if not name_of and not polys:
        return []
    required: dict[str, int] = defaultdict(int)
    served: dict[str, int] = defaultdict(int)
    for o in ctx.objects:
        d = name_of.get(o.id, "")
        required[d] += o.visits_per_week
        served[d] += len(times.get(o.id, []))
    hmin: dict[str, float] = defaultdict(float)
    for hid, m in minutes.items():
        hmin[hs_desa.get(hid, "")] += m
    names = sorted(set(required) | set(hmin) | {n for n, _ in polys})
    return [{"desa": n or "-", "objects": sum(1 for o in ctx.objects if name_of.get(o.id, "") == n),
             "required_visits": required.get(n, 0), "served_visits": served.get(n, 0),
             "hotspot_minutes": round(hmin.get(n, 0.0), 1)} for n in names]


def predictability(plans: Sequence[Plan]) -> dict[str, Any]:
    """How predictable visits are across consecutive weekly plans.

    Parameters
    ----------
    plans
        Plans of consecutive weeks for the same objects.

    Returns
    -------
    dict
        Per object: Shannon entropy (bits) of the hour of visit over all weeks and the share of visits
        that repeat, at the same hour and weekday, a visit of the week before; plus their means.
    """
    hours: dict[str, list[int]] = defaultdict(list)
    slots: list[dict[str, set[tuple[int, int]]]] = []
    for p in plans:
        week: dict[str, set[tuple[int, int]]] = defaultdict(set)
        for r in p.routes:
            for s in r.stops:
                if s.kind == "vital_object":
                    hours[s.id].append(s.arrival.hour)
                    week[s.id].add((s.arrival.weekday(), s.arrival.hour))
        slots.append(week)
    per: list[dict[str, Any]] = []
    for oid in sorted(hours):
        c = Counter(hours[oid])
        n = sum(c.values())
        ent = -sum(v / n * math.log2(v / n) for v in c.values())
        rep = tot = 0
        for prev, cur in zip(slots, slots[1:]):
            for slot in cur.get(oid, ()):
                tot += 1
                rep += slot in prev.get(oid, ())
        per.append({"id": oid, "visits": n, "distinct_hours": len(c), "hour_entropy_bits": round(ent, 3),
                    "repeat_share": round(rep / tot, 3) if tot else None})
    reps = [x["repeat_share"] for x in per if x["repeat_share"] is not None]
    return {
        "weeks": len(plans),
        "mean_hour_entropy_bits": round(sum(x["hour_entropy_bits"] for x in per) / len(per), 3) if per else None,
        "mean_repeat_share": round(sum(reps) / len(reps), 3) if reps else None,
        "per_object": per,
    }


def scorecard_panel_html(card: dict[str, Any], lang: str = "id") -> str:
    """A small collapsible scorecard panel for ``map.html`` (all text escaped with the map pages' escaper)."""
    E = escape
    req = card["required_visits"]
    hot = card["hotspots"]
    wl = card["workload"]
    rows = [
        (t("sc_required_served", lang), f"{req['served']}/{req['required']} ({number(req['served_pct'], lang)} %)"),
        (t("sc_hotspot_risk", lang), "-" if hot["risk_covered_pct"] is None else f"{number(hot['risk_covered_pct'], lang)} %"),
        (t("sc_hotspot_minutes", lang), f"{hot['dwell_minutes']:.0f} / {hot['target_minutes']:.0f}"),
        (t("sc_km_total", lang), f"{number(wl['km_total'], lang)} km"),
        (t("sc_workload", lang), t("sp_range_hours", lang).format(lo=number(wl["busy_hours_min"], lang),
                                                                    hi=number(wl["busy_hours_max"], lang))),
    ]
    pred = card.get("predictability")
    if pred and pred.get("mean_repeat_share") is not None:
        rows.append((t("sc_repeat_share", lang), f"{100 * pred['mean_repeat_share']:.0f} %"))
        rows.append((t("sc_hour_entropy", lang),
                     t("sc_hours_alike", lang).format(n=number(2 ** pred["mean_hour_entropy_bits"], lang))))
    last = card.get("last_week")
    if last and last["summary"].get("compliance_pct") is not None:
        rows.append((t("sc_last_week", lang), t("sc_last_week_value", lang).format(
            pct=last["summary"]["compliance_pct"], n=len(last["carried_over"]))))
    ready = card.get("readiness")
    if ready and ready.get("mean_share") is not None and ready.get("worst"):
        key = "sc_readiness" if ready.get("basis") == "desa" else "sc_readiness_points"
        rows.append((t(key, lang).format(minutes=f"{ready['minutes']:g}"),
                     t("sc_readiness_value", lang).format(mean=f"{100 * ready['mean_share']:.0f}",
                                                          worst=f"{100 * ready['worst']['share']:.0f}",
                                                          at=str(ready["worst"]["start"])[:16].replace("T", " "))))
    rows += [(t("sc_operation", lang), line) for line in operation_lines(card.get("operations", []), lang)]

    def idle(u: dict[str, Any]) -> str:
        return "-" if u["idle_share"] is None else f"{100 * u['idle_share']:.0f} %"

    unit_rows = "".join(
        f"<tr><td>{E(u['unit'])}</td><td>{number(u['km'], lang)}</td><td>{number(u['drive_hours'], lang)}</td><td>{idle(u)}</td></tr>"
        for u in card["units"]
    )
    body = "".join(f"<tr><th style='text-align:left;font-weight:normal'>{E(k)}</th><td><b>{E(v)}</b></td></tr>" for k, v in rows)
    return (
        '<details id="routeplan-scorecard" open style="position:fixed;top:10px;left:54px;z-index:9999;background:#fff;'
        'border:1px solid #999;border-radius:4px;padding:6px 10px;font:12px/1.4 sans-serif;max-width:300px">'
        f"<summary><b>{E(t('scorecard', lang))}</b></summary><table>{body}</table>"
        f"<table style='margin-top:4px'><tr><th>{E(t('unit', lang))}</th><th>km</th><th>{E(t('sc_drive_h', lang))}</th>"
        f"<th>{E(t('sc_idle', lang))}</th></tr>{unit_rows}</table>"
        f"<a id='routeplan-scorecard-link' href='scorecard.html'>{E(t('open_scorecard', lang))}</a></details>"
        # on a phone the open panel would cover the layer list: start it folded there
        "<script>if(window.innerWidth<700){document.getElementById('routeplan-scorecard').removeAttribute('open');}</script>"
    )
