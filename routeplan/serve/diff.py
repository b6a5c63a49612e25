"""Two plans of one scenario compared: which visits moved (day, hour, unit) and how coverage changed."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from routeplan.serve import service
from routeplan.serve.deps import PageUser, State, page_user, state
from routeplan.serve.models import PlanRow
from routeplan.serve.pages import render
from routeplan.serve.settings import READERS

router = APIRouter(include_in_schema=False)
PU = Depends(page_user)
ST = Depends(state)


def _visits(plan: dict[str, Any]) -> dict[str, tuple[str, list[str]]]:
    """Object id -> (name, sorted visits as ``YYYY-MM-DD HH:MM unit``)."""
    out: dict[str, tuple[str, list[str]]] = {}
    seen: dict[str, list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    for r in plan.get("routes", []):
        for s in r.get("stops", []):
            if s.get("kind") in ("vital_object", "hotspot"):
                seen[s["id"]].append(f"{s['arrival'][:10]} {s['arrival'][11:16]} {r['unit']}")
                names[s["id"]] = s.get("name", "")
    for k, v in seen.items():
        out[k] = (names[k], sorted(v))
    return out


def _figures(plan: dict[str, Any]) -> dict[str, float]:
    routes = plan.get("routes", [])
    return {"required_visits": plan.get("required_visits", 0),
            "served_required_visits": plan.get("served_required_visits", 0),
            "hotspot_stops": sum(1 for r in routes for s in r.get("stops", []) if s.get("kind") == "hotspot"),
            "distance_km": round(sum(float(r.get("distance_km", 0)) for r in routes), 1),
            "unserved": len(plan.get("unserved", []))}


def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The difference of plan B against plan A: figures of both, and per object the visits only in A / only in B."""
    va, vb = _visits(a), _visits(b)
    changed = []
    for oid in sorted(set(va) | set(vb)):
        name = (vb.get(oid) or va.get(oid) or ("", []))[0]
        xa, xb = va.get(oid, ("", []))[1], vb.get(oid, ("", []))[1]
        gone, new = [v for v in xa if v not in xb], [v for v in xb if v not in xa]
        if gone or new:
            changed.append({"id": oid, "name": name, "only_a": gone, "only_b": new})
    fa, fb = _figures(a), _figures(b)
    return {"a": fa, "b": fb, "delta": {k: round(fb[k] - fa[k], 1) for k in fa}, "changed": changed,
            "unchanged": len(set(va) | set(vb)) - len(changed)}


def _plan_json(row: PlanRow) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((Path(row.folder) / "plan.json").read_text(encoding="utf-8"))
    return data


@router.get("/plans/{a}/diff/{b}")
def diff_page(request: Request, a: int, b: int, pu: PageUser = PU, st: State = ST) -> Response:
    if pu.user.role not in READERS:
        raise service.Forbidden()
    ra, rb = service.get_plan(st, pu.user, a), service.get_plan(st, pu.user, b)
    if ra.scenario_id != rb.scenario_id:
        raise service.NotFound()
    return render(request, "diff.html", pu, a=ra, b=rb, diff=compare(_plan_json(ra), _plan_json(rb)))
