"""Operations on the calendar (issue #17): rules that change by date, polling stations by risk class, units away."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

import routeplan
from routeplan.cli import main
from routeplan.errors import InputError
from routeplan.load.layers import read_vital_objects
from routeplan.model.operations import RISK_CLASS_DEFAULTS
from routeplan.report.scorecard import score_plan

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
OP_DAYS = {dt.date(2026, 12, 3), dt.date(2026, 12, 4), dt.date(2026, 12, 5)}


@pytest.fixture(scope="module")
def op_plan():
    return routeplan.plan(SAMPLE / "scenario_operasi.toml", seed=1, time_limit=120, max_iterations=800)


def _visits(plan, pred) -> Counter:
    c: Counter = Counter()
    for r in plan.routes:
        for s in r.stops:
            if pred(s):
                c[(s.id, s.arrival.date())] += 1
    return c


def test_example_operation_is_read():
    sc = routeplan.load_scenario(SAMPLE / "scenario_operasi.toml")
    (op,) = sc.operations
    assert (op.name, op.start, op.end) == ("Pengamanan Pilkades", dt.date(2026, 12, 3), dt.date(2026, 12, 5))
    assert op.visits_per_day == {"tps": 2, "pasar": 1} and op.dwell_minutes == {"tps": 20}
    assert op.windows == {"tps": ((360, 840),)}
    assert op.risk_classes["sangat_rawan"] == (3, 30)
    assert [u.unavailable for u in sc.units if u.unavailable] == [((dt.date(2026, 12, 4), dt.date(2026, 12, 4)),)]
    tps = read_vital_objects(SAMPLE / "tps_pilkades.geojson")
    assert {o.risk_class for o in tps} == {"sangat_rawan", "rawan", "aman"}


def test_operation_raises_visits_on_its_days_only(op_plan):
    plan, ctx = op_plan
    pilkades = {o.id for o in ctx.objects if o.operation}
    assert pilkades and all(i.startswith("TPS-P") for i in pilkades)
    by_day = _visits(plan, lambda s: s.id in pilkades)
    assert by_day and {d for _, d in by_day} <= OP_DAYS  # polling stations of the Pilkades exist only then
    markets = [o for o in ctx.objects if o.category == "pasar"]
    mk = _visits(plan, lambda s: s.category == "pasar")
    for o in markets:  # one visit a day on the operation's days: at most one, and served
        for d in OP_DAYS:
            assert mk[(o.id, d)] == 1, (o.id, d)
    card = score_plan(plan, ctx)
    (row,) = card["operations"]
    assert row["name"] == "Pengamanan Pilkades" and row["days"] == sorted(d.isoformat() for d in OP_DAYS)
    assert set(row["categories"]) == {"tps", "pasar"}
    assert row["served"] + row["shortfall"] == row["required"]
    assert row["shortfall"] == 0 or row["unserved_by_reason"]


def test_tps_visits_follow_risk_classes(op_plan):
    plan, ctx = op_plan
    sc = ctx.scenario
    row = score_plan(plan, ctx)["operations"][0]
    for rc, counts in row["by_risk_class"].items():
        visits = sc.operations[0].risk_classes.get(rc, RISK_CLASS_DEFAULTS[rc])[0]
        assert counts["required"] == counts["objects"] * visits * len(OP_DAYS), rc
    # dwell of a visit follows the class too
    dwell = {rc: sc.operations[0].risk_classes[rc][1] for rc in sc.operations[0].risk_classes}
    cls = {o.id: o.risk_class for o in ctx.objects if o.operation}
    for r in plan.routes:
        for s in r.stops:
            if s.id in cls:
                assert s.dwell_minutes == dwell[cls[s.id]], s.id
    # a very prone station asks more than a safe one
    assert RISK_CLASS_DEFAULTS["sangat_rawan"][0] > RISK_CLASS_DEFAULTS["aman"][0]


def test_unit_on_leave_gets_no_route_that_day(op_plan):
    plan, ctx = op_plan
    assert not [r for r in plan.routes if r.unit == "R2-4" and r.day == dt.date(2026, 12, 4)]
    sc = ctx.scenario
    r24 = next(u for u in sc.units if u.id == "R2-4")
    assert sc.day_index(dt.date(2026, 12, 4)) in r24.days  # it would work that day without the leave
    assert sc.day_index(dt.date(2026, 12, 4)) not in sc.working_days(r24)


def test_weeks_around_the_operation_keep_the_weekly_rules():
    """Over two weeks, the week after the operation asks exactly what the scenario without it asks."""
    base, _ = routeplan.plan(SAMPLE / "scenario.toml", seed=1, time_limit=120, max_iterations=200)
    plans, ctx = routeplan.plan_weeks(SAMPLE / "scenario_operasi.toml", 2, seed=1, time_limit=120, max_iterations=200)
    first, second = plans
    assert second.required_visits == base.required_visits
    assert first.required_visits != base.required_visits  # the operation's days ask more
    pilkades = {o.id for o in ctx.objects if o.operation}
    assert not _visits(second, lambda s: s.id in pilkades)
    assert {r.day for r in second.routes if r.unit == "R2-4"} >= {dt.date(2026, 12, 11)}  # back from leave
    with pytest.raises(InputError, match="outside the plan"):
        sc = routeplan.load_scenario(SAMPLE / "scenario_operasi.toml")
        routeplan.plan(dataclasses.replace(sc, start_date=sc.start_date + dt.timedelta(days=14)), max_iterations=10)


def _write_ops(tmp_path: Path, ops_toml: str, extra_unit: str = "") -> Path:
    for f in ("roads.osm", "vital_objects.geojson", "hotspots.geojson", "desa.geojson", "tps_pilkades.geojson"):
        shutil.copy(SAMPLE / f, tmp_path / f)
    text = (SAMPLE / "scenario.toml").read_text(encoding="utf-8")
    (tmp_path / "scenario.toml").write_text(text.rstrip("\n") + "\n" + extra_unit + "\n" + ops_toml, encoding="utf-8")
    return tmp_path / "scenario.toml"


OP = '''
[[operations]]
name = "{name}"
start = "{start}"
end = "{end}"
visits_per_day = {{ {cat} = 2 }}
'''


@pytest.mark.parametrize(("ops", "unit", "message"), [
    (OP.format(name="A", start="2026-12-03", end="2026-12-05", cat="pasar")
     + OP.format(name="B", start="2026-12-05", end="2026-12-06", cat="pasar"), "", "overlap"),
    (OP.format(name="A", start="2026-12-05", end="2026-12-03", cat="pasar"), "", "before start"),
    (OP.format(name="A", start="2026-12-03", end="2026-12-05", cat="pasr"), "", "did you mean 'pasar'"),
    (OP.format(name="A", start="2027-03-01", end="2027-03-02", cat="pasar"), "", "outside the plan"),
    (OP.format(name="A", start="2026-13-01", end="2026-12-05", cat="pasar"), "", "not an ISO date"),
    (OP.format(name="{{7*7}}<script>", start="2026-12-03", end="2026-12-05", cat="pasar")
     + OP.format(name="B", start="2026-12-04", end="2026-12-04", cat="pasar"), "", "overlap"),
    ("", 'unavailable = [["2026-12-05", "2026-12-04"]]', "before start"),
    ("", 'unavailable = ["2026-12-05"]', "[start, end] pair"),
    (OP.format(name="A", start="2026-12-03", end="2026-12-05", cat="pasar")
     + 'risk_classes = { tinggi = { visits_per_day = 2 } }\n', "", "unknown risk class"),
])
def test_bad_operations_exit_2_with_one_line(tmp_path, capsys, ops, unit, message):
    scen = _write_ops(tmp_path, ops, unit)
    out = tmp_path / "out"
    assert main(["plan", str(scen), "--out", str(out), "--iterations", "10", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err
    assert not out.exists()


def test_bad_risk_class_in_an_operation_layer(tmp_path, capsys):
    ops = OP.format(name="A", start="2026-12-03", end="2026-12-05", cat="pasar") + 'layers = ["tps_pilkades.geojson"]\n'
    scen = _write_ops(tmp_path, ops)
    fc = json.loads((tmp_path / "tps_pilkades.geojson").read_text(encoding="utf-8"))
    fc["features"][0]["properties"]["risk_class"] = "merah"
    (tmp_path / "tps_pilkades.geojson").write_text(json.dumps(fc), encoding="utf-8")
    assert main(["plan", str(scen), "--out", str(tmp_path / "out"), "--iterations", "10", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "risk_class 'merah'" in err and "sangat_rawan" in err


def test_operation_layer_ids_must_not_repeat_the_objects(tmp_path, capsys):
    ops = OP.format(name="A", start="2026-12-03", end="2026-12-05", cat="pasar") + 'layers = ["tps_pilkades.geojson"]\n'
    scen = _write_ops(tmp_path, ops)
    fc = json.loads((tmp_path / "tps_pilkades.geojson").read_text(encoding="utf-8"))
    fc["features"][0]["properties"]["id"] = "VO-001"
    (tmp_path / "tps_pilkades.geojson").write_text(json.dumps(fc), encoding="utf-8")
    assert main(["plan", str(scen), "--out", str(tmp_path / "out"), "--iterations", "10", "--quiet"]) == 2
    assert "'VO-001'" in capsys.readouterr().err


def test_operation_name_is_text_in_the_map_panel(op_plan):
    from routeplan.report.scorecard import scorecard_panel_html

    plan, ctx = op_plan
    card = score_plan(plan, ctx)
    card["operations"][0]["name"] = "{{7*7}}{% raw %}<script>window.__pwned=1</script>\u2028"
    html = scorecard_panel_html(card)
    assert "&lt;script&gt;" in html and "<script>window.__pwned" not in html
    assert "{{7*7}}" not in html  # braces are escaped for the map's template engine too


def test_replan_inside_the_operation_keeps_its_rules(tmp_path, capsys, op_plan):
    plan, ctx = op_plan
    routeplan.write_plan(plan, ctx, tmp_path / "plan")
    new, ctx2 = routeplan.replan(tmp_path / "plan", dt.date(2026, 12, 4), units_off={"R4-1"}, seed=1,
                                 time_limit=120, max_iterations=200)
    pilkades = {o.id for o in ctx2.objects if o.operation}
    days = {d for _, d in _visits(new, lambda s: s.id in pilkades)}
    assert days == OP_DAYS  # kept on the 3rd, planned again on the 4th and 5th
    assert not [r for r in new.routes if r.unit == "R4-1" and r.day >= dt.date(2026, 12, 4)]
    row = score_plan(new, ctx2)["operations"][0]
    assert row["required"] == score_plan(plan, ctx)["operations"][0]["required"]
    # the replanned plan names the operation on the same days, and keeps the reserve of the kept routes
    assert [(x.day, x.name) for x in new.operations] == [(d, "Pengamanan Pilkades") for d in sorted(OP_DAYS)]
    kept = {(r.unit, r.day, r.shift): r.reserve for r in plan.routes if r.day < dt.date(2026, 12, 4)}
    assert kept and all(r.reserve == kept[(r.unit, r.day, r.shift)] for r in new.routes if r.day < dt.date(2026, 12, 4))


def test_replan_uses_the_saved_operation_layer(tmp_path, capsys):
    work = tmp_path / "work"
    shutil.copytree(SAMPLE, work)
    out = tmp_path / "plan"
    assert main(["plan", str(work / "scenario_operasi.toml"), "--out", str(out), "--iterations", "60", "--quiet"]) == 0
    manifest = json.loads((out / "inputs" / "manifest.json").read_text(encoding="utf-8"))
    assert [f["saved"] for f in manifest["files"] if f["role"] == "operation_layer"] == ["tps_pilkades.geojson"]
    (work / "tps_pilkades.geojson").unlink()  # the planner moved the original away: the saved copy is used
    capsys.readouterr()
    assert main(["replan", str(out), "--from", "2026-12-04", "--out", str(tmp_path / "again"),
                 "--iterations", "60", "--quiet"]) == 0
    assert "tps_pilkades.geojson" in capsys.readouterr().out  # named among the changed originals
    plan = json.loads((tmp_path / "again" / "plan.json").read_text(encoding="utf-8"))
    ids = {s["id"] for r in plan["routes"] for s in r["stops"]}
    assert any(i.startswith("TPS-P") for i in ids)
