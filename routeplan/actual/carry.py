"""Carry-over: the required visits a ``routeplan actual`` folder found missed, for the next week's plan.

:func:`read_carry_over` reads ``ACTUAL_DIR/actual.json`` (checked: a damaged file is one line); the ids of
its ``missed`` objects go to :func:`routeplan.pipeline.plan` as ``carry_over``, which gives them the
carry-over priority (:data:`routeplan.optimize.candidates.CARRY_OVER_PRIORITY`, valued above every priority
of the layer);
:func:`last_week_card` is the scorecard's ``last_week`` section: last week's delivery beside this week's
plan, and whether each carried-over object is visited this week.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from routeplan._checks import check_tree
from routeplan._io import read_text
from routeplan.errors import InputError
from routeplan.model.plan import Plan


@dataclass
class CarryOver:
    """Missed required visits (object ids, with how often each was missed) and last week's figures."""

    missed: dict[str, int]
    summary: dict[str, Any]
    units: list[dict[str, Any]]
    start_date: str
    source: str


def read_carry_over(actual_dir: str | Path) -> CarryOver:
    """Read the missed required visits of a folder written by ``routeplan actual``."""
    path = Path(actual_dir) / "actual.json"
    if not path.exists():
        raise InputError(f"--carry-over {actual_dir}: no actual.json; give a folder written by 'routeplan actual'")
    text = read_text(path, "actual.json")
    try:
        d = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON ({str(exc)[:80]}); run 'routeplan actual' again") from None
    try:
        if not isinstance(d, dict) or d.get("schema_version") != 1:
            raise ValueError("schema_version is not 1")
        visits, summary, units = d["visits"], d["summary"], d["units"]
        plan = d["plan"]
        missed: dict[str, int] = {}
        for v in visits:
            if v["kind"] == "vital_object" and v["status"] == "missed":
                if not isinstance(v["id"], str):
                    raise ValueError("a visit id is not text")
                missed[v["id"]] = missed.get(v["id"], 0) + 1
        if not isinstance(summary, dict) or not isinstance(units, list):
            raise ValueError("summary or units has the wrong type")
        check_tree(d["visits"], str(path))
        return CarryOver(dict(sorted(missed.items())), summary, units, str(plan["start_date"]), str(actual_dir))
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path}: damaged or edited by hand ({str(exc)[:80]}); run 'routeplan actual' again") from None


def last_week_card(carry: CarryOver, plan: Plan) -> dict[str, Any]:
    """The scorecard's ``last_week`` section (see the module text)."""
    visits: dict[str, int] = {}
    for r in plan.routes:
        for s in r.stops:
            if s.kind == "vital_object":
                visits[s.id] = visits.get(s.id, 0) + 1
    return {"last_week": {
        "start_date": carry.start_date,
        "summary": carry.summary,
        "units": [{"unit": u.get("unit"), "compliance_pct": u.get("compliance_pct")} for u in carry.units],
        "carried_over": [{"id": k, "missed_last_week": n, "visits_this_week": visits.get(k, 0)}
                         for k, n in carry.missed.items()],
    }}
