"""Batch planning of a generated Lumajang-like regency on Dask: 1 against 2 local workers, and a projection.

    python benchmarks/batch.py                      # 21 kecamatan (50-150 objects, 2-6 units), workers 1 and 2
    python benchmarks/batch.py --kecamatan 3 --iterations 100 --tiny   # a quick look

For each worker count the whole ``routeplan.run_batch`` is timed (cluster start-up included); per task it
records the seconds and the peak resident memory of the worker process that ran it. The speed-up is the
1-worker time over the 2-worker time of the same run; the projection to a 600-kecamatan Polda uses the
measured per-task times (mean, and the largest for the tail) and the cluster start-up measured here. Plans of
the two runs are compared byte for byte (the iteration budget ends every search). Writes
``benchmarks/results/batch.json`` and prints a markdown table. The machine is shared: the load average
before and after is part of the result.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import routeplan

RESULTS = Path(__file__).resolve().parent / "results"


def _run(region: Path, out: Path, workers: int, options: routeplan.BatchOptions) -> dict:
    t0 = time.perf_counter()
    res = routeplan.run_batch(region, out, options=options, workers=workers)
    wall = time.perf_counter() - t0
    tasks = [r for r in res.results if r["status"] == "ok"]
    peak: dict[int, float] = {}
    for r in res.results:
        peak[r["pid"]] = max(peak.get(r["pid"], 0.0), r["peak_rss_mib"])
    return {"workers": workers, "wall_s": round(wall, 1), "failed": len(res.failed),
            "task_s": [r["seconds"] for r in tasks], "task_sum_s": round(sum(r["seconds"] for r in tasks), 1),
            "peak_rss_mib_per_worker": sorted(peak.values(), reverse=True),
            "served": sum(r["served_visits"] for r in tasks), "required": sum(r["required_visits"] for r in tasks),
            "shifts_full": sum(r["unserved_shifts_full"] for r in tasks)}


def _projection(one: dict, n_kec: int, target: int = 600) -> dict:
    mean = one["task_sum_s"] / n_kec
    overhead = max(0.0, one["wall_s"] - one["task_sum_s"])  # start-up, scheduling and regional files
    worst = max(one["task_s"])
    return {"kecamatan": target, "mean_task_s": round(mean, 1), "overhead_s": round(overhead, 1),
            **{f"workers_{w}_min": round((target * mean / w + worst + overhead) / 60, 1) for w in (2, 16, 64)}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kecamatan", type=int, default=21)
    ap.add_argument("--iterations", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--tiny", action="store_true", help="tiny kecamatan (8-12 objects) for a quick look")
    ap.add_argument("--keep", type=Path, default=None, metavar="DIR",
                    help="keep the regency and both runs' plan folders in DIR (default: a temporary folder)")
    a = ap.parse_args()
    load0 = os.getloadavg()
    options = routeplan.BatchOptions(seed=a.seed, time_limit=3600.0, max_iterations=a.iterations)
    with tempfile.TemporaryDirectory(prefix="routeplan-batch-bench-") as scratch:
        tmp = str(a.keep) if a.keep else scratch
        Path(tmp).mkdir(parents=True, exist_ok=True)
        kw = {"objects": (8, 12), "units": (2, 3), "side_m": 2500.0} if a.tiny else {}
        region = routeplan.generate_regency(Path(tmp) / "regency", a.kecamatan, seed=7, **kw)
        runs = [_run(region, Path(tmp) / f"out-{w}", int(w), options) for w in a.workers.split(",")]
        names = [p.name for p in (Path(tmp) / "regency").iterdir() if p.is_dir()]
        differ = sorted({n for r in runs for n in names
                         if (Path(tmp) / f"out-{runs[0]['workers']}" / n / "plan.json").read_bytes()
                         != (Path(tmp) / f"out-{r['workers']}" / n / "plan.json").read_bytes()})
        same = not differ
    result = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": {"platform": platform.platform(), "cores": os.cpu_count(), "loadavg_before": load0,
                    "loadavg_after": os.getloadavg()},
        "kecamatan": a.kecamatan, "iterations": a.iterations, "runs": runs, "plans_identical": same, "plans_differ": differ,
        "speedup": round(runs[0]["wall_s"] / runs[-1]["wall_s"], 2) if len(runs) > 1 else None,
        "projection": _projection(runs[0], a.kecamatan),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / ("batch_tiny.json" if a.tiny else "batch.json")).write_text(json.dumps(result, indent=2) + "\n")
    print("| workers | wall s | sum of task s | peak RSS per worker (MiB) | served/required | shifts_full |")
    print("|---|---|---|---|---|---|")
    for r in runs:
        print(f"| {r['workers']} | {r['wall_s']} | {r['task_sum_s']} | {', '.join(f'{m:.0f}' for m in r['peak_rss_mib_per_worker'])} "
              f"| {r['served']}/{r['required']} | {r['shifts_full']} |")
    print(f"\nspeed-up {result['speedup']}x; plans identical: {same} {differ}; load {load0} -> {result['machine']['loadavg_after']}")
    print(f"projection: {json.dumps(result['projection'])}")


if __name__ == "__main__":
    main()
