"""The synthetic offline sample: deterministic, committed as generated, loadable and plausible."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from pyproj import Transformer

from routeplan.sample import SAMPLE_FILES, generate_sample

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
KUNIR = ROOT / "data" / "kunir"

CATEGORIES = {
    "pasar", "bank", "atm", "spbu", "kantor_desa", "kantor_kecamatan", "sekolah", "tempat_ibadah", "tps",
    "minimarket", "gudang", "pabrik",
}
HOTSPOT_TYPES = {"curas", "curat", "curanmor", "curhewan"}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32749", always_xy=True)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    generate_sample(out)
    return out


@pytest.fixture(scope="module")
def graph():
    ox = pytest.importorskip("osmnx")
    return ox.graph_from_xml(SAMPLE / "roads.osm", simplify=True, retain_all=False)


@pytest.fixture(scope="module")
def raw_graph():
    ox = pytest.importorskip("osmnx")
    return ox.graph_from_xml(SAMPLE / "roads.osm", simplify=False, retain_all=False)


def _load(name: str) -> dict:
    return json.loads((SAMPLE / name).read_text(encoding="utf-8"))


def _utm(lon: float, lat: float) -> tuple[float, float]:
    return _to_utm.transform(lon, lat)


# ------------------------------------------------------------------------------------------ (a) determinism
def test_generation_is_byte_identical(fresh: Path, tmp_path: Path) -> None:
    path = generate_sample(tmp_path)
    assert path == tmp_path / "scenario.toml"
    for name in SAMPLE_FILES:
        assert (tmp_path / name).read_bytes() == (fresh / name).read_bytes(), name


def test_committed_sample_matches_generator(fresh: Path) -> None:
    for name in SAMPLE_FILES:
        committed = SAMPLE / name
        assert committed.exists(), f"{committed} missing: run python -m routeplan.sample data/sample"
        assert committed.read_bytes() == (fresh / name).read_bytes(), (
            f"{committed} differs from the generator: run python -m routeplan.sample data/sample"
        )


def test_other_seed_gives_other_sample(fresh: Path, tmp_path: Path) -> None:
    generate_sample(tmp_path, seed=8)
    assert (tmp_path / "roads.osm").read_bytes() != (fresh / "roads.osm").read_bytes()


def test_files_say_synthetic() -> None:
    for name in SAMPLE_FILES:
        assert "SYNTHETIC" in (SAMPLE / name).read_text(encoding="utf-8"), name


# ----------------------------------------------------------------------------------------------- (b) roads
def test_roads_load_as_one_connected_network(graph, raw_graph) -> None:
    assert nx.is_weakly_connected(graph)
    assert nx.is_strongly_connected(graph)
    text = (SAMPLE / "roads.osm").read_text(encoding="utf-8")
    n_nodes = text.count("<node ")
    assert 1500 <= n_nodes <= 4000
    assert raw_graph.number_of_nodes() == n_nodes  # nothing dropped as a separate component
    assert graph.number_of_nodes() > 300


def test_roads_have_rural_highway_classes(graph) -> None:
    classes: set[str] = set()
    for _, _, data in graph.edges(data=True):
        hw = data["highway"]
        classes.update(hw if isinstance(hw, list) else [hw])
    assert {"primary", "residential", "track"} <= classes
    assert classes & {"tertiary", "unclassified"}
    names = {str(d.get("name")) for _, _, d in graph.edges(data=True)}
    assert "Jalan Raya Tempeh - Yosowilangun" in names
    oneway = [d for _, _, d in graph.edges(data=True) if d.get("oneway") is True]
    assert oneway, "the town centre has one-way streets"


def test_roads_span_about_8_by_10_km(graph) -> None:
    xy = np.array([_utm(d["x"], d["y"]) for _, d in graph.nodes(data=True)])
    width, height = xy[:, 0].max() - xy[:, 0].min(), xy[:, 1].max() - xy[:, 1].min()
    assert 7000 <= width <= 9000, width
    assert 9000 <= height <= 11000, height
    lon = np.array([d["x"] for _, d in graph.nodes(data=True)])
    lat = np.array([d["y"] for _, d in graph.nodes(data=True)])
    assert abs(lon.mean() - 113.215) < 0.02 and abs(lat.mean() - (-8.225)) < 0.02


# --------------------------------------------------------------------------------------------- (c) layers
def test_layers_parse_with_geopandas() -> None:
    gpd = pytest.importorskip("geopandas")
    for name, n in (("vital_objects.geojson", 50), ("hotspots.geojson", 20), ("desa.geojson", 11)):
        gdf = gpd.read_file(SAMPLE / name)
        assert len(gdf) == n, name
        assert gdf.crs is not None and gdf.crs.to_epsg() == 4326, name
        assert gdf.geometry.is_valid.all(), name


def test_vital_objects(raw_graph) -> None:
    fc = _load("vital_objects.geojson")
    assert fc["type"] == "FeatureCollection"
    feats = fc["features"]
    ids = [f["properties"]["id"] for f in feats]
    assert len(ids) == len(set(ids))
    desa_names = {f["properties"]["desa"] for f in _load("desa.geojson")["features"]}
    cats = [f["properties"]["category"] for f in feats]
    assert set(cats) <= CATEGORIES
    assert set(cats) == CATEGORIES  # the sample shows every category
    assert cats.count("kantor_desa") == 11 and cats.count("pasar") == 2
    for f in feats:
        p = f["properties"]
        assert f["geometry"]["type"] == "Point"
        assert p["desa"] in desa_names
        assert p.get("priority", 1) in (1, 2, 3)
        for key in ("visits_per_week", "dwell_minutes"):
            assert isinstance(p.get(key, 1), int) and p.get(key, 1) > 0
        for w in p.get("windows", []):
            a, b = w.split("-")
            assert len(a) == len(b) == 5 and a != b
        assert set(p.get("days", [])) <= set(WEEKDAYS)
    assert any("days" in f["properties"] for f in feats if f["properties"]["category"] == "pasar")
    assert any(int(w[:2]) > int(w[6:8]) for f in feats for w in f["properties"].get("windows", []))  # past 24:00

    nodes = np.array([_utm(d["x"], d["y"]) for _, d in raw_graph.nodes(data=True)])
    for f in feats:
        x, y = _utm(*f["geometry"]["coordinates"])
        dist = float(np.min(np.hypot(nodes[:, 0] - x, nodes[:, 1] - y)))
        assert dist <= 200.0, (f["properties"]["name"], dist)


def test_hotspots() -> None:
    feats = _load("hotspots.geojson")["features"]
    ids = [f["properties"]["id"] for f in feats]
    assert len(ids) == len(set(ids))
    kinds = {f["geometry"]["type"] for f in feats}
    assert kinds == {"Polygon", "Point"}
    risks = [f["properties"]["risk"] for f in feats]
    assert all(0 < r <= 1 for r in risks)
    assert len(set(risks)) > 10
    types = set()
    for f in feats:
        assert f["properties"]["types"] and set(f["properties"]["types"]) <= HOTSPOT_TYPES
        types.update(f["properties"]["types"])
        for w in f["properties"].get("active_hours", []):
            assert len(w) == 11 and w[2] == ":" and w[5] == "-"
    assert types == HOTSPOT_TYPES
    assert any("active_hours" not in f["properties"] for f in feats)  # some apply at any time


def test_desa_partition_the_area() -> None:
    from shapely.geometry import shape
    from shapely.ops import unary_union

    feats = _load("desa.geojson")["features"]
    assert len({f["properties"]["id"] for f in feats}) == 11
    assert len({f["properties"]["desa"] for f in feats}) == 11
    polys = [shape(f["geometry"]) for f in feats]
    union = unary_union(polys)
    assert abs(union.area - sum(p.area for p in polys)) < 1e-9  # no overlaps
    assert abs(union.area - union.envelope.area) / union.envelope.area < 1e-6  # no gaps in the rectangle


# ------------------------------------------------------------------------------------------- (d) scenarios
def test_sample_scenario_references_existing_files() -> None:
    raw = tomllib.loads((SAMPLE / "scenario.toml").read_text(encoding="utf-8"))
    assert (SAMPLE / raw["area"]["osm_file"]).is_file()
    for key in ("vital_objects", "hotspots", "desa"):
        assert (SAMPLE / raw["layers"][key]).is_file(), key
    depots = {d["id"] for d in raw["depots"]}
    shifts = {s["name"] for s in raw["shifts"]}
    assert "polsek-kunir" in depots and len(depots) == 2
    assert len(raw["units"]) == 6
    night = {u["kind"] for u in raw["units"] if "malam" in u["shifts"]}
    assert night == {"car", "motorcycle"}
    for u in raw["units"]:
        assert u["depot"] in depots and set(u["shifts"]) <= shifts


def test_sample_scenario_loads_with_project_loader() -> None:
    from routeplan import load_scenario

    sc = load_scenario(SAMPLE / "scenario.toml")
    assert sc.start_date.weekday() == 0 and sc.days == 7
    assert sc.area.osm_file == SAMPLE / "roads.osm"
    assert {u.kind for u in sc.units} == {"car", "motorcycle"}


def test_sample_weekly_demand_fits_the_shifts() -> None:
    """Visits and dwell as the loader makes them (row values, else the scenario's default dwell, else the
    category defaults of ``routeplan.load.layers.CATEGORIES``), not a copy of the defaults."""
    from routeplan.load.layers import read_vital_objects
    from routeplan.load.scenario import load_scenario

    sc = load_scenario(SAMPLE / "scenario.toml")
    objects = read_vital_objects(sc.vital_objects, sc.default_dwell_minutes)
    assert len(objects) == len(_load("vital_objects.geojson")["features"])
    travel = 15  # generous minutes of driving per visit in an 8x10 km area
    demand = sum(o.visits_per_week * (o.dwell_minutes + travel) for o in objects)
    raw = tomllib.loads((SAMPLE / "scenario.toml").read_text(encoding="utf-8"))
    supply = sum(480 * len(u["shifts"]) * len(u.get("days", WEEKDAYS)) for u in raw["units"])
    assert demand < 0.25 * supply, (demand, supply)


def test_kunir_scenario_is_the_real_place() -> None:
    text = (KUNIR / "scenario.toml").read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    assert raw["area"]["place"] == "Kunir, Lumajang, Jawa Timur, Indonesia"
    assert "osm_file" not in raw["area"]
    assert "confirm coordinates before use" in text
    depot = raw["depots"][0]
    assert depot["id"] == "polsek-kunir"
    assert abs(depot["lat"] - -8.2255) < 0.05 and abs(depot["lon"] - 113.2105) < 0.05
    assert [u["id"] for u in raw["units"]] == ["R4-1", "R4-2", "R2-1", "R2-2", "R2-3", "R2-4"]
    assert [s["name"] for s in raw["shifts"]] == ["pagi", "siang", "malam"]
    assert raw["layers"] == {"vital_objects": "vital_objects.geojson", "hotspots": "hotspots.geojson"}


def test_kunir_scenario_loads_with_project_loader() -> None:
    from routeplan import load_scenario

    sc = load_scenario(KUNIR / "scenario.toml")
    assert sc.area.place and sc.area.osm_file is None
    assert len(sc.units) == 6
