"""plan.json: one reader and writer (routeplan.model.planfile), a schema version, strict reading."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

from routeplan.cli import main
from routeplan.errors import InputError
from routeplan.model import Depot, PatrolUnit, Plan, Route, Unserved, Visit
from routeplan.model.planfile import SCHEMA_VERSION, plan_to_dict, read_plan, write_plan_json
from routeplan.render.export import routes_geojson

WIB = dt.timezone(dt.timedelta(hours=7))


def _t(day: int, hh: int, mm: int) -> dt.datetime:
    return dt.datetime(2026, 11, 30, hh, mm, tzinfo=WIB) + dt.timedelta(days=day)


def small_plan() -> Plan:
    """A plan with every kind of field plan.json keeps, at the precision the files keep."""
    stops = [
        Visit("VO-1", "vital_object", "Pasar Kunir", "pasar", _t(0, 6, 30), _t(0, 6, 45), 113.2153588, -8.2208942,
              15, "04:00-10:00", desa="Kunir Lor"),
        Visit("HS-1", "hotspot", "Parkir {{7*7}} <b>", "hotspot", _t(0, 7, 0), _t(0, 7, 12), 113.22, -8.23, 12,
              "06:00-10:00"),
    ]
    routes = [
        Route("R4-1", "car", "Aiptu Slamet", dt.date(2026, 11, 30), "pagi", "polsek", "Polsek Kunir", _t(0, 6, 0),
              _t(0, 14, 0), stops, 12345.0, 1830.0, path=[(113.215359, -8.220894), (113.22, -8.23)],
              breaks=[(_t(0, 11, 0), _t(0, 11, 30))]),
        Route("R2-1", "motorcycle", "", dt.date(2026, 12, 1), "malam", "pos", "Pos Sukorejo", _t(1, 22, 0),
              _t(2, 6, 0), [], 0.0, 0.0),
    ]
    return Plan(
        scenario="Kunir", start_date=dt.date(2026, 11, 30), days=7, seed=3, routes=routes,
        unserved=[Unserved("VO-9", "far_from_road", "vital object 'VO-9' is 900 m from the nearest road")],
        required_visits=2, served_required=1,
        solver={"engine": "pyvrp", "iterations": 10, "feasible": True, "min_gap_violations": []},
        utc_offset="+07:00", scenario_file="/x/scenario.toml",
        replanned=[{"from": "2026-12-01", "units_off": ["R4-2"]}], language="en",
        depots=[Depot("polsek", "Polsek Kunir", 113.2153588, -8.2208942), Depot("pos", "Pos Sukorejo", 113.23, -8.26)],
        units=[PatrolUnit("R4-1", "car", "polsek", (), (), "Aiptu Slamet"), PatrolUnit("R2-1", "motorcycle", "pos", (), (), "")],
    )


def write_folder(plan: Plan, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_plan_json(plan, folder)
    (folder / "routes.geojson").write_text(json.dumps(routes_geojson(plan)), encoding="utf-8")
    return folder


def test_round_trip_plan_to_plan_json_to_plan(tmp_path):
    plan = small_plan()
    folder = write_folder(plan, tmp_path / "p")
    again = read_plan(folder)
    assert again == plan
    # and plan.json itself is a fixed point of reading and writing
    assert plan_to_dict(again) == json.loads((folder / "plan.json").read_text(encoding="utf-8"))


def test_plan_json_has_the_schema_version_first(tmp_path):
    folder = write_folder(small_plan(), tmp_path / "p")
    d = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    assert list(d)[0] == "schema_version" and d["schema_version"] == SCHEMA_VERSION == 1


#: plan.json as the previous release wrote it (no schema_version), cut down to one route of the sample
OLD_PLAN_JSON = {
    "scenario": "Kunir (sampel sintetis)", "scenario_file": "/work/main/data/sample/scenario.toml",
    "start_date": "2026-11-30", "days": 7, "seed": 1, "required_visits": 124, "served_required_visits": 124,
    "routes": [{
        "unit": "R4-1", "unit_kind": "car", "day": "2026-11-30", "shift": "pagi", "depot": "polsek-kunir",
        "start": "2026-11-30T06:52:48+07:00", "end": "2026-11-30T10:09:34+07:00", "distance_km": 9.563,
        "drive_minutes": 41.1, "breaks": [],
        "stops": [{"id": "VO-001", "kind": "vital_object", "name": "Pasar Kunir", "category": "pasar",
                   "arrival": "2026-11-30T07:00:00+07:00", "departure": "2026-11-30T07:15:00+07:00",
                   "dwell_minutes": 15, "window": "04:00-10:00", "desa": "Kunir Lor",
                   "lon": 113.2155345, "lat": -8.2201036}],
        "crew": "Aiptu Slamet Riyadi / Bripka Agus Santoso", "depot_name": "Polsek Kunir"}],
    "unserved": [], "replanned": [],
    "solver": {"engine": "pyvrp", "time_limit_s": 900.0, "iterations": 1500, "feasible": True,
               "candidate_stops": 567, "shifts": 65, "min_gap_violations": []},
    "language": "id",
    "depots": [{"id": "polsek-kunir", "name": "Polsek Kunir", "lon": 113.2153588, "lat": -8.2208942}],
    "units": [{"id": "R4-1", "kind": "car", "depot": "polsek-kunir", "crew": "Aiptu Slamet Riyadi / Bripka Agus Santoso"}],
}


def test_old_plan_json_without_schema_version_reads(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "plan.json").write_text(json.dumps(OLD_PLAN_JSON, indent=2), encoding="utf-8")
    plan = read_plan(folder, paths_required=False)
    assert plan.start_date == dt.date(2026, 11, 30) and plan.seed == 1 and plan.utc_offset == "+07:00"
    r = plan.routes[0]
    assert (r.unit, r.crew, r.depot_name, r.distance_km, r.drive_minutes) == (
        "R4-1", "Aiptu Slamet Riyadi / Bripka Agus Santoso", "Polsek Kunir", 9.563, 41.1)
    assert r.stops[0].arrival == dt.datetime(2026, 11, 30, 7, 0, tzinfo=WIB) and r.path == []
    assert plan.depots == [Depot("polsek-kunir", "Polsek Kunir", 113.2153588, -8.2208942)]
    # written again: the same content, now with its schema version
    assert plan_to_dict(plan) == {"schema_version": 1, **OLD_PLAN_JSON}


@pytest.mark.parametrize("version", [2, 99])
def test_newer_schema_version_is_refused_with_one_line(tmp_path, capsys, version):
    folder = write_folder(small_plan(), tmp_path / "p")
    d = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    d["schema_version"] = version
    (folder / "plan.json").write_text(json.dumps(d), encoding="utf-8")
    with pytest.raises(InputError, match="schema_version") as exc:
        read_plan(folder)
    assert "\n" not in str(exc.value) and "newer" in str(exc.value)
    # the commands that read a plan folder: one line, exit 2
    assert main(["brief", str(folder), "--out", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "schema_version" in err[0] and "Traceback" not in err[0]
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize("version", ["1", 0, -1, True, 1.5, None])
def test_unknown_schema_version_is_refused(tmp_path, version):
    folder = write_folder(small_plan(), tmp_path / "p")
    d = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    d["schema_version"] = version
    (folder / "plan.json").write_text(json.dumps(d), encoding="utf-8")
    with pytest.raises(InputError, match="schema_version") as exc:
        read_plan(folder)
    assert "\n" not in str(exc.value)


DAMAGED = {
    "not-json": b"{\"routes\": [",
    "empty": b"",
    "list": b"[1, 2]",
    "stop-dwell-text": "dwell",
    "unit-crew-number": "crew",
    "unit-without-id": "unit-id",
    "depot-lon-text": "depot-lon",
}


@pytest.mark.parametrize("damage", list(DAMAGED))
def test_damaged_plan_json_is_one_line(tmp_path, damage):
    folder = write_folder(small_plan(), tmp_path / "p")
    how = DAMAGED[damage]
    if isinstance(how, bytes):
        (folder / "plan.json").write_bytes(how)
    else:
        d = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
        bad = copy.deepcopy(d)
        if how == "dwell":
            bad["routes"][0]["stops"][0]["dwell_minutes"] = "ten"
        elif how == "crew":
            bad["units"][0]["crew"] = 5
        elif how == "unit-id":
            del bad["units"][0]["id"]
        elif how == "depot-lon":
            bad["depots"][0]["lon"] = "east"
        (folder / "plan.json").write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_plan(folder)
    msg = str(exc.value)
    assert "\n" not in msg and "plan.json" in msg, msg


def test_damaged_routes_geojson_is_one_line(tmp_path):
    folder = write_folder(small_plan(), tmp_path / "p")
    (folder / "routes.geojson").write_text('{"type": "FeatureCollection", "features": [{"properties": {}}]}',
                                           encoding="utf-8")
    with pytest.raises(InputError, match="routes.geojson") as exc:
        read_plan(folder)
    assert "\n" not in str(exc.value)


def test_briefings_from_memory_equal_briefings_from_the_folder(demo_plan, tmp_path):
    """Writing a plan renders its briefings from the Plan in memory; `brief` reads the folder: same pages."""
    from routeplan import write_plan
    from routeplan.render.briefing import render_briefings

    plan, ctx = demo_plan
    out = write_plan(plan, ctx, tmp_path / "plan")
    assert render_briefings(plan, "id") == render_briefings(read_plan(out), "id")
    from routeplan.render.sketch import read_roads

    # written with the roads of the sketches (kept in the folder) and the link to the scorecard page
    written = render_briefings(plan, "id", roads=read_roads(out / "roads.geojson"), scorecard_href="../scorecard.html")
    assert written == render_briefings(read_plan(out), "id", roads=read_roads(out / "roads.geojson"),
                                       scorecard_href="../scorecard.html")
    for name, html in written.items():
        assert (out / "briefings" / name).read_text(encoding="utf-8") == html, name


def test_time_limit_is_written_the_same_whether_given_as_int_or_float(demo_plan):
    """``plan(time_limit=60)`` and ``time_limit=60.0`` (the CLI, a batch) must write the same plan.json bytes."""
    plan, _ctx = demo_plan  # planned with time_limit=60, an int
    assert repr(plan_to_dict(plan)["solver"]["time_limit_s"]) == "60.0"
