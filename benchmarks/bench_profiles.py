"""Routing profiles and travel-matrix bytes of the weekly model, now and with one profile per shift (before 16).

Every shift with a reserve, break or pin has copies of locations only it may serve. Until session 16 each such
shift got a routing profile of its own (a full duration and distance matrix over all locations); now the shifts
of a unit kind at least ``settings.profile_gap_minutes`` apart share one (:func:`routeplan.optimize.fleet.shift_colours`). This
builds the weekly model's fleet of each case and reports both counts and the matrix bytes they imply
(2 x profiles x locations² x 8 bytes; PyVRP keeps a copy of its own).

Cases: ``sample`` (data/sample), ``buahbatu`` (:func:`bench_end_to_end.buahbatu_scenario`, skipped when
``../shared/data`` is absent) and ``regency`` (:func:`bench_end_to_end.regency_scenario`, 200 000 nodes, several
minutes; only with ``--cases regency``: the regency's model is refused before its matrices are built, so the
figures come from the counts, not from allocation).

Usage::

    python benchmarks/bench_profiles.py [--cases sample,buahbatu] [--out benchmarks/results/profiles.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_end_to_end as e2e  # noqa: E402  (a sibling module of the benchmarks folder)

from routeplan import load_scenario, prepare_scenario  # noqa: E402

# private module: the profiles are counted from the weekly model's layout, before any matrix (no public API for it)
from routeplan.optimize.areas import context_areas  # noqa: E402

# private module: as above
from routeplan.optimize.fleet import _layout  # noqa: E402

# private module: as above
from routeplan.prepare.context import plan_matrices  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "profiles.json"


def measure(scenario: Path) -> dict:
    """Profiles and matrix MiB of the weekly model of ``scenario``, now and with a profile per shift."""
    sc = load_scenario(scenario)
    ctx = prepare_scenario(sc)
    mats = plan_matrices(ctx)
    areas = context_areas(ctx, list(mats.kinds), mats.nodes)
    # the layout only: a regency-sized model is refused before its matrices exist
    lay = _layout(sc, ctx.objects, mats, ctx.depot_nodes, 0, frozenset(), [(a.kind, a.entry) for a in areas])
    size = len(mats.nodes) + len(lay.extras)
    owners = len(lay.colour)
    now, before = lay.profiles, len(lay.profile) + owners
    mib = 2 * size * size * 8 / 2**20
    return {"vehicles": len(lay.vspecs), "locations": size, "shifts_with_copies": owners, "profiles_now": now,
            "profiles_before": before, "matrix_mib_now": round(now * mib, 1), "matrix_mib_before": round(before * mib, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default="sample,buahbatu")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--work", type=Path, default=Path("/tmp/routeplan-bench"))
    args = ap.parse_args(argv)
    makers = {"sample": lambda: REPO / "data" / "sample" / "scenario.toml",
              "buahbatu": lambda: e2e.buahbatu_scenario(args.work / "buahbatu"),
              "regency": lambda: e2e.regency_scenario(args.work / "regency")[0]}
    out = {}
    for name in args.cases.split(","):
        if name == "buahbatu" and not e2e.BUAHBATU.is_file():
            print(f"{name}: skipped ({e2e.BUAHBATU} not found)")
            continue
        out[name] = measure(makers[name]())
        print(name, out[name], flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
