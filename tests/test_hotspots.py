"""Hotspot analysis on real incident data (Chicago South Side 2016, North Philadelphia 2018-19)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import shape

from routeplan import hotspots as hs
from routeplan.cli import build_parser
from routeplan.errors import InputError
from routeplan.hotspots.estimate import _active_hours

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CHICAGO = DATA / "incidents" / "chicago_southside_2016" / "chicago_southside_2016_crimes.csv"
SOUTHSIDE = DATA / "incidents" / "chicago_southside_2016" / "SouthSide.shp"
PHILLY = DATA / "incidents" / "philadelphia_temple_2018_2019" / "temple_crime_points_2018_2019.csv"

needs_data = pytest.mark.skipif(
    not CHICAGO.exists(), reason=f"shared real data not found at {DATA} (see ../shared/data/README.md)"
)
WINDOW = re.compile(r"^([01]\d|2[0-4]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")


@pytest.fixture(scope="module")
def chicago():
    if not CHICAGO.exists():
        pytest.skip(f"shared real data not found at {DATA}")
    return hs.read_incidents(CHICAGO)


@pytest.fixture(scope="module")
def southside():
    if not SOUTHSIDE.exists():
        pytest.skip(f"shared real data not found at {DATA}")
    # the .prj is empty: the coordinates are NAD83 / Illinois East metres
    return gpd.read_file(SOUTHSIDE).set_crs(26971)


@pytest.fixture(scope="module")
def evaluation(chicago, southside):
    return hs.evaluate(chicago, "2016-10-01", cell_m=200, bandwidth="auto", area=southside)


@pytest.fixture(scope="module")
def chicago_result(chicago, southside):
    return hs.estimate_hotspots(chicago, cell_m=200, bandwidth="auto", area=southside)


# ---------------------------------------------------------------- reading


@needs_data
def test_read_chicago_columns_types_and_times(chicago):
    assert len(chicago) == 1000
    assert chicago.crs.to_epsg() == 4326
    assert list(chicago.columns) == ["time", "type", "raw_type", "type_matched", "geometry"]
    assert chicago["time"].notna().all()
    assert chicago["time"].min().year == 2016 and chicago["time"].max().year == 2016
    assert set(chicago["type"]) <= set(hs.CATEGORIES)
    counts = chicago["type"].value_counts()
    assert counts["curas"] == 74  # ROBBERY
    assert counts["curanmor"] == 37  # MOTOR VEHICLE THEFT
    assert counts["curat"] == 178 + 78  # THEFT + BURGLARY
    b = chicago.total_bounds
    assert 41.75 < b[1] < b[3] < 41.86 and -87.67 < b[0] < b[2] < -87.55


@needs_data
def test_read_philadelphia_lat_lng_only():
    inc = hs.read_incidents(PHILLY)
    assert len(inc) == 7047
    assert inc["time"].isna().all()
    assert (inc["type"] == "lainnya").all()
    b = inc.total_bounds
    assert 39.97 < b[1] < b[3] < 39.992 and -75.171 < b[0] < b[2] < -75.144


def test_type_map_override_from_json(tmp_path):
    f = tmp_path / "inc.csv"
    f.write_text("latitude,longitude,category\n-8.2,113.2,Maling sapi\n-8.21,113.21,THEFT\n", encoding="utf-8")
    m = tmp_path / "map.json"
    m.write_text(json.dumps({"maling sapi": "curhewan", "theft": "lainnya"}), encoding="utf-8")
    inc = hs.read_incidents(f, type_map=m)
    assert list(inc["type"]) == ["curhewan", "lainnya"]
    assert list(inc["raw_type"]) == ["Maling sapi", "THEFT"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"THEFT": "pencurian"}), encoding="utf-8")
    with pytest.raises(InputError, match="bad.json.*curas"):
        hs.read_incidents(f, type_map=bad)


def test_read_geojson_and_projected_csv(tmp_path):
    g = tmp_path / "inc.geojson"
    g.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [113.2, -8.2]},
         "properties": {"occurred": "2024-01-05T21:30:00", "jenis": "curanmor"}},
    ]}), encoding="utf-8")
    inc = hs.read_incidents(g)
    assert inc.iloc[0]["type"] == "curanmor" and inc.iloc[0]["time"].hour == 21
    c = tmp_path / "xy.csv"
    c.write_text("X,Y,Primary Type\n360000,570000,ROBBERY\n", encoding="utf-8")
    inc = hs.read_incidents(c, x="X", y="Y", crs=26971)
    assert abs(inc.geometry.iloc[0].y - 41.8) < 0.1 and inc.iloc[0]["type"] == "curas"


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "content, pattern",
    [
        ("lat,when,type\n41.8,2016-01-01,THEFT\n", r"bad\.csv: no longitude column"),
        ("", r"bad\.csv: .*empty"),
        ("lat,lon\n", r"bad\.csv: no incidents"),
        ("lat,lon\n41.8,-87.6\n141.8,-87.6\n", r"bad\.csv: row 3: column 'lat' .*outside -90\.\.90"),
        ("lat,lon\n41.8,-87.6\nabc,-87.6\n", r"bad\.csv: row 3: column 'lat' value 'abc' is not a number"),
        ("lat,lon,date\n41.8,-87.6,yesterday\n", r"bad\.csv: row 2: column 'date'"),
    ],
    ids=["missing-column", "empty-file", "header-only", "lat-out-of-range", "not-a-number", "bad-date"],
)
def test_bad_incident_files(tmp_path, content, pattern):
    f = tmp_path / "bad.csv"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=pattern) as exc:
        hs.read_incidents(f)
    assert "\n" not in str(exc.value)


def test_non_utf8_and_missing_named_column(tmp_path):
    f = tmp_path / "latin.csv"
    f.write_bytes("lat,lon,type\n-8.2,113.2,pencurian \xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match="latin.csv: .*not UTF-8"):
        hs.read_incidents(f)
    g = tmp_path / "ok.csv"
    g.write_text("lat,lon\n-8.2,113.2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"ok.csv: column 'waktu' \(time\) not found"):
        hs.read_incidents(g, time="waktu")


# ---------------------------------------------------------------- estimation and evaluation


@needs_data
def test_bandwidth_reported_and_hotspots_ranked(chicago_result):
    r = chicago_result
    assert r.crs == "EPSG:32616"  # UTM 16N for Chicago
    sel = r.bandwidth_selection
    assert sel["how"].startswith("likelihood cross-validation")
    assert 50 < r.bandwidth_m < 1000 and r.bandwidth_m == pytest.approx(sel["bandwidth_m"], abs=0.1)
    assert not sel["at_edge"]
    h = r.hotspots
    assert len(h) >= 3
    assert list(h["rank"]) == list(range(1, len(h) + 1))
    assert h["risk"].iloc[0] == 1.0 and (h["risk"] > 0).all() and (h["risk"] <= 1).all()
    assert h["risk"].is_monotonic_decreasing
    # hotspot cells cover top_share of the area (dissolved polygons, no overlap)
    assert h["cells"].sum() == pytest.approx(0.05 * len(r.cells), abs=1)
    # the floor keeps presence everywhere
    assert r.cells["risk"].min() > 0
    p = r.cells["p"].to_numpy()
    assert p.sum() == pytest.approx(1.0) and p.min() >= r.floor_share / len(p) - 1e-12


@needs_data
def test_time_split_pai_and_hit_rate(evaluation):
    ev = evaluation
    assert ev["n_train"] + ev["n_test"] == 1000 and ev["n_test"] > 100
    assert ev["bandwidth_m"] > 0
    rows = {r["share"]: r for r in ev["results"]}
    assert set(rows) == {0.01, 0.05, 0.10}
    at5 = rows[0.05]
    for method in ("kde", "baseline"):
        assert 0 <= at5[method]["hit_rate"] <= 1
        assert at5[method]["pai"] == pytest.approx(at5[method]["hit_rate"] / at5["area_share"], rel=1e-2)
    assert at5["kde"]["pai"] > 1
    assert at5["kde"]["hit_rate"] >= at5["baseline"]["hit_rate"]


def test_gistar_and_active_hours():
    rng = np.random.default_rng(1)
    pts = np.vstack([rng.normal([0, 0], 150, (60, 2)), rng.uniform(-3000, 3000, (60, 2))])
    hours = np.concatenate([rng.choice([21, 22, 23, 0, 1], 60), rng.integers(0, 24, 60)])
    times = gpd.pd.to_datetime("2024-01-01") + gpd.pd.to_timedelta(hours, unit="h")
    g = gpd.GeoDataFrame(
        {"time": times, "type": "curanmor", "raw_type": "x"},
        geometry=gpd.points_from_xy(pts[:, 0] + 720000, pts[:, 1] + 9100000), crs="EPSG:32749",
    ).to_crs(4326)
    kde = hs.estimate_hotspots(g, bandwidth=200)
    top = kde.hotspots.iloc[0]
    assert top["incidents"] >= 40 and top["types"] == ["curanmor"]
    assert top["active_hours"] and all(WINDOW.match(w) for w in top["active_hours"])
    assert any(w.startswith("2") and w.endswith(("01:00", "02:00")) for w in top["active_hours"])  # across midnight
    gi = hs.estimate_hotspots(g, method="gistar")
    assert gi.bandwidth_m is None and gi.hotspots.iloc[0]["incidents"] >= 40


# ---------------------------------------------------------------- outputs and CLI


@needs_data
def test_outputs_geojson_summary_and_curve(tmp_path, chicago_result, evaluation):
    out = tmp_path / "out"
    paths = hs.write_hotspot_outputs(chicago_result, out, evaluation=evaluation)
    assert {p.name for p in out.iterdir()} == {"hotspots.geojson", "hotspots.html", "summary.json", "pai_curve.png",
                                          ".routeplan"}
    fc = json.loads(paths["geojson"].read_text(encoding="utf-8"))
    assert fc["type"] == "FeatureCollection" and fc["features"]
    for i, f in enumerate(fc["features"], 1):
        p = f["properties"]
        assert p["id"] == f"HS-{i:02d}" and isinstance(p["name"], str) and p["name"]
        assert isinstance(p["risk"], float) and 0 < p["risk"] <= 1
        assert isinstance(p["incidents"], int) and p["incidents"] >= 0
        assert isinstance(p["types"], list) and all(t in hs.CATEGORIES for t in p["types"])
        assert isinstance(p["active_hours"], list) and all(WINDOW.match(w) for w in p["active_hours"])
        assert p["rank"] == i
        geom = shape(f["geometry"])
        assert geom.is_valid and not geom.is_empty
        x, y = geom.centroid.x, geom.centroid.y
        assert -87.7 < x < -87.5 and 41.7 < y < 41.9  # lon/lat order, EPSG:4326
    s = json.loads(paths["summary"].read_text(encoding="utf-8"))
    assert s["method"] == "kde" and s["cell_m"] == 200 and s["bandwidth_m"] > 0
    assert s["floor"]["share"] == 0.1 and "applied_as" in s["floor"]
    assert s["evaluation"]["results"][1]["kde"]["pai"] > 1
    assert paths["curve"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html_text = paths["html"].read_text(encoding="utf-8")
    assert "© OpenStreetMap contributors" in html_text
    assert "heatLayer" in html_text and "control.layers" in html_text
    # incidents clustered by folium's MarkerCluster, its Leaflet.markercluster inlined: nothing from a CDN
    assert "L.markerClusterGroup(" in html_text and "L.MarkerClusterGroup=" in html_text
    assert ".marker-cluster" in html_text and "cdnjs" not in html_text and "markercluster.js.map" not in html_text


def test_script_in_type_name_is_escaped(tmp_path):
    f = tmp_path / "inc.csv"
    rows = ["lat,lon,type,date"]
    for i in range(12):
        rows.append(f"{-8.2 + i * 0.001},{113.2 + (i % 3) * 0.001},<script>alert(1)</script>,2024-01-0{1 + i % 9} 2{i % 4}:00")
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    hs.run_hotspots(f, tmp_path / "out", bandwidth=150)
    html_text = (tmp_path / "out" / "hotspots.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html_text and "alert(1)</script>" not in html_text
    # html-escaped text, possibly inside JSON data (where & is written \u0026)
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert escaped in html_text or escaped.replace("&", "\\u0026") in html_text


@needs_data
def test_cli_subcommand(tmp_path, capsys):
    parser = build_parser()
    args = parser.parse_args([
        "hotspots", str(CHICAGO), "--out", str(tmp_path / "cli"), "--cell", "250", "--bandwidth", "300",
        "--train-until", "2016-10-01", "--area", str(SOUTHSIDE), "--area-crs", "26971",
    ])
    assert args.func(args) == 0
    printed = capsys.readouterr().out
    assert "bandwidth 300 m" in printed and "PAI" in printed
    s = json.loads((tmp_path / "cli" / "summary.json").read_text(encoding="utf-8"))
    assert s["cell_m"] == 250 and s["bandwidth_selection"]["how"] == "given by the user"
    bad = parser.parse_args(["hotspots", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "x")])
    with pytest.raises(InputError, match="missing.csv: incidents file not found"):
        bad.func(bad)


def test_active_hours_windows():
    pd = gpd.pd
    night = pd.Series(pd.to_datetime([f"2024-01-01 {h:02d}:10" for h in [21, 22, 23, 0, 1] * 8 + [5, 12]]))
    assert _active_hours(night) == ["21:00-02:00"] or _active_hours(night) == ["22:00-02:00"]
    flat = pd.Series(pd.to_datetime([f"2024-01-01 {h:02d}:10" for h in range(24)] * 3))
    assert _active_hours(flat) == []  # no time pattern: patrol any time
    assert _active_hours(pd.Series(pd.to_datetime(["2024-01-01 10:00"] * 3))) == []  # too few


@needs_data
def test_hotspots_geojson_feeds_the_planner_layer(tmp_path, chicago_result):
    layers = pytest.importorskip("routeplan.load.layers")
    paths = hs.write_hotspot_outputs(chicago_result, tmp_path / "o")
    spots = layers.read_hotspots(paths["geojson"])
    assert len(spots) == len(chicago_result.hotspots)
    assert spots[0].id == "HS-01" and spots[0].risk == 1.0


# ---------------------------------------------------------------- package layout


def _imports(path: Path) -> set[str]:
    """Modules a file imports anywhere (top level, in functions and under TYPE_CHECKING)."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def test_hotspots_package_has_no_import_cycle():
    pkg = Path(hs.__file__).parent
    mods = {f"routeplan.hotspots.{p.stem}": p for p in pkg.glob("*.py") if p.stem != "__init__"}
    graph = {m: {i for i in _imports(p) if i in mods or i == "routeplan.hotspots"} for m, p in mods.items()}
    # no module of the package imports the package itself (whose __init__ imports them all)
    assert {m: g for m, g in graph.items() if "routeplan.hotspots" in g} == {}
    seen: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        assert m not in path, f"import cycle: {' -> '.join(path + [m])}"
        if seen.get(m):
            return
        for n in sorted(graph[m]):
            visit(n, path + [m])
        seen[m] = 1

    for m in sorted(graph):
        visit(m, [])
    assert set(mods) >= {f"routeplan.hotspots.{n}" for n in
                         ("incidents", "density", "gistar", "result", "evaluate", "outputs", "page")}


def test_hotspots_init_only_reexports_and_cli_holds_the_subcommand():
    import ast

    init = Path(hs.__file__)
    tree = ast.parse(init.read_text(encoding="utf-8"))
    kinds = {type(n).__name__ for n in tree.body}
    assert kinds <= {"Expr", "ImportFrom", "Assign"}, kinds  # docstring, imports and __all__: no code of its own
    assert {"read_incidents", "estimate_hotspots", "evaluate", "run_hotspots", "HotspotResult", "select_bandwidth",
            "write_hotspot_outputs", "hotspots_geojson", "plot_evaluation", "load_type_map"} <= set(hs.__all__)
    assert not hasattr(hs, "add_cli")
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert sub.choices["hotspots"].get_default("func").__module__ == "routeplan.cli.hotspots"
    assert all(m.__name__.startswith("routeplan.hotspots") and len(m.__name__.split(".")) == 3
               for m in (sys.modules[getattr(hs, n).__module__] for n in hs.__all__ if hasattr(getattr(hs, n), "__module__")
                         and callable(getattr(hs, n))))
