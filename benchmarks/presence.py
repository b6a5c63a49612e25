"""Presence before and after: a baseline commit's plans against this checkout's, on the same inputs.

For each case both versions run ``routeplan plan`` with the same seed and an iteration-bounded search
(so the figures do not depend on machine load), one after the other in the same run; then this
checkout's :func:`routeplan.report.presence.presence_metrics` measures both plans against the same
context: staffed unit-shifts with a patrol, patrol minutes per unit-shift (min, median), longest stretch
without a stop, risk-weighted presence minutes, readiness, km driven, stacked visits and the wall time
of the whole command.

Cases
-----
* ``sample``   the committed synthetic sample of Kecamatan Kunir (each version its own ``data/sample``);
* ``buahbatu`` the real Buahbatu network with 150 vital objects, 6 units and 20 synthetic point hotspots (there
  is no incident data for Buahbatu; :func:`bench_end_to_end.buahbatu_scenario`; skipped when ``../shared/data``
  is absent).

Usage::

    python benchmarks/presence.py --baseline 73fbfa1 [--iterations 1500] [--seed 1] [--cases sample,buahbatu]
    python benchmarks/presence.py --baseline HEAD --dosage-floor 0.5   # the dosage floor off against on

The baseline is checked out with ``git worktree`` into a temporary folder and imported through
``PYTHONPATH`` with this checkout's installed dependencies.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import routeplan

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_end_to_end import BUAHBATU, buahbatu_scenario  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "presence.json"

ROWS = [
    ("staffed unit-shifts with a patrol", lambda m: f"{m['patrolled']}/{m['unit_shifts']}"),
    ("patrol minutes per unit-shift (min / median)",
     lambda m: f"{m['patrol_minutes']['min']:.0f} / {m['patrol_minutes']['median']:.0f}"),
    ("longest stretch without a stop, min (max / median)",
     lambda m: f"{m['longest_stretch_minutes']['max']:.0f} / {m['longest_stretch_minutes']['median']:.0f}"),
    ("presence minutes at stops", lambda m: f"{m['presence_minutes']:.0f}"),
    ("risk-weighted presence minutes (stops)", lambda m: f"{m['risk_presence_minutes']:.0f}"),
    ("ceiling: the same hotspot and loop minutes at the riskiest hotspots (see presence_ceiling)",
     lambda m: f"{m['risk_presence_ceiling']:.0f}"),
    ("risk-weighted minutes driving through hotspots", lambda m: f"{m['risk_drive_minutes']:.0f}"),
    ("readiness 110, mean / worst hour (%)",
     lambda m: f"{m['readiness_mean_pct']} / {m['readiness_worst_pct']}"),
    ("km driven", lambda m: f"{m['km']:.0f}"),
    ("stacked visits (objects / hotspots)",
     lambda m: f"{m['stacked_visits']['objects']} / {m['stacked_visits']['hotspots']}"),
    ("hotspots with a stop (fewest stops of one)", lambda m: f"{m['hotspots_with_stop']} ({m['hotspot_stops_min']})"),
    ("hotspots below half / above twice their share by the dosage rule (risk × active-hour intensity)",
     lambda m: f"{len(m['dosage_low'])} / {len(m['dosage_high'])}" if "dosage_low" in m else "-"),
    ("wall time of `routeplan plan`, s", lambda m: f"{m['wall_s']:.0f}"),
]


def run_plan(code: Path | None, scenario: Path, out: Path, seed: int, iterations: int, cache: Path) -> float:
    """Run ``routeplan plan`` of ``code`` (None: this checkout) and return its wall time in seconds."""
    env = dict(os.environ, ROUTEPLAN_CACHE=str(cache))
    if code is not None:
        env["PYTHONPATH"] = str(code)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "routeplan", "plan", str(scenario), "--out", str(out), "--seed", str(seed),
                    "--iterations", str(iterations), "--time-limit", "3600", "--quiet"],
                   check=True, env=env, cwd=code or REPO, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def measure(plan_dir: Path, scenario: Path, wall_s: float) -> dict[str, Any]:
    """Presence metrics of a plan folder, against this checkout's context of ``scenario``."""
    ctx = routeplan.prepare_scenario(routeplan.load_scenario(scenario))
    plan = routeplan.read_plan(plan_dir)
    stops = {h.id: 0 for h in ctx.hotspots}
    for r in plan.routes:
        for s in r.stops:
            if s.kind == "hotspot" and s.id in stops:
                stops[s.id] += 1
    card = routeplan.score_plan(plan, ctx)
    hot = card["hotspots"]  # the scorecard's dosage against the rule
    # readiness is the slowest measure: the scorecard's, not computed a second time
    return (routeplan.presence_metrics(plan, ctx, ready=card["readiness"]) | {"wall_s": round(wall_s, 1)}
            | {"dosage_low": hot["dosage_low"], "dosage_high": hot["dosage_high"],
               "dosage_ratio": {x["id"]: x["dosage_ratio"] for x in hot["per_hotspot"]}}
            | {"risk_presence_ceiling": presence_ceiling(plan, ctx)}
            | {"hotspots_with_stop": f"{sum(1 for n in stops.values() if n)}/{len(stops)}",
               "hotspot_stops_min": min(stops.values(), default=0), "hotspot_stops": stops})


