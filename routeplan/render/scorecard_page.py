"""``scorecard.html``: the scorecard in plain language for a Kapolsek or a planner, no JSON needed.

Headline figures as sentences, a table per unit, coverage per desa, the largest gap between visits of every
vital object, and how predictable the visiting hours are, explained in words; small inline SVG bars (no
script, no network). Rendered by Jinja with autoescape from ``templates/scorecard.html.j2``; plan text only
reaches it as variables.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from routeplan.i18n import CATALOGUE, LANGUAGES, t, weekday
from routeplan.i18n import number as num
from routeplan.model.plan import Plan
from routeplan.prepare.context import PlanContext
from routeplan.render.briefing import _env, _Texts
from routeplan.report.operations import operation_lines


def bar(value: float, top: float, width: int = 120, colour: str = "#0072B2") -> str:
    """A small horizontal bar as inline SVG (``value`` of ``top``)."""
    w = 0.0 if top <= 0 else max(0.0, min(1.0, value / top)) * width
    return (f'<svg class="bar" width="{width}" height="10" viewBox="0 0 {width} 10" aria-hidden="true">'
            f'<rect width="{width}" height="10" fill="#e6e6e6"/><rect width="{w:.1f}" height="10" fill="{colour}"/></svg>')


def _headlines(card: dict[str, Any], lang: str) -> list[dict[str, str]]:
    req, hot, wl = card["required_visits"], card["hotspots"], card["workload"]
    out = [{"big": f"{req['served']}/{req['required']}",
            "text": t("sp_h_required", lang).format(pct=num(req["served_pct"], lang))}]
    if hot["count"]:
        out.append({"big": f"{hot['visited']}/{hot['count']}", "text": t("sp_h_hotspots", lang).format(
            minutes=num(hot["dwell_minutes"], lang, 0), target=num(hot["target_minutes"], lang, 0))})
        if hot["risk_covered_pct"] is not None:
            out.append({"big": f"{num(hot['risk_covered_pct'], lang)} %", "text": t("sp_h_risk", lang)})
    out.append({"big": f"{num(wl['km_total'], lang)} km", "text": t("sp_h_km", lang)})
    out.append({"big": t("sp_range_hours", lang).format(lo=num(wl["busy_hours_min"], lang), hi=num(wl["busy_hours_max"], lang)),
                "text": t("sp_h_busy", lang).format(mean=num(wl["busy_hours_mean"], lang))})
    ready = card.get("readiness")
    if ready and ready.get("mean_share") is not None and ready.get("worst"):
        key = "sc_readiness" if ready.get("basis") == "desa" else "sc_readiness_points"
        out.append({"big": f"{num(100 * ready['mean_share'], lang, 0)} %",
                    "text": t(key, lang).format(minutes=f"{ready['minutes']:g}") + " — " + t("sp_h_ready_worst", lang).format(
                        worst=num(100 * ready["worst"]["share"], lang, 0), at=str(ready["worst"]["start"])[:16].replace("T", " "))})
    return out


def _predictability(card: dict[str, Any], plan: Plan, lang: str) -> list[str]:
    """Sentences on how predictable the visiting hours are (over weeks when planned, else within the week)."""
    lines = []
    pred = card.get("predictability")
    if pred and pred.get("mean_hour_entropy_bits") is not None:
        eff = 2 ** pred["mean_hour_entropy_bits"]
        lines.append(t("sp_pred_spread", lang).format(weeks=pred["weeks"], hours=num(eff, lang)))
        if pred.get("mean_repeat_share") is not None:
            lines.append(t("sp_pred_repeat", lang).format(pct=num(100 * pred["mean_repeat_share"], lang, 0)))
    hours: dict[str, list[int]] = defaultdict(list)
    for r in plan.routes:
        for s in r.stops:
            if s.kind == "vital_object":
                hours[s.id].append(s.arrival.hour)
    multi = [h for h in hours.values() if len(h) >= 2]
    if multi:
        distinct = sum(len(set(h)) for h in multi) / len(multi)
        visits = sum(len(h) for h in multi) / len(multi)
        lines.append(t("sp_pred_week", lang).format(n=len(multi), hours=num(distinct, lang), visits=num(visits, lang)))
    if not pred:
        lines.append(t("sp_pred_more_weeks", lang))
    return lines


#: Desa named as out of reach in the worst hour; the rest are counted.
_OUT_NAMES = 8


def _readiness(card: dict[str, Any], lang: str) -> list[str]:
    """Sentences on the worst hour for 110 calls: who is on duty, where they stand, which desa are out of reach."""
    ready = card.get("readiness") or {}
    worst = ready.get("worst")
    if not worst or "on_duty" not in worst:
        return []
    start = dt.datetime.fromisoformat(worst["start"])
    units = ", ".join(t("sp_ready_unit_at", lang).format(unit=u["unit"], at=u["at"]) for u in worst["on_duty"])
    lines = [t("sp_ready_worst", lang).format(day=weekday(start.date(), lang), at=start.strftime("%d-%m %H:%M"),
                                              share=num(100 * worst["share"], lang, 0), minutes=f"{ready['minutes']:g}",
                                              units=units or t("sp_ready_nobody", lang))]
    out = list(worst["not_reachable"])
    if out:
        names = ", ".join(out[:_OUT_NAMES])
        if len(out) > _OUT_NAMES:
            names += " " + t("sp_ready_more", lang).format(n=len(out) - _OUT_NAMES)
        lines.append(t("sp_ready_out", lang).format(names=names))
    if ready.get("hours_low") is not None:
        lines.append(t("sp_ready_low", lang).format(n=ready["hours_low"], hours=len(ready["hours"]),
                                                    pct=num(100 * ready["low_share"], lang, 0)))
    return lines


def _hotspots(card: dict[str, Any], ctx: PlanContext, lang: str) -> tuple[list[dict[str, Any]], list[str]]:
    """One row per hotspot (riskiest first) with its dosage against the rule, and sentences naming the hotspots
    that got less than half or more than twice their share."""
    hot = card["hotspots"]
    by_id = {h.id: h for h in ctx.hotspots}

    def name(h: str) -> str:
        return f"{by_id[h].name} ({h})" if h in by_id and by_id[h].name and by_id[h].name != h else h

    def hours(h: str) -> str:
        return by_id[h].hours_text() or t("any_time", lang) if h in by_id else "-"

    rows = []
    for r in sorted(hot["per_hotspot"], key=lambda r: (-r["risk"], r["id"])):
        ratio = r.get("dosage_ratio")
        left = r.get("left_out")
        rows.append({"name": name(r["id"]), "risk": num(r["risk"], lang, 2), "hours": hours(r["id"]), "stops": r["visits"],
                     "minutes": num(r["minutes"], lang, 0), "minimum": num(r["target_minutes"], lang, 0),
                     "dosage": (t("reason_" + left, lang) if "reason_" + left in CATALOGUE else left) if left
                     else "-" if ratio is None else f"{num(ratio, lang, 2)}×",
                     "bar": bar(min(ratio or 0.0, 2.0), 2.0, colour="#CC79A7")})
    ratios = {r["id"]: r.get("dosage_ratio") for r in hot["per_hotspot"]}
    lines = []
    for key, ids in (("sp_dosage_low", hot.get("dosage_low") or []), ("sp_dosage_high", hot.get("dosage_high") or [])):
        if ids:
            lines.append(t(key, lang).format(names=", ".join(f"{name(h)} {num(ratios[h] or 0, lang, 2)}×" for h in ids)))
    if hot.get("per_hotspot") and not lines and any(v is not None for v in ratios.values()):
        lines.append(t("sp_dosage_even", lang))
    floor = hot.get("dosage_floor") or 0.0
    if floor > 0:
        # the key's value as written in the file, the share as the page writes numbers
        lines.append(t("sp_dosage_floor_on", lang).format(floor=f"{floor:g}", share=num(floor, lang, 2)))
    elif hot.get("dosage_low"):
        lines.append(t("sp_dosage_floor_off", lang))
    return rows, lines


def _days(plan: Plan, lang: str) -> list[dict[str, Any]]:
    """One row per day of the plan: routes, stops, required visits made, and the operations of the day."""
    out = []
    for i in range(plan.days):
        day = plan.start_date + dt.timedelta(days=i)
        routes = [r for r in plan.routes if r.day == day]
        out.append({"day": f"{weekday(day, lang)} {day:%d-%m-%Y}", "routes": len(routes),
                    "stops": sum(len(r.stops) for r in routes),
                    "visits": sum(1 for r in routes for s in r.stops if s.kind == "vital_object"),
                    "operations": [x.name for x in plan.operations_on(day)]})
    return out


def render_scorecard_page(card: dict[str, Any], plan: Plan, ctx: PlanContext, lang: str = "id",
                          map_href: str = "map.html", briefings_href: str = "briefings/index.html") -> str:
    """The ``scorecard.html`` text of a plan's scorecard (:func:`routeplan.report.scorecard.score_plan`).

    Parameters
    ----------
    card
        The scorecard (with ``predictability`` when several weeks were planned).
    plan, ctx
        The plan and its context (names of objects, visiting hours).
    lang
        ``id`` or ``en``.
    map_href, briefings_href
        Links to the plan's map and briefing index.
    """
    if lang not in LANGUAGES:
        lang = "id"
    objects = {o.id: o for o in ctx.objects}
    kinds = {"car": t("car", lang), "motorcycle": t("motorcycle", lang)}
    busy_top = max((u["drive_hours"] + u["dwell_hours"] for u in card["units"]), default=0.0)
    units = [{"unit": u["unit"], "kind": kinds.get(u["kind"], u["kind"]), "routes": u["routes"], "stops": u["stops"],
              "km": num(u["km"], lang), "busy": num(u["drive_hours"] + u["dwell_hours"], lang),
              "idle": "-" if u["idle_share"] is None else f"{num(100 * u['idle_share'], lang, 0)} %",
              "bar": bar(u["drive_hours"] + u["dwell_hours"], busy_top)} for u in card["units"]]
    desa = [{"desa": d["desa"], "objects": d["objects"], "served": f"{d['served_visits']}/{d['required_visits']}",
             "minutes": num(d["hotspot_minutes"], lang, 0),
             "bar": bar(d["served_visits"], d["required_visits"], colour="#009E73")} for d in card.get("desa", [])]
    gaps_in = sorted(card["largest_gap_per_object"], key=lambda g: (-(g["largest_gap_hours"] or -1), g["id"]))
    top = max((g["largest_gap_hours"] or 0 for g in gaps_in), default=0)
    gaps = [{"name": objects[g["id"]].name if g["id"] in objects else g["id"],
             "desa": objects[g["id"]].desa if g["id"] in objects else "", "visits": g["visits"],
             "gap": t("sp_no_gap", lang) if g["largest_gap_hours"] is None else
             t("sp_gap_value", lang).format(h=num(g["largest_gap_hours"], lang), d=num(g["largest_gap_hours"] / 24, lang)),
             "bar": bar(g["largest_gap_hours"] or 0, top, colour="#D55E00")} for g in gaps_in]
    hotspots, dosage = _hotspots(card, ctx, lang)
    unserved = [f"{n} × {t('reason_' + r, lang) if 'reason_' + r in CATALOGUE else r}"
                for r, n in card["required_visits"]["unserved_by_reason"].items()]
    return _env().get_template("scorecard.html.j2").render(
        lang=lang, T=_Texts(lang), card=card, start=card["start_date"], headlines=_headlines(card, lang), units=units,
        desa=desa, gaps=gaps, unserved=unserved, hotspots=hotspots, dosage=dosage, predictability=_predictability(card, plan, lang),
        readiness=_readiness(card, lang),
        days=_days(plan, lang), operations=operation_lines(card.get("operations") or [], lang),
        map_href=map_href, briefings_href=briefings_href)
