import datetime as dt

import pytest

from routeplan.errors import InputError
from routeplan.load.scenario import Shift, load_scenario, parse_window, scenario_from_dict


def base():
    return {
        "area": {"osm_file": "roads.osm"},
        "plan": {"start_date": "2026-11-30", "days": 7},
        "depots": [{"id": "p", "name": "Polsek", "lat": -8.2, "lon": 113.2}],
        "shifts": [{"name": "pagi", "start": "06:00", "end": "14:00"},
                   {"name": "malam", "start": "22:00", "end": "06:00"}],
        "units": [{"id": "R4-1", "kind": "car", "depot": "p"}],
    }


def test_sample_scenario_loads(sample_scenario_path):
    sc = load_scenario(sample_scenario_path)
    assert sc.days == 7 and sc.start_date == dt.date(2026, 11, 30)
    assert sc.language == "id"
    assert sc.area.osm_file.exists()
    assert {u.kind for u in sc.units} == {"car", "motorcycle"}
    assert sum(u.kind == "car" for u in sc.units) == 2 and sum(u.kind == "motorcycle" for u in sc.units) == 4
    assert len(sc.shifts) == 3


def test_night_shift_crosses_midnight():
    sc = scenario_from_dict(base(), __import__("pathlib").Path("x.toml"))
    night = sc.shifts["malam"]
    assert night.crosses_midnight and night.length == 480
    assert night.absolute(2) == (2 * 1440 + 22 * 60, 3 * 1440 + 6 * 60)
    assert Shift("d", 0, 0).length == 1440


def test_unit_days_by_weekday_name():
    raw = base()
    raw["units"][0]["days"] = ["mon", "thu"]
    sc = scenario_from_dict(raw, __import__("pathlib").Path("x.toml"))
    assert sc.units[0].days == (0, 3)


def test_default_speeds_and_override():
    raw = base()
    raw["speeds"] = {"car": {"track": 0, "primary": 45}}
    sc = scenario_from_dict(raw, __import__("pathlib").Path("x.toml"))
    assert "track" not in sc.speeds_kmh["car"] and sc.speeds_kmh["car"]["primary"] == 45
    assert "track" in sc.speeds_kmh["motorcycle"]


@pytest.mark.parametrize("mutate, fragment", [
    (lambda r: r.pop("units"), "no [[units]]"),
    (lambda r: r.__setitem__("shifts", []), "no [[shifts]]"),
    (lambda r: r["units"][0].__setitem__("depot", "nope"), "not in [[depots]]"),
    (lambda r: r["units"][0].__setitem__("kind", "truck"), "kind 'truck'"),
    (lambda r: r["shifts"][0].__setitem__("start", "25:00"), "not HH:MM"),
    (lambda r: r["area"].__setitem__("place", "Kunir"), "exactly one of"),
    (lambda r: r["plan"].__setitem__("language", "fr"), "language"),
    (lambda r: r["depots"][0].__setitem__("lat", 113.2), "out of range"),
    (lambda r: r["units"].append(dict(r["units"][0])), "duplicate unit id"),
])
def test_bad_scenarios(mutate, fragment):
    raw = base()
    mutate(raw)
    with pytest.raises(InputError, match=None) as err:
        scenario_from_dict(raw, __import__("pathlib").Path("x.toml"))
    assert fragment in str(err.value)
    assert "\n" not in str(err.value)


def test_parse_window():
    assert parse_window("20:00-04:00", "w") == (1200, 240)
    with pytest.raises(InputError):
        parse_window("10:00-10:00", "w")
    with pytest.raises(InputError):
        parse_window("10-12", "w")


# ------------------------------------------------------------------ unknown keys, with a "did you mean" hint

def _full():
    """``base()`` with every optional table, so that a typo can be put into each."""
    raw = base()
    raw["layers"] = {"vital_objects": "vo.geojson"}
    raw["speeds"] = {"car": {"track": 0}}
    raw["pins"] = [{"object": "VO-1", "unit": "R4-1", "date": "2026-12-01", "time": "07:30"}]
    return raw


@pytest.mark.parametrize("table, typo, known, where", [
    ((), "shift", "shifts", "x.toml: "),
    (("area",), "nmae", "name", "x.toml [area]: "),
    (("plan",), "hotspot_dwel_minutes", "hotspot_dwell_minutes", "x.toml [plan]: "),
    (("layers",), "vital_object", "vital_objects", "x.toml [layers]: "),
    (("depots", 0), "lng", "lon", "x.toml depots[0]: "),
    (("shifts", 1), "break_minute", "break_minutes", "x.toml shifts[1]: "),
    (("units", 0), "shift", "shifts", "x.toml units[0]: "),
    (("pins", 0), "tiem", "time", "x.toml pins[0]: "),
])
def test_unknown_key_is_refused_with_a_hint(table, typo, known, where):
    raw = _full()
    node = raw
    for k in table:
        node = node[k]
    node[typo] = 1
    with pytest.raises(InputError) as err:
        scenario_from_dict(raw, __import__("pathlib").Path("x.toml"))
    msg = str(err.value)
    assert msg.startswith(where), msg
    assert f"unknown key '{typo}'; did you mean '{known}'?" in msg
    assert "\n" not in msg


