"""The layer editor for every layer: hotspots and desa beside vital objects; GeoJSON / CSV / XLSX import; export."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest

from routeplan.errors import InputError
from routeplan.load.layers import read_hotspots, read_vital_objects
from routeplan.serve.layerfiles import features_from_upload

from .conftest import SAMPLE, Server, csrf_of, zip_folder

HOTSPOTS_CSV = "id;name;lat;lon;risk;types\nH-1;Simpang <b>{{7*7}}</b>;-8.221;113.216;3;curanmor, curat\n" \
               "H-2;Pasar malam;-8.241;113.221;1;curas\n"


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_csv_upload_through_the_library_reader(tmp_path: Path) -> None:
    layer = features_from_upload(HOTSPOTS_CSV.encode(), "rawan.csv", "hotspots", tmp_path)
    assert [f["properties"]["id"] for f in layer["features"]] == ["H-1", "H-2"]
    assert layer["features"][0]["properties"]["types"] == ["curanmor", "curat"]
    (tmp_path / "h.geojson").write_text(json.dumps(layer), encoding="utf-8")
    assert [h.name for h in read_hotspots(tmp_path / "h.geojson")][0] == "Simpang <b>{{7*7}}</b>"
    assert list(tmp_path.iterdir()) == [tmp_path / "h.geojson"]  # no trial file left


def test_xlsx_values_only_no_formula_evaluated(tmp_path: Path) -> None:
    data = _xlsx([["id", "name", "category", "lat", "lon", "visits_per_week"],
                  ["VO-X1", "=HYPERLINK(\"http://x\",\"klik\")", "pasar", -8.22, 113.21, "=1+6"],
                  ["VO-X2", "Bank", "bank", -8.23, 113.22, 3]])
    layer = features_from_upload(data, "objek.xlsx", "vital objects", tmp_path)
    props = [f["properties"] for f in layer["features"]]
    assert props[1] == {"id": "VO-X2", "name": "Bank", "category": "bank", "visits_per_week": "3"}
    assert props[0]["name"] == "" and props[0]["visits_per_week"] == ""  # no cached value: empty, never the formula
    assert layer["features"][1]["geometry"]["coordinates"] == (113.22, -8.23)


@pytest.mark.parametrize("data, name, message", [
    (b"id,name,x_coord\nA,B,1\n", "objek.csv", "objek.csv: vital objects CSV needs lat and lon columns"),
    (b"id,lat,lon\nA,north,113\n", "objek.csv", "objek.csv row 2: lat/lon 'north'/'113' are not numbers"),
    (b"PK\x03\x04 broken", "objek.xlsx", "objek.xlsx: not a readable XLSX workbook"),
    (b'{"type": "Feature"}', "o.geojson", "o.geojson: vital objects must be a GeoJSON FeatureCollection"),
    (b"\x00\x01\x02", "o.bin", "o.bin: not a GeoJSON, CSV or XLSX file"),
])
def test_bad_upload_is_one_line(tmp_path: Path, data: bytes, name: str, message: str) -> None:
    with pytest.raises(InputError) as exc:
        features_from_upload(data, name, "vital objects", tmp_path)
    assert str(exc.value).startswith(message) and "\n" not in str(exc.value) and str(tmp_path) not in str(exc.value)


def test_hotspot_and_desa_layers_in_the_web_editor(server: Server) -> None:
    r = server.api("POST", "/api/scenarios", "plan", files={"file": ("sample.zip", zip_folder(SAMPLE))})
    sid = r.json()["id"]
    folder = server.data / "scenarios" / str(sid)
    s = server.login("plan")
    base = f"{server.url}/scenarios/{sid}"
    page = s.get(base + "/layers/hotspots", timeout=30)
    assert page.status_code == 200 and 'data-kind="hotspots"' in page.text and 'id="tab-desa"' in page.text
    csrf = csrf_of(page.text)

    r = s.post(base + "/layers/hotspots/import", data={"csrf": csrf, "version": "1"},
               files={"file": ("rawan.csv", HOTSPOTS_CSV.encode())}, timeout=30)
    assert r.status_code == 200 and r.url.endswith("/layers/hotspots"), r.text[-500:]
    assert [h.id for h in read_hotspots(folder / "hotspots.geojson")] == ["H-1", "H-2"]
    assert "hotspots.geojson: 2 features" in r.text.split('id="layer-history"', 1)[1]

    xlsx = _xlsx([["id", "name", "category", "lat", "lon"], ["VO-X1", "Pasar baru", "pasar", -8.22, 113.21]])
    r = s.post(base + "/objects/import", data={"csrf": csrf, "version": "2"},
               files={"file": ("objek.xlsx", xlsx)}, timeout=30)
    assert r.status_code == 200 and [o.id for o in read_vital_objects(folder / "vital_objects.geojson")] == ["VO-X1"]

    bad = s.post(base + "/layers/hotspots/import", data={"csrf": csrf, "version": "3"},
                 files={"file": ("rawan.csv", b"id,name\nA,B\n")}, timeout=30)
    assert bad.status_code == 400 and "rawan.csv: hotspots CSV needs lat and lon columns" in bad.text
    stale = s.post(base + "/layers/hotspots/import", data={"csrf": csrf, "version": "1"},
                   files={"file": ("rawan.csv", HOTSPOTS_CSV.encode())}, timeout=30)
    assert stale.status_code == 409

    desa = s.get(base + "/layers/desa/geojson", timeout=30).json()
    assert desa["version"] == 3 and desa["layer"]["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    layer = desa["layer"]
    first = layer["features"][0]["properties"]
    first["population"] = 4321
    r = s.post(base + "/layers/desa/geojson", json={"version": 3, "layer": layer},
               headers={"X-CSRF-Token": csrf}, timeout=30)
    assert r.status_code == 200 and r.json()["version"] == 4
    saved = json.loads((folder / "desa.geojson").read_text(encoding="utf-8"))
    assert saved["features"][0]["properties"]["population"] == 4321
    layer["features"][0]["geometry"] = {"type": "Point", "coordinates": [113.2, -8.2]}
    r = s.post(base + "/layers/desa/geojson", json={"version": 4, "layer": layer},
               headers={"X-CSRF-Token": csrf}, timeout=30)
    assert r.status_code == 400 and "polygon" in r.json()["error"].lower()

    down = s.get(base + "/layers/hotspots/geojson?download=1", timeout=30)
    assert down.headers["content-disposition"] == 'attachment; filename="hotspots.geojson"'
    assert [f["properties"]["id"] for f in down.json()["features"]] == ["H-1", "H-2"]
    assert s.get(base + "/layers/roads", timeout=30).status_code == 404
    ana = server.login("ana")
    assert ana.post(base + "/layers/hotspots/import", data={"csrf": csrf_of(ana.get(base, timeout=30).text),
                    "version": "4"}, files={"file": ("r.csv", HOTSPOTS_CSV.encode())}, timeout=30).status_code == 403
