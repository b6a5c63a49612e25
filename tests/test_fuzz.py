"""Property-based fuzzing of the input loaders: any input either loads or raises InputError.

The scenario loader gets generated TOML mappings (a valid scenario with random mutations and fully
random tables) and raw text (random and mutated TOML); the layer loaders get generated GeoJSON-ish
mappings, CSV text and raw bytes. A crash with any other exception is a bug in the loader.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from routeplan.errors import InputError
from routeplan.load.layers import read_hotspots, read_vital_objects
from routeplan.load.scenario import load_scenario, scenario_from_dict

FUZZ = settings(max_examples=int(os.environ.get("ROUTEPLAN_FUZZ_EXAMPLES", "300")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
_TMP = Path(tempfile.mkdtemp(prefix="routeplan-fuzz-"))

# ------------------------------------------------------------------ value strategies

scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(), st.integers(min_value=-(10 ** 30), max_value=10 ** 30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["", " ", "06:00", "24:00", "25:00", "22:00-06:00", "06:00-06:00", "mon", "Senin",
                     "2026-11-30", "9999-12-31", "0001-01-01", "car", "motorcycle", "pagi", "d1", "x\ny",
                     "../../x", "=cmd|' /C calc'!A0", "<script>alert(1)</script>", "\x00", "é", "1e400"]),
    st.dates(), st.datetimes(), st.times(),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)

BASE_SCENARIO = {
    "name": "fuzz",
    "area": {"bbox": [113.19, -8.27, 113.25, -8.19]},
    "plan": {"start_date": "2026-11-30", "days": 7, "language": "en"},
    "layers": {"vital_objects": "vo.geojson"},
    "depots": [{"id": "d1", "name": "Polsek", "lat": -8.22, "lon": 113.21}],
    "shifts": [{"name": "pagi", "start": "06:00", "end": "14:00"},
               {"name": "malam", "start": "22:00", "end": "06:00", "break_minutes": 30,
                "break_window": "01:00-02:00"}],
    "units": [{"id": "R2-1", "kind": "motorcycle", "depot": "d1", "shifts": ["pagi", "malam"],
               "days": ["mon", "tue", "2026-12-02"]}],
    "speeds": {"car": {"residential": 20, "track": 0}},
    "pins": [],
}

#: Paths into BASE_SCENARIO that mutations target (a key of a table or an index of a list).
PATHS = [
    ("name",), ("area",), ("area", "bbox"), ("area", "place"), ("area", "osm_file"), ("area", "boundary"),
    ("area", "name"), ("plan",), ("plan", "start_date"), ("plan", "days"), ("plan", "language"),
    ("plan", "default_dwell_minutes"), ("plan", "hotspot_dwell_minutes"), ("plan", "utc_offset"),
    ("plan", "hotspot_value_minutes"), ("layers",), ("layers", "vital_objects"), ("layers", "hotspots"),
    ("layers", "desa"), ("depots",), ("depots", 0), ("depots", 0, "id"), ("depots", 0, "lat"),
    ("depots", 0, "lon"), ("depots", 0, "name"), ("shifts",), ("shifts", 0), ("shifts", 0, "name"),
    ("shifts", 0, "start"), ("shifts", 0, "end"), ("shifts", 1, "break_minutes"),
    ("shifts", 1, "break_window"), ("units",), ("units", 0), ("units", 0, "id"), ("units", 0, "kind"),
    ("units", 0, "depot"), ("units", 0, "shifts"), ("units", 0, "days"), ("units", 0, "crew"),
    ("speeds",), ("speeds", "car"), ("speeds", "car", "residential"), ("speeds", "bus"), ("pins",),
]


def _mutate(base: dict, path: tuple, value, delete: bool) -> dict:
    raw = copy.deepcopy(base)
    node = raw
    for key in path[:-1]:
        node = node[key]
    if delete:
        if isinstance(node, dict):
            node.pop(path[-1], None)
        else:
            node.pop(path[-1])
    else:
        node[path[-1]] = value
    return raw


def _check_scenario(raw) -> None:
    try:
        sc = scenario_from_dict(raw, _TMP / "scenario.toml")
    except InputError as exc:
        assert "\n" not in str(exc), str(exc)
        return
    # a loaded scenario is usable: every unit's depot and shifts exist, days are plan-day indices
    assert sc.units and sc.shifts and sc.depots
    for u in sc.units:
        assert u.depot in sc.depots
        assert all(s in sc.shifts for s in u.shifts)
        assert all(0 <= d < sc.days for d in u.days)
    sc.dates  # noqa: B018 - must not overflow


@FUZZ
@given(mutations=st.lists(st.tuples(st.sampled_from(PATHS), values, st.booleans()), min_size=1, max_size=4))
def test_scenario_from_dict_mutated(mutations) -> None:
    raw = BASE_SCENARIO
    for path, value, delete in mutations:
        try:
            raw = _mutate(raw, path, value, delete)
        except (KeyError, IndexError, TypeError, AttributeError):
            continue  # the path no longer exists after an earlier mutation
    _check_scenario(raw)


@FUZZ
@given(raw=st.one_of(values, st.dictionaries(st.sampled_from(list(BASE_SCENARIO) + ["x"]), values, max_size=8)))
def test_scenario_from_dict_random(raw) -> None:
    _check_scenario(raw)


def _toml_text() -> str:
    return (Path(__file__).resolve().parents[1] / "data" / "sample" / "scenario.toml").read_text(encoding="utf-8")


@FUZZ
@given(data=st.data())
def test_load_scenario_raw_text(data) -> None:
    base = _toml_text()
    choice = data.draw(st.integers(0, 3))
    if choice == 0:
        text = data.draw(st.text(max_size=300))
    else:
        # mutate the sample scenario: delete, insert or replace a slice
        i = data.draw(st.integers(0, len(base)))
        j = data.draw(st.integers(i, min(len(base), i + 40)))
        ins = data.draw(st.text(max_size=20) | st.sampled_from(['"', "[", "]]", "=", "\n", "[[units]]\n", "\\", "#"]))
        text = base[:i] + ins + base[j:]
    p = _TMP / "raw.toml"
    if data.draw(st.booleans()):
        p.write_bytes(text.encode("utf-8", errors="surrogatepass") if text else b"")
    else:
        p.write_bytes(data.draw(st.binary(max_size=200)))
    try:
        load_scenario(p)
    except InputError as exc:
        assert "\n" not in str(exc), str(exc)


# ------------------------------------------------------------------ layers

coord = st.one_of(
    st.floats(-200, 200), st.floats(allow_nan=True, allow_infinity=True), st.integers(-10 ** 20, 10 ** 20),
    st.sampled_from([113.21, -8.22, 700000.0, 9090000.0, 0, None, "113.2", [], {}]),
)
geometry = st.one_of(
    st.fixed_dictionaries({"type": st.just("Point"), "coordinates": st.lists(coord, min_size=0, max_size=3)}),
    st.fixed_dictionaries({"type": st.sampled_from(["Polygon", "LineString", "MultiPoint", "GeometryCollection", "Nope"]),
                           "coordinates": values}),
    st.fixed_dictionaries({"type": st.just("Polygon"),
                           "coordinates": st.lists(st.lists(st.lists(coord, min_size=2, max_size=2), max_size=5), max_size=2)}),
    values,
)
PROP_KEYS = ["id", "name", "category", "priority", "visits_per_week", "dwell_minutes", "windows", "days",
             "desa", "min_gap_hours", "risk", "active_hours", "types"]
prop_values = st.one_of(
    values,
    st.sampled_from(["pasar", "bank", "PASAR", "unknown", "04:00-10:00", "20:00-04:00", "10:00-10:00", "8-9",
                     "mon,thu", "mon;xyz", 1, 3, 0, 43, -1, 1.5, 0.5, "1e400", "nan"]),
    st.lists(st.sampled_from(["04:00-10:00", "mon", "x", 5, None]), max_size=3),
)
properties = st.one_of(st.dictionaries(st.sampled_from(PROP_KEYS), prop_values, max_size=10), values)
feature = st.one_of(
    st.fixed_dictionaries({"type": st.just("Feature"), "geometry": geometry, "properties": properties},
                          optional={"id": values}),
    values,
)
collection = st.one_of(
    st.fixed_dictionaries({"type": st.just("FeatureCollection"), "features": st.lists(feature, max_size=5)},
                          optional={"crs": values | st.just({"type": "name", "properties": {"name": "EPSG:32749"}})}),
    values,
)

READERS = [read_vital_objects, read_hotspots]


def _check_layer(path: Path) -> None:
    for read in READERS:
        try:
            items = read(path)
        except InputError as exc:
            assert "\n" not in str(exc), str(exc)
            continue
        assert items
        for it in items:
            assert -180 <= it.lon <= 180 and -90 <= it.lat <= 90
            assert math.isfinite(it.lon) and math.isfinite(it.lat)
            assert it.id and "\n" not in it.id


@FUZZ
@given(data=collection)
def test_geojson_layers(data) -> None:
    p = _TMP / "layer.geojson"
    p.write_text(json.dumps(data, default=str), encoding="utf-8")
    _check_layer(p)


csv_cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["113.21", "-8.22", "700000", "nan", "inf", "", "pasar", "04:00-10:00;20:00-22:00",
                     "mon,thu", "2", "\x00", '"', "a,b", "=1+1", "1e400", "9" * 400]),
)
CSV_COLS = ["id", "name", "category", "lat", "lon", "latitude", "lng", "x", "y", "windows", "days", "risk",
            "priority", "active_hours", "types", "visits_per_week", " Lat ", ""]


@FUZZ
@given(header=st.lists(st.sampled_from(CSV_COLS) | st.text(max_size=6), max_size=8),
       rows=st.lists(st.lists(csv_cell, max_size=9), max_size=5), sep=st.sampled_from([",", ";", "\t"]),
       eol=st.sampled_from(["\n", "\r\n", "\r"]))
def test_csv_layers(header, rows, sep, eol) -> None:
    def line(cells):
        return sep.join(c if sep not in c and '"' not in c else '"' + c.replace('"', '""') + '"' for c in cells)

    text = eol.join([line(header)] + [line(r) for r in rows])
    p = _TMP / "layer.csv"
    p.write_bytes(text.encode("utf-8", errors="surrogatepass"))
    _check_layer(p)


@FUZZ
@given(blob=st.binary(max_size=300), suffix=st.sampled_from([".geojson", ".csv", ".json"]))
def test_layer_raw_bytes(blob, suffix) -> None:
    p = _TMP / f"blob{suffix}"
    p.write_bytes(blob)
    _check_layer(p)


@pytest.mark.parametrize("text", [
    "[" * 100000, '{"a":' * 100000, '{"type": "FeatureCollection", "features": [' + "1" * 5000 + "]}",
])
def test_layer_pathological_json(text: str) -> None:
    p = _TMP / "deep.geojson"
    p.write_text(text, encoding="utf-8")
    _check_layer(p)


@pytest.mark.parametrize("text", ["a = " + "[" * 100000, "a = " + "1" * 5000, "a = 1\n" * 3 + "[b]\n" * 2])
def test_scenario_pathological_toml(text: str) -> None:
    p = _TMP / "deep.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputError):
        load_scenario(p)


def test_big_csv_field() -> None:
    p = _TMP / "big.csv"
    p.write_text("id,lat,lon,name\nA,-8.22,113.21," + "x" * 200_000 + "\n", encoding="utf-8")
    _check_layer(p)


def test_generated_start_date_overflow_is_input_error() -> None:
    raw = copy.deepcopy(BASE_SCENARIO)
    raw["plan"]["start_date"] = dt.date(9999, 12, 30)
    with pytest.raises(InputError):
        scenario_from_dict(raw, _TMP / "scenario.toml")
