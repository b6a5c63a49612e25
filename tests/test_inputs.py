"""Saved inputs: a plan folder keeps its scenario and layers (with checksums); replan works from them.

``routeplan replan`` re-plans from the copies in ``PLAN/inputs`` and warns in one line when the originals
changed since; it writes a new folder unless ``--replace``; a plan folder without ``inputs/`` (an earlier
version) is still re-planned from the scenario file its plan.json names.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from test_bad_input import FAST, feature, objects_geojson, run, world
from test_outputs import leftovers, refused, tree

from routeplan._inputs import MANIFEST
from routeplan.load.scenario import load_scenario
from routeplan.pipeline import load_saved_scenario


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture
def planned(tmp_path: Path, capsys) -> tuple[Path, Path]:
    sc = world(tmp_path / "w")
    out = tmp_path / "plan"
    code, stdout, err = run(capsys, "plan", str(sc), "--out", str(out), *FAST)
    assert code == 0, err
    return sc, out


def test_plan_folder_keeps_its_inputs_with_checksums(planned) -> None:
    sc, out = planned
    manifest = json.loads((out / "inputs" / MANIFEST).read_text(encoding="utf-8"))
    files = {f["role"]: f for f in manifest["files"]}
    assert set(files) == {"scenario", "osm_file", "vital_objects"}
    for role, name in (("scenario", "scenario.toml"), ("osm_file", "roads.osm"), ("vital_objects", "vo.geojson")):
        f = files[role]
        assert f["original"] == str(sc.parent / name) and f["saved"] == name
        assert f["sha256"] == _sha(sc.parent / name) == _sha(out / "inputs" / name)
    # the copy is a scenario of its own: its relative paths find the saved layers
    again = load_scenario(out / "inputs" / "scenario.toml")
    assert again.vital_objects == out / "inputs" / "vo.geojson" and again.vital_objects.is_file()
    assert json.loads((out / ".routeplan").read_text(encoding="utf-8"))["files"].count("inputs/vo.geojson") == 1


def test_replan_uses_the_saved_inputs_and_warns_when_originals_changed(planned, capsys) -> None:
    sc, out = planned
    before = tree(out)
    # the planner edits the layer after planning: a new object and a renamed one
    (sc.parent / "vo.geojson").write_text(objects_geojson(
        feature("VO-1", 113.2021, -8.2259, name="Renamed"), feature("VO-9", 113.2061, -8.2281)), encoding="utf-8")
    code, stdout, err = run(capsys, "replan", str(out), "--from", "2026-12-01", *FAST)
    assert code == 0, err
    new = out.parent / "plan-replan-2026-12-01"
    warnings = [line for line in stdout.splitlines() if "warning:" in line and "changed since" in line]
    assert len(warnings) == 1 and "vital_objects" in warnings[0] and str(sc.parent / "vo.geojson") in warnings[0]
    assert "scenario (" not in warnings[0]  # only what changed is named
    assert tree(out) == before  # the plan folder is left as it was
    plan = json.loads((new / "plan.json").read_text(encoding="utf-8"))
    names = {s["name"] for r in plan["routes"] for s in r["stops"]}
    ids = {s["id"] for r in plan["routes"] for s in r["stops"]} | {u["id"] for u in plan["unserved"]}
    assert "Renamed" not in names and "VO-9" not in ids and {"VO-1", "VO-2"} & ids  # the saved layer
    assert plan["scenario_file"] == str(sc.resolve())
    # the new folder keeps the same saved inputs and originals, so a later re-plan warns again
    assert json.loads((new / "inputs" / MANIFEST).read_text()) == json.loads((out / "inputs" / MANIFEST).read_text())
    assert "map:" in stdout and str(new / "map.html") in stdout and str(new / "briefings" / "index.html") in stdout
    assert leftovers(out.parent) == []


def test_replan_without_changes_says_nothing_and_replace_replaces(planned, capsys) -> None:
    _sc, out = planned
    code, stdout, err = run(capsys, "replan", str(out), "--from", "2026-12-01", "--replace", *FAST)
    assert code == 0, err
    assert "changed since" not in stdout + err
    assert json.loads((out / "plan.json").read_text(encoding="utf-8"))["replanned"]
    assert (out / "inputs" / "vo.geojson").is_file() and sorted(p.name for p in out.parent.iterdir()) == ["plan", "w"]
    # a second re-plan without --out gets a folder of its own, never over an existing one
    for expected in ("plan-replan-2026-12-01", "plan-replan-2026-12-01-2"):
        code, _o, err = run(capsys, "replan", str(out), "--from", "2026-12-01", *FAST)
        assert code == 0, err
        assert (out.parent / expected / "plan.json").is_file()


def test_replan_refuses_replace_with_out_and_an_edited_copy(planned, tmp_path, capsys) -> None:
    _sc, out = planned
    refused(capsys, "replan", str(out), "--from", "2026-12-01", "--replace", "--out", str(tmp_path / "x"), *FAST,
            fragments=("--replace", "--out"))
    with (out / "inputs" / "vo.geojson").open("a", encoding="utf-8") as fh:
        fh.write("\n")
    before = tree(tmp_path)
    refused(capsys, "replan", str(out), "--from", "2026-12-01", *FAST,
            fragments=(str(out / "inputs" / "vo.geojson"), "checksum"))
    assert tree(tmp_path) == before


def test_replan_of_an_earlier_plan_folder_without_inputs(planned, capsys) -> None:
    sc, out = planned
    shutil.rmtree(out / "inputs")
    marker = json.loads((out / ".routeplan").read_text(encoding="utf-8"))
    marker["files"] = [f for f in marker["files"] if not f.startswith("inputs")]
    (out / ".routeplan").write_text(json.dumps(marker), encoding="utf-8")
    assert load_saved_scenario(out) is None
    code, stdout, err = run(capsys, "replan", str(out), "--from", "2026-12-01", "--replace", *FAST)
    assert code == 0, err
    assert "changed since" not in stdout and (out / "inputs" / "scenario.toml").is_file()


def test_layers_outside_the_scenario_folder_are_saved_apart(tmp_path, capsys) -> None:
    sc = world(tmp_path / "w")
    (tmp_path / "layers").mkdir()
    shutil.move(sc.parent / "vo.geojson", tmp_path / "layers" / "vo.geojson")
    sc.write_text(sc.read_text().replace('"vo.geojson"', '"../layers/vo.geojson"'), encoding="utf-8")
    out = tmp_path / "plan"
    code, _o, err = run(capsys, "plan", str(sc), "--out", str(out), *FAST)
    assert code == 0, err
    files = {f["role"]: f for f in json.loads((out / "inputs" / MANIFEST).read_text())["files"]}
    assert files["vital_objects"]["saved"] == "_other/vital_objects/vo.geojson"
    loaded = load_saved_scenario(out)
    assert loaded is not None
    scenario, changed = loaded
    assert scenario.vital_objects == out / "inputs" / "_other" / "vital_objects" / "vo.geojson" and changed == []


def test_weeks_share_one_set_of_saved_inputs(tmp_path, capsys) -> None:
    sc = world(tmp_path / "w")
    out = tmp_path / "weeks"
    code, _o, err = run(capsys, "plan", str(sc), "--out", str(out), "--weeks", "2", *FAST)
    assert code == 0, err
    one, two = (out / "week-1" / "inputs", out / "week-2" / "inputs")
    assert json.loads((one / MANIFEST).read_text()) == json.loads((two / MANIFEST).read_text())
    for name in ("scenario.toml", "roads.osm", "vo.geojson"):
        assert (one / name).stat().st_ino == (two / name).stat().st_ino  # hard links, not N copies
        assert (sc.parent / name).stat().st_nlink == 1  # never a link to the original
    start = json.loads((out / "week-2" / "plan.json").read_text(encoding="utf-8"))["start_date"]
    code, stdout, err = run(capsys, "replan", str(out / "week-2"), "--from", start, *FAST)
    assert code == 0, err
    assert (out / f"week-2-replan-{start}" / "plan.json").is_file()
