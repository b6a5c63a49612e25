"""Where outputs go: --out never deletes what routeplan did not write, kills leave nothing behind,
and every route gets its own file.

Issue #10 classes 2 (``--out`` deletes whatever it names), 3 (staging leftovers after SIGTERM/SIGKILL)
and 5 (file names of routes collide). Every subcommand with ``--out`` is run through the real CLI
(``routeplan.cli.main``) on the tiny offline world of ``test_bad_input``.
"""

from __future__ import annotations

import html
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from routeplan.cli import main

from test_bad_input import FAST, LAT0, LON0, STEP, feature, objects_geojson, run, snapshot, world


# ====================================================================== class 5: one file per route

COLLIDING = ["R2/1", "R2_1", "\U0001F693", "\U0001F694"]  # R2/1 and R2_1; two police-car emoji

SCENARIO_UNITS = """\
name = "tiny"
[area]
osm_file = "roads.osm"
[plan]
start_date = "2026-11-30"
days = 2
language = "en"
[layers]
vital_objects = "vo.geojson"
[[depots]]
id = "polsek"
name = "Polsek"
lat = {dlat}
lon = {dlon}
[[shifts]]
name = "pagi"
start = "06:00"
end = "14:00"
"""


def _colliding_world(tmp: Path) -> Path:
    text = SCENARIO_UNITS.format(dlat=LAT0 + 2 * STEP, dlon=LON0 + 2 * STEP)
    for uid in COLLIDING:
        text += f'[[units]]\nid = "{uid}"\nkind = "motorcycle"\ndepot = "polsek"\n'
    # a pinned visit per unit, so that every unit has a route
    for i, uid in enumerate(COLLIDING):
        day = "2026-11-30" if i < 2 else "2026-12-01"
        text += f'[[pins]]\nobject = "VO-{1 + i % 2}"\nunit = "{uid}"\ndate = "{day}"\ntime = "{9 + i:02d}:00"\n'
    layer = objects_geojson(feature("VO-1", LON0 + 0.0021, LAT0 + 0.0041),
                            feature("VO-2", LON0 + 0.0061, LAT0 + 0.0019))
    return world(tmp, scenario=text, layer=layer)


def test_colliding_unit_ids_get_one_gpx_and_one_briefing_per_route(tmp_path, capsys) -> None:
    sc = _colliding_world(tmp_path / "w")
    out = tmp_path / "out"
    code, _o, err = run(capsys, "plan", str(sc), "--out", str(out), *FAST)
    assert code == 0, err
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    routes = plan["routes"]
    assert {r["unit"] for r in routes} == set(COLLIDING)
    gpx = sorted((out / "gpx").glob("*.gpx"))
    assert len(gpx) == len(routes)
    # each GPX names its own route
    named = sorted(f.read_text(encoding="utf-8").split("<name>", 1)[1].split("</name>", 1)[0] for f in gpx)
    assert named == sorted(f"{r['unit']} {r['day']} {r['shift']}" for r in routes)
    pages = sorted(p.name for p in (out / "briefings").glob("*.html") if p.name not in ("index.html", "all.html"))
    assert len(pages) == len(routes)
    # the index links every page once, and the pages are the routes' briefings, one each
    idx = (out / "briefings" / "index.html").read_text(encoding="utf-8")
    hrefs = [h for h in re.findall(r'href="([^"]+\.html)"', idx) if h not in ("all.html", "../map.html")]
    assert sorted(hrefs) == pages
    titles = sorted(html.unescape(re.search(r"<title>(.*?)</title>", (out / "briefings" / p).read_text(
        encoding="utf-8")).group(1)) for p in pages)
    assert titles == sorted(f"Patrol briefing {r['unit']} {r['day'][8:10]}-{r['day'][5:7]}-{r['day'][:4]} {r['shift']}"
                            for r in routes)
    # plain ids keep their plain file names
    assert any(p.startswith("R2_1_2026-") and p.count("-") == 2 for p in pages), pages


def test_long_non_latin_unit_id_fits_a_file_name(tmp_path, capsys) -> None:
    """100 letters of a non-Latin script are 300 bytes of UTF-8: more than a file name may hold."""
    uid = "\u0915" * 100  # Devanagari KA
    sc = world(tmp_path / "w", unit=uid)
    out = tmp_path / "out"
    code, _o, err = run(capsys, "plan", str(sc), "--out", str(out), *FAST)
    assert code == 0, err
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert len(list((out / "gpx").glob("*.gpx"))) == len(plan["routes"]) > 0
    assert all(len(p.name.encode("utf-8")) <= 255 for p in out.rglob("*"))
