"""``actual.html`` in headless Chromium: offline, no errors, planned route and track drawn, user text as text."""

from __future__ import annotations

import json
import shutil

import pytest
from actualdata import plan_folder, synthetic_tracks
from test_browser import EVIL, browser  # noqa: F401 - the shared headless Chromium fixture

from routeplan.cli import main

pytestmark = [pytest.mark.browser, pytest.mark.slow]


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


def test_actual_page_draws_plan_and_track_offline(browser, actual_dir):  # noqa: F811 - the imported fixture
    b = browser
    b.external.clear(), b.errors.clear(), b.dialogs.clear()
    b.open(actual_dir / "actual.html")
    b.screenshot("actual-desktop.png")
    counts = b.js("""(() => {
        const maps = Object.keys(window).map(k => window[k]).filter(v => v instanceof L.Map);
        const count = map => { let dashed = 0, solid = 0, circles = 0;
            map.eachLayer(l => { if (l instanceof L.Polyline && !(l instanceof L.Polygon) && l.options.dashArray) dashed++;
                else if (l instanceof L.Polyline && !(l instanceof L.Polygon) && !l.feature) solid++;
                if (l instanceof L.CircleMarker) circles++; });
            return {dashed, solid, circles}; };
        const boxes = maps.map(m => m.getContainer().getBoundingClientRect());
        return {n: maps.length, planned: count(maps[0]), actual: count(maps[1]),
                side: boxes[0].right <= boxes[1].left + 1 && Math.abs(boxes[0].top - boxes[1].top) < 2,
                panel: !!document.getElementById('rp-actual-panel')};
    })()""")
    # planned route on the left (dashed, planned stops), what was done on the right (track, stops by status)
    assert counts["n"] == 2 and counts["side"] and counts["panel"], counts
    assert counts["planned"]["dashed"] >= 1 and counts["planned"]["solid"] == 0, counts
    assert counts["actual"]["dashed"] == 0 and counts["actual"]["solid"] >= 1 and counts["actual"]["circles"] >= 1, counts
    synced = b.js("""(() => { const maps = Object.keys(window).map(k => window[k]).filter(v => v instanceof L.Map);
        const c = maps[0].getCenter(); maps[0].setView([c.lat + 0.01, c.lng + 0.01], maps[0].getZoom() + 1, {animate: false});
        const d = maps[1].getCenter();
        return Math.abs(d.lat - c.lat - 0.01) < 1e-6 && Math.abs(d.lng - c.lng - 0.01) < 1e-6
            && maps[1].getZoom() === maps[0].getZoom(); })()""")
    assert synced, "the two maps move together"
    shown = b.js("""(() => { const maps = Object.keys(window).map(k => window[k]).filter(v => v instanceof L.Map);
        let hit = null;
        Object.keys(window).filter(k => k.startsWith('feature_group_')).map(k => window[k])
            .filter(v => v instanceof L.FeatureGroup).forEach(g => g.eachLayer(l => {
                if (hit || !l.getPopup || !l.getPopup()) return;
                const c = l.getPopup().getContent(); const el = typeof c === 'string' ? null : c;
                if (el && el.textContent.includes('<script>alert(1)</script>')) {
                    if (!g._map) maps[1].addLayer(g); l.openPopup(); hit = el.textContent; } }));
        return hit; })()""")
    assert shown and EVIL in shown
    b.pump(0.3)
    b.screenshot("actual-popup-evil.png")
    assert b.external == [], b.external
    assert b.errors == [], b.errors
    assert b.dialogs == []
