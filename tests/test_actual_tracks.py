"""GPX tracks for ``routeplan actual``: unit assignment, GPX flavours, and bad files (one line, exit 2)."""

from __future__ import annotations

import json

import pytest
from actualdata import plan_folder

from routeplan import settings
from routeplan.actual.tracks import unit_of
from routeplan.cli import main
from routeplan.errors import InputError


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory):
    return plan_folder(tmp_path_factory.mktemp("tracks"))


@pytest.fixture(scope="module")
def route(plan_dir):
    return json.loads((plan_dir / "plan.json").read_text())["routes"][0]


def _gpx(points: list[tuple[float, float, str | None]], version: str = "1.1", segments: int = 1) -> str:
    per = max(1, len(points) // segments)
    segs = []
    for k in range(0, len(points), per):
        pts = "".join(f'<trkpt lat="{lat}" lon="{lon}">' + (f"<time>{t}</time>" if t else "") + "</trkpt>"
                      for lon, lat, t in points[k:k + per])
        segs.append(f"<trkseg>{pts}</trkseg>")
    ns = "http://www.topografix.com/GPX/1/1" if version == "1.1" else "http://www.topografix.com/GPX/1/0"
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="{version}" creator="test" xmlns="{ns}">'
            f"<trk><name>t</name>{''.join(segs)}</trk></gpx>\n")


def _stop_points(s: dict, day_offset: str = "+07:00", minutes: int = 20) -> list[tuple[float, float, str]]:
    hh, mm = int(s["arrival"][11:13]), int(s["arrival"][14:16])
    out = []
    for k in range(minutes * 6):  # one point every 10 s
        m = mm + k // 6
        out.append((s["lon"], s["lat"], f"{s['arrival'][:10]}T{hh + m // 60:02d}:{m % 60:02d}:{(k % 6) * 10:02d}{day_offset}"))
    return out


def _run(plan_dir, tmp_path, *files, extra=()):
    out = tmp_path / "out"
    code = main(["actual", str(plan_dir), "--tracks", *map(str, files), "--out", str(out), *extra])
    return code, out


def _one_line_error(capsys, *words):
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for w in words:
        assert w in err, err
    return err


def test_a_track_named_by_its_unit_proves_the_stop_gpx_1_0_local_times_and_segments(plan_dir, route, tmp_path):
    s = route["stops"][0]
    f = tmp_path / f"{route['unit']}_{route['day']}_{route['shift']}.gpx"
    f.write_text(_gpx(_stop_points(s), version="1.0", segments=3), encoding="utf-8")
    code, out = _run(plan_dir, tmp_path, f)
    assert code == 0
    first = json.loads((out / "actual.json").read_text())["visits"][0]
    assert (first["id"], first["status"], first["evidence"]) == (s["id"], "done", "track")


