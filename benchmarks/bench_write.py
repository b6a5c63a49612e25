"""Writing a plan's outputs: a baseline commit's writers against this checkout's, on the same plan.

    python benchmarks/bench_write.py --baseline 395feb3 [--cases sample,buahbatu] [--repeats 3] [--iterations 300]

One plan per case is made with this checkout (``routeplan plan``, ``--seed 1``); then each version, in turn
(baseline, now, baseline, now, ...), reads that plan folder, prepares the scenario and writes every output
(:func:`routeplan.write_plan`: exports, GPX, GeoPackage, map, scorecard, briefings and their PDFs) into a
folder of its own, in a child process that times ``write_plan`` alone. Reported per case: the write time of
each version (median of the repeats), their ratio pair by pair, and the bytes of each kind of output.

The baseline is checked out with ``git worktree`` into a temporary folder and imported through ``PYTHONPATH``.
The Buahbatu case needs ``../shared/data`` (skipped with a message when absent). Other processes on the
machine change absolute times; the ratios are paired within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from presence import baseline_worktree, case_scenarios, run_plan  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "write.json"

#: the child: prepare the scenario, read the plan, time write_plan alone
_CHILD = """
import json, sys, time
import routeplan
scenario, plan_dir, out = sys.argv[1:4]
ctx = routeplan.prepare_scenario(routeplan.load_scenario(scenario))
plan = routeplan.read_plan(plan_dir)
t = time.perf_counter()
routeplan.write_plan(plan, ctx, out)
print(json.dumps({"write_s": time.perf_counter() - t}))
"""

#: output kinds whose bytes are reported: (label, glob under the output folder)
KINDS = [("briefings_html", "briefings/*.html"), ("briefings_pdf", "briefings/pdf/*.pdf"), ("gpx", "gpx/*.gpx"),
         ("map_html", "map.html"), ("plan_gpkg", "plan.gpkg"), ("plan_xlsx", "plan.xlsx")]


def write_once(code: Path | None, scenario: Path, plan_dir: Path, out: Path, cache: Path) -> float:
    """Seconds ``write_plan`` of ``code`` (None: this checkout) takes to write ``plan_dir``'s plan into ``out``."""
    env = dict(os.environ, ROUTEPLAN_CACHE=str(cache))
    if code is not None:
        env["PYTHONPATH"] = str(code)
    res = subprocess.run([sys.executable, "-c", _CHILD, str(scenario), str(plan_dir), str(out)], check=True, env=env,
                         cwd=code or REPO, stdout=subprocess.PIPE, text=True)
    return float(json.loads(res.stdout.strip().splitlines()[-1])["write_s"])


def output_bytes(out: Path) -> dict[str, int]:
    """Bytes of each kind of output in a written plan folder."""
    return {label: sum(p.stat().st_size for p in out.glob(pattern)) for label, pattern in KINDS}


def measure_case(old: Path, scenario: Path, work: Path, repeats: int, iterations: int) -> dict[str, Any]:
    """Plan ``scenario`` once, then write it ``repeats`` times with each version in turn."""
    cache = work / "cache"
    plan_dir = work / "plan"
    run_plan(None, scenario, plan_dir, 1, iterations, cache)
    runs: dict[str, list[float]] = {"baseline": [], "now": []}
    for k in range(repeats):
        for who, code in (("baseline", old), ("now", None)):
            runs[who].append(write_once(code, scenario, plan_dir, work / f"{who}-{k}", cache))
    ratios = [n / b for n, b in zip(runs["now"], runs["baseline"])]
    plan = json.loads((plan_dir / "plan.json").read_text(encoding="utf-8"))
    return {"routes": len(plan["routes"]), "write_s": runs,
            "median_s": {who: round(statistics.median(v), 2) for who, v in runs.items()},
            "ratio_now_over_baseline": {"median": round(statistics.median(ratios), 3), "min": round(min(ratios), 3),
                                        "max": round(max(ratios), 3)},
            "bytes": {"baseline": output_bytes(work / "baseline-0"), "now": output_bytes(work / "now-0")}}


def markdown(case: str, res: dict[str, Any], baseline: str) -> str:
    """One table per case: write time and output bytes, baseline and now side by side."""
    r = res["ratio_now_over_baseline"]
    lines = [f"**{case}** ({res['routes']} routes; baseline `{baseline}`)", "",
             "| measure | baseline | now | now / baseline |", "|---|---:|---:|---:|",
             f"| write_plan, median s | {res['median_s']['baseline']} | {res['median_s']['now']} | "
             f"{r['median']} ({r['min']}-{r['max']} pair by pair) |"]
    for label, _pattern in KINDS:
        b, n = res["bytes"]["baseline"][label], res["bytes"]["now"][label]
        lines.append(f"| {label}, MB | {b / 1e6:.2f} | {n / 1e6:.2f} | {n / b if b else float('nan'):.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", required=True, help="git commit of the baseline")
    ap.add_argument("--cases", default="sample,buahbatu")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--iterations", type=int, default=300)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    results: dict[str, Any] = {"baseline": args.baseline, "repeats": args.repeats, "iterations": args.iterations,
                               "machine": f"{os.cpu_count()} cores",
                               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cases": {}}
    with tempfile.TemporaryDirectory(prefix="write-bench-") as tmp_s, baseline_worktree(args.baseline, Path(tmp_s)) as old:
        tmp = Path(tmp_s)
        for case in args.cases.split(","):
            scenarios = case_scenarios(case, old, tmp)
            if scenarios is None:
                continue
            res = measure_case(old, scenarios[1], tmp / case, args.repeats, args.iterations)  # one plan: this checkout's inputs
            results["cases"][case] = res
            print(markdown(case, res, args.baseline), "\n", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
