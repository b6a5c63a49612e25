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
