"""User text is data, never template code: payloads in every text field of every input show literally.

folium/branca compile the output of every element again as a Jinja template, so a name such as
``Pasar {{ 7*7 }}`` used to show as ``Pasar 49``, ``Kios {#3}`` aborted the run and a name built from Jinja's
globals ran a shell command. Each payload below goes into every text field of a scenario (scenario name, depot
id and name, shift names, unit id and crew, vital-object id, name and desa, hotspot id, name and types), into
incident types for ``routeplan hotspots`` and into OSM ``name=`` tags read by ``routeplan objects``; the written
map.html (with its scorecard panel), briefings and hotspots.html must hold the text escaped, never its rendered
result, and no command may run. The real-browser side is in ``tests/test_browser.py``.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

import markupsafe
import pytest
from test_bad_input import FAST, LAT0, LON0, STEP, osm_xml

from routeplan.cli import main

#: the file the shell payload would create in the working folder
MARKER = "PWNED_by_template"

PAYLOADS = {
    "expr": "Pasar {{ 7*7 }}",
    "stmt": "Blok {% if true %}x{% endif %}",
    "comment": "Kios {#3}",
    "braces": "Toko {{Jaya}}",
    "shell": "{{ cycler.__init__.__globals__.os.popen('touch " + MARKER + "').read() }}",
    # the same without quotes (which the HTML escaper would have turned into entities)
    "shell_no_quotes": "{{ cycler.__init__.__globals__.os.mkdir(dict(" + MARKER + "=1)|first) }}",
    "script": "<script>window.__pwned=1</script>",
    "img": "<img src=x onerror=window.__pwned=1>",
    "end_script": "</script><script>window.__pwned=1</script>",
    "backtick": "`+(window.__pwned=1)+`",
    "template_literal": "${window.__pwned=1}",
    "escaped_backtick": "\\`+(window.__pwned=1)+\\`",
    "quotes": "Warung \"Bu Tini\" & 'Pak' \\ $x",
}

#: text fields of the scenario and its layers (each gets ``TAG payload``)
FIELDS = ("SCN", "DEPOT_ID", "DEPOT_NAME", "SHIFT1", "SHIFT2", "UNIT", "CREW",
          "VO1_ID", "VO1_NAME", "VO1_DESA", "VO2_ID", "VO2_NAME", "VO2_DESA",
          "HS1_ID", "HS1_NAME", "HS1_TYPE", "HS2_ID", "HS2_NAME", "HS2_TYPE", "OP_NAME", "ROAD")


def _toml(s: str) -> str:
    return json.dumps(s)  # a JSON string is a valid TOML basic string


def payload_world(folder: Path, text: dict[str, str]) -> Path:
    """The tiny grid world (see test_bad_input) with two shifts, two objects and two hotspots, every text
    field taken from ``text`` (keys of :data:`FIELDS`)."""
    folder.mkdir(parents=True, exist_ok=True)
    # every road's OSM name: it names the area patrols of the cells (no desa layer here)
    (folder / "roads.osm").write_text(osm_xml(name=text.get("ROAD")), encoding="utf-8")

    def vo(n: int, lon: float, lat: float, category: str) -> dict:
        return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"id": text[f"VO{n}_ID"], "name": text[f"VO{n}_NAME"], "desa": text[f"VO{n}_DESA"],
                               "category": category}}

    layer = {"type": "FeatureCollection", "features": [
        vo(1, LON0 + 0.0021, LAT0 + 0.0041, "spbu"), vo(2, LON0 + 0.0061, LAT0 + 0.0019, "spbu")]}
    (folder / "vo.geojson").write_text(json.dumps(layer), encoding="utf-8")
    x, y = LON0 + 3 * STEP, LAT0 + 3 * STEP
    square = [[x - 0.0004, y - 0.0004], [x + 0.0004, y - 0.0004], [x + 0.0004, y + 0.0004], [x - 0.0004, y + 0.0004],
              [x - 0.0004, y - 0.0004]]
    hs = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [LON0 + STEP, LAT0 + 3 * STEP]},
         "properties": {"id": text["HS1_ID"], "name": text["HS1_NAME"], "risk": 1.0, "types": [text["HS1_TYPE"]]}},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [square]},
         "properties": {"id": text["HS2_ID"], "name": text["HS2_NAME"], "risk": 0.9, "types": [text["HS2_TYPE"]]}},
    ]}
    (folder / "hs.geojson").write_text(json.dumps(hs), encoding="utf-8")
    (folder / "scenario.toml").write_text(f"""\
