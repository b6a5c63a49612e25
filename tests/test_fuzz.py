"""Property-based fuzzing of the input loaders: any input either loads or raises InputError.

The scenario loader gets generated TOML mappings (a valid scenario with random mutations and fully
random tables) and raw text (random and mutated TOML); the layer loaders get generated GeoJSON-ish
mappings, CSV text and raw bytes. A crash with any other exception is a bug in the loader.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import math
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routeplan._checks import bad_char
from routeplan.errors import InputError
from routeplan.load.layers import read_desa, read_hotspots, read_vital_objects
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
    # no text that reaches an output holds a control character
    texts = [sc.name, sc.area.name, *(u.id for u in sc.units), *(u.crew for u in sc.units),
             *(s for u in sc.units for s in u.shifts), *sc.shifts, *(d.id for d in sc.depots.values()),
             *(d.name for d in sc.depots.values()), *(str(p) for p in (sc.vital_objects, sc.hotspots, sc.desa) if p)]
    assert not [t for t in texts if bad_char(t)], texts


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


@pytest.mark.parametrize("raw", [{"\n": "\x1f"}, {"na\nme": {"x": 1}}, {"a\rb": "ok"}])
def test_a_control_character_in_a_top_level_key_gives_one_line(raw) -> None:
    # found by the fuzzer: the value was checked first and its message named the path by the raw key
    _check_scenario(raw)
    with pytest.raises(InputError, match="key has a control character"):
        scenario_from_dict(raw, _TMP / "scenario.toml")


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
            texts = [it.id, it.name, getattr(it, "category", ""), getattr(it, "desa", ""), *getattr(it, "types", ())]
            assert not [t for t in texts if bad_char(t)], texts


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


# ------------------------------------------------------------------ file names of routes

#: Characters the file-name cleaner replaces or strips (and "_", which it keeps: "R2/1" and "R2_1" meet there).
REPLACED = ["/", "\\", " ", ":", "*", "?", "|", "<", ">", '"', "_", ".", "\x00", "\u200b",
            "\U0001F693", "\U0001F694", "\U0001F6A8", "\u00e9", "\u0915"]


@st.composite
def colliding_ids(draw) -> list[str]:
    """Ids that differ only in characters the cleaner replaces, in case, or in length beyond its cut."""
    base = draw(st.text(alphabet="RrAa2-1xX", min_size=0, max_size=6))
    ids = set()
    for _ in range(draw(st.integers(2, 8))):
        s = list(base)
        for _ in range(draw(st.integers(0, 3))):
            s.insert(draw(st.integers(0, len(s))), draw(st.sampled_from(REPLACED)))
        text = "".join(s)
        if draw(st.booleans()):
            text = text.swapcase()
        if draw(st.integers(0, 9)) == 0:
            text = draw(st.sampled_from(["\u0915", "a", "\U0001F693"])) * draw(st.integers(60, 100)) + text
        ids.add(text)
    return sorted(ids)


@FUZZ
@given(units=colliding_ids(), shifts=colliding_ids(), days=st.lists(st.dates(), min_size=1, max_size=2, unique=True))
def test_route_file_names_are_unique(units, shifts, days) -> None:
    from routeplan._io import MAX_STEM_BYTES, safe_filename, unique_file_stems

    keys = [(u, d.isoformat(), s) for u in units for d in days for s in shifts]
    stems = unique_file_stems(keys)
    assert len({s.casefold() for s in stems}) == len(keys)  # every route its own file, on any file system
    assert stems == unique_file_stems(keys)  # repeatable
    for (u, d, s), stem in zip(keys, stems):
        assert stem and not stem.startswith(".") and not any(c in stem for c in "/\\\x00")
        assert len(stem.encode("utf-8")) <= MAX_STEM_BYTES + 4
        if all(safe_filename(p) == p for p in (u, d, s)) and len(f"{u}_{d}_{s}".encode()) <= MAX_STEM_BYTES:
            assert stem.startswith(f"{u}_{d}_{s}")  # a plain id keeps its plain name (plus -2.. if case collides)
# ------------------------------------------------------------------ names in the rendered pages

#: pieces of template (Jinja), HTML and JavaScript syntax that names are built from
NAME_PIECES = ["{{", "}}", "{%", "%}", "{#", "#}", "{", "}", "`", "${", "$", "\\", "\\`", "<", ">", "</script>",
               "<!--", "&", "&amp;", '"', "'", "7*7", "x", " ", "é", "\u2028", "cycler.__init__", "|e", "%", "#"]
names = st.one_of(
    st.lists(st.sampled_from(NAME_PIECES), min_size=1, max_size=8).map("".join),
    st.text(alphabet=st.sampled_from(list("{}%#`$\\<>&\"'/ =!*()ab")), min_size=1, max_size=24),
)
RENDER_FUZZ = settings(max_examples=max(10, int(os.environ.get("ROUTEPLAN_FUZZ_EXAMPLES", "300")) // 6),
                       deadline=None, suppress_health_check=[HealthCheck.too_slow])


@functools.cache
def _tiny_plan():
    """The payload world of test_html_safety with plain names, planned once per process."""
    from test_html_safety import FIELDS, payload_world

    import routeplan

    sc = payload_world(Path(tempfile.mkdtemp(prefix="routeplan-fuzz-names-")), {f: f"{f} plain" for f in FIELDS})
    return routeplan.plan(sc, seed=1, time_limit=20, max_iterations=200)


def _renamed(text: dict[str, str]):
    """The tiny plan and context with scenario, depot, unit, crew, shift, object and hotspot texts replaced."""
    import dataclasses

    plan, ctx = _tiny_plan()
    plan = copy.deepcopy(plan)
    sc = copy.copy(ctx.scenario)
    sc.name = text["scn"]
    sc.depots = {k: dataclasses.replace(d, name=text["depot"]) for k, d in sc.depots.items()}
    sc.units = [dataclasses.replace(u, id=text["unit"], crew=text["crew"]) for u in sc.units]
    objects = [dataclasses.replace(o, name=text[f"vo{i}"], desa=text["desa"]) for i, o in enumerate(ctx.objects)]
    hotspots = [dataclasses.replace(h, name=text[f"hs{i}"], types=(text["type"],)) for i, h in enumerate(ctx.hotspots)]
    new = {o.id: o for o in objects} | {h.id: h for h in hotspots}
    plan.scenario = sc.name
    plan.depots, plan.units = list(sc.depots.values()), list(sc.units)
    for r in plan.routes:
        r.unit, r.crew, r.depot_name, r.shift = text["unit"], text["crew"], text["depot"], text["shift"]
        for s in (s for s in r.stops if s.id in new):  # area patrols are named after their desa or cell
            s.name = new[s.id].name
            s.desa = text["desa"] if s.kind == "vital_object" else s.desa
    return plan, dataclasses.replace(ctx, scenario=sc, objects=objects, hotspots=hotspots)


@RENDER_FUZZ
@given(data=st.data())
def test_names_render_literally(data) -> None:
    """Map (with its scorecard panel) and briefings render any name without error and show it as text."""
    import markupsafe

    from routeplan.render.briefing import render_briefings
    from routeplan.render.maps import E, render_plan_map
    from routeplan.report.scorecard import score_plan, scorecard_panel_html

    keys = ["scn", "depot", "unit", "crew", "shift", "desa", "type", "vo0", "vo1", "hs0", "hs1"]
    text = {k: f"{k}~{data.draw(names, label=k)}" for k in keys}
    plan, ctx = _renamed(text)
    page = render_plan_map(plan, ctx, "en") + scorecard_panel_html(score_plan(plan, ctx), "en")
    visited = {s.name for r in plan.routes for s in r.stops}
    for k in ("scn", "depot", "unit", "shift", "type", "hs0", "hs1") + tuple(k for k in ("vo0", "vo1") if text[k] in visited):
        assert E(text[k]) in page, k
    for k, v in text.items():
        if any(c in v for c in "{}<>`$\\"):
            assert v not in page, k
    pages = render_briefings(plan, "en")
    for k in ("scn", "unit", "crew", "shift", "depot") + tuple(k for k in ("vo0", "vo1", "hs0", "hs1") if text[k] in visited):
        assert str(markupsafe.escape(text[k])) in pages["all.html"], k
    for name, html in pages.items():
        assert "<script" not in html, name
# ------------------------------------------------------------------ control characters in every text field

#: C0 and C1 controls, DEL, a lone surrogate and the XML non-characters: never allowed in a text field.
control_char = st.one_of(
    st.integers(0, 0x1F).map(chr), st.integers(0x7F, 0x9F).map(chr), st.sampled_from(["\ud800", "\udfff", "\ufffe", "\uffff"]),
)
clean_text = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=8)
#: A text with at least one control character somewhere in it.
hostile_text = st.builds(lambda a, c, b: a + c + b, clean_text, control_char, st.text(max_size=6))

BASE_WITH_PIN = {**copy.deepcopy(BASE_SCENARIO),
                 "pins": [{"object": "VO-1", "unit": "R2-1", "date": "2026-12-01", "time": "07:30"}]}

#: Every text field of a scenario (and a key of a table).
SCENARIO_TEXT_PATHS = [
    ("name",), ("area", "name"), ("plan", "language"), ("plan", "utc_offset"), ("plan", "start_date"),
    ("layers", "vital_objects"), ("layers", "hotspots"), ("layers", "desa"),
    ("depots", 0, "id"), ("depots", 0, "name"), ("shifts", 0, "name"), ("shifts", 0, "start"), ("shifts", 0, "end"),
    ("shifts", 1, "break_window"), ("units", 0, "id"), ("units", 0, "kind"), ("units", 0, "depot"),
    ("units", 0, "crew"), ("units", 0, "shifts", 0), ("units", 0, "days", 0),
    ("pins", 0, "object"), ("pins", 0, "unit"), ("pins", 0, "date"), ("pins", 0, "time"), ("speeds", "car", None),
]


@FUZZ
@given(path=st.sampled_from(SCENARIO_TEXT_PATHS), text=hostile_text)
def test_scenario_control_characters_in_every_text_field(path, text) -> None:
    if path[-1] is None:  # a key of a table: [speeds.car] "resi\x00dential" = 20
        raw = copy.deepcopy(BASE_WITH_PIN)
        raw["speeds"]["car"][text] = 20
    else:
        raw = _mutate(BASE_WITH_PIN, path, text, False)
    with pytest.raises(InputError) as exc:
        scenario_from_dict(raw, _TMP / "scenario.toml")
    msg = str(exc.value)
    assert "\n" not in msg and ("control character" in msg or "invalid character" in msg), msg


def _good_props(kind: str) -> dict:
    if kind == "vital_objects":
        return {"id": "VO-1", "name": "Pasar Kunir", "category": "pasar", "desa": "Kunir Lor",
                "windows": ["04:00-10:00"], "days": ["mon"], "pasaran": ["legi"]}
    return {"id": "HS-1", "name": "Rawan", "risk": 1, "types": ["curanmor", "curat"], "active_hours": ["20:00-02:00"]}


LAYER_TEXT_FIELDS = {"vital_objects": ["id", "name", "category", "desa", "windows", "days", "pasaran"],
                     "hotspots": ["id", "name", "types", "active_hours"]}


@FUZZ
@given(kind=st.sampled_from(sorted(LAYER_TEXT_FIELDS)), data=st.data(), text=hostile_text,
       fmt=st.sampled_from(["geojson", "csv"]))
def test_layer_control_characters_in_every_text_field(kind, data, text, fmt) -> None:
    field = data.draw(st.sampled_from(LAYER_TEXT_FIELDS[kind]))
    props = _good_props(kind)
    props[field] = [text] if isinstance(props[field], list) else text
    if fmt == "geojson":
        p = _TMP / "ctl.geojson"
        p.write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [113.21, -8.22]}}]}),
            encoding="utf-8")
    else:
        p = _TMP / "ctl.csv"
        cells = {k: (";".join(v) if isinstance(v, list) else str(v)) for k, v in props.items()}
        cells.update(lat="-8.22", lon="113.21")
        quote = lambda c: '"' + c.replace('"', '""') + '"'  # noqa: E731
        p.write_bytes((",".join(cells) + "\n" + ",".join(quote(c) for c in cells.values()) + "\n")
                      .encode("utf-8", errors="surrogatepass"))
    read = read_vital_objects if kind == "vital_objects" else read_hotspots
    with pytest.raises(InputError) as exc:
        read(p)
    assert "\n" not in str(exc.value)


@FUZZ
@given(text=hostile_text, key=st.sampled_from(["desa", "name", "nama"]))
def test_desa_control_characters(text, key) -> None:
    p = _TMP / "desa.geojson"
    ring = [[113.2, -8.23], [113.22, -8.23], [113.22, -8.21], [113.2, -8.21], [113.2, -8.23]]
    p.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {key: text}, "geometry": {"type": "Polygon", "coordinates": [ring]}}]}),
        encoding="utf-8")
    with pytest.raises(InputError) as exc:
        read_desa(p)
    assert "\n" not in str(exc.value)


@FUZZ
@given(data=collection)
def test_desa_layer(data) -> None:
    """Any desa file either reads as named, finite polygons or raises a one-line InputError."""
    p = _TMP / "desa-any.geojson"
    p.write_text(json.dumps(data, default=str), encoding="utf-8")
    try:
        polys = read_desa(p)
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    for name, geom in polys:
        assert name and not bad_char(name)
        assert geom.geom_type in ("Polygon", "MultiPolygon", "GeometryCollection")
