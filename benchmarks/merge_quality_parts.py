"""Merge the parts of a split ``optimizer_quality.py`` run (``--part K/N``) into one results JSON.

Reads each part's final JSON when it exists, else its per-instance ``.rows.jsonl`` (a run stopped
before its end), and writes the rows of one set, a summary (mean, worst, instances above 1/2/3 %)
and which parts were complete::

    python benchmarks/merge_quality_parts.py --set top --out benchmarks/results/optimizer_quality_top_every.json \\
        benchmarks/results/optimizer_quality_top_every_part0.json benchmarks/results/optimizer_quality_top_every_part1.json

A part may also be an earlier merged file (a run continued on the instances it had not reached).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np


def load_part(path: Path, which: str) -> tuple[list[dict], dict | None]:
    """Rows of one part and its run metadata (None when only the partial rows exist).

    A file written by this script (an earlier merge) counts as one part: its rows, and its parts'
    metadata under ``merged_parts``.
    """
    if path.exists():
        raw = json.loads(path.read_text())
        if "sets" not in raw and raw.get("set") == which:
            return raw["rows"], {"merged_parts": raw.get("parts")}
        data = raw["sets"][which]
        return data["rows"], data["meta"]
    rows_file = path.with_suffix(".rows.jsonl")
    rows = [json.loads(ln) for ln in rows_file.read_text().splitlines() if ln.strip()] if rows_file.exists() else []
    return rows, None


def summary(rows: list[dict]) -> dict:
    gaps = [r["gap_pct"] for r in rows if r.get("gap_pct") is not None]
    return {"instances": len(rows), "feasible": sum(bool(r["feasible"]) for r in rows),
            "mean_gap_pct": round(float(np.mean(gaps)), 3) if gaps else None,
            "worst_gap_pct": round(float(np.max(gaps)), 3) if gaps else None,
            "cpu_s_total": round(sum(r.get("cpu_s", 0.0) for r in rows), 1),
            "wall_s_total": round(sum(r.get("wall_s", 0.0) for r in rows), 1),
            **{f"above_{k}pct": sorted(r["instance"] for r in rows
                                       if r.get("gap_pct") is not None and r["gap_pct"] > k + 1e-9) for k in (1, 2, 3)}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", required=True, choices=["top", "solomon", "pvrp"])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("parts", type=Path, nargs="+", help="the --out file of each part")
    args = ap.parse_args(argv)
    rows: list[dict] = []
    metas = []
    for p in args.parts:
        part_rows, meta = load_part(p, args.set)
        rows += part_rows
        metas.append({"file": p.name, "complete": meta is not None, "instances": len(part_rows), "meta": meta})
    # an instance run by two parts: the first part's row counts, the other is kept aside
    seen: set[str] = set()
    unique, repeats = [], []
    for r in rows:
        (repeats if r["instance"] in seen else unique).append(r)
        seen.add(r["instance"])
    unique.sort(key=lambda r: r["instance"])
    out = {"set": args.set, "summary": summary(unique), "parts": metas, "rows": unique, "repeated_runs": repeats}
    args.out.write_text(json.dumps(out, indent=1, default=float))
    print(json.dumps(out["summary"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