name = {_toml(text["SCN"])}
[area]
osm_file = "roads.osm"
[plan]
start_date = "2026-11-30"
days = 2
language = "en"
[layers]
vital_objects = "vo.geojson"
hotspots = "hs.geojson"
[[depots]]
id = {_toml(text["DEPOT_ID"])}
name = {_toml(text["DEPOT_NAME"])}
lat = {LAT0 + 2 * STEP}
lon = {LON0 + 2 * STEP}
[[shifts]]
name = {_toml(text["SHIFT1"])}
start = "06:00"
end = "14:00"
[[shifts]]
name = {_toml(text["SHIFT2"])}
start = "14:00"
end = "22:00"
[[units]]
id = {_toml(text["UNIT"])}
kind = "motorcycle"
depot = {_toml(text["DEPOT_ID"])}
crew = {_toml(text["CREW"])}
[[operations]]
name = {_toml(text["OP_NAME"])}
start = "2026-11-30"
end = "2026-11-30"
visits_per_day = {{ spbu = 1 }}
""", encoding="utf-8")
    return folder / "scenario.toml"


def map_escape(text: str) -> str:
    """The project's one HTML escaper (what map.html, its scorecard panel and hotspots.html hold)."""
    from routeplan.render.maps import E

    return E(text)


def page_escape(text: str) -> str:
    """Jinja's autoescape (what the briefing pages hold)."""
    return str(markupsafe.escape(text))


def _plan_payload_world(folder: Path, text: dict[str, str]) -> tuple[int, str]:
    """Plan the payload world into ``folder/out`` with the working folder inside ``folder``."""
    import contextlib
    import io

    sc = payload_world(folder / "w", text)
    err = io.StringIO()
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            rc = main(["plan", str(sc), "--out", str(folder / "out"), *FAST])
    finally:
        os.chdir(cwd)
    return rc, err.getvalue()


@functools.cache
def mixed_payload_plan() -> Path:
    """One plan folder whose fields carry different payloads (for the browser test); written once per process."""
    names = list(PAYLOADS)
    text = {f: f"{f} {PAYLOADS[names[i % len(names)]]}" for i, f in enumerate(FIELDS)}
    folder = Path(tempfile.mkdtemp(prefix="routeplan-payloads-"))
    rc, err = _plan_payload_world(folder, text)
    assert rc == 0, err
    assert not (folder / MARKER).exists()
    (folder / "out" / "fields.json").write_text(json.dumps(text), encoding="utf-8")
    return folder / "out"


