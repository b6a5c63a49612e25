import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, shared_file

from routeplan.cli import main
from routeplan.load.layers import read_vital_objects


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "plan"
    assert main(["demo", "--out", str(out), "--quiet", "--iterations", "300"]) == 0
    return out


def test_demo_writes_the_four_outputs(demo_dir):
    for name in ("plan.json", "stops.csv", "routes.geojson", "map.html"):
        assert (demo_dir / name).stat().st_size > 0, name
    plan = json.loads((demo_dir / "plan.json").read_text())
    assert plan["routes"] and isinstance(plan["unserved"], list)
    r = plan["routes"][0]
    for key in ("unit", "day", "shift", "depot", "start", "end", "stops"):
        assert key in r
    s = r["stops"][0]
    for key in ("id", "kind", "arrival", "departure"):
        assert key in s
    assert s["kind"] in ("vital_object", "hotspot", "area_patrol")
    gj = json.loads((demo_dir / "routes.geojson").read_text())
    assert len(gj["features"]) == len(plan["routes"])
    assert all(f["geometry"]["type"] == "LineString" and len(f["geometry"]["coordinates"]) >= 2 for f in gj["features"])
    rows = (demo_dir / "stops.csv").read_text().splitlines()
    assert len(rows) - 1 == sum(len(r["stops"]) for r in plan["routes"])
    html = (demo_dir / "map.html").read_text()
    assert "OpenStreetMap" in html and "routeplan-legend" in html
    assert not list(demo_dir.parent.glob(".plan.staging-*"))


def test_bad_scenario_gives_one_line_error(tmp_path, capsys):
    bad = tmp_path / "s.toml"
    bad.write_text("[area\nname=")
    out = tmp_path / "out"
    assert main(["plan", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("routeplan: error:") and "not valid TOML" in err and "\n" not in err
    assert not out.exists()


def test_console_script_runs():
    r = subprocess.run([sys.executable, "-m", "routeplan", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0 and "demo" in r.stdout and "plan" in r.stdout


def test_objects_from_real_osm_pois(tmp_path):
    osm = shared_file("osm", "krems_austria.osm.bz2")
    sc = tmp_path / "krems.toml"
    sc.write_text(f'''[area]
osm_file = "{osm}"
[[depots]]
id = "p"
lat = 48.41
lon = 15.6
[[shifts]]
name = "pagi"
start = "06:00"
end = "14:00"
[[units]]
id = "u"
kind = "car"
depot = "p"
''')
    out = tmp_path / "objects.geojson"
    assert main(["objects", str(sc), "--out", str(out)]) == 0
    objs = read_vital_objects(out)  # the planner reads it back without edits
    cats = {}
    for o in objs:
        cats[o.category] = cats.get(o.category, 0) + 1
    assert cats.get("bank", 0) >= 5 and cats.get("sekolah", 0) >= 5
    assert cats.get("spbu", 0) >= 5 and cats.get("minimarket", 0) >= 5
    assert len({o.id for o in objs}) == len(objs)
    assert all(o.id.startswith("osm-") for o in objs)


def test_version_from_package_metadata(capsys):
    from importlib.metadata import version

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"routeplan {version('routeplan')}"
    done = subprocess.run([sys.executable, "-m", "routeplan", "--version"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == f"routeplan {version('routeplan')}"


def test_plan_ends_with_the_paths_to_open(tmp_path, capsys):
    from test_bad_input import FAST, world

    sc = world(tmp_path / "w")
    out = tmp_path / "out"
    assert main(["plan", str(sc), "--out", str(out), *FAST]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = lines.index("open:")
    shown = dict(line.split(None, 1) for line in lines[at + 1:])
    assert shown["map:"] == str(out / "map.html") and shown["briefings:"] == str(out / "briefings" / "index.html")
    assert shown["spreadsheet:"] == str(out / "plan.xlsx")
    assert all(Path(p).is_file() for p in shown.values())
    assert main(["brief", str(out), "--out", str(tmp_path / "brief")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[lines.index("open:") + 1].split() == ["briefings:", str(tmp_path / "brief" / "index.html")]
    # --weeks: each week's pages
    assert main(["plan", str(sc), "--out", str(tmp_path / "weeks"), "--weeks", "2", *FAST]) == 0
    lines = capsys.readouterr().out.splitlines()
    maps = [line.split(None, 1)[1] for line in lines[lines.index("open:") + 1:] if line.split()[0] == "map:"]
    assert maps == [str(tmp_path / "weeks" / f"week-{i}" / "map.html") for i in (1, 2)]


def test_import_and_help_do_not_load_the_stages():
    """``import routeplan`` and building the command line load no solver, roads, maps or Dask: ``--help`` and a
    one-line error come back at once; a public name loads its stage on first use."""
    code = ("import sys, routeplan, routeplan.cli; routeplan.cli.build_parser(); "
            "heavy = ('pyvrp', 'osmnx', 'folium', 'matplotlib', 'distributed', 'geopandas', 'fpdf'); "
            "print(sorted(m for m in heavy if m in sys.modules)); "
            "print(routeplan.plan.__module__, routeplan.evaluate.__module__, 'plan' in dir(routeplan))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "[]"
    assert out[1] == "routeplan.pipeline routeplan.hotspots.evaluate True"
