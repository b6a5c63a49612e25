"""Shared helpers of the plan-against-actual tests: a planned sample folder and synthetic tracks with a truth."""

from __future__ import annotations

import atexit
import collections
import csv
import shutil
import tempfile
from pathlib import Path

from routeplan.actual.matching import frame_of
from routeplan.actual.run import plan_context
from routeplan.actual.synth import Synthetic, synthesise, write_tracks
from routeplan.cli import main

_PLANNED: list[Path] = []


def plan_folder(root: Path) -> Path:
    """A copy of the sample's demo plan in ``root/plan``, planned once per test process (it takes a minute)."""
    if not _PLANNED:
        base = Path(tempfile.mkdtemp(prefix="routeplan-actual-plan-"))
        atexit.register(shutil.rmtree, base, True)
        assert main(["demo", "--out", str(base / "plan"), "--quiet", "--iterations", "300", "--seed", "2"]) == 0
        _PLANNED.append(base / "plan")
    out = root / "plan"
    shutil.copytree(_PLANNED[0], out, symlinks=True)
    return out


def synthetic_tracks(plan_dir: Path, folder: Path, seed: int = 0, **kw) -> Synthetic:
    plan, ctx = plan_context(plan_dir)
    syn = synthesise(plan, frame_of(ctx.graph), seed=seed, **kw)
    write_tracks(syn, folder)
    return syn


def accuracy(csv_path: Path, syn: Synthetic) -> tuple[float, list[tuple[str, dict]]]:
    """Share of the rows of actual.csv whose status is the truth, and the rows that differ."""
    rows = list(csv.DictReader(csv_path.open(encoding="utf-8")))
    seen: collections.Counter = collections.Counter()
    wrong = []
    for row in rows:
        key = (row["unit"], row["day"], row["shift"], row["id"])
        seen[key] += 1
        truth = syn.truth[(*key, seen[key])]
        if truth != row["status"]:
            wrong.append((truth, row))
    return 1 - len(wrong) / len(rows), wrong
