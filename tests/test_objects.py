"""``routeplan objects`` (routeplan.load.objects): duplicates merged, an empty result explained."""

from __future__ import annotations

import json
from pathlib import Path

from routeplan.cli import main
from routeplan.load.objects import derive_vital_objects
from routeplan.load.scenario import load_scenario

NAME = "Bank {{7*7}} <script>x</script>"
M = 1 / 110_600  # one metre in degrees of latitude (about, near Kunir)


def _square(lat: float, lon: float, half_m: float) -> list[tuple[float, float]]:
    d = half_m * M
    return [(lat - d, lon - d), (lat - d, lon + d), (lat + d, lon + d), (lat + d, lon - d)]


def _osm(path: Path, pois: bool = True) -> Path:
    """A tiny extract: two roads, and (``pois``) objects mapped twice in the ways the issue found."""
    nodes: list[str] = []
    ways: list[str] = []
    nid = [100]

    def node(lat: float, lon: float, tags: dict[str, str] | None = None) -> int:
        nid[0] += 1
        tag = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in (tags or {}).items())
        nodes.append(f'<node id="{nid[0]}" version="1" lat="{lat:.7f}" lon="{lon:.7f}">{tag}</node>')
        return nid[0]

    def way(wid: int, refs: list[int], tags: dict[str, str]) -> None:
        nd = "".join(f'<nd ref="{r}"/>' for r in refs)
        tag = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        ways.append(f'<way id="{wid}" version="1">{nd}{tag}</way>')

    def building(wid: int, lat: float, lon: float, tags: dict[str, str]) -> None:
        refs = [node(a, b) for a, b in _square(lat, lon, 10)]
        way(wid, [*refs, refs[0]], {"building": "yes", **tags})

    way(1, [node(-8.2, 113.19), node(-8.2, 113.21)], {"highway": "primary", "name": "Jalan Raya"})
    way(2, [node(-8.21, 113.2), node(-8.19, 113.2)], {"highway": "residential"})
    if pois:
        esc = NAME.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        # a bank as a node inside its building (both tagged, the building unnamed)
        building(11, -8.195, 113.195, {"amenity": "bank"})
        node(-8.195, 113.195, {"amenity": "bank", "name": esc})
        # a fuel station node 9 m beside its building (edge 10 m from its centre: 19 m from the centre)
        building(12, -8.205, 113.195, {"amenity": "fuel", "name": "SPBU 54.673.01"})
        node(-8.205 + 19 * M, 113.195, {"amenity": "fuel"})
        # one school mapped as two nodes 20 m apart with the same name (case and punctuation differ)
        node(-8.195, 113.205, {"amenity": "school", "name": "SDN 1 Kunir"})
        node(-8.195 + 20 * M, 113.205, {"amenity": "school", "name": "sdn-1 kunir"})
        # not duplicates: another category 5 m away, the same name 100 m away
        node(-8.195 + 5 * M, 113.205, {"amenity": "place_of_worship", "name": "Masjid Al-Ikhlas"})
        node(-8.205, 113.205, {"amenity": "school", "name": "SDN 2 Kunir"})
        node(-8.205 + 100 * M, 113.205, {"amenity": "school", "name": "SDN 2 Kunir"})
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">\n'
                    + "\n".join(nodes + ways) + "\n</osm>\n", encoding="utf-8")
    return path


def _scenario(tmp_path: Path, osm: Path) -> Path:
    sc = tmp_path / "sc.toml"
    sc.write_text(f'[area]\nosm_file = "{osm.name}"\n[[depots]]\nid = "p"\nlat = -8.2\nlon = 113.2\n'
                  '[[shifts]]\nname = "pagi"\nstart = "06:00"\nend = "14:00"\n'
                  '[[units]]\nid = "u"\nkind = "motorcycle"\ndepot = "p"\n', encoding="utf-8")
    return sc


def test_duplicates_are_merged(tmp_path):
    sc = load_scenario(_scenario(tmp_path, _osm(tmp_path / "x.osm")))
    gdf = derive_vital_objects(sc)
    by_cat = gdf.groupby("category")["id"].count().to_dict()
    assert by_cat == {"bank": 1, "spbu": 1, "sekolah": 3, "tempat_ibadah": 1}
    bank = gdf[gdf["category"] == "bank"].iloc[0]
    assert bank["id"].startswith("osm-node-") and bank["merged"] == ["osm-way-11"] and bank["name"] == NAME
    fuel = gdf[gdf["category"] == "spbu"].iloc[0]
    assert fuel["id"].startswith("osm-node-") and fuel["merged"] == ["osm-way-12"]
    assert fuel["name"] == "SPBU 54.673.01"  # the building's name fills the unnamed node
    schools = gdf[gdf["category"] == "sekolah"]
    assert sorted(len(m) for m in schools["merged"]) == [0, 0, 1]
    assert list(schools["name"]).count("SDN 2 Kunir") == 2  # 100 m apart: two schools


def test_cli_reports_merges_and_writes_them(tmp_path, capsys):
    sc = _scenario(tmp_path, _osm(tmp_path / "x.osm"))
    out = tmp_path / "vo.geojson"
    assert main(["objects", str(sc), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("6 candidate vital objects")
    assert "3 OSM features were the same place as another" in printed
    feats = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert sum(len(f["properties"]["merged"]) for f in feats) == 3
    assert any(f["properties"]["name"] == NAME for f in feats)  # user text kept as data


def test_empty_result_is_explained(tmp_path, capsys):
    sc = _scenario(tmp_path, _osm(tmp_path / "roads.osm", pois=False))
    out = tmp_path / "vo.geojson"
    assert main(["objects", str(sc), "--out", str(out)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("0 candidate vital objects")
    assert len(lines) == 2
    why = lines[1]
    assert "amenity=marketplace|bank|atm" in why and "shop=supermarket|convenience" in why
    assert "roads.osm" in why and "4 nodes, 2 ways, 0 relations; tag keys: highway 2, name 1" in why
