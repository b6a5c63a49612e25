"""No stacked visits (issue #12): visits of one object keep its minimum gap, surplus visits are named."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import routeplan
from routeplan import load_scenario
from routeplan import prepare_scenario as prepare
from routeplan.model.layers import CATEGORIES

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _scenario_with(tmp_path: Path, props: list[dict]) -> Path:
    """The sample scenario with these vital objects (placed at the sample's first objects) instead of its own."""
    for f in SAMPLE.iterdir():
        shutil.copy(f, tmp_path / f.name)
    src = json.loads((SAMPLE / "vital_objects.geojson").read_text())
    feats = [{"type": "Feature", "properties": p, "geometry": src["features"][i]["geometry"]} for i, p in enumerate(props)]
    (tmp_path / "vital_objects.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return tmp_path / "scenario.toml"


def _starts(plan):
    out: dict[str, list] = {}
    for r in plan.routes:
        for s in r.stops:
            if s.kind == "vital_object":
                out.setdefault(s.id, []).append(s.arrival)
    return {k: sorted(v) for k, v in out.items()}


def test_every_category_has_a_gap_of_hours():
    assert all(d.min_gap_hours >= 4 for d in CATEGORIES.values())


def test_bank_on_two_days_keeps_two_visits_and_names_the_surplus(tmp_path):
    path = _scenario_with(tmp_path, [{"id": "BANK", "name": "Bank", "category": "bank", "visits_per_week": 5,
                                      "days": ["mon", "thu"]}])
    sc = load_scenario(path)
    ctx = prepare(sc)
    assert len(ctx.warnings) == 1 and "BANK" in ctx.warnings[0] and "5 visits" in ctx.warnings[0]
    assert "only 2" in ctx.warnings[0]
    plan, _ = routeplan.plan(sc, ctx=ctx, seed=0, time_limit=20, max_iterations=200)
    times = _starts(plan).get("BANK", [])
    assert len(times) == 2 and {t.strftime("%a") for t in times} == {"Mon", "Thu"}
    surplus = [u for u in plan.unserved if u.reason == "surplus"]
    assert len(surplus) == 3 and all(u.id == "BANK" and u.detail for u in surplus)
    assert plan.required_visits == 5


def test_market_in_one_sunday_hour_gets_one_visit(tmp_path):
    path = _scenario_with(tmp_path, [{"id": "PSR", "name": "Pasar", "category": "pasar", "visits_per_week": 7,
                                      "days": ["sun"], "windows": ["02:00-03:00"]}])
    sc = load_scenario(path)
    ctx = prepare(sc)
    assert len(ctx.warnings) == 1 and "PSR" in ctx.warnings[0]
    plan, _ = routeplan.plan(sc, ctx=ctx, seed=0, time_limit=20, max_iterations=200)
    assert len(_starts(plan).get("PSR", [])) == 1
    assert sorted(u.reason for u in plan.unserved) == ["surplus"] * 6


def test_spbu_any_time_is_not_counted_twice_across_midnight(tmp_path):
    # only the night shift works: a stop at 23:50 and one at 00:00 would be one physical stop counted twice
    path = _scenario_with(tmp_path, [{"id": "SPBU", "name": "SPBU", "category": "spbu", "visits_per_week": 7}])
    sc = load_scenario(path)
    for u in sc.units:
        object.__setattr__(u, "shifts", ("malam",))
    ctx = prepare(sc)
    assert ctx.warnings == []
    plan, _ = routeplan.plan(sc, ctx=ctx, seed=0, time_limit=20, max_iterations=300)
    times = _starts(plan)["SPBU"]
    gap = CATEGORIES["spbu"].min_gap_hours * 3600
    assert len(times) + len(plan.unserved) == 7
    assert all((b - a).total_seconds() >= gap for a, b in zip(times, times[1:])), times
    assert not plan.solver["min_gap_violations"]


def test_no_two_visits_of_one_object_closer_than_its_gap_on_the_sample(demo_plan):
    plan, ctx = demo_plan
    gaps = {o.id: o.min_gap_hours * 3600 for o in ctx.objects}
    assert all(g > 0 for g in gaps.values())
    for oid, times in _starts(plan).items():
        for a, b in zip(times, times[1:]):
            assert (b - a).total_seconds() >= gaps[oid], (oid, a, b)
    assert not plan.solver["min_gap_violations"]


def test_cli_prints_the_capacity_warning(tmp_path):
    path = _scenario_with(tmp_path, [{"id": "BANK", "name": "Bank", "category": "bank", "visits_per_week": 5,
                                      "days": ["mon", "thu"]}])
    out = subprocess.run([sys.executable, "-m", "routeplan", "plan", str(path), "--out", str(tmp_path / "out"),
                          "--time-limit", "5", "--iterations", "50", "--quiet"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    lines = [x for x in out.stdout.splitlines() if "warning:" in x]
    assert len(lines) == 1 and "BANK" in lines[0]