def presence_ceiling(plan: Any, ctx: Any) -> float:
    """Risk-weighted presence if this plan's minutes at hotspot stops and on area loops all went to the riskiest
    hotspots instead, each at most once an hour of its active hours (the spacing the figures call stacking), and its
    required visits stayed as they are.

    A ceiling for plans with the same required visits and driving: it ignores which units are on duty when, the
    driving between the hotspots and the dosage rule (risk × hour intensity, diminishing returns), all of which a
    real plan must respect. A goal above it cannot be met without more patrol time or fewer required visits.
    """
    routes = [dataclasses.replace(r, stops=[s for s in r.stops if s.kind == "vital_object"]) for r in plan.routes]
    required = routeplan.presence_metrics(dataclasses.replace(plan, routes=routes, patrol=[]), ctx,
                                          with_readiness=False)["risk_presence_minutes"]
    free = sum((s.departure - s.arrival).total_seconds() / 60 for r in plan.routes for s in r.stops
               if s.kind in ("hotspot", "area_patrol"))
    top = max((h.risk for h in ctx.hotspots), default=0.0)
    dwell = ctx.scenario.hotspot_dwell_minutes
    caps = []
    for h in ctx.hotspots:
        active = sum(1 for m in range(0, 1440, 5) if h.active_at(m)) * 5
        stops_a_day = (active - dwell) // 60 + 1 if active >= dwell else 0
        caps.append((h.risk / top if top > 0 else 0.0, ctx.scenario.days * stops_a_day * dwell))
    total = required
    for weight, minutes in sorted(caps, reverse=True):
        take = min(minutes, free)
        total += weight * take
        free -= take
    return round(total, 1)


def markdown(case: str, before: dict[str, Any], after: dict[str, Any], baseline: str) -> str:
    """One table: a row per measure, baseline and this checkout side by side, and their ratio."""
    lines = [f"**{case}** (baseline `{baseline}`)", "", "| measure | baseline | now | now / baseline |", "|---|---|---|---|"]
    for label, fmt in ROWS:
        ratio = ""
        key = {"presence minutes at stops": "presence_minutes",
               "risk-weighted presence minutes (stops)": "risk_presence_minutes",
               "km driven": "km"}.get(label)
        if label.startswith("ceiling"):
            ratio = f"{after['risk_presence_ceiling'] / before['risk_presence_minutes']:.2f}× baseline"
        if key and before[key]:
            ratio = f"{after[key] / before[key]:.2f}×"
        lines.append(f"| {label} | {fmt(before)} | {fmt(after)} | {ratio} |")
    return "\n".join(lines)


@contextlib.contextmanager
def baseline_worktree(rev: str, tmp: Path) -> Iterator[Path]:
    """``rev`` checked out (detached) in ``tmp/baseline`` for as long as the block runs."""
    old = tmp / "baseline"
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(old), rev], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield old
    finally:
        subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(old)], check=False)


def case_scenarios(case: str, old: Path, tmp: Path) -> tuple[Path, Path] | None:
    """The baseline's and this checkout's scenario of a case; None (with a message) when its data is absent."""
    if case == "sample":
        return old / "data/sample/scenario.toml", REPO / "data/sample/scenario.toml"
    if case == "buahbatu":
        if not BUAHBATU.exists():
            print(f"skipping buahbatu: {BUAHBATU} is absent", file=sys.stderr)
            return None
        scenario = Path(buahbatu_scenario(tmp / "bb", n_hotspots=20))
        return scenario, scenario
    raise SystemExit(f"unknown case {case!r}")


def with_floor(scenario: Path, floor: float, tmp: Path) -> Path:
    """A copy of the scenario's folder whose scenario sets ``[plan] dosage_floor``."""
    folder = tmp / "with-floor"
    shutil.copytree(scenario.parent, folder)
    text = (folder / scenario.name).read_text(encoding="utf-8")
    if "[plan]\n" not in text:
        raise SystemExit(f"{scenario}: no [plan] table to set dosage_floor in")
    (folder / scenario.name).write_text(text.replace("[plan]\n", f"[plan]\ndosage_floor = {floor}\n", 1), encoding="utf-8")
    return folder / scenario.name


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", required=True, help="git commit of the baseline")
    ap.add_argument("--iterations", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", default="sample,buahbatu")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--dosage-floor", type=float, default=None,
                    help="plan this checkout's runs with [plan] dosage_floor set to this (e.g. 0.5; "
                         "with --baseline HEAD: the floor off against on)")
    args = ap.parse_args(argv)
    results: dict[str, Any] = {"baseline": args.baseline, "iterations": args.iterations, "seed": args.seed,
                               "dosage_floor": args.dosage_floor, "machine": f"{os.cpu_count()} cores", "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                               "cases": {}}
    with tempfile.TemporaryDirectory(prefix="presence-bench-") as tmp_s, baseline_worktree(args.baseline, Path(tmp_s)) as old:
        tmp = Path(tmp_s)
        for case in args.cases.split(","):
            scenarios = case_scenarios(case, old, tmp)
            if scenarios is None:
                continue
            scen_old, scen_new = scenarios
            scen_now = scen_new if args.dosage_floor is None else with_floor(scen_new, args.dosage_floor, tmp / case)
            walls = {}
            for who, code, scen in (("baseline", old, scen_old), ("now", None, scen_now)):
                walls[who] = run_plan(code, scen, tmp / case / who, args.seed, args.iterations, tmp / "cache")
            before = measure(tmp / case / "baseline", scen_new, walls["baseline"])
            after = measure(tmp / case / "now", scen_new, walls["now"])
            results["cases"][case] = {"baseline": before, "now": after}
            print(markdown(case, before, after, args.baseline), "\n", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
