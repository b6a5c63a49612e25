"""The hotspots page (routeplan.hotspots.page, page_legend, places): legends, base map, names, counts, warning, chart."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from routeplan.cli import main
from routeplan.hotspots import estimate_hotspots, read_incidents
from routeplan.hotspots.evaluate import evaluation_figure
from routeplan.hotspots.page import build_map
from routeplan.hotspots.page_legend import ALL_COLOUR, TYPE_COLOURS, edge_warning
from routeplan.hotspots.places import name_hotspots, read_desa, road_lines

ROAD = "Jalan Raya {{7*7}} <script>alert(1)</script>"
DESA = "Kunir Kidul {% raw %} <b>x</b>"
PHL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "incidents" / "philadelphia_temple_2018_2019"

# two clusters of incidents ~2 km apart (degrees near Kunir, Lumajang), a third far from every road
A, B, FAR = (-8.200, 113.200), (-8.200, 113.218), (-8.185, 113.209)


def _incidents(tmp_path: Path) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(1)
    rows = []
    for (lat, lon), n, kind in ((A, 150, "ROBBERY"), (B, 120, "BURGLARY-AUTO"), (FAR, 80, "curanmor")):
        for _ in range(n):
            rows.append((lat + rng.normal(0, 0.0008), lon + rng.normal(0, 0.0008), kind))
    df = pd.DataFrame(rows, columns=["lat", "lon", "type"])
    df.to_csv(tmp_path / "inc.csv", index=False)
    return read_incidents(tmp_path / "inc.csv")


def _graph() -> nx.MultiDiGraph:
    g = nx.MultiDiGraph(crs="epsg:4326")
    g.add_node(1, x=A[1] - 0.004, y=A[0])
    g.add_node(2, x=A[1] + 0.004, y=A[0])
    g.add_node(3, x=B[1] - 0.002, y=B[0] + 0.001)
    g.add_node(4, x=B[1] + 0.002, y=B[0] + 0.001)
    g.add_edge(1, 2, name=ROAD, highway="primary")
    g.add_edge(2, 1, name=ROAD, highway="primary")
    g.add_edge(3, 4, name=["Jl. Melati", "Jl. Mawar"], highway="residential")
    return g


def _desa(tmp_path: Path) -> gpd.GeoDataFrame:
    lat, lon = B
    poly = [[lon - 0.01, lat - 0.01], [lon + 0.01, lat - 0.01], [lon + 0.01, lat + 0.005], [lon - 0.01, lat + 0.005],
            [lon - 0.01, lat - 0.01]]
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": DESA}, "geometry": {"type": "Polygon", "coordinates": [poly]}}]}
    (tmp_path / "desa.geojson").write_text(json.dumps(fc), encoding="utf-8")
    return read_desa(tmp_path / "desa.geojson")


@pytest.fixture
def world(tmp_path):
    inc = _incidents(tmp_path)
    result = estimate_hotspots(inc, cell_m=100, bandwidth=150, by_type=True, top_share=0.03)
    roads, desa = road_lines(_graph()), _desa(tmp_path)
    name_hotspots(result, roads, desa)
    return result, roads, desa


def _spot_near(result, lat, lon, layer="all"):
    hs = result.hotspots[result.hotspots["layer"] == layer]
    d = hs.geometry.representative_point().apply(lambda p: (p.y - lat) ** 2 + (p.x - lon) ** 2)
    return hs.loc[d.idxmin()]


def test_hotspots_named_after_nearest_road_and_desa(world):
    result, roads, _desa_layer = world
    assert len(roads) == 2 and set(roads["main"]) == {True, False}
    a, b = (_spot_near(result, *p) for p in (A, B))
    far = _spot_near(result, *FAR, layer="curanmor")
    assert a["name"].startswith("Titik rawan 1: Jalan Raya") and a["place"] == ROAD
    assert b["place"] == f"Jl. Melati, Desa {DESA}"  # the first name of a list, then the desa
    assert far["place"] == "" and ":" not in far["name"]  # no road within 300 m, no desa: generic name
    assert far["name"].startswith("Titik rawan ")


def test_page_legends_counts_and_escaped_names(world):
    result, roads, desa = world
    html = build_map(result, lang="id", roads=roads, desa=desa)
    layers = result.hotspots["layer"].value_counts()
    assert set(layers.index) == {"all", "curas", "curat", "curanmor"}
    # every layer named with its count, the all-incident hotspots apart from the per-type ones
    assert f"Titik rawan: semua kejadian ({layers['all']})" in html
    assert f"Titik rawan: curat (pencurian dengan pemberatan) ({layers['curat']})" in html
    assert f"Kepadatan kejadian (heatmap, {len(result.incidents)} kejadian)" in html
    assert f"Sel risiko (peringkat, {len(result.cells)} sel)" in html
    # one legend for every layer: heat colours explained, outline colour per hotspot layer, cells, markers, base
    legend = html[html.index('class="rp-legend"'):]
    legend = legend[:legend.index("</details>")]
    for text in ("biru = sedikit, merah = paling padat", "Garis titik rawan (semua kejadian)",
                 "Garis titik rawan curanmor (pencurian kendaraan bermotor)", "Risiko sel", "Jalan (OpenStreetMap)",
                 "Batas desa", "Batas wilayah kajian", "Lokasi kejadian"):
        assert text in legend, text
    assert ALL_COLOUR in legend and TYPE_COLOURS["curanmor"] in legend
    # the base map labels the main road and the desa; user text escaped, never run as a template
    assert "rp-road-label" in html and "rp-desa-label" in html
    assert "<script>alert(1)</script>" not in html and "<b>x</b>" not in html
    assert "Jalan Raya &#123;&#123;7*7&#125;&#125;" in html and "Jalan Raya 49" not in html
    assert "{% raw %}" not in html
    en = build_map(result, lang="en", roads=roads, desa=desa)
    assert f"Hotspots: all incidents ({layers['all']})" in en and "blue = few, red = densest" in en


def test_page_without_roads_still_has_a_base_map(world):
    result, _roads, _desa_layer = world
    html = build_map(result, lang="en")
    assert "Base map: roads and incident locations" in html and "Study area boundary" in html
    assert "Roads (OpenStreetMap)" not in html


def test_warning_line_when_the_bandwidth_is_at_an_edge(world):
    result, _roads, _desa_layer = world
    assert edge_warning(result) is None and "rp-warning" not in build_map(result)
    result.bandwidth_m = 50.0
    result.bandwidth_selection = {"how": "cv", "candidates_m": [50.0, 100.0, 349.9], "at_edge": True}
    assert "bandwidth 50 m is the smallest candidate tried (50–350 m)" in (edge_warning(result, "en") or "")
    html = build_map(result, lang="id")
    assert 'class="rp-warning"' in html and "bandwidth 50 m adalah kandidat terkecil" in html
    result.bandwidth_m = 349.9
    assert "largest" in (edge_warning(result, "en") or "")


def test_chart_in_the_run_language():
    ev = {"train_until": "2016-10-01", "n_test": 10, "n_train": 90, "bandwidth_m": 300,
          "results": [{"share": 0.05}],
          "curve": {"area_share": [0.01, 0.05], "kde_hit_rate": [0.1, 0.3], "kde_pai": [10, 6],
                    "baseline_hit_rate": [0.05, 0.2], "baseline_pai": [5, 4]}}
    fig = evaluation_figure(ev, "id")
    ax1, ax2 = fig.axes
    assert ax1.get_xlabel() == "luas wilayah yang dipatroli (%)" and "hit rate" in ax1.get_ylabel()
    assert "naif" in ax1.get_legend().get_texts()[1].get_text()
    assert fig._suptitle.get_text().startswith("Uji mulai 2016-10-01: 10 kejadian")
    fig_en = evaluation_figure(ev, "en")
    assert fig_en.axes[0].get_xlabel() == "area share (%)"
    assert fig_en._suptitle.get_text().startswith("Test from 2016-10-01")


def test_cli_prints_counts_per_layer(tmp_path, capsys):
    _incidents(tmp_path)
    out = tmp_path / "out"
    assert main(["hotspots", str(tmp_path / "inc.csv"), "--out", str(out), "--cell", "100", "--bandwidth", "150",
                 "--by", "type", "--top-share", "0.03"]) == 0
    printed = capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    by_layer = summary["counts"]["hotspots_by_layer"]
    assert list(by_layer)[0] == "all" and set(by_layer) == {"all", "curas", "curat", "curanmor"}
    assert f"{by_layer['all']} hotspots of all incidents" in printed
    assert "hotspots per type (layers of their own): " + ", ".join(
        f"{k} {v}" for k, v in by_layer.items() if k != "all") in printed


@pytest.mark.skipif(not PHL.is_dir(), reason=f"shared real data not found at {PHL}")
def test_philadelphia_names_from_real_roads_and_edge_warning(tmp_path):
    out = tmp_path / "phl"
    rc = main(["hotspots", str(PHL / "temple_crime_points_2018_2019.csv"), "--out", str(out),
               "--roads", str(PHL / "temple_north_philadelphia_map.osm.bz2")])
    assert rc == 0
    feats = json.loads((out / "hotspots.geojson").read_text(encoding="utf-8"))["features"]
    places = [f["properties"]["place"] for f in feats]
    assert feats and all(places)  # a dense city: every hotspot has a named road within 300 m
    assert all(f["properties"]["name"].startswith(f"Titik rawan {f['properties']['rank']}: ") for f in feats)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    html = (out / "hotspots.html").read_text(encoding="utf-8")
    assert summary["bandwidth_selection"]["at_edge"] is True  # as the issue found: 50 m, the smallest
    assert 'class="rp-warning"' in html
    assert "rp-road-label" in html and "North Broad Street" in html


@pytest.fixture(scope="module")
def chromium():
    tb = pytest.importorskip("test_browser")
    exe = tb.chromium_path()
    if exe is None:
        pytest.skip("Chromium not installed (Debian: apt-get install chromium)")
    pytest.importorskip("websocket", reason="websocket-client not installed (pip install -e .[test])")
    b = tb.Browser(exe)
    yield b
    b.close()


VISIBLE = """(() => {
  const legend = document.querySelector('.rp-legend');
  const warn = document.querySelector('.rp-warning');
  const roads = [...document.querySelectorAll('.rp-road-label')].map(e => e.textContent);
  const desa = [...document.querySelectorAll('.rp-desa-label')].map(e => e.textContent);
  const layers = [...document.querySelectorAll('.leaflet-control-layers-overlays label')].map(e => e.textContent.trim());
  const r = legend.getBoundingClientRect();
  return {open: legend.open, legend: legend.innerText, legendHeight: r.height, warn: warn ? warn.innerText : null,
          roads, desa, layers, tiles: document.querySelectorAll('img.leaflet-tile').length,
          lines: (() => { const map = Object.keys(window).map(k => window[k]).find(v => v instanceof L.Map);
                          let n = 0; map.eachLayer(l => { if (l instanceof L.Polyline) n++; }); return n; })()};
})()"""


@pytest.mark.browser
@pytest.mark.slow
def test_page_in_a_browser_shows_places_legend_and_warning(chromium, world, tmp_path):
    result, roads, desa = world
    result.bandwidth_m = 50.0
    result.bandwidth_selection = {"how": "cv", "candidates_m": [50.0, 100.0, 200.0], "at_edge": True}
    page = tmp_path / "hotspots.html"
    page.write_text(build_map(result, lang="id", roads=roads, desa=desa), encoding="utf-8")
    b = chromium
    b.external.clear(), b.errors.clear(), b.dialogs.clear()
    b.open(page)
    b.screenshot("hotspots-page-desktop.png")
    seen = b.js(VISIBLE)
    n_all = int((result.hotspots["layer"] == "all").sum())
    # tiles off, yet roads (2), desa (1), study area (1) and hotspot outlines are drawn
    assert seen["tiles"] == 0 and seen["lines"] >= 4 + n_all
    assert seen["roads"] == [ROAD] and seen["desa"] == [f"Desa {DESA}"]  # literal text, not run
    assert seen["open"] and "biru = sedikit, merah = paling padat" in seen["legend"]
    assert "Garis titik rawan (semua kejadian)" in seen["legend"] and "Jalan (OpenStreetMap)" in seen["legend"]
    assert seen["warn"] and "bandwidth 50 m adalah kandidat terkecil" in seen["warn"]
    assert f"Titik rawan: semua kejadian ({n_all})" in seen["layers"]
    assert b.errors == [] and b.dialogs == [] and b.external == []
    b.open(page, width=390, height=844, mobile=True)
    b.screenshot("hotspots-page-phone.png")
    phone = b.js(VISIBLE)
    assert phone["open"] is False and phone["legendHeight"] < 40  # folded to one line on a phone


def test_bad_desa_or_roads_file_is_a_one_line_refusal(tmp_path, capsys):
    _incidents(tmp_path)
    bad = tmp_path / "desa.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "A"}, '
                   '"geometry": {"type": "Point", "coordinates": [113.2, -8.2]}}]}', encoding="utf-8")
    out = tmp_path / "out"
    assert main(["hotspots", str(tmp_path / "inc.csv"), "--out", str(out), "--desa", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "desa.geojson" in err[0] and "Polygon" in err[0]
    assert not out.exists()
    notosm = tmp_path / "roads.txt"
    notosm.write_text("hello\n", encoding="utf-8")
    assert main(["hotspots", str(tmp_path / "inc.csv"), "--out", str(out), "--roads", str(notosm)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "roads.txt" in err[0]
    assert not out.exists()


def test_popup_risk_in_the_page_language(world):
    result, _roads, _desa_layer = world
    risk = float(result.hotspots["risk"].iloc[0])
    # a decimal comma in Bahasa Indonesia, a decimal point in English (as the plan's pages write numbers)
    assert f"{risk:.2f}".replace(".", ",") in build_map(result, lang="id")
    en = build_map(result, lang="en")
    assert f"{risk:.2f}" in en and f"{risk:.2f}".replace(".", ",") not in en
