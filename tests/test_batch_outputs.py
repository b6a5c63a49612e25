"""The regional files of a batch: user text stays data in the CSV, the workbook and the overview page."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from routeplan.batch.outputs import index_html, regional_scorecard, summary_csv, summary_rows, summary_xlsx
from routeplan.batch.region import Kecamatan, Region
from routeplan.batch.task import BatchOptions
from routeplan.render.offline import remote_assets

PAYLOADS = ("{{7*7}}", "{% raw %}x", "</script><script>alert(1)</script>", "=HYPERLINK(\"http://x\")", "a\u2028b")


def _ok(name: str, label: str) -> dict:
    return {"name": name, "scenario_name": label, "status": "ok", "error": "", "required_visits": 10,
            "served_visits": 9, "served_pct": 90.0, "unserved": 1, "unserved_shifts_full": 1, "hotspots": 2,
            "hotspot_risk_covered_pct": 50.0, "readiness_mean_pct": 80.0, "units": 2, "km_total": 12.5,
            "seconds": 1.0, "outline": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}}


def _results() -> list[dict]:
    out = [_ok(f"k{i}", p) for i, p in enumerate(PAYLOADS)]
    out.append({"name": "bad", "scenario": "x", "status": "failed", "outline": None,
                "error": "bad/vital_objects.geojson feature 1: unknown category '<b>{{7*7}}</b>'"})
    return out


def _region(name: str = "Polres <i>{{7*7}}</i>") -> Region:
    return Region(Path("r.toml"), name, tuple(Kecamatan(f"k{i}", Path("x")) for i in range(len(PAYLOADS))))


def test_index_page_keeps_user_text_as_data():
    results = _results()
    card = regional_scorecard(_region(), results, BatchOptions())
    page = index_html(_region(), results, card, "en")
    plain = index_html(Region(Path("r.toml"), "R", ()), [_ok("k0", "plain")], regional_scorecard(
        _region(), [_ok("k0", "plain")], BatchOptions()), "en")
    assert page.count("<script") == plain.count("<script") and page.count("</script") == plain.count("</script")
    visible = page.split("<main>", 1)[1].split("</main>", 1)[0] + page.split("<title>", 1)[1].split("</header>")[0]
    assert "<i>" not in visible and "<b>" not in visible and "49" not in visible and "{{" not in visible
    assert "&lt;i&gt;&#123;&#123;7*7&#125;&#125;&lt;/i&gt;" in visible
    assert remote_assets(page) == []
    data = json.loads(page.split('id="rp-data">', 1)[1].split("</script>", 1)[0])
    assert [k["label"] for k in data["kecamatan"]] == list(PAYLOADS)  # the map shows the names as they are
    assert "Not planned" in page and "unknown category" in page


def test_summary_neutralises_formulas_in_csv_and_workbook():
    rows = summary_rows(_results())
    text = summary_csv(rows)
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    ws = load_workbook(io.BytesIO(summary_xlsx(rows))).active
    cells = {c.value: c.data_type for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, str)}
    assert cells['=HYPERLINK("http://x")'] == "s"
    assert [c.value for c in ws[1]][:3] == ["kecamatan", "scenario_name", "status"]
    assert ws.cell(row=2, column=5).value == 10  # numbers stay numbers


def test_regional_scorecard_sums_the_planned_kecamatan():
    card = regional_scorecard(_region(), _results(), BatchOptions(seed=4))
    n = len(PAYLOADS)
    assert card["planned"] == n and card["kecamatan"] == n + 1
    assert (card["required_visits"], card["served_visits"], card["served_pct"]) == (10 * n, 9 * n, 90.0)
    assert card["failed"] == [{"kecamatan": "bad", "error": _results()[-1]["error"]}]
    assert card["options"]["seed"] == 4 and card["km_total"] == 12.5 * n


@pytest.mark.browser
def test_overview_page_in_a_real_browser(tmp_path):
    """Offline, no console error; outlines coloured by visits served, then by readiness; popups show names as text."""
    pytest.importorskip("websocket", reason="websocket-client not installed (pip install -e .[test])")
    from test_browser import Browser, chromium_path

    exe = chromium_path()
    if exe is None:
        pytest.skip("Chromium not installed (Debian: apt-get install chromium)")
    results = _results()
    results[0].update(served_pct=99.0, readiness_mean_pct=50.0)
    page = tmp_path / "index.html"
    page.write_text(index_html(_region(), results, regional_scorecard(_region(), results, BatchOptions()), "en"),
                    encoding="utf-8")
    b = Browser(exe)
    try:
        b.open(page, width=400, height=800, mobile=True)
        fills = "Array.from(document.querySelectorAll('.leaflet-overlay-pane path')).map(p => p.getAttribute('fill'))"
        assert b.js(fills) == ["#1a9641"] + ["#a6d96a"] * (len(PAYLOADS) - 1)  # 99 %, then 90 %
        b.js("(() => { const s = document.getElementById('rp-colour'); s.value = 'readiness_mean_pct';"
             " s.dispatchEvent(new Event('change')); })()")
        assert b.js(fills) == ["#d7191c"] + ["#fdae61"] * (len(PAYLOADS) - 1)  # 50 %, then 80 %
        b.js("document.querySelectorAll('.leaflet-overlay-pane path')[2]"
             ".dispatchEvent(new MouseEvent('click', {bubbles: true, clientX: 200, clientY: 200}))")
        b.pump(0.5)
        popup = b.js("document.querySelector('.leaflet-popup-content').textContent")
        assert PAYLOADS[2] in popup and "map" in popup
        assert b.js("document.querySelector('.leaflet-popup-content a').getAttribute('href')") == "k2/map.html"
        assert not b.errors and not b.external and not b.dialogs
    finally:
        b.close()
