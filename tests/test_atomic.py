"""Outputs are written atomically, stay inside --out, neutralise hostile text, and repeat byte for byte."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_bad_input import FAST, LAT0, LON0, feature, objects_geojson, run, snapshot, world

import routeplan.render.export
from routeplan._io import atomic_output_dir, safe_filename


def _leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if ".staging-" in p.name or ".old-" in p.name]


@pytest.fixture
def planned(tmp_path: Path, capsys) -> tuple[Path, Path]:
    """A tiny world and a first successful plan folder."""
    sc = world(tmp_path / "w")
    out = tmp_path / "out"
    code, _o, err = run(capsys, "plan", str(sc), "--out", str(out), *FAST)
    assert code == 0, err
    assert (out / "plan.json").exists() and (out / "map.html").exists()
    return sc, out


def test_failed_write_keeps_previous_plan(planned, monkeypatch, capsys) -> None:
    sc, out = planned
    before = snapshot(out)

    def boom(*_a, **_k):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(routeplan.render.export, "write_geopackage", boom)
    code, _o, err = run(capsys, "plan", str(sc), "--out", str(out), *FAST)
    assert code != 0
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err and "disk full" in err
    assert snapshot(out) == before
    assert _leftovers(out.parent) == []


def test_interrupted_write_keeps_previous_plan(planned, monkeypatch, capsys) -> None:
    sc, out = planned
    before = snapshot(out)

    def ctrl_c(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(routeplan.render.export, "route_gpx", ctrl_c)  # midway: plan.json and stops.csv are staged
    code, _o, err = run(capsys, "plan", str(sc), "--out", str(out), *FAST)
    assert code == 130 and "nothing was written" in err
    assert snapshot(out) == before
    assert _leftovers(out.parent) == []


def test_failed_first_run_leaves_no_folder(tmp_path, monkeypatch, capsys) -> None:
    sc = world(tmp_path / "w")
    out = tmp_path / "new" / "out"
    monkeypatch.setattr(routeplan.render.export, "write_geopackage", lambda *a, **k: 1 / 0)
    code, _o, err = run(capsys, "plan", str(sc), "--out", str(out), *FAST)
    assert code == 1 and "internal error" in err
    assert not out.exists() and _leftovers(out.parent) == []


def test_atomic_output_dir_replaces_whole_folder(tmp_path) -> None:
    out = tmp_path / "out"
    with atomic_output_dir(out) as stage:
        (stage / "stale.txt").write_text("old", encoding="utf-8")
    with atomic_output_dir(out) as stage:
        (stage / "new.txt").write_text("new", encoding="utf-8")
        assert not (out / "new.txt").exists()  # nothing visible until the end
    assert sorted(p.name for p in out.iterdir()) == [".routeplan", "new.txt"]
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("name", ["../../x", "..", "/etc/passwd", "a/../../b", "C:\\Windows\\x", "\x00", "",
                                  "..\\..\\x", "con", "a" * 500])
def test_safe_filename(name) -> None:
    s = safe_filename(name)
    assert s and "/" not in s and "\\" not in s and s not in (".", "..") and not s.startswith(".")
    assert len(s) <= 80 and "\x00" not in s


HOSTILE = "<script>alert(1)</script>"


def test_hostile_ids_and_names_stay_contained(tmp_path, capsys) -> None:
    """A unit id ``../../x`` cannot write outside --out; names cannot inject HTML or spreadsheet formulas."""
    layer = objects_geojson(
        feature("=HYPERLINK(\"http://evil\")", LON0 + 0.0021, LAT0 + 0.0041, name=HOSTILE, desa="+cmd|' /C calc'!A0"),
        feature("../../y", LON0 + 0.0061, LAT0 + 0.0019, name="@SUM(1+1)", category="bank"),
    )
    base = tmp_path / "deep" / "er"
    sc = world(base / "w", layer=layer, unit="../../x")
    out = base / "out"
    code, _o, err = run(capsys, "plan", str(sc), "--out", str(out), *FAST)
    assert code == 0, err
    every = {p.resolve() for p in tmp_path.rglob("*")}
    inside = {p.resolve() for p in out.rglob("*")} | {out.resolve()}
    inputs = {p.resolve() for p in (base / "w").rglob("*")} | {(base / "w").resolve()}
    assert every - inside - inputs == {(tmp_path / "deep").resolve(), base.resolve()}
    gpx = sorted(p.name for p in (out / "gpx").iterdir())
    assert gpx and all(name.startswith("x_") for name in gpx), gpx
    pages = list(out.rglob("*.html"))
    assert out / "map.html" in pages
    for page in pages:
        assert HOSTILE not in page.read_text(encoding="utf-8"), page
    stops = (out / "stops.csv").read_text(encoding="utf-8")
    for line in stops.splitlines()[1:]:
        for cell in line.split(","):
            assert cell.lstrip('"')[:1] not in ("=", "+", "@") or cell.lstrip('"').startswith("'"), line
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert {r["unit"] for r in plan["routes"]} == {"../../x"}  # the data keeps the id; only file names change


def _demo(out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    return subprocess.Popen(
        [sys.executable, "-m", "routeplan", "demo", "--out", str(out), "--iterations", "400",
         "--time-limit", "900", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_same_inputs_and_seed_give_identical_plan_json(tmp_path) -> None:
    """Two processes (different hash seeds), same inputs and seed: byte-identical plan.json."""
    procs = [_demo(tmp_path / "a"), _demo(tmp_path / "b")]
    for p in procs:
        _out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
    a = (tmp_path / "a" / "plan.json").read_bytes()
    b = (tmp_path / "b" / "plan.json").read_bytes()
    assert a == b
    assert json.loads(a)["routes"]
    assert (tmp_path / "a" / "stops.csv").read_bytes() == (tmp_path / "b" / "stops.csv").read_bytes()
