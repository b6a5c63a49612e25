"""``routeplan actual`` end to end: synthetic tracks and check-ins with a known truth."""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from actualdata import accuracy, plan_folder, synthetic_tracks

from routeplan.actual.run import compare_actual, plan_context, read_tracks
from routeplan.cli import main
from routeplan.render.offline import remote_assets
from routeplan.serve.texts import stage_text


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory):
    return plan_folder(tmp_path_factory.mktemp("actual"))


@pytest.fixture(scope="module")
def week(plan_dir, tmp_path_factory):
    """A week of tracks of every unit: GPS noise, sampling gaps, missed stops, short stops, visits at the wrong
    hour, detours and one route whose track never leaves the depot."""
    folder = tmp_path_factory.mktemp("tracks")
    syn = synthetic_tracks(plan_dir, folder, seed=4, noise_m=10.0, gaps=0.08)
    out = tmp_path_factory.mktemp("out") / "actual"
    assert main(["actual", str(plan_dir), "--tracks", str(folder), "--out", str(out)]) == 0
    return syn, folder, out


def test_at_least_95_percent_of_visits_are_classified_as_the_truth_says(week):
    syn, _folder, out = week
    share, wrong = accuracy(out / "actual.csv", syn)
    assert share >= 0.95, wrong[:5]
    truths = set(syn.truth.values())
    assert {"done", "missed", "too_short", "done_late"} <= truths  # the truth holds every kind of fate
    statuses = {r["status"] for r in csv.DictReader((out / "actual.csv").open(encoding="utf-8"))}
    assert {"done", "missed", "too_short", "done_late"} <= statuses


def test_a_track_that_never_leaves_the_depot_misses_every_stop(week):
    syn, _folder, out = week
    data = json.loads((out / "actual.json").read_text())
    (home,) = syn.at_depot
    statuses = [v["status"] for v in data["visits"] if (v["unit"], v["day"], v["shift"]) == home]
    truth = [f for k, f in sorted(syn.truth.items()) if k[:3] == home]
    assert statuses.count("missed") == truth.count("missed") >= 1



def test_a_track_that_never_leaves_the_depot_drives_no_km(week):
    syn, _folder, out = week
    data = json.loads((out / "actual.json").read_text())
    (home,) = syn.at_depot
    r = next(r for r in data["routes"] if (r["unit"], r["day"], r["shift"]) == home)
    assert r["km"] < 0.5 and r["patrol_minutes"] < 5


def test_matched_km_are_of_the_planned_order(week):
    _syn, _folder, out = week
    data = json.loads((out / "actual.json").read_text())
    for u in data["units"]:
        assert u["km"] == pytest.approx(u["planned_km"], rel=0.5)


def test_outputs_have_units_hotspots_and_one_csv_row_per_planned_visit(week, plan_dir):
    _syn, _folder, out = week
    data = json.loads((out / "actual.json").read_text())
    plan = json.loads((plan_dir / "plan.json").read_text())
    planned = sum(len(r["stops"]) for r in plan["routes"])
    rows = list(csv.DictReader((out / "actual.csv").open(encoding="utf-8")))
    assert len(rows) == planned == data["summary"]["visits"]
    assert {"unit", "day", "shift", "id", "status", "evidence"} <= set(rows[0])
    assert {u["unit"] for u in data["units"]} == {r["unit"] for r in plan["routes"]}
    for u in data["units"]:
        assert u["km"] > 0 and 0 <= u["compliance_pct"] <= 100
    assert data["hotspots"] and all(h["delivered_minutes"] >= 0 for h in data["hotspots"])
    assert any(h["hours_matched"] > 0 for h in data["hotspots"])
    assert data["unplanned_stops"], "the detours where stops were skipped are unplanned stops"
    assert data["missed_required"] == sorted({v["id"] for v in data["visits"]
                                              if v["status"] == "missed" and v["kind"] == "vital_object"})


def test_the_page_shows_planned_against_actual_offline(week):
    _syn, _folder, out = week
    page = (out / "actual.html").read_text()
    assert not remote_assets(page)
    assert "rp-missed" in page and "rp-actual-panel" in page
    assert page.count("dashArray") >= 1  # the planned route, dashed


