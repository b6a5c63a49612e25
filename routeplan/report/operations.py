"""Coverage per operation and per polling-station risk class: did the operation's days get what they asked.

For every operation with days in the plan: the visits its rules ask of the objects it covers on those days
(:func:`routeplan.model.operations.day_rules`, the same rule the optimizer follows), the visits the plan
makes there, the shortfall with the reasons of the visits left unserved, and the same per TPS risk class.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from routeplan.model.operations import day_rules
from routeplan.model.plan import Plan
from routeplan.prepare.context import PlanContext


def operations_report(plan: Plan, ctx: PlanContext) -> list[dict[str, Any]]:
    """Per operation with days in the plan: days, categories, required and served visits, shortfall.

    Parameters
    ----------
    plan
        The plan.
    ctx
        Its context; ``ctx.scenario.operations`` are the operations and ``ctx.objects`` the objects.

    Returns
    -------
    list of dict
        ``name``, ``start``, ``end``, ``days`` (ISO dates of the plan it covers), ``categories``,
        ``required``, ``served``, ``shortfall``, ``unserved_by_reason``, ``by_day`` (``{ISO date: {"required",
        "served"}}``) and ``by_risk_class`` (``{class: {"objects", "required", "served"}}``, polling stations only). Empty when the scenario
        has no operation on the plan's days.
    """
    sc = ctx.scenario
    dates = [plan.start_date + dt.timedelta(days=i) for i in range(plan.days)]
    visits: Counter[tuple[str, dt.date]] = Counter()
    for r in plan.routes:
        for s in r.stops:
            if s.kind == "vital_object":
                visits[(s.id, s.arrival.date())] += 1
    unserved_ids = Counter(u.id for u in plan.unserved)
    reasons: dict[str, Counter[str]] = defaultdict(Counter)
    for u in plan.unserved:
        reasons[u.id][u.reason] += 1
    out = []
    for op in sc.operations:
        days = [d for d in dates if op.covers(d)]
        if not days:
            continue
        row: dict[str, Any] = {"name": op.name, "start": op.start.isoformat(), "end": op.end.isoformat(),
                               "days": [d.isoformat() for d in days], "categories": set(op.categories),
                               "required": 0, "served": 0, "unserved_by_reason": Counter(), "by_risk_class": {},
                               "by_day": {d.isoformat(): {"required": 0, "served": 0} for d in days}}
        for o in ctx.objects:
            rules = {i: r for i, r in day_rules(o, sc.operations, dates).items() if r.operation == op.name}
            if not rules:
                continue
            row["categories"].add(o.category)
            need = sum(r.visits for r in rules.values())
            got = sum(min(r.visits, visits[(o.id, dates[i])]) for i, r in rules.items())
            row["required"] += need
            row["served"] += got
            for i, rule in rules.items():
                day = row["by_day"][dates[i].isoformat()]
                day["required"] += rule.visits
                day["served"] += min(rule.visits, visits[(o.id, dates[i])])
            if got < need and unserved_ids[o.id]:
                row["unserved_by_reason"].update(reasons[o.id])
            if o.risk_class:
                rc = row["by_risk_class"].setdefault(o.risk_class, {"objects": 0, "required": 0, "served": 0})
                rc["objects"] += 1
                rc["required"] += need
                rc["served"] += got
        row["categories"] = sorted(row["categories"])
        row["shortfall"] = row["required"] - row["served"]
        row["unserved_by_reason"] = dict(sorted(row["unserved_by_reason"].items()))
        row["by_risk_class"] = dict(sorted(row["by_risk_class"].items()))
        out.append(row)
    return out


def operation_lines(report: list[dict[str, Any]], lang: str = "id") -> list[str]:
    """One plain line per operation for the terminal, the map panel and the briefings."""
    lines = []
    for r in report:
        if lang == "en":
            text = (f"{r['name']} ({r['start']} to {r['end']}): {r['served']}/{r['required']} operation visits"
                    + (f", short by {r['shortfall']}" if r["shortfall"] else "") + _days(r, "en"))
        else:
            text = (f"{r['name']} ({r['start']} s.d. {r['end']}): {r['served']}/{r['required']} kunjungan operasi"
                    + (f", kurang {r['shortfall']}" if r["shortfall"] else "") + _days(r, "id"))
        lines.append(text)
    return lines


def _days(row: dict[str, Any], lang: str) -> str:
    """Served/required per day of an operation that spans more than one day ("; 03-12 49/57, ..."): a
    commander sees which day is short."""
    by_day = row.get("by_day") or {}
    if len(by_day) < 2:
        return ""
    parts = [f"{d[8:10]}-{d[5:7]} {v['served']}/{v['required']}" for d, v in sorted(by_day.items())]
    return ("; per day " if lang == "en" else "; per hari ") + ", ".join(parts)