def test_unknown_key_without_a_close_match_lists_the_known_keys():
    raw = _full()
    raw["plan"]["zzz"] = 1
    with pytest.raises(InputError) as err:
        scenario_from_dict(raw, __import__("pathlib").Path("x.toml"))
    msg = str(err.value)
    assert msg.startswith("x.toml [plan]: unknown key 'zzz'"), msg
    assert "start_date" in msg and "hotspot_max_stops_per_day" in msg and "did you mean" not in msg


def test_plan_message_of_the_issue():
    raw = _full()
    raw["plan"]["hotspot_dwel_minutes"] = 15
    with pytest.raises(InputError) as err:
        scenario_from_dict(raw, __import__("pathlib").Path("scenario.toml"))
    assert str(err.value) == ("scenario.toml [plan]: unknown key 'hotspot_dwel_minutes'; "
                              "did you mean 'hotspot_dwell_minutes'?")


@pytest.mark.parametrize("kind, typo, known", [("car", "residental", "residential"),
                                               ("motorcycle", "tertary", "tertiary")])
def test_unknown_highway_class_in_speeds(kind, typo, known):
    raw = _full()
    raw["speeds"] = {kind: {typo: 20}}
    with pytest.raises(InputError) as err:
        scenario_from_dict(raw, __import__("pathlib").Path("x.toml"))
    msg = str(err.value)
    assert msg.startswith(f"x.toml [speeds.{kind}]: unknown highway class '{typo}'; did you mean '{known}'?"), msg


def test_every_default_highway_class_is_a_known_speeds_key():
    from routeplan.load.scenario import DEFAULT_SPEEDS_KMH

    raw = _full()
    classes = sorted(set(DEFAULT_SPEEDS_KMH["car"]) | set(DEFAULT_SPEEDS_KMH["motorcycle"]))
    raw["speeds"] = {"car": {c: 10 for c in classes}, "motorcycle": {c: 0 for c in classes}}
    sc = scenario_from_dict(raw, __import__("pathlib").Path("x.toml"))
    assert sc.speeds_kmh["car"]["path"] == 10 and sc.speeds_kmh["motorcycle"] == {}


def test_unknown_unit_kind_in_speeds_has_a_hint():
    raw = _full()
    raw["speeds"] = {"motorcyle": {"track": 12}}
    with pytest.raises(InputError) as err:
        scenario_from_dict(raw, __import__("pathlib").Path("x.toml"))
    assert "did you mean 'motorcycle'?" in str(err.value)


# ------------------------------------------------------------------ pins: every check that needs no roads

@pytest.mark.parametrize("field, value, fragment", [
    ("unit", "R4-9", "pins[0]: unit 'R4-9' is not in [[units]]"),
    ("date", "2026-12-07", "pins[0].date: 2026-12-07 is outside the plan (2026-11-30 .. 2026-12-06)"),
    ("date", "2026-11-29", "pins[0].date: 2026-11-29 is outside the plan"),
    ("time", "7.30", "pins[0].time"),
    ("time", "24:00", "pins[0].time: '24:00'"),
])
def test_bad_pin_is_refused_when_loading(field, value, fragment):
    raw = _full()
    raw["pins"][0][field] = value
    with pytest.raises(InputError) as err:
        scenario_from_dict(raw, __import__("pathlib").Path("x.toml"))
    assert fragment in str(err.value), str(err.value)


def test_pins_without_a_vital_object_layer_are_refused_when_loading():
    raw = _full()
    raw["layers"] = {"hotspots": "hs.geojson"}
    with pytest.raises(InputError) as err:
        scenario_from_dict(raw, __import__("pathlib").Path("x.toml"))
    assert "pins[0].object" in str(err.value) and "vital_objects" in str(err.value)


def test_pin_objects_are_checked_against_the_layer():
    from routeplan.load.scenario import check_pin_objects

    sc = scenario_from_dict(_full(), __import__("pathlib").Path("x.toml"))
    check_pin_objects(sc, ["VO-1", "VO-2"])
    with pytest.raises(InputError) as err:
        check_pin_objects(sc, ["VO-01", "VO-2"])
    msg = str(err.value)
    assert msg.startswith("x.toml pins[0].object: 'VO-1' is not in the vital-object layer"), msg
    assert "did you mean 'VO-01'?" in msg