def test_same_inputs_give_the_same_actual_json(week, plan_dir, tmp_path):
    _syn, folder, out = week
    again = tmp_path / "again"
    assert main(["actual", str(plan_dir), "--tracks", str(folder), "--out", str(again)]) == 0
    assert (again / "actual.json").read_bytes() == (out / "actual.json").read_bytes()


def test_checkins_on_time_late_far_away_and_for_unknown_objects(plan_dir, tmp_path):
    plan = json.loads((plan_dir / "plan.json").read_text())
    r = plan["routes"][0]
    s1, s2 = r["stops"][0], r["stops"][1]
    ck = tmp_path / "checkins.csv"
    late = s2["arrival"][:11] + f"{int(s2['arrival'][11:13]) + 1:02d}" + s2["arrival"][13:]  # an hour late
    ck.write_text(
        "unit,object_id,time,lat,lon\n"
        f"{r['unit']},{s1['id']},{s1['arrival']},{s1['lat']},{s1['lon']}\n"  # on time, at the object
        f"{r['unit']},{s2['id']},{late},,\n"  # late, no position
        f"{r['unit']},{s1['id']},{s1['arrival']},{s1['lat'] + 0.02},{s1['lon']}\n"  # 2 km away
        f"{r['unit']},NOT-AN-OBJECT,{s1['arrival']},,\n"
        f"NO-UNIT,{s1['id']},{s1['arrival']},,\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["actual", str(plan_dir), "--checkins", str(ck), "--out", str(out)]) == 0
    data = json.loads((out / "actual.json").read_text())
    flags = {c["row"]: c["flag"] for c in data["checkins"]}
    assert flags == {2: "", 3: "", 4: "far", 5: "unknown_object", 6: "unknown_unit"}
    first = [v for v in data["visits"] if (v["unit"], v["day"], v["shift"]) == (r["unit"], r["day"], r["shift"])]
    assert first[0]["status"] == "done" and first[0]["evidence"] == "checkin" and first[0]["checkin_row"] == 2
    assert first[1]["status"] == "done_late" and first[1]["delay_minutes"] == pytest.approx(60, abs=1)
    others = [v for v in data["visits"] if v not in first]
    assert all(v["status"] == "missed" for v in others)  # the far check-in proves nothing


def test_user_text_is_data_in_page_and_csv(plan_dir, tmp_path):
    evil = tmp_path / "plan"
    shutil.copytree(plan_dir, evil)
    plan = json.loads((evil / "plan.json").read_text())
    plan["routes"][0]["stops"][0]["name"] = "=HYPERLINK(\"x\") <script>alert(1)</script> {{7*7}} {% raw %}"
    (evil / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    r, s = plan["routes"][0], plan["routes"][0]["stops"][0]
    ck = tmp_path / "c.csv"
    ck.write_text(f"unit,object_id,time\n{r['unit']},{s['id']},{s['arrival']}\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["actual", str(evil), "--checkins", str(ck), "--out", str(out)]) == 0
    page = (out / "actual.html").read_text()
    assert "<script>alert(1)" not in page and "{{7*7}}" not in page and "{% raw %}" not in page
    assert "&lt;script&gt;alert(1)" in page
    row = next(csv.DictReader((out / "actual.csv").open(encoding="utf-8")))
    assert row["name"].startswith("'=HYPERLINK")


def test_nothing_to_compare_is_refused(plan_dir, tmp_path, capsys):
    assert main(["actual", str(plan_dir), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--tracks" in err
    assert not (tmp_path / "o").exists()


def test_the_comparison_reports_its_steps_in_order(week, plan_dir):
    """The web job shows these steps between 35 % and 95 % (it used to jump); each has an Indonesian text."""
    _syn, folder, _out = week
    plan, ctx = plan_context(plan_dir)
    steps: list[tuple[float, str]] = []
    compare_actual(plan, ctx, read_tracks([folder], plan, ctx), [], progress=lambda s, label: steps.append((s, label)))
    shares = [s for s, _label in steps]
    assert len(steps) >= 4 and shares == sorted(shares) and 0.0 <= shares[0] and shares[-1] < 1.0
    assert all(stage_text(label, "id") != label for _s, label in steps)
