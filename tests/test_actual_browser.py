"""``actual.html`` in headless Chromium: offline, no errors, planned route and track drawn, user text as text."""

from __future__ import annotations

import json
import shutil

import pytest
from actualdata import plan_folder, synthetic_tracks
from test_browser import EVIL, Browser, chromium_path

from routeplan.cli import main

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def browser():
    exe = chromium_path()
    if exe is None:
        pytest.skip("Chromium not installed (Debian: apt-get install chromium)")
    pytest.importorskip("websocket", reason="websocket-client not installed (pip install -e .[test])")
    b = Browser(exe)
    yield b
    b.close()


@pytest.fixture(scope="module")
def actual_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("actual-browser")
    plan_dir = plan_folder(root)
    synthetic_tracks(plan_dir, root / "tracks", seed=1)
    evil = root / "evil"
    shutil.copytree(plan_dir, evil)
    plan = json.loads((evil / "plan.json").read_text())
    plan["routes"][0]["stops"][0]["name"] = EVIL
    (evil / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    out = root / "out"
    assert main(["actual", str(evil), "--tracks", str(root / "tracks"), "--out", str(out)]) == 0
    return out


def test_actual_page_draws_plan_and_track_offline(browser, actual_dir):
    b = browser
    b.external.clear(), b.errors.clear(), b.dialogs.clear()
    b.open(actual_dir / "actual.html")
    b.screenshot("actual-desktop.png")
    counts = b.js("""(() => {
        const map = Object.keys(window).map(k => window[k]).find(v => v instanceof L.Map);
        let dashed = 0, solid = 0, circles = 0;
        map.eachLayer(l => { if (l instanceof L.Polyline && !(l instanceof L.Polygon) && l.options.dashArray) dashed++;
            else if (l instanceof L.Polyline && !(l instanceof L.Polygon) && !l.feature) solid++;
            if (l instanceof L.CircleMarker) circles++; });
        return {dashed, solid, circles, panel: !!document.getElementById('rp-actual-panel')};
    })()""")
    assert counts["dashed"] >= 1 and counts["solid"] >= 1 and counts["circles"] >= 1 and counts["panel"], counts
    shown = b.js("""(() => { const map = Object.keys(window).map(k => window[k]).find(v => v instanceof L.Map);
        Object.keys(window).filter(k => k.startsWith('feature_group_')).map(k => window[k])
            .filter(v => v instanceof L.FeatureGroup).forEach(g => map.addLayer(g));
        let hit = null; map.eachLayer(l => { if (!hit && l.getPopup && l.getPopup()) {
            const c = l.getPopup().getContent(); const el = typeof c === 'string' ? null : c;
            if (el && el.textContent.includes('<script>alert(1)</script>')) { l.openPopup(); hit = el.textContent; } } });
        return hit; })()""")
    assert shown and EVIL in shown
    b.pump(0.3)
    b.screenshot("actual-popup-evil.png")
    assert b.external == [], b.external
    assert b.errors == [], b.errors
    assert b.dialogs == []