def _check_outputs(out: Path, text: dict[str, str]) -> None:
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    stops = [s for r in plan["routes"] for s in r["stops"]]
    visited = {s["id"] for s in stops}
    # the world is planned as intended: both objects and at least one hotspot visited, in both shifts
    assert {text["VO1_ID"], text["VO2_ID"]} <= visited
    assert {text["HS1_ID"], text["HS2_ID"]} & visited
    page = (out / "map.html").read_text(encoding="utf-8")
    panel = page[page.index('id="routeplan-scorecard"'):]
    on_map = ["SCN", "DEPOT_ID", "DEPOT_NAME", "UNIT", "VO1_ID", "VO1_NAME", "VO2_ID", "VO2_NAME",
              "HS1_NAME", "HS1_TYPE", "HS2_NAME", "HS2_TYPE"]
    on_map += [f"{h}_ID" for h in ("HS1", "HS2") if text[f"{h}_ID"] in visited]
    on_map += [s for s in ("SHIFT1", "SHIFT2") if any(r["shift"] == text[s] for r in plan["routes"])]
    for field in on_map:
        assert map_escape(text[field]) in page, (field, text[field])
    assert map_escape(text["UNIT"]) in panel
    assert map_escape(text["OP_NAME"]) in panel  # the operation's line of the scorecard panel
    briefings = {p.name: p.read_text(encoding="utf-8") for p in (out / "briefings").glob("*.html")}
    every = briefings["all.html"]
    in_briefing = ["SCN", "UNIT", "CREW", "DEPOT_NAME", "VO1_NAME", "VO1_DESA", "VO2_NAME", "VO2_DESA"]
    if any(r["day"] == "2026-11-30" for r in plan["routes"]):
        in_briefing.append("OP_NAME")  # the header of a day inside the operation
    card = (out / "scorecard.html").read_text(encoding="utf-8")
    assert page_escape(text["OP_NAME"]) in card[card.index('id="days"'):]  # the per-day view names it
    if any(c in text["OP_NAME"] for c in "<>"):
        assert text["OP_NAME"] not in card
    hotspots = card[card.index('id="hotspots"'):]  # the dosage table names every hotspot, visited or not
    for field in ("HS1_ID", "HS1_NAME", "HS2_ID", "HS2_NAME"):
        assert page_escape(text[field]) in hotspots, (field, text[field])
        if any(c in text[field] for c in "<>"):
            assert text[field] not in card, field
    if any(s["kind"] == "area_patrol" for s in stops):  # an area patrol is named after its cell's main road
        from routeplan.optimize.areas import CELL_ROAD_MAX_CHARS

        road = text["ROAD"][:CELL_ROAD_MAX_CHARS]
        assert map_escape(road) in page and page_escape(road) in briefings["all.html"]
        if any(c in road for c in "<>"):
            assert road not in page and road not in briefings["all.html"]
    in_briefing += [f"{h}_NAME" for h in ("HS1", "HS2") if text[f"{h}_ID"] in visited]
    in_briefing += [s for s in ("SHIFT1", "SHIFT2") if any(r["shift"] == text[s] for r in plan["routes"])]
    for field in in_briefing:
        assert page_escape(text[field]) in every, (field, text[field])
    for field in ("SCN", "UNIT", "CREW", "VO1_NAME", "VO2_NAME"):
        assert page_escape(text[field]) in briefings["index.html"], (field, text[field])
    # never the raw text where it holds markup or template syntax, never a rendered result
    for field, value in text.items():
        if any(c in value for c in "<>{}`$\\"):
            assert value not in page, field
        for name, html in briefings.items():
            if any(c in value for c in "<>"):
                assert value not in html, (name, field)
    for rendered in ("Pasar 49", "Blok x"):
        assert rendered not in page


@pytest.mark.parametrize("kind", list(PAYLOADS))
def test_payload_in_every_scenario_field(tmp_path, kind) -> None:
    text = {f: f"{f} {PAYLOADS[kind]}" for f in FIELDS}
    rc, err = _plan_payload_world(tmp_path, text)
    assert not (tmp_path / MARKER).exists(), "a template payload ran a shell command"
    assert rc == 0, err
    _check_outputs(tmp_path / "out", text)


def test_payloads_mixed_across_fields() -> None:
    out = mixed_payload_plan()
    _check_outputs(out, json.loads((out / "fields.json").read_text(encoding="utf-8")))


def test_category_is_not_free_text(tmp_path, capsys) -> None:
    """A category is one of a fixed list: a payload there is refused with one line (exit 2), not rendered."""
    text = {f: f"{f} x" for f in FIELDS}
    sc = payload_world(tmp_path / "w", text)
    layer = json.loads((tmp_path / "w" / "vo.geojson").read_text(encoding="utf-8"))
    layer["features"][0]["properties"]["category"] = PAYLOADS["expr"]
    (tmp_path / "w" / "vo.geojson").write_text(json.dumps(layer), encoding="utf-8")
    rc = main(["plan", str(sc), "--out", str(tmp_path / "out"), *FAST])
    err = capsys.readouterr().err
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "category" in err
    assert not (tmp_path / "out").exists()


