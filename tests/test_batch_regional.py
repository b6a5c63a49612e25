"""The regional form of a region file: one road file + kecamatan boundaries + regional layers + a template
become one scenario per kecamatan (roads clipped with a buffer, cached by content), then a normal batch."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from routeplan.batch import BatchOptions, read_region, run_batch
from routeplan.errors import InputError
from routeplan.load.scenario import load_scenario
from routeplan.sample.regency import generate_regency

TINY = {"objects": (8, 12), "units": (2, 3), "side_m": 2500.0}
NAMES = ["Tempursari", "Pronojiwo", "Candipuro"]


@pytest.fixture
def regency(tmp_path) -> Path:
    generate_regency(tmp_path, 3, seed=11, regional=True, **TINY)
    return tmp_path


def _count(path: Path, pattern: str) -> int:
    return len(re.findall(pattern, path.read_text(encoding="utf-8")))


def test_each_kecamatan_gets_its_clipped_roads_layers_and_units(regency):
    region = read_region(regency / "regional" / "region.toml")
    assert [k.name for k in region.kecamatan] == NAMES and not any(k.error for k in region.kecamatan)
    regional_nodes = _count(regency / "regional" / "roads.osm", "<node ")
    hotspots = 0
    for kec, own in zip(region.kecamatan, ("tempursari", "pronojiwo", "candipuro")):
        sc = load_scenario(kec.scenario)
        mine = load_scenario(regency / own / "scenario.toml")
        assert [u.id for u in sc.units] == [f"{own}-{u.id}" for u in mine.units]  # units of its Polsek only
        assert list(sc.depots) == list(mine.depots)
        objects = json.loads(sc.vital_objects.read_text(encoding="utf-8"))["features"]
        original = json.loads(mine.vital_objects.read_text(encoding="utf-8"))["features"]
        assert sorted(f["properties"]["id"] for f in objects) == sorted(f"{own}-{f['properties']['id']}" for f in original)
        hotspots += len(json.loads(sc.hotspots.read_text(encoding="utf-8"))["features"]) if sc.hotspots else 0
        nodes = _count(sc.area.osm_file, "<node ")
        assert _count(regency / own / "roads.osm", "<node ") <= nodes < regional_nodes  # its roads and a buffer
    # hotspots carry no kecamatan: placed by location, none twice
    assert 0 < hotspots <= len(json.loads((regency / "regional" / "hotspots.geojson").read_text())["features"])


def test_split_is_cached_by_content(regency):
    first = read_region(regency / "regional" / "region.toml")
    done = first.kecamatan[0].scenario.parents[2] / "done.json"
    stamp = done.stat().st_mtime_ns
    again = read_region(regency / "regional" / "region.toml")
    assert again.kecamatan == first.kecamatan and done.stat().st_mtime_ns == stamp
    tpl = regency / "regional" / "template.toml"
    tpl.write_text(tpl.read_text(encoding="utf-8").replace('"days" = 7', '"days" = 6'), encoding="utf-8")
    changed = read_region(regency / "regional" / "region.toml")
    assert changed.kecamatan[0].scenario != first.kecamatan[0].scenario
    assert load_scenario(changed.kecamatan[0].scenario).days == 6


def test_kecamatan_without_units_fails_alone_and_the_others_are_planned(regency, tmp_path):
    tpl = regency / "regional" / "template.toml"
    text = tpl.read_text(encoding="utf-8")
    # the Candipuro Polsek's units move to the Tempursari depot: Candipuro has none left
    tpl.write_text(text.replace('"depot" = "polsek-candipuro"', '"depot" = "polsek-tempursari"'), encoding="utf-8")
    region = read_region(regency / "regional" / "region.toml")
    assert [bool(k.error) for k in region.kecamatan] == [False, False, True]
    assert "no [[units]] has a depot inside kecamatan 'Candipuro'" in region.kecamatan[2].error
    res = run_batch(region, tmp_path / "out", workers=1, options=BatchOptions(seed=1, max_iterations=60))
    assert [r["status"] for r in res.results] == ["ok", "ok", "failed"]
    assert (tmp_path / "out" / "Tempursari" / "plan.json").is_file()
    assert "Candipuro" in (tmp_path / "out" / "summary.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize(("edit", "message"), [
    (("buffer_m = 300", "buffer_m = -1"), "buffer_m must be metres"),
    (("buffer_m = 300", "buffer_m = 300\nbufer = 1"), "unknown key 'bufer' in the regional form"),
    (('template = "template.toml"', 'template = "nope.toml"'), "nope.toml: template file not found"),
])
def test_bad_regional_region_files_are_one_line(regency, edit, message):
    region = regency / "regional" / "region.toml"
    region.write_text(region.read_text(encoding="utf-8").replace(*edit), encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(message)):
        read_region(region)


def test_kecamatan_boundary_without_a_name_is_refused(regency):
    kec = regency / "regional" / "kecamatan.geojson"
    kec.write_text(kec.read_text(encoding="utf-8").replace('"kecamatan": "Pronojiwo"', '"x": 1'), encoding="utf-8")
    with pytest.raises(InputError, match=r"kecamatan.geojson feature 2: needs a 'kecamatan'"):
        read_region(regency / "regional" / "region.toml")


def test_regional_overview_outlines_are_the_kecamatan_boundaries(regency, tmp_path):
    region = read_region(regency / "regional" / "region.toml")
    res = run_batch(region, tmp_path / "out", workers=1, options=BatchOptions(seed=1, max_iterations=40))
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    data = json.loads(page.split('id="rp-data">', 1)[1].split("</script>", 1)[0])
    boundaries = json.loads((regency / "regional" / "kecamatan.geojson").read_text(encoding="utf-8"))["features"]
    assert not res.failed
    for k, b in zip(data["kecamatan"], boundaries):
        assert k["outline"]["type"] == "Polygon"
        assert sorted(map(tuple, k["outline"]["coordinates"][0])) == sorted(map(tuple, b["geometry"]["coordinates"][0]))