def test_utc_times_give_the_same_result(plan_dir, route, tmp_path):
    s = route["stops"][0]
    import datetime as dt
    pts = []
    for lon, lat, t in _stop_points(s):
        pts.append((lon, lat, dt.datetime.fromisoformat(t).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")))
    f = tmp_path / f"{route['unit']}.gpx"
    f.write_text(_gpx(pts), encoding="utf-8")
    code, out = _run(plan_dir, tmp_path, f)
    assert code == 0
    assert json.loads((out / "actual.json").read_text())["visits"][0]["status"] == "done"


def test_a_mapping_file_assigns_a_track_to_its_unit(plan_dir, route, tmp_path):
    f = tmp_path / "phone-export-1.gpx"
    f.write_text(_gpx(_stop_points(route["stops"][0])), encoding="utf-8")
    mapping = tmp_path / "units.csv"
    mapping.write_text(f"file,unit\nphone-export-1.gpx,{route['unit']}\n", encoding="utf-8")
    code, out = _run(plan_dir, tmp_path, f, extra=["--track-units", str(mapping)])
    assert code == 0
    assert json.loads((out / "actual.json").read_text())["visits"][0]["status"] == "done"


def test_unit_ids_match_by_the_longest_prefix():
    units = ["R2-1", "R2-10"]
    from pathlib import Path
    assert unit_of(Path("R2-10_2026-12-01.gpx"), units) == "R2-10"
    assert unit_of(Path("R2-1.gpx"), units) == "R2-1"
    with pytest.raises(InputError, match="cannot tell the unit"):
        unit_of(Path("R2-1x.gpx"), units)


def _bad_cases(route):
    s = route["stops"][0]
    good = _stop_points(s)
    year = [(lon, lat, "2025" + t[4:]) for lon, lat, t in good]
    far = [(lon + 3.0, lat, t) for lon, lat, t in good]
    return {
        "no_times": (_gpx([(lon, lat, None) for lon, lat, _t in good]), "have no time"),
        "no_points": (_gpx([]), "no track points"),
        "outside_area": (_gpx(far), "inside the plan's area"),
        "wrong_year": (_gpx(year), "wrong year"),
        "not_gpx": ("unit,object_id,time\nR4-1,VO-001,2026-11-30T07:00\n", "not a GPX file"),
        "broken_xml": ('<?xml version="1.0"?><gpx version="1.1"><trk><trkseg><trkpt lat="x"', "not a readable GPX"),
        "empty": ("", "file is empty"),
    }


@pytest.mark.parametrize("case", ["no_times", "no_points", "outside_area", "wrong_year", "not_gpx", "broken_xml", "empty"])
def test_bad_track_files_are_one_line_errors(plan_dir, route, tmp_path, capsys, case):
    text, words = _bad_cases(route)[case]
    f = tmp_path / f"{route['unit']}_{case}.gpx"
    f.write_text(text, encoding="utf-8")
    code, out = _run(plan_dir, tmp_path, f)
    assert code == 2
    _one_line_error(capsys, str(f), words)
    assert not out.exists()


def test_a_huge_track_file_is_refused_before_reading(plan_dir, route, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(settings, "max_track_bytes", 1000)
    f = tmp_path / f"{route['unit']}.gpx"
    f.write_text(_gpx(_stop_points(route["stops"][0])), encoding="utf-8")
    code, _out = _run(plan_dir, tmp_path, f)
    assert code == 2
    _one_line_error(capsys, "above the", "limit")


def test_a_track_of_an_unknown_unit_is_refused(plan_dir, route, tmp_path, capsys):
    f = tmp_path / "somebody.gpx"
    f.write_text(_gpx(_stop_points(route["stops"][0])), encoding="utf-8")
    code, _out = _run(plan_dir, tmp_path, f)
    assert code == 2
    _one_line_error(capsys, "cannot tell the unit", "--track-units")


def test_a_folder_without_gpx_files_is_refused(plan_dir, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code, _out = _run(plan_dir, tmp_path, tmp_path / "empty")
    assert code == 2
    _one_line_error(capsys, "no .gpx file")


@pytest.mark.parametrize(("text", "words"), [
    ("unit,object,when\nR4-1,VO-001,2026-11-30T07:00\n", "missing time"),
    ("unit,object_id,time\nR4-1,VO-001,yesterday\n", "row 2: time 'yesterday'"),
    ("unit,object_id,time,lat,lon\nR4-1,VO-001,2026-11-30T07:00,south,east\n", "are not numbers"),
    ("unit,object_id,time,lat,lon\nR4-1,VO-001,2026-11-30T07:00,-95,113\n", "are not degrees"),
    ("unit,object_id,time\n", "no check-in rows"),
    ("unit,object_id,time\nR4-1,VO-001,2025-11-30T07:00\n", "wrong year"),
    ("unit,object_id,time\nR4-1,VO\x07-001,2026-11-30T07:00\n", "control character"),
])
def test_bad_checkin_files_are_one_line_errors(plan_dir, tmp_path, capsys, text, words):
    f = tmp_path / "checkins.csv"
    f.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["actual", str(plan_dir), "--checkins", str(f), "--out", str(out)]) == 2
    _one_line_error(capsys, str(f), words)
    assert not out.exists()
