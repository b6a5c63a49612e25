"""Bad inputs through the real CLI: one-line error, non-zero exit, nothing written.

Every case runs ``routeplan plan`` (``routeplan.cli.main``) on a tiny offline world: a grid of
residential roads near Kunir, a depot, a motorcycle unit and a few vital objects, with one file broken.
A previous plan folder sits at ``--out``; after a failed run it must be byte-identical, and no staging
folder may remain next to it. Points that are merely unusable (outside the road area, far from any
road, outside every shift) are not errors: the plan reports them as unserved with their reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from routeplan.cli import main

ROOT = Path(__file__).resolve().parents[1]
LON0, LAT0 = 113.2100, -8.2250  # the tiny world's south-west corner (Kunir)
STEP = 0.002  # ~220 m between grid roads
N = 5  # 5 x 5 grid nodes, ~880 m square

# ------------------------------------------------------------------ the tiny world


def osm_xml(lon0: float = LON0, lat0: float = LAT0, island: bool = False, highway: str = "residential",
            ring: bool = False, name: str | None = None) -> str:
    """A grid of two-way roads; ``island`` adds a separate 3-node road piece ~3 km east; ``ring`` keeps
    only the outer roads of a 2.2 km square (its centre is 1.1 km from any road); ``name`` is every road's
    ``name=`` tag."""
    from xml.sax.saxutils import quoteattr

    tag = "" if name is None else f"<tag k=\"name\" v={quoteattr(name)}/>"
    step = 0.005 if ring else STEP
    nodes, ways = [], []
    nid = lambda i, j: 1000 + i * N + j  # noqa: E731
    for i in range(N):
        for j in range(N):
            nodes.append(f'<node id="{nid(i, j)}" lat="{lat0 + i * step:.7f}" lon="{lon0 + j * step:.7f}"/>')
    wid = 1
    for i in ((0, N - 1) if ring else range(N)):
        refs = "".join(f'<nd ref="{nid(i, j)}"/>' for j in range(N))
        ways.append(f'<way id="{wid}">{refs}<tag k="highway" v="{highway}"/>{tag}</way>')
        wid += 1
        refs = "".join(f'<nd ref="{nid(j, i)}"/>' for j in range(N))
        ways.append(f'<way id="{wid}">{refs}<tag k="highway" v="{highway}"/>{tag}</way>')
        wid += 1
    if ring:  # spurs at the corners: osmnx simplification collapses a ring whose nodes have two neighbours
        for k, (i, j) in enumerate(((0, 0), (0, N - 1), (N - 1, 0), (N - 1, N - 1))):
            nodes.append(f'<node id="{8000 + k}" lat="{lat0 + i * step + (0.001 if i else -0.001):.7f}" '
                         f'lon="{lon0 + j * step:.7f}"/>')
            ways.append(f'<way id="{800 + k}"><nd ref="{nid(i, j)}"/><nd ref="{8000 + k}"/>'
                        f'<tag k="highway" v="{highway}"/></way>')
    if island:
        for k in range(3):
            nodes.append(f'<node id="{9000 + k}" lat="{lat0 + 0.004:.7f}" lon="{lon0 + 0.03 + k * STEP:.7f}"/>')
        refs = "".join(f'<nd ref="{9000 + k}"/>' for k in range(3))
        ways.append(f'<way id="999">{refs}<tag k="highway" v="residential"/></way>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">\n'
            + "\n".join(nodes + ways) + "\n</osm>\n")


def feature(oid, lon, lat, **props) -> dict:
    return {"type": "Feature", "properties": {"id": oid, "name": f"Objek {oid}", "category": "spbu", **props},
            "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def objects_geojson(*features, **extra) -> str:
    feats = list(features) or [
        feature("VO-1", LON0 + 0.0021, LAT0 + 0.0041),
        feature("VO-2", LON0 + 0.0061, LAT0 + 0.0019, category="bank"),
    ]
    return json.dumps({"type": "FeatureCollection", "features": feats, **extra})


SCENARIO = """\
name = "tiny"
[area]
osm_file = "roads.osm"
[plan]
start_date = "2026-11-30"
days = 2
language = "en"
[layers]
vital_objects = "{layer}"
[[depots]]
id = "polsek"
name = "Polsek"
lat = {dlat}
lon = {dlon}
[[shifts]]
name = "pagi"
start = "06:00"
end = "14:00"
[[units]]
id = "{unit}"
kind = "motorcycle"
depot = "polsek"
"""


def world(tmp: Path, *, scenario: str | bytes | None = None, layer: str | bytes | None = None,
          layer_name: str = "vo.geojson", roads: str | bytes | None = None, unit: str = "R2-1",
          lon0: float = LON0, lat0: float = LAT0) -> Path:
    """Write the tiny world into ``tmp``; any file can be replaced by broken text or bytes."""
    tmp.mkdir(parents=True, exist_ok=True)

    def put(name: str, content: str | bytes) -> None:
        (tmp / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))

    put("roads.osm", roads if roads is not None else osm_xml(lon0, lat0))
    if layer is None:
        layer = objects_geojson() if (lon0, lat0) == (LON0, LAT0) else objects_geojson(
            feature("VO-1", lon0 + 0.0021, lat0 + 0.0041), feature("VO-2", lon0 + 0.0061, lat0 + 0.0019))
    put(layer_name, layer)
    put("scenario.toml", scenario if scenario is not None else SCENARIO.format(
        layer=layer_name, dlat=lat0 + 2 * STEP, dlon=lon0 + 2 * STEP, unit=unit))
    return tmp / "scenario.toml"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def previous(tmp_path: Path) -> Path:
    """A previous plan folder at the --out location (with the marker routeplan writes into its outputs)."""
    from routeplan._io import write_marker

    out = tmp_path / "out"
    (out / "gpx").mkdir(parents=True)
    (out / "plan.json").write_text('{"previous": true}\n', encoding="utf-8")
    (out / "gpx" / "R2-1.gpx").write_text("<gpx/>\n", encoding="utf-8")
    write_marker(out, "plan")
    return out


FAST = ["--iterations", "200", "--time-limit", "20", "--quiet"]


def run(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(list(args))
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def assert_refused(capsys, scenario: Path, out: Path, *fragments: str, rc: int = 2) -> str:
    """Run ``plan``; check exit status, one-line message naming ``fragments``, ``out`` untouched."""
    before = snapshot(out) if out.exists() else None
    code, stdout, err = run(capsys, "plan", str(scenario), "--out", str(out), *FAST)
    lines = err.strip().splitlines()
    assert code == rc, err
    assert len(lines) == 1, err
    assert lines[0].startswith("routeplan: error: "), err
    assert "Traceback" not in err
    for frag in fragments:
        assert frag.lower() in lines[0].lower(), (frag, lines[0])
    if before is None:
        assert not out.exists()
    else:
        assert snapshot(out) == before
    assert not [p for p in out.parent.iterdir() if ".staging-" in p.name or ".old-" in p.name]
    return lines[0]


# ------------------------------------------------------------------ the world itself is fine


def test_tiny_world_plans(tmp_path: Path, capsys) -> None:
    sc = world(tmp_path / "w")
    code, out, err = run(capsys, "plan", str(sc), "--out", str(tmp_path / "out"), *FAST)
    assert code == 0, err
    plan = json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))
    assert plan["served_required_visits"] == plan["required_visits"] > 0


# ------------------------------------------------------------------ malformed files


def test_malformed_toml(tmp_path, previous, capsys) -> None:
    sc = world(tmp_path / "w", scenario='name = "x"\n[area\nosm_file = "roads.osm"\n')
    assert_refused(capsys, sc, previous, "scenario.toml", "not valid TOML", "line 2")


def test_malformed_json(tmp_path, previous, capsys) -> None:
    sc = world(tmp_path / "w", layer='{"type": "FeatureCollection", "features": [ {"type": "Feature",, } ]}')
    assert_refused(capsys, sc, previous, "vo.geojson", "not valid JSON", "line 1")


def test_json_that_is_not_geojson(tmp_path, previous, capsys) -> None:
    sc = world(tmp_path / "w", layer='[1, 2, 3]')
    assert_refused(capsys, sc, previous, "vo.geojson", "FeatureCollection")


def test_feature_without_geometry(tmp_path, previous, capsys) -> None:
    sc = world(tmp_path / "w", layer=json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "A"}, "geometry": None}]}))
    assert_refused(capsys, sc, previous, "vo.geojson", "feature 0", "geometry")


def test_invalid_geometry(tmp_path, previous, capsys) -> None:
    sc = world(tmp_path / "w", layer=json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "A"}, "geometry": {"type": "Point", "coordinates": ["x"]}}]}))
    assert_refused(capsys, sc, previous, "vo.geojson", "feature 0", "invalid geometry")


@pytest.mark.parametrize("text, fragments", [
    ("id,name\nA,Pasar\n", ("vo.csv", "lat and lon columns")),
    ("id,lat,lon\nA,-8.22,113.21\nB,minus eight,113.2\n", ("vo.csv", "row 3", "not numbers")),
    ("id,lat,lon\nA,-8.22,113.21\x00\n", ("vo.csv", "row 2", "CSV")),
    ('id,lat,lon\n"A,-8.22,113.21\n', ("vo.csv", "CSV")),
])
def test_malformed_csv(tmp_path, previous, capsys, text, fragments) -> None:
    sc = world(tmp_path / "w", layer=text, layer_name="vo.csv")
    assert_refused(capsys, sc, previous, *fragments)


def test_semicolon_csv_is_read(tmp_path, capsys) -> None:
    """Spreadsheets in Indonesian locale save ';'-separated CSV: read it, do not refuse it."""
    text = f"id;name;category;lat;lon\nA;Pasar;pasar;{LAT0 + 0.0041};{LON0 + 0.0021}\n"
    sc = world(tmp_path / "w", layer=text, layer_name="vo.csv")
    code, _out, err = run(capsys, "plan", str(sc), "--out", str(tmp_path / "out"), *FAST)
    assert code == 0, err


# ------------------------------------------------------------------ coordinates


def test_projected_coordinates(tmp_path, previous, capsys) -> None:
    sc = world(tmp_path / "w", layer=objects_geojson(feature("VO-1", 700000, 9090000)))
    assert_refused(capsys, sc, previous, "vo.geojson", "feature 0", "projected", "EPSG:4326")


def test_projected_crs_member(tmp_path, previous, capsys) -> None:
    layer = objects_geojson(feature("VO-1", LON0, LAT0),
                            crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32749"}})
    assert_refused(capsys, sc := world(tmp_path / "w", layer=layer), previous, "vo.geojson", "32749", "EPSG:4326")
    assert sc.exists()


def test_projected_csv(tmp_path, previous, capsys) -> None:
    sc = world(tmp_path / "w", layer="id,x,y\nA,700000,9090000\n", layer_name="vo.csv")
    assert_refused(capsys, sc, previous, "vo.csv", "row 2", "projected")


def test_swapped_lat_lon_out_of_range(tmp_path, previous, capsys) -> None:
    # Kunir: lon ~113, lat ~-8.2; swapped, "latitude" 113 is impossible
    sc = world(tmp_path / "w", layer=objects_geojson(feature("VO-1", LAT0 + 0.0041, LON0 + 0.0021)))
    assert_refused(capsys, sc, previous, "vo.geojson", "feature 0", "swapped")


def test_swapped_lat_lon_in_range(tmp_path, previous, capsys) -> None:
    # a world where both orders are valid degrees (lon 20, lat 45): swapped points fall outside the roads
    lon0, lat0 = 20.0, 45.0
    layer = objects_geojson(feature("VO-1", lat0 + 0.0041, lon0 + 0.0021), feature("VO-2", lat0 + 0.0019, lon0 + 0.0061))
    sc = world(tmp_path / "w", layer=layer, lon0=lon0, lat0=lat0)
    assert_refused(capsys, sc, previous, "vo.geojson", "none of the 2 vital objects", "swapped")


def test_all_points_outside_area(tmp_path, previous, capsys) -> None:
    layer = objects_geojson(feature("VO-1", LON0 + 0.5, LAT0 + 0.5), feature("VO-2", LON0 - 0.5, LAT0))
    sc = world(tmp_path / "w", layer=layer)
    assert_refused(capsys, sc, previous, "vo.geojson", "none of the 2 vital objects", "road area")


def test_some_points_unusable_are_reported(tmp_path, capsys) -> None:
    """Decision: an unusable point is reported (plan.json unserved + printed), not an error."""
    layer = objects_geojson(
        feature("VO-1", LON0 + 0.0001, LAT0 + 0.0021),
        feature("FAR", LON0 + 0.01, LAT0 + 0.01),  # centre of the ring road: 1.1 km from any road
        feature("OUT", LON0 + 0.2, LAT0 + 0.2),  # 30 km away
        feature("NIGHT", LON0 + 0.0001, LAT0 + 0.0040, windows=["20:00-22:00"]),  # no shift at that time
    )
    sc = world(tmp_path / "w", layer=layer, roads=osm_xml(ring=True))
    code, out, err = run(capsys, "plan", str(sc), "--out", str(tmp_path / "out"), *FAST)
    assert code == 0, err
    plan = json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))
    reasons = {u["id"]: u["reason"] for u in plan["unserved"]}
    assert reasons == {"FAR": "far_from_road", "OUT": "outside_area", "NIGHT": "time_window"}
    for oid in reasons:
        assert f"not served: {oid}" in out or f"'{oid}'" in out
    assert plan["required_visits"] > plan["served_required_visits"]


def test_object_on_dropped_road_island(tmp_path, capsys) -> None:
    """Roads in pieces: the island is dropped with the small pieces; its object is reported, not planned.

    The area is the kept network's hull plus 500 m, so an object on a piece farther away is
    ``outside_area``; one on a piece within 500 m is snapped to the main network."""
    layer = objects_geojson(feature("VO-1", LON0 + 0.0021, LAT0 + 0.0041),
                            feature("ISLAND", LON0 + 0.03 + STEP, LAT0 + 0.0041))
    sc = world(tmp_path / "w", layer=layer, roads=osm_xml(island=True))
    code, out, err = run(capsys, "plan", str(sc), "--out", str(tmp_path / "out"), *FAST)
    assert code == 0, err
    plan = json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))
    reasons = {u["id"]: u["reason"] for u in plan["unserved"]}
    assert reasons.keys() == {"ISLAND"} and reasons["ISLAND"] in ("outside_area", "far_from_road")
    assert "ISLAND" in out


# ------------------------------------------------------------------ ids, categories, windows


def test_duplicate_id(tmp_path, previous, capsys) -> None:
    sc = world(tmp_path / "w", layer=objects_geojson(feature("A", LON0, LAT0), feature("A", LON0, LAT0)))
    assert_refused(capsys, sc, previous, "vo.geojson", "feature 1", "duplicate id", "'A'")


def test_missing_id(tmp_path, previous, capsys) -> None:
    f = feature("A", LON0, LAT0)
    del f["properties"]["id"]
    sc = world(tmp_path / "w", layer=objects_geojson(f))
    assert_refused(capsys, sc, previous, "vo.geojson", "feature 0", "missing 'id'")


def test_unknown_category(tmp_path, previous, capsys) -> None:
    sc = world(tmp_path / "w", layer=objects_geojson(feature("A", LON0, LAT0, category="casino")))
    assert_refused(capsys, sc, previous, "vo.geojson", "feature 0", "'casino'", "pasar")


@pytest.mark.parametrize("window, fragment", [
    ("08:00-08:00", "empty"), ("8am-5pm", "not HH:MM"), ("25:00-26:00", "not HH:MM"), ("08:00", "not \"HH:MM-HH:MM\""),
])
def test_bad_window(tmp_path, previous, capsys, window, fragment) -> None:
    sc = world(tmp_path / "w", layer=objects_geojson(feature("A", LON0, LAT0, windows=[window])))
    assert_refused(capsys, sc, previous, "vo.geojson", "feature 0", "windows", fragment)


def test_bad_scenario_shift_time(tmp_path, previous, capsys) -> None:
    text = SCENARIO.format(layer="vo.geojson", dlat=LAT0, dlon=LON0, unit="R2-1").replace('end = "14:00"', 'end = "06:00"')
    sc = world(tmp_path / "w", scenario=text)
    assert_refused(capsys, sc, previous, "scenario.toml", "shifts[0]", "same time")


# ------------------------------------------------------------------ scenario structure


def _scenario() -> str:
    return SCENARIO.format(layer="vo.geojson", dlat=LAT0 + 2 * STEP, dlon=LON0 + 2 * STEP, unit="R2-1")


def test_unit_depot_missing(tmp_path, previous, capsys) -> None:
    sc = world(tmp_path / "w", scenario=_scenario().replace('depot = "polsek"', 'depot = "pos-2"'))
    assert_refused(capsys, sc, previous, "scenario.toml", "units[0]", "'pos-2'", "[[depots]]")


def test_zero_units(tmp_path, previous, capsys) -> None:
    text = _scenario().split("[[units]]")[0]
    assert_refused(capsys, world(tmp_path / "w", scenario=text), previous, "scenario.toml", "no [[units]]")


def test_zero_shifts(tmp_path, previous, capsys) -> None:
    text = _scenario()
    text = text[:text.index("[[shifts]]")] + text[text.index("[[units]]"):]
    assert_refused(capsys, world(tmp_path / "w", scenario=text), previous, "scenario.toml", "no [[shifts]]")


def test_no_unit_works_in_plan(tmp_path, previous, capsys) -> None:
    text = _scenario() + 'days = ["sat"]\n'  # the 2-day plan is Mon-Tue
    assert_refused(capsys, world(tmp_path / "w", scenario=text), previous, "scenario.toml", "no unit works")


def test_depot_far_from_roads(tmp_path, previous, capsys) -> None:
    text = _scenario().replace(f"lat = {LAT0 + 2 * STEP}", f"lat = {LAT0 + 0.05}")
    assert_refused(capsys, world(tmp_path / "w", scenario=text), previous, "scenario.toml", "depot 'polsek'", "lat/lon")


def test_missing_layer_file(tmp_path, previous, capsys) -> None:
    text = _scenario().replace('vital_objects = "vo.geojson"', 'vital_objects = "nope.geojson"')
    assert_refused(capsys, world(tmp_path / "w", scenario=text), previous, "nope.geojson", "not found")


# ------------------------------------------------------------------ roads


def test_osm_without_drivable_roads(tmp_path, previous, capsys) -> None:
    sc = world(tmp_path / "w", roads=osm_xml(highway="footway"))
    assert_refused(capsys, sc, previous, "roads.osm", "no drivable roads")


def test_osm_not_xml(tmp_path, previous, capsys) -> None:
    sc = world(tmp_path / "w", roads="this is not <osm")
    assert_refused(capsys, sc, previous, "roads.osm")


# ------------------------------------------------------------------ encodings, sizes


def test_scenario_not_utf8(tmp_path, previous, capsys) -> None:
    sc = world(tmp_path / "w", scenario=_scenario().replace('"tiny"', '"Kecamatan Kunir \u2013 caf\u00e9"').encode("cp1252"))
    assert_refused(capsys, sc, previous, "scenario.toml", "not UTF-8", "save it as UTF-8")


def test_layer_not_utf8(tmp_path, previous, capsys) -> None:
    layer = json.dumps(json.loads(objects_geojson(feature("A", LON0 + 0.0021, LAT0 + 0.0041, name="Caf\u00e9 Kunir"))),
                       ensure_ascii=False).encode("latin-1")
    assert_refused(capsys, world(tmp_path / "w", layer=layer), previous, "vo.geojson", "not UTF-8")


def test_csv_not_utf8(tmp_path, previous, capsys) -> None:
    layer = f"id,name,lat,lon\nA,Caf\u00e9,{LAT0},{LON0}\n".encode("latin-1")
    assert_refused(capsys, world(tmp_path / "w", layer=layer, layer_name="vo.csv"), previous, "vo.csv", "not UTF-8")


@pytest.mark.parametrize("which", ["scenario.toml", "vo.geojson", "roads.osm"])
def test_empty_file(tmp_path, previous, capsys, which) -> None:
    sc = world(tmp_path / "w")
    (sc.parent / which).write_bytes(b"")
    assert_refused(capsys, sc, previous, which, "empty")


@pytest.mark.parametrize("which", ["scenario.toml", "vo.geojson"])
def test_huge_file_refused_unread(tmp_path, previous, capsys, which, monkeypatch) -> None:
    sc = world(tmp_path / "w")
    with open(sc.parent / which, "r+b") as fh:  # sparse: 300 MB on paper, no disk used
        fh.truncate(300 * 1024 * 1024)
    reads = []
    orig = Path.read_bytes

    def spy(self):
        reads.append(self.name)
        return orig(self)

    monkeypatch.setattr(Path, "read_bytes", spy)
    assert_refused(capsys, sc, previous, which, "file is 300 MiB, above the 200 MiB limit")
    assert which not in reads


def test_size_limit_message_agrees_with_the_docs() -> None:
    """The limit in the message is the one the docs state (binary units: 200 MiB, not "210 MB")."""
    from routeplan import settings
    from routeplan._io import format_bytes

    assert format_bytes(settings.max_input_bytes) == "200 MiB"
    assert format_bytes(settings.max_osm_bytes) == "1 GiB"
    for doc in ("SECURITY.md", "docs/errors.md", "README.md"):
        text = (ROOT / doc).read_text(encoding="utf-8")
        assert "200 MiB" in text and " MB limit" not in text and "200 MB" not in text, doc
    for doc in ("SECURITY.md", "docs/errors.md"):
        text = (ROOT / doc).read_text(encoding="utf-8")
        assert "1 GiB" in text and "1 GB" not in text, doc


def test_osm_file_type_checked_on_a_warm_cache_too(tmp_path, previous, capsys) -> None:
    """roads.txt is refused whether or not the same content was planned (and cached) before."""
    sc = world(tmp_path / "w")
    code, _o, err = run(capsys, "plan", str(sc), "--out", str(tmp_path / "first"), *FAST)
    assert code == 0, err  # the graph of roads.osm is now in the cache
    (sc.parent / "roads.txt").write_bytes((sc.parent / "roads.osm").read_bytes())
    sc.write_text(sc.read_text(encoding="utf-8").replace('"roads.osm"', '"roads.txt"'), encoding="utf-8")
    assert_refused(capsys, sc, previous, "roads.txt", "unknown OSM file type")


def test_output_is_a_file(tmp_path, capsys) -> None:
    sc = world(tmp_path / "w")
    out = tmp_path / "out.txt"
    out.write_text("keep\n", encoding="utf-8")
    code, _o, err = run(capsys, "plan", str(sc), "--out", str(out), *FAST)
    assert code == 2 and err.startswith("routeplan: error:") and "not a folder" in err
    assert out.read_text(encoding="utf-8") == "keep\n"


# ------------------------------------------------------------------ a real process


def test_subprocess_bad_input(tmp_path) -> None:
    """Through the installed entry point: exit 2, one stderr line, no traceback, nothing written."""
    sc = world(tmp_path / "w", layer=objects_geojson(feature("A", LON0, LAT0, category="casino")))
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run([sys.executable, "-m", "routeplan", "plan", str(sc), "--out", str(out), "--quiet"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("routeplan: error:") and "casino" in lines[0], proc.stderr
    assert not out.exists()


# ------------------------------------------------------------------ issue #10: control characters (class 6)

CONTROLS = ["\x00", "\x1b", "\n", "\x7f", "\x85"]


def _hotspots_geojson(**props) -> str:
    ring = [[LON0 + 0.001, LAT0 + 0.001], [LON0 + 0.003, LAT0 + 0.001], [LON0 + 0.003, LAT0 + 0.003],
            [LON0 + 0.001, LAT0 + 0.003], [LON0 + 0.001, LAT0 + 0.001]]
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "HS-1", "name": "Rawan 1", "risk": 1, "types": ["curanmor"], **props},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}]})


def _desa_geojson(name: str = "Kunir Lor", coords=None, text: str | None = None) -> str:
    if text is not None:
        return text
    ring = coords or [[LON0 - 0.001, LAT0 - 0.001], [LON0 + 0.01, LAT0 - 0.001], [LON0 + 0.01, LAT0 + 0.01],
                      [LON0 - 0.001, LAT0 + 0.01], [LON0 - 0.001, LAT0 - 0.001]]
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "DS-1", "desa": name},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}]})


def world_with(tmp: Path, *, hotspots: str | None = None, desa: str | None = None, **kw) -> Path:
    """The tiny world plus a hotspot layer and/or a desa layer named in [layers]."""
    extra = ""
    if hotspots is not None:
        extra += 'hotspots = "hs.geojson"\n'
    if desa is not None:
        extra += 'desa = "desa.geojson"\n'
    text = kw.pop("scenario", None) or _scenario()
    sc = world(tmp, scenario=text.replace('vital_objects = "vo.geojson"\n', 'vital_objects = "vo.geojson"\n' + extra),
               **kw)
    if hotspots is not None:
        (tmp / "hs.geojson").write_text(hotspots, encoding="utf-8")
    if desa is not None:
        (tmp / "desa.geojson").write_text(desa, encoding="utf-8")
    return sc


@pytest.mark.parametrize("char", CONTROLS, ids=["nul", "esc", "newline", "del", "nel"])
@pytest.mark.parametrize("field", ["id", "name", "desa", "category"])
def test_control_character_in_vital_object(tmp_path, previous, capsys, field, char) -> None:
    props = {"name": "Pasar", "desa": "Kunir Lor", "category": "pasar"}
    if field == "id":
        f = feature(f"VO{char}1", LON0 + 0.0021, LAT0 + 0.0041, **props)
    else:
        f = feature("VO-1", LON0 + 0.0021, LAT0 + 0.0041, **{**props, field: props[field] + char + "x"})
    sc = world(tmp_path / "w", layer=objects_geojson(f))
    assert_refused(capsys, sc, previous, "vo.geojson", "feature 0", f"'{field}'", "control character")


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\r"], ids=["nul", "esc", "cr"])
def test_control_character_in_csv_layer(tmp_path, previous, capsys, char) -> None:
    text = f'id,name,category,lat,lon\nA,"Pasar{char}Baru",pasar,{LAT0 + 0.0041},{LON0 + 0.0021}\n'
    sc = world(tmp_path / "w", layer=text, layer_name="vo.csv")
    # a NUL is refused by the CSV reader itself; the others by the text check (a row with a quoted line
    # break is named by the line it ends on)
    assert_refused(capsys, sc, previous, "vo.csv", "row 2" if char != "\r" else "row 3",
                   *(("'name'", "control character") if char != "\x00" else ("CSV",)))


@pytest.mark.parametrize("field, value", [("id", "HS\x001"), ("name", "Rawan\x1b[31m"), ("types", ["curanmor\x00"])])
def test_control_character_in_hotspot(tmp_path, previous, capsys, field, value) -> None:
    sc = world_with(tmp_path / "w", hotspots=_hotspots_geojson(**{field: value}))
    assert_refused(capsys, sc, previous, "hs.geojson", "feature 0", f"'{field}'", "control character")


def test_control_character_in_desa_layer(tmp_path, previous, capsys) -> None:
    sc = world_with(tmp_path / "w", desa=_desa_geojson(name="Kunir\x00Lor"))
    assert_refused(capsys, sc, previous, "desa.geojson", "feature 0", "'desa'", "control character")


@pytest.mark.parametrize("where, old, new", [
    ("name", 'name = "tiny"', 'name = "tiny\\u0000"'),
    ("[area].name", 'osm_file = "roads.osm"', 'osm_file = "roads.osm"\nname = "Kunir\\u001b"'),
    ("depots[0].name", 'name = "Polsek"', 'name = "Polsek\\u0000Kunir"'),
    ("depots[0].id", 'id = "polsek"', 'id = "pol\\u0000sek"'),
    ("shifts[0].name", 'name = "pagi"', 'name = "pagi\\u0085"'),
    ("units[0].id", 'id = "R2-1"', 'id = "R2\\u007f1"'),
    ("units[0].crew", 'depot = "polsek"\n', 'depot = "polsek"\ncrew = "Aiptu A\\nBripka B"\n'),
    ("units[0].crew", 'depot = "polsek"\n', 'depot = "polsek"\ncrew = "Aiptu\\u0000"\n'),
    ("[layers].vital_objects", 'vital_objects = "vo.geojson"', 'vital_objects = "vo.geojson\\u0000"'),
])
def test_control_character_in_scenario(tmp_path, previous, capsys, where, old, new) -> None:
    text = _scenario()
    assert old in text
    sc = world(tmp_path / "w", scenario=text.replace(old, new, 1))
    assert_refused(capsys, sc, previous, "scenario.toml", where, "control character")


def test_clean_unicode_text_reaches_valid_outputs(tmp_path, capsys) -> None:
    """What is not refused is written intact: GPX parses as XML, no output holds a NUL."""
    import xml.etree.ElementTree as ET

    name = "Pasar Kunir — 市場 <&> \"kios\" 'A' 😀"
    layer = objects_geojson(feature("VO-1", LON0 + 0.0021, LAT0 + 0.0041, name=name, desa="Kunir Lor"),
                            feature("VO-2", LON0 + 0.0061, LAT0 + 0.0019))
    sc = world(tmp_path / "w", layer=layer)
    code, _o, err = run(capsys, "plan", str(sc), "--out", str(tmp_path / "out"), *FAST)
    assert code == 0, err
    gpx = list((tmp_path / "out" / "gpx").glob("*.gpx"))
    assert gpx
    names = [el.text for g in gpx for el in ET.parse(g).iter("{http://www.topografix.com/GPX/1/1}name")]
    assert any(n and name in n for n in names)
    for p in (tmp_path / "out").rglob("*"):
        if p.is_file():
            assert b"\x00" not in p.read_bytes().replace(b"\x00\x00", b"") or p.suffix in (".gpkg", ".xlsx", ".pdf"), p
    import openpyxl
    import pyogrio

    stops = pyogrio.read_dataframe(tmp_path / "out" / "plan.gpkg", layer="stops")
    assert name in set(stops["name"])
    book = openpyxl.load_workbook(tmp_path / "out" / "plan.xlsx")  # binary (a zip), read through its library
    assert name in {c.value for ws in book.worksheets for row in ws.iter_rows() for c in row}


# ------------------------------------------------------------------ issue #10: bad input ending as exit 1 (class 7)


def _one_line_refusal(capsys, *args: str, fragments: tuple[str, ...] = (), untouched: Path | None = None) -> str:
    """Run the CLI: exit 2, one stderr line starting 'routeplan: error:', no traceback, ``untouched`` unchanged."""
    before = snapshot(untouched) if untouched is not None and untouched.is_dir() else None
    code, _stdout, err = run(capsys, *args)
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1, err
    assert lines[0].startswith("routeplan: error: "), err
    assert "Traceback" not in err
    for frag in fragments:
        assert frag.lower() in lines[0].lower(), (frag, lines[0])
    if before is not None:
        assert snapshot(untouched) == before
    return lines[0]


@pytest.fixture(scope="module")
def tiny_plan(tmp_path_factory) -> Path:
    """A plan folder of the tiny world (written once per module)."""
    base = tmp_path_factory.mktemp("tiny")
    sc = world(base / "w")
    assert main(["plan", str(sc), "--out", str(base / "plan"), *FAST]) == 0
    return base / "plan"


def _damaged_copy(tiny_plan: Path, tmp: Path, edit) -> Path:
    import shutil

    plan_dir = tmp / "plan"
    shutil.copytree(tiny_plan, plan_dir)
    pj = plan_dir / "plan.json"
    d = json.loads(pj.read_text(encoding="utf-8"))
    new = edit(d)
    pj.write_bytes(new if isinstance(new, bytes) else json.dumps(d if new is None else new).encode("utf-8"))
    return plan_dir


def _del(d: dict, *path) -> None:
    for k in path[:-1]:
        d = d[k]
    del d[path[-1]]


def _set(d: dict, value, *path) -> None:
    for k in path[:-1]:
        d = d[k]
    d[path[-1]] = value


DAMAGES = {
    "no-routes": lambda d: _del(d, "routes"),
    "routes-not-list": lambda d: _set(d, {"a": 1}, "routes"),
    "route-not-object": lambda d: _set(d, 5, "routes", 0),
    "no-unit": lambda d: _del(d, "routes", 0, "unit"),
    "unit-number": lambda d: _set(d, 7, "routes", 0, "unit"),
    "no-stops": lambda d: _del(d, "routes", 0, "stops"),
    "stop-arrival-number": lambda d: _set(d, 5, "routes", 0, "stops", 0, "arrival"),
    "stop-arrival-text": lambda d: _set(d, "soon", "routes", 0, "stops", 0, "arrival"),
    "stop-no-lon": lambda d: _del(d, "routes", 0, "stops", 0, "lon"),
    "stop-lat-text": lambda d: _set(d, "south", "routes", 0, "stops", 0, "lat"),
    "day-bad": lambda d: _set(d, "Monday", "routes", 0, "day"),
    "breaks-not-list": lambda d: _set(d, "lunch", "routes", 0, "breaks"),
    "days-zero": lambda d: _set(d, 0, "days"),
    "days-huge": lambda d: _set(d, 100000, "days"),
    "days-text": lambda d: _set(d, "7", "days"),
    "start-date-bad": lambda d: _set(d, "2026-13-40", "start_date"),
    "depots-not-list": lambda d: _set(d, "polsek", "depots"),
    "name-nul": lambda d: _set(d, "Pasar\x00", "routes", 0, "stops", 0, "name"),
    "top-level-list": lambda d: [d],
    "not-utf8": lambda d: json.dumps(d).replace("Objek", "Obj\u00e9k").encode("latin-1"),
    "truncated": lambda d: json.dumps(d).encode("utf-8")[:200],
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_brief_on_damaged_plan_json(tmp_path, capsys, tiny_plan, damage) -> None:
    plan_dir = _damaged_copy(tiny_plan, tmp_path, DAMAGES[damage])
    out = tmp_path / "brief"
    _one_line_refusal(capsys, "brief", str(plan_dir), "--out", str(out), fragments=("plan.json",), untouched=plan_dir)
    assert not out.exists()


@pytest.mark.parametrize("damage", ["days-zero", "days-huge", "top-level-list", "name-nul"])
def test_replan_on_damaged_plan_json(tmp_path, capsys, tiny_plan, damage) -> None:
    plan_dir = _damaged_copy(tiny_plan, tmp_path, DAMAGES[damage])
    _one_line_refusal(capsys, "replan", str(plan_dir), "--from", "2026-12-01", *FAST,
                      fragments=("plan.json",), untouched=plan_dir)


def test_replan_days_huge_names_the_bound(tmp_path, capsys, tiny_plan) -> None:
    plan_dir = _damaged_copy(tiny_plan, tmp_path, DAMAGES["days-huge"])
    _one_line_refusal(capsys, "replan", str(plan_dir), "--from", "2026-12-01", *FAST,
                      fragments=("plan.json", "days", "1", "62"), untouched=plan_dir)


def test_brief_on_damaged_routes_geojson(tmp_path, capsys, tiny_plan) -> None:
    import shutil

    plan_dir = tmp_path / "plan"
    shutil.copytree(tiny_plan, plan_dir)
    (plan_dir / "routes.geojson").write_text('{"type": "FeatureCollection", "features": [{"properties": 5}]}',
                                             encoding="utf-8")
    _one_line_refusal(capsys, "brief", str(plan_dir), "--out", str(tmp_path / "b"), fragments=("routes.geojson",),
                      untouched=plan_dir)


def test_pin_date_as_toml_datetime(tmp_path, previous, capsys) -> None:
    text = _scenario() + '[[pins]]\nobject = "VO-1"\nunit = "R2-1"\ndate = 2026-12-01T07:30:00\ntime = "07:30"\n'
    sc = world(tmp_path / "w", scenario=text)
    assert_refused(capsys, sc, previous, "scenario.toml", "pins[0]", "date")


@pytest.mark.parametrize("pin, fragment", [
    ('object = "VO-1"\nunit = "NOPE"\ndate = "2026-12-01"\ntime = "07:30"\n', "'NOPE'"),
    ('object = "VO-1"\nunit = "R2-1"\ndate = "2026-12-01"\ntime = 730\n', "time"),
    ('object = "VO-1"\nunit = "R2-1"\ndate = 20261201\ntime = "07:30"\n', "date"),
    ('object = ["VO-1"]\nunit = "R2-1"\ndate = "2026-12-01"\ntime = "07:30"\n', "object"),
    # checks that once waited for the optimizer: the object against the layer, the date against the plan
    ('object = "VO-9"\nunit = "R2-1"\ndate = "2026-12-01"\ntime = "07:30"\n', "'VO-9' is not in the vital-object layer"),
    ('object = "VO-1"\nunit = "R2-1"\ndate = "2026-12-02"\ntime = "07:30"\n', "2026-12-02 is outside the plan"),
    ('object = "VO-1"\nunit = "R2-1"\ndate = "2026-11-29"\ntime = "07:30"\n', "outside the plan"),
    ('object = "VO-1"\nunit = "R2-1"\ndate = "2026-12-01"\ntime = "7h30"\n', "pins[0].time"),
    ('object = "VO-1"\nunit = "R2-1"\ndate = "2026-12-01"\ntime = "24:00"\n', "pins[0].time"),
    ('object = "VO-1"\nunit = "R2-1"\ndate = "2026-12-01"\ntime = "07:30"\ndwell = 15\n', "unknown key 'dwell'"),
])
def test_bad_pin_refused_before_roads(tmp_path, previous, capsys, monkeypatch, pin, fragment) -> None:
    from routeplan.prepare import context as pipeline

    calls = []
    monkeypatch.setattr(pipeline, "load_roads", lambda *a, **k: calls.append(a) or pytest.fail("roads loaded"))
    sc = world(tmp_path / "w", scenario=_scenario() + "[[pins]]\n" + pin)
    assert_refused(capsys, sc, previous, "scenario.toml", "pins[0]", fragment)
    assert not calls


@pytest.mark.parametrize("after, typo, hint", [
    ('name = "tiny"\n', 'nmae = "x"\n', "scenario.toml: unknown key 'nmae'; did you mean 'name'?"),
    ('osm_file = "roads.osm"\n', 'nmae = "x"\n', "scenario.toml [area]: unknown key 'nmae'; did you mean 'name'?"),
    ('days = 2\n', 'hotspot_dwel_minutes = 15\n',
     "scenario.toml [plan]: unknown key 'hotspot_dwel_minutes'; did you mean 'hotspot_dwell_minutes'?"),
    ('vital_objects = "vo.geojson"\n', 'hotspot = "hs.geojson"\n',
     "scenario.toml [layers]: unknown key 'hotspot'; did you mean 'hotspots'?"),
    ('name = "Polsek"\n', 'lng = 113.2\n', "scenario.toml depots[0]: unknown key 'lng'; did you mean 'lon'?"),
    ('end = "14:00"\n', 'break_minute = 30\n',
     "scenario.toml shifts[0]: unknown key 'break_minute'; did you mean 'break_minutes'?"),
    ('kind = "motorcycle"\n', 'day = ["mon"]\n', "scenario.toml units[0]: unknown key 'day'; did you mean 'days'?"),
])
def test_typo_key_refused_before_roads(tmp_path, previous, capsys, monkeypatch, after, typo, hint) -> None:
    from routeplan.prepare import context as pipeline

    monkeypatch.setattr(pipeline, "load_roads", lambda *a, **k: pytest.fail("roads loaded"))
    text = _scenario()
    assert text.count(after) == 1
    sc = world(tmp_path / "w", scenario=text.replace(after, after + typo))
    assert_refused(capsys, sc, previous, hint)


@pytest.mark.parametrize("speeds, hint", [
    ("[speeds.motorcycle]\nresidental = 15\n",
     "scenario.toml [speeds.motorcycle]: unknown highway class 'residental'; did you mean 'residential'?"),
    ("[speeds.motorcyle]\nresidential = 15\n", "did you mean 'motorcycle'?"),
])
def test_typo_in_speeds_refused_before_roads(tmp_path, previous, capsys, monkeypatch, speeds, hint) -> None:
    from routeplan.prepare import context as pipeline

    monkeypatch.setattr(pipeline, "load_roads", lambda *a, **k: pytest.fail("roads loaded"))
    sc = world(tmp_path / "w", scenario=_scenario() + speeds)
    assert_refused(capsys, sc, previous, hint)


@pytest.mark.parametrize("desa, fragment", [
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"desa": "A"}, "geom', "desa.geojson"),
    (json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"desa": "A"}, "geometry": {"type": "Polygon", "coordinates": 5}}]}),
     "feature 0"),
    (json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"desa": "A"}, "geometry": {"type": "Point", "coordinates": [LON0, LAT0]}}]}),
     "polygon"),
    ("[1, 2]", "FeatureCollection"),
])
def test_damaged_desa_layer_refused_before_roads(tmp_path, previous, capsys, monkeypatch, desa, fragment) -> None:
    """The desa layer is read (and refused) before the roads, matrices and the optimizer run."""
    from routeplan.prepare import context as pipeline

    calls = []
    monkeypatch.setattr(pipeline, "load_roads", lambda *a, **k: calls.append(a) or pytest.fail("roads loaded"))
    sc = world_with(tmp_path / "w", desa=desa)
    assert_refused(capsys, sc, previous, "desa.geojson", fragment)
    assert not calls


def test_missing_desa_file(tmp_path, previous, capsys) -> None:
    sc = world_with(tmp_path / "w", desa=_desa_geojson())
    (sc.parent / "desa.geojson").unlink()
    assert_refused(capsys, sc, previous, "desa.geojson", "not found")


def test_desa_layer_used_in_scorecard(tmp_path, capsys) -> None:
    """A good desa layer still gives coverage per desa (read once, before planning)."""
    sc = world_with(tmp_path / "w", desa=_desa_geojson(name="Kunir Lor"))
    code, _o, err = run(capsys, "plan", str(sc), "--out", str(tmp_path / "out"), *FAST)
    assert code == 0, err
    card = json.loads((tmp_path / "out" / "scorecard.json").read_text(encoding="utf-8"))
    assert "Kunir Lor" in {d["desa"] for d in card["desa"]}


@pytest.mark.parametrize("args, fragment", [
    (["--seed", "-1"], "--seed"),
    (["--seed", str(2 ** 64)], "--seed"),
    (["--seed", str(2 ** 32)], "--seed"),
    (["--seed", "1.5"], "--seed"),
    (["--iterations", "-5"], "--iterations"),
    (["--iterations", "0"], "--iterations"),
    (["--time-limit", "-1"], "--time-limit"),
    (["--time-limit", "0"], "--time-limit"),
    (["--time-limit", "nan"], "--time-limit"),
    (["--time-limit", "inf"], "--time-limit"),
    (["--weeks", "0"], "--weeks"),
    (["--weeks", "-3"], "--weeks"),
    (["--weeks", "13"], "--weeks"),
])
def test_bad_plan_options(tmp_path, capsys, previous, args, fragment) -> None:
    sc = world(tmp_path / "w")
    base = [a for a in FAST if a != "--quiet"]
    opts = dict(zip(base[::2], base[1::2]))
    opts.update(dict(zip(args[::2], args[1::2])))
    argv = ["plan", str(sc), "--out", str(previous), "--quiet"] + [x for kv in opts.items() for x in kv]
    _one_line_refusal(capsys, *argv, fragments=(fragment,), untouched=previous)


@pytest.mark.parametrize("weeks", ["1", "2"])
def test_largest_seed_is_accepted(tmp_path, capsys, weeks) -> None:
    """The optimizer (PyVRP) takes a 32-bit seed: the largest one plans, for one week and for several."""
    sc = world(tmp_path / "w")
    code, _o, err = run(capsys, "plan", str(sc), "--out", str(tmp_path / "out"), *FAST, "--seed", str(2 ** 32 - 1),
                        "--weeks", weeks)
    assert code == 0, err


@pytest.mark.parametrize("cmd", ["replan", "demo"])
def test_bad_options_of_other_commands(tmp_path, capsys, tiny_plan, cmd) -> None:
    target = [str(tiny_plan), "--from", "2026-12-01"] if cmd == "replan" else ["--out", str(tmp_path / "demo")]
    _one_line_refusal(capsys, cmd, *target, "--seed", "-1", fragments=("--seed",), untouched=tiny_plan)
    _one_line_refusal(capsys, cmd, *target, "--time-limit", "nan", fragments=("--time-limit",), untouched=tiny_plan)
    assert not (tmp_path / "demo").exists()


def test_output_under_a_file(tmp_path, capsys) -> None:
    sc = world(tmp_path / "w")
    blocker = tmp_path / "afile"
    blocker.write_text("keep\n", encoding="utf-8")
    _one_line_refusal(capsys, "plan", str(sc), "--out", str(blocker / "sub" / "out"), *FAST,
                      fragments=(str(blocker), "not a folder"))
    assert blocker.read_text(encoding="utf-8") == "keep\n"
    _one_line_refusal(capsys, "objects", str(sc), "--out", str(blocker / "objects.geojson"),
                      fragments=(str(blocker), "not a folder"))
    assert blocker.read_text(encoding="utf-8") == "keep\n"


def _read_only_folder(tmp_path: Path) -> Path:
    """A folder nobody can write into: a chmod 555 folder, or (as root, who ignores modes) /sys."""
    if os.geteuid() != 0:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        return ro
    if not Path("/sys/kernel").is_dir():
        pytest.skip("running as root without /sys: no read-only folder to test with")
    return Path("/sys")


def test_output_in_read_only_place(tmp_path, capsys, tiny_plan) -> None:
    sc = world(tmp_path / "w")
    ro = _read_only_folder(tmp_path)
    try:
        _one_line_refusal(capsys, "plan", str(sc), "--out", str(ro / "routeplan-test-out"), *FAST,
                          fragments=("cannot write",))
        _one_line_refusal(capsys, "brief", str(tiny_plan), "--out", str(ro / "routeplan-test-b"),
                          fragments=("cannot write",))
        assert not (ro / "routeplan-test-out").exists()
    finally:
        if ro.parent == tmp_path:
            ro.chmod(0o755)


def test_objects_out_is_a_folder(tmp_path, capsys) -> None:
    sc = world(tmp_path / "w")
    folder = tmp_path / "objs"
    folder.mkdir()
    (folder / "mine.txt").write_text("keep\n", encoding="utf-8")
    _one_line_refusal(capsys, "objects", str(sc), "--out", str(folder), fragments=(str(folder), "folder"),
                      untouched=folder)


@pytest.mark.parametrize("bad", ["NaN"])
def test_non_finite_vertex_in_hotspot_polygon(tmp_path, previous, capsys, bad) -> None:
    ring = (f"[[{LON0 + 0.001}, {LAT0 + 0.001}], [{LON0 + 0.003}, {LAT0 + 0.001}], [{bad}, {LAT0 + 0.003}], "
            f"[{LON0 + 0.001}, {LAT0 + 0.003}], [{LON0 + 0.001}, {LAT0 + 0.001}]]")
    text = ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"id": "HS-1", "risk": 1}, '
            '"geometry": {"type": "Polygon", "coordinates": [' + ring + ']}}]}')
    sc = world_with(tmp_path / "w", hotspots=text)
    assert_refused(capsys, sc, previous, "hs.geojson", "feature 0", "finite")


@pytest.mark.parametrize("coords", ["5", "true", "1.5", "{\"a\": 1, \"b\": 2}"])
def test_incident_geojson_coordinates_of_wrong_shape(tmp_path, capsys, coords) -> None:
    good = [{"type": "Feature", "properties": {"type": "curat"},
             "geometry": {"type": "Point", "coordinates": [113.2 + i * 1e-3, -8.2]}} for i in range(20)]
    text = json.dumps({"type": "FeatureCollection", "features": good})
    text = text.replace('"coordinates": [113.2, -8.2]', f'"coordinates": {coords}', 1)
    inc = tmp_path / "inc.geojson"
    inc.write_text(text, encoding="utf-8")
    _one_line_refusal(capsys, "hotspots", str(inc), "--out", str(tmp_path / "hs"), fragments=("inc.geojson", "feature 0"))
    assert not (tmp_path / "hs").exists()


def test_time_limit_nan_never_reaches_plan_json(tmp_path, capsys) -> None:
    sc = world(tmp_path / "w")
    _one_line_refusal(capsys, "plan", str(sc), "--out", str(tmp_path / "out"), "--time-limit", "nan", "--quiet")
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ issue #10: small ones (class 9)


def test_stops_csv_neutralises_every_text_cell(tmp_path, capsys) -> None:
    import csv as _csv

    text = SCENARIO.format(layer="vo.geojson", dlat=LAT0 + 2 * STEP, dlon=LON0 + 2 * STEP, unit="=HYPERLINK('http://x')")
    text = text.replace('id = "polsek"', 'id = "+polsek"').replace('depot = "polsek"', 'depot = "+polsek"')
    text = text.replace('name = "pagi"', 'name = "@pagi"')
    layer = objects_geojson(feature("-VO-1", LON0 + 0.0021, LAT0 + 0.0041, name="=1+1", desa=""),
                            feature("VO-2", LON0 + 0.0061, LAT0 + 0.0019, desa="Kunir Lor"))
    sc = world(tmp_path / "w", scenario=text, layer=layer, unit="=HYPERLINK('http://x')")
    code, _o, err = run(capsys, "plan", str(sc), "--out", str(tmp_path / "out"), *FAST)
    assert code == 0, err
    rows = list(_csv.DictReader((tmp_path / "out" / "stops.csv").open(encoding="utf-8", newline="")))
    assert rows
    for row in rows:
        for k, v in row.items():
            assert not (v[:1] in ("=", "+", "@") or (v[:1] == "-" and k not in ("lon", "lat"))), (k, v)
        assert (row["unit"], row["depot"], row["shift"]) == ("'=HYPERLINK('http://x')", "'+polsek", "'@pagi")
    by_id = {r["id"]: r for r in rows}
    assert by_id["'-VO-1"]["desa"] == "" and by_id["'-VO-1"]["name"] == "'=1+1"  # empty stays empty
    assert by_id["VO-2"]["desa"] == "Kunir Lor"


def test_day_first_dates_detected_per_column(tmp_path) -> None:
    from routeplan.hotspots import read_incidents

    rows = ["lat,lon,tanggal,jenis"] + [f"-8.2{i},113.2{i},{d},curat" for i, d in
                                        enumerate(["01/05/2024 21:00", "13/05/2024 08:30", "02/05/2024", "31/05/2024"])]
    f = tmp_path / "inc.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    inc = read_incidents(f, time="tanggal")
    days = [(t.month, t.day) for t in inc["time"]]
    assert days == [(5, 1), (5, 13), (5, 2), (5, 31)]
    assert inc["time"].iloc[0].hour == 21


def test_month_first_dates_stay_month_first(tmp_path) -> None:
    from routeplan.hotspots import read_incidents

    f = tmp_path / "inc.csv"
    f.write_text("lat,lon,date\n-8.2,113.2,04/27/2016 01:44:00 PM\n-8.21,113.21,05/01/2016 09:00:00 AM\n",
                 encoding="utf-8")
    inc = read_incidents(f)
    assert [(t.month, t.day, t.hour) for t in inc["time"]] == [(4, 27, 13), (5, 1, 9)]


def test_ambiguous_date_mix_refused(tmp_path, capsys) -> None:
    f = tmp_path / "inc.csv"
    rows = ["lat,lon,tanggal"] + [f"-8.2{i},113.2{i},{d}" for i, d in enumerate(["13/05/2024", "05/14/2024", "01/05/2024"])]
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    _one_line_refusal(capsys, "hotspots", str(f), "--out", str(tmp_path / "hs"), "--time", "tanggal",
                      fragments=("inc.csv", "'tanggal'", "day", "month"))
    assert not (tmp_path / "hs").exists()


def test_full_day_shift_00_to_24(tmp_path, capsys) -> None:
    from routeplan import load_scenario

    text = _scenario().replace('start = "06:00"\nend = "14:00"', 'start = "00:00"\nend = "24:00"')
    sc = world(tmp_path / "w", scenario=text)
    shift = load_scenario(sc).shifts["pagi"]
    assert (shift.start, shift.length) == (0, 1440)
    code, _o, err = run(capsys, "plan", str(sc), "--out", str(tmp_path / "out"), *FAST)
    assert code == 0, err
    plan = json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))
    assert plan["routes"] and plan["served_required_visits"] == plan["required_visits"]


@pytest.mark.parametrize("shift, fragment", [
    ('start = "06:00"\nend = "14:00"\nbreak_minutes = 600', "break_minutes"),
    ('start = "06:00"\nend = "14:00"\nbreak_minutes = 60\nbreak_window = "13:30-15:00"', "break_window"),
    ('start = "06:00"\nend = "14:00"\nbreak_minutes = 60\nbreak_window = "10:00-10:30"', "break_window"),
])
def test_break_that_cannot_fit_is_refused(tmp_path, previous, capsys, shift, fragment) -> None:
    text = _scenario().replace('start = "06:00"\nend = "14:00"', shift)
    assert_refused(capsys, world(tmp_path / "w", scenario=text), previous, "scenario.toml", "shifts[0]", fragment)


def test_control_characters_in_incident_types_are_replaced(tmp_path) -> None:
    """Incident exports are messy: a control character in a type is replaced (and logged), not refused."""
    from routeplan.hotspots import read_incidents

    f = tmp_path / "inc.csv"
    f.write_text('lat,lon,date,type\n-8.2,113.2,2024-05-01,"CURAT\x00\x1b[31m"\n-8.21,113.21,2024-05-02,curanmor\n',
                 encoding="utf-8")
    inc = read_incidents(f)
    assert list(inc["raw_type"]) == ["CURAT  [31m", "curanmor"]