def payload_incidents(path: Path) -> Path:
    """An incident CSV whose raw types are the payloads (plus plain ones), clustered enough for hotspots."""
    rows = ["lat,lon,type,date"]
    kinds = list(PAYLOADS.values()) + ["curanmor"] * 4
    for i in range(64):  # 64 places on an 8 x 8 grid (~110 m apart), so each incident can get its own marker
        t = kinds[i % len(kinds)]
        cell = '"' + t.replace('"', '""') + '"'
        rows.append(f"{-8.2 + (i % 8) * 0.001},{113.2 + (i // 8) * 0.001},{cell},2024-01-0{1 + i % 9} 2{i % 4}:00")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_hotspots_incident_types(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    f = payload_incidents(tmp_path / "inc.csv")
    rc = main(["hotspots", str(f), "--out", str(tmp_path / "out"), "--bandwidth", "150"])
    err = capsys.readouterr().err
    assert not (tmp_path / MARKER).exists(), "a template payload ran a shell command"
    assert rc == 0, err
    page = (tmp_path / "out" / "hotspots.html").read_text(encoding="utf-8")
    for kind, value in PAYLOADS.items():
        assert map_escape(value) in page, kind
        if any(c in value for c in "<>{}`$"):
            assert value not in page, kind


def test_osm_name_tags_through_objects(tmp_path, monkeypatch, capsys) -> None:
    """OSM ``name=`` tags reach the plan through ``routeplan objects``; they are text on the map and briefings."""
    monkeypatch.chdir(tmp_path)
    text = {f: f"{f} plain" for f in FIELDS}
    sc = payload_world(tmp_path / "w", text)
    pois = []
    for k, value in enumerate(PAYLOADS.values()):
        lon, lat = LON0 + (k % 5) * STEP, LAT0 + (k // 5) * STEP + 0.0003
        pois.append(f'<node id="{7000 + k}" lat="{lat:.7f}" lon="{lon:.7f}"><tag k="amenity" v="fuel"/>'
                    f'<tag k="name" v={quoteattr("OSM " + value)}/></node>')
    roads = osm_xml().replace("</osm>", "\n".join(pois) + "\n</osm>")
    (tmp_path / "w" / "roads.osm").write_text(roads, encoding="utf-8")
    # objects never overwrites a file it did not write: derive into a new file, then adopt it as the layer
    rc = main(["objects", str(sc), "--out", str(tmp_path / "derived.geojson")])
    assert rc == 0, capsys.readouterr().err
    (tmp_path / "w" / "vo.geojson").write_bytes((tmp_path / "derived.geojson").read_bytes())
    derived = json.loads((tmp_path / "w" / "vo.geojson").read_text(encoding="utf-8"))
    assert sorted(f["properties"]["name"] for f in derived["features"]) == sorted("OSM " + v for v in PAYLOADS.values())
    rc = main(["plan", str(sc), "--out", str(tmp_path / "out"), *FAST])
    err = capsys.readouterr().err
    assert not (tmp_path / MARKER).exists(), "a template payload ran a shell command"
    assert rc == 0, err
    plan = json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))
    served = {s["name"] for r in plan["routes"] for s in r["stops"] if s["kind"] == "vital_object"}
    assert served == {"OSM " + v for v in PAYLOADS.values()}
    page = (tmp_path / "out" / "map.html").read_text(encoding="utf-8")
    every = (tmp_path / "out" / "briefings" / "all.html").read_text(encoding="utf-8")
    for name in served:
        assert map_escape(name) in page, name
        assert page_escape(name) in every, name


def test_page_parts_are_rendered_once_as_data() -> None:
    """Raw parts, BindText popups/tooltips and DataMacro scripts come out exactly as given, never compiled
    as templates, and a bound text cannot end its ``<script>`` element."""
    import folium
    from jinja2 import Template

    from routeplan._html import DataMacro, Raw, js_string, popup, tooltip

    class Probe(DataMacro):
        _template = Template("{% macro script(this, kwargs) %}var probe = {{ this.value }};{% endmacro %}")

        def __init__(self, value: str) -> None:
            super().__init__()
            self.value = value

    m = folium.Map(location=[-8.2, 113.2], tiles=None)
    m.get_root().html.add_child(Raw("<p>{{ 7*7 }} {#3} {% if true %}x{% endif %}</p>"))
    raw_text = "</script><b>{{ 7*7 }}</b>\u2028`${x}`"
    marker = folium.CircleMarker([-8.2, 113.2], radius=5).add_to(m)
    marker.add_child(popup(raw_text)).add_child(tooltip(raw_text))
    m.add_child(Probe(js_string("{{ 7*7 }} {#")))
    page = m.get_root().render()
    assert "<p>{{ 7*7 }} {#3} {% if true %}x{% endif %}</p>" in page
    assert page.count(js_string(f"<div>{raw_text}</div>")) == 2 and "\\u003c/script\\u003e" in page
    assert page.count("</script>") == page.count("<script")  # nothing closed a script early
    assert 'var probe = "{{ 7*7 }} {#";' in page
    assert "<p>49" not in page and "<b>49" not in page and '"49' not in page
