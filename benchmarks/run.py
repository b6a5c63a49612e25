"""Run all performance benchmarks; write benchmarks/results/*.json and print markdown tables.

    python benchmarks/run.py            # full run (long: regency end to end, 200k-node matrices)
    python benchmarks/run.py --quick    # smaller sizes, fewer repeats (< 5 minutes)
    python benchmarks/run.py --only matrix,optimizer,e2e

Other processes on the machine change absolute times; speed-ups are measured within one run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
RESULTS = HERE / "results"


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    import numpy
    import scipy
    from ortools import __version__ as ortools_version

    return {"platform": platform.platform(), "python": platform.python_version(), "cpu": cpu,
            "cores": os.cpu_count(), "ram_gb": ram, "loadavg_at_start": os.getloadavg(),
            "numpy": numpy.__version__, "scipy": scipy.__version__, "pyvrp": importlib.metadata.version("pyvrp"),
            "ortools": ortools_version}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default="matrix,optimizer,e2e")
    a = ap.parse_args()
    import bench_end_to_end
    import bench_matrix
    import bench_optimizer

    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = "_quick" if a.quick else ""
    meta = {"machine": machine(), "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "command": " ".join([Path(sys.executable).name] + sys.argv), "quick": a.quick}
    md = [f"Machine: {meta['machine']['cpu']}, {meta['machine']['cores']} cores, {meta['machine']['ram_gb']} GB RAM, "
          f"{meta['machine']['platform']}; {meta['date']}; `{meta['command']}`", ""]
    mods = {"matrix": bench_matrix, "optimizer": bench_optimizer, "e2e": bench_end_to_end}
    t0 = time.perf_counter()
    for name in a.only.split(","):
        t = time.perf_counter()
        res = mods[name].run(quick=a.quick)
        res["meta"] = dict(meta, seconds=time.perf_counter() - t)
        (RESULTS / f"{name}{suffix}.json").write_text(json.dumps(res, indent=1, default=str))
        md += [f"### {name}", "", mods[name].markdown(res), ""]
        print(f"[run] {name} done in {time.perf_counter() - t:.0f}s", flush=True)
    print("\n".join(md))
    (RESULTS / f"tables{suffix}.md").write_text("\n".join(md) + "\n")
    print(f"[run] total {time.perf_counter() - t0:.0f}s")


if __name__ == "__main__":
    main()
