"""benchmarks/bench_profiles.py: the weekly model's routing profiles, counted without building the matrices."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import load_benchmark


def test_the_sample_needs_a_profile_per_kind_and_unit_on_duty_not_per_shift(tmp_path: Path) -> None:
    bench = load_benchmark("bench_profiles")
    out = tmp_path / "profiles.json"
    assert bench.main(["--cases", "sample", "--out", str(out)]) == 0
    row = json.loads(out.read_text())["sample"]
    # 65 unit-shifts, each with a reserve: 2 kinds + 65 profiles before; now 2 kinds + 10 colours (the most cars
    # and motorcycles of the sample's roster on duty within 12 hours of one another, settings.profile_gap_minutes)
    assert row["vehicles"] == row["shifts_with_copies"] == 65
    assert row["profiles_before"] == 67 and row["profiles_now"] == 12
    assert row["matrix_mib_now"] < row["matrix_mib_before"] / 5
