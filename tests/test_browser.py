"""Real-browser checks of the self-contained pages: headless Chromium driven over the DevTools protocol.

No request may leave the page (every non-file request is intercepted and failed), no console error or
exception may occur, the Leaflet map must draw the planned routes and stops, a vital object named
``<script>alert(1)</script>`` shows as text without a dialog, and printing the briefings gives one A4
page per shift. Screenshots land in ``test-artifacts/``.

Needs the Debian package ``chromium`` (``/usr/bin/chromium``) and the Python packages ``websocket-client``
and ``pypdf`` (the ``test`` extra); skips with a reason when Chromium is absent.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EVIL = "<script>alert(1)</script>"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def chromium_path() -> str | None:
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


class Browser:
    """A headless Chromium with one page, spoken to over CDP (websocket-client, no downloaded driver)."""

    FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
             "--remote-debugging-port=0", "--allow-file-access-from-files"]

    def __init__(self, exe: str):
        import websocket

        self.profile = tempfile.mkdtemp(prefix="routeplan-chromium-")
        self.proc = subprocess.Popen([exe, *self.FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("chromium did not start")
            time.sleep(0.1)
        port, path = port_file.read_text().splitlines()[:2]
        self.ws = websocket.create_connection(f"ws://127.0.0.1:{port}{path}", timeout=60, suppress_origin=True)
        self._id = 0
        self.external: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self._loaded = False
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=True)
        self.call("Fetch.enable", session=True, patterns=[{"urlPattern": "*"}])

    # --- protocol
    def _send(self, method: str, session: bool, params: dict) -> int:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        self.ws.send(json.dumps(msg))
        return self._id

    def call(self, method: str, session: bool = False, **params):
        mid = self._send(method, session, params)
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self._event(msg["method"], msg.get("params", {}))

    def _event(self, method: str, p: dict) -> None:
        if method == "Fetch.requestPaused":
            url = p["request"]["url"]
            if url.startswith(("file:", "data:", "about:", "blob:")):
                self._send("Fetch.continueRequest", True, {"requestId": p["requestId"]})
            else:
                self.external.append(url)
                self._send("Fetch.failRequest", True, {"requestId": p["requestId"], "errorReason": "BlockedByClient"})
        elif method == "Network.requestWillBeSent":
            url = p["request"]["url"]
            if not url.startswith(("file:", "data:", "about:", "blob:")) and url not in self.external:
                self.external.append(url)
        elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            self.errors.append("console: " + " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            self.errors.append("exception: " + str(d.get("exception", {}).get("description") or d.get("text")))
        elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            self.errors.append("log: " + p["entry"].get("text", "") + " " + p["entry"].get("url", ""))
        elif method == "Page.javascriptDialogOpening":
            self.dialogs.append(p.get("message", ""))
            self._send("Page.handleJavaScriptDialog", True, {"accept": True})
        elif method == "Page.loadEventFired":
            self._loaded = True

    def pump(self, seconds: float) -> None:
        """Handle events for a while (lets the page settle)."""
        end = time.monotonic() + seconds
        self.ws.settimeout(0.1)
        try:
            while time.monotonic() < end:
                try:
                    msg = json.loads(self.ws.recv())
                except Exception:  # timeout
                    continue
                if "method" in msg:
                    self._event(msg["method"], msg.get("params", {}))
        finally:
            self.ws.settimeout(60)

    # --- page helpers
    def open(self, path: Path, width: int = 1280, height: int = 900, mobile: bool = False) -> None:
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height,
                  deviceScaleFactor=2 if mobile else 1, mobile=mobile)
        self._loaded = False
        self.call("Page.navigate", session=True, url=Path(path).resolve().as_uri())
        end = time.monotonic() + 30
        while not self._loaded and time.monotonic() < end:
            self.pump(0.2)
        assert self._loaded, f"{path} did not load"
        self.pump(0.8)

    def js(self, expression: str):
        r = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"JS error: {r['exceptionDetails']}")
        return r["result"].get("value")

    def screenshot(self, name: str, full_page: bool = False) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        r = self.call("Page.captureScreenshot", session=True, format="png", captureBeyondViewport=full_page)
        out = ARTIFACTS / name
        out.write_bytes(base64.b64decode(r["data"]))
        return out

    def pdf(self, name: str) -> bytes:
        r = self.call("Page.printToPDF", session=True, preferCSSPageSize=True, printBackground=True)
        data = base64.b64decode(r["data"])
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / name).write_bytes(data)
        return data

    def close(self) -> None:
        try:
            if getattr(self, "ws", None):
                try:
                    self.call("Browser.close")
                except Exception:
                    pass
                self.ws.close()
        finally:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
            shutil.rmtree(self.profile, ignore_errors=True)


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
def plan_dir(tmp_path_factory):
    from test_maps import evil_plan_dir

    return evil_plan_dir()


def _reset(b: Browser) -> None:
    b.external.clear()
    b.errors.clear()
    b.dialogs.clear()


MAP_COUNTS = """
(() => {
  const map = Object.keys(window).map(k => window[k]).find(v => v instanceof L.Map);
  const visible = () => { let r = 0, s = 0;
    map.eachLayer(l => { if (l.options && l.options.className === 'rp-route') r++;
                         if (l.options && l.options.className === 'rp-stop') s++; });
    return [r, s]; };
  const first = visible();
  // switch on every day layer (feature groups are globals; the tile layer is not a feature group)
  Object.keys(window).filter(k => k.startsWith('feature_group_')).map(k => window[k])
    .filter(v => v instanceof L.FeatureGroup).forEach(g => map.addLayer(g));
  const all = visible();
  const panes = document.querySelectorAll('.leaflet-overlay-pane canvas, .leaflet-overlay-pane svg').length;
  return {first, all, panes, tiles: document.querySelectorAll('img.leaflet-tile').length};
})()
"""


def test_map_offline_draws_plan(browser, plan_dir):
    b = browser
    plan = json.loads((plan_dir / "plan.json").read_text())
    _reset(b)
    b.open(plan_dir / "map.html")
    b.screenshot("map-desktop.png")
    counts = b.js(MAP_COUNTS)
    b.pump(0.5)
    first_day = plan["routes"][0]["day"]
    day1 = [r for r in plan["routes"] if r["day"] == first_day]
    assert counts["first"] == [len(day1), sum(len(r["stops"]) for r in day1)]
    assert counts["all"] == [len(plan["routes"]), sum(len(r["stops"]) for r in plan["routes"])]
    assert counts["panes"] >= 1 and counts["tiles"] == 0
    assert b.external == [], b.external
    assert b.errors == [], b.errors
    assert b.dialogs == []
    # the evil name is text in a popup, not markup
    shown = b.js("""(() => { const map = Object.keys(window).map(k => window[k]).find(v => v instanceof L.Map);
        let hit = null; map.eachLayer(l => { if (!hit && l.getPopup && l.getPopup()) {
            const c = l.getPopup().getContent(); const el = typeof c === 'string' ? null : c;
            if (el && el.textContent.includes('<script>alert(1)</script>')) { l.openPopup(); hit = el.textContent; } } });
        return hit; })()""")
    assert shown and EVIL in shown
    assert b.js("document.querySelectorAll('.leaflet-popup-content script').length") == 0
    b.pump(0.3)
    b.screenshot("map-popup-evil.png")
    assert b.dialogs == [] and b.errors == []
    _reset(b)
    b.open(plan_dir / "map.html", width=390, height=844, mobile=True)
    b.screenshot("map-phone.png")
    assert b.external == [] and b.errors == []


def test_briefing_page_and_print(browser, plan_dir):
    import io

    from pypdf import PdfReader

    b = browser
    from routeplan.model.planfile import read_plan
    from routeplan.render.export import route_slug

    plan = read_plan(plan_dir)
    bdir = plan_dir / "briefings"
    evil_route = next(r for r in plan.routes if any(s.name == EVIL for s in r.stops))
    page = bdir / f"{route_slug(evil_route)}.html"
    _reset(b)
    b.open(page)
    b.screenshot("briefing-desktop.png", full_page=True)
    assert EVIL in b.js("document.body.innerText")
    kinds = "table.stops tbody tr.kind-vital_object, table.stops tbody tr.kind-hotspot, table.stops tbody tr.kind-area_patrol"
    assert b.js(f"document.querySelectorAll('{kinds}').length") == len(evil_route.stops)
    assert b.js("document.querySelectorAll('svg circle.stop').length") == len(evil_route.stops)
    assert b.js("document.querySelectorAll('body script').length") == 0
    one = PdfReader(io.BytesIO(b.pdf("briefing-one.pdf")))
    # a full shift of patrol (20 stops and their QR codes) may take a second A4 page; nothing is cut
    assert 1 <= len(one.pages) <= 2
    text = " ".join(p.extract_text() for p in one.pages)
    assert all(s.name.split()[0] in text for s in evil_route.stops if s.name != EVIL)
    w, h = float(one.pages[0].mediabox.width), float(one.pages[0].mediabox.height)
    assert abs(w - 595) < 3 and abs(h - 842) < 3  # A4 portrait in points
    assert b.external == [] and b.errors == [] and b.dialogs == []

    b.open(page, width=390, height=844, mobile=True)
    b.screenshot("briefing-phone.png")

    _reset(b)
    b.open(bdir / "all.html")
    pdf = PdfReader(io.BytesIO(b.pdf("briefings-all.pdf")))
    assert len(plan.routes) <= len(pdf.pages) <= 2 * len(plan.routes)  # every shift starts on a new page
    assert b.external == [] and b.errors == [] and b.dialogs == []

    _reset(b)
    b.open(bdir / "index.html")
    b.screenshot("briefing-index.png", full_page=True)
    assert EVIL in b.js("document.body.innerText")
    assert b.js("document.querySelectorAll('a[href$=\".html\"]').length") >= len(plan.routes)
    assert b.external == [] and b.errors == [] and b.dialogs == []


def test_hotspot_map_offline(browser, tmp_path):
    from routeplan import hotspots as hs
    f = tmp_path / "inc.csv"
    rows = ["lat,lon,type,date"]
    for i in range(40):
        rows.append(f"{-8.2 + (i % 7) * 0.001},{113.2 + (i % 5) * 0.001},{EVIL if i % 4 == 0 else 'curanmor'},"
                    f"2024-01-0{1 + i % 9} 2{i % 4}:00")
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    hs.run_hotspots(f, tmp_path / "out", bandwidth=150)
    page = tmp_path / "out" / "hotspots.html"
    from routeplan.render.offline import remote_assets

    assert remote_assets(page.read_text(encoding="utf-8")) == []
    b = browser
    _reset(b)
    b.open(page)
    b.screenshot("hotspots-desktop.png")
    assert b.js("typeof L.heatLayer") == "function"
    assert b.js("typeof L.markerClusterGroup") == "function"  # Leaflet.markercluster, inlined
    assert b.js("document.querySelectorAll('img.leaflet-tile').length") == 0
    # switch on the incident layers: the 40 incidents (35 places) draw as clusters with their counts ...
    b.js("""(() => {
      const map = Object.keys(window).map(k => window[k]).find(v => v instanceof L.Map);
      const groups = Object.keys(window).map(k => window[k]).filter(v => v instanceof L.MarkerClusterGroup);
      groups.forEach(g => map.addLayer(g));
      map.fitBounds(groups[0].getBounds(), {animate: false});
      map.setZoom(map.getZoom() - 3, {animate: false});
    })()""")
    b.pump(1.0)
    count = """(() => {
      const map = Object.keys(window).map(k => window[k]).find(v => v instanceof L.Map);
      const groups = Object.keys(window).map(k => window[k]).filter(v => v instanceof L.MarkerClusterGroup);
      const counts = [...document.querySelectorAll('.marker-cluster')].map(e => Number(e.textContent));
      let singles = 0;
      map.eachLayer(l => { if (l instanceof L.CircleMarker && l.getPopup && l.getPopup()) { singles++; } });
      return {groups: groups.length, layers: groups.reduce((n, g) => n + g.getLayers().length, 0), counts, singles};
    })()"""
    shown = b.js(count)
    b.screenshot("hotspots-clusters.png")
    assert shown["groups"] == 2 and shown["layers"] == 40, shown
    assert shown["counts"] and sum(shown["counts"]) + shown["singles"] == 40, shown
    # ... and at the highest zoom every incident is its own marker, with its popup
    b.js("""(() => { const map = Object.keys(window).map(k => window[k]).find(v => v instanceof L.Map);
                     map.setZoom(map.getMaxZoom(), {animate: false}); })()""")
    b.pump(1.0)
    single = b.js(count)
    assert single["counts"] == [] and single["singles"] > 0, single
    assert b.external == [] and b.errors == [] and b.dialogs == [], (b.external, b.errors)


# ------------------------------------------------------------------ template, HTML and JS payloads as names

READ_MAP_TEXT = """
(() => {
  const map = Object.keys(window).map(k => window[k]).find(v => v instanceof L.Map);
  Object.keys(window).filter(k => k.startsWith('feature_group_')).map(k => window[k])
    .filter(v => v instanceof L.FeatureGroup).forEach(g => map.addLayer(g));
  const popups = [], tooltips = [];
  map.eachLayer(l => {
    if (l.getPopup && l.getPopup()) {
      l.getPopup().options.autoPan = false;
      l.openPopup();
      const el = l.getPopup().getElement();  // (a closed popup's node fades out for a while)
      popups.push(el ? el.querySelector('.leaflet-popup-content').textContent : null);
      l.closePopup();
    }
    if (l.getTooltip && l.getTooltip()) {
      l.openTooltip();
      const el = l.getTooltip().getElement();
      tooltips.push(el ? el.textContent : null);
      l.closeTooltip();
    }
  });
  const text = id => { const el = document.getElementById(id); return el ? el.textContent : null; };
  const filter = document.querySelector('.rp-filter');
  return {title: document.title, legend: text('routeplan-legend'), panel: text('routeplan-scorecard'),
          filter: filter ? filter.textContent : null,
          popups, tooltips, pwned: typeof window.__pwned,
          scripts: document.querySelectorAll('.leaflet-popup-pane script, .leaflet-tooltip-pane script').length};
})()
"""


def test_payload_names_show_literally_on_the_map(browser):
    """Template, HTML and JavaScript payloads in every field read back from the DOM as the literal text;
    none runs (``window.__pwned`` stays undefined), no console error."""
    from test_html_safety import mixed_payload_plan

    out = mixed_payload_plan()
    text = json.loads((out / "fields.json").read_text(encoding="utf-8"))
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    b = browser
    _reset(b)
    b.open(out / "map.html")
    shown = b.js(READ_MAP_TEXT)
    b.pump(0.5)
    b.screenshot("map-payloads.png")
    assert shown["pwned"] == "undefined" and b.js("typeof window.__pwned") == "undefined"
    assert b.errors == [] and b.dialogs == [] and b.external == [], (b.errors, b.dialogs, b.external)
    assert shown["scripts"] == 0
    assert None not in shown["popups"] and None not in shown["tooltips"]
    assert text["SCN"] in shown["title"] and text["SCN"] in shown["legend"]
    assert text["UNIT"] in shown["legend"] and text["UNIT"] in shown["panel"] and text["UNIT"] in shown["filter"]
    popups, tooltips = "\n".join(shown["popups"]), "\n".join(shown["tooltips"])
    visited = {s["id"] for r in plan["routes"] for s in r["stops"]}
    for field in ("DEPOT_ID", "DEPOT_NAME", "UNIT", "VO1_ID", "VO1_NAME", "VO2_ID", "VO2_NAME",
                  "HS1_NAME", "HS1_TYPE", "HS2_NAME", "HS2_TYPE"):
        assert text[field] in popups, (field, text[field])
    for field in ("DEPOT_NAME", "UNIT", "VO1_NAME", "VO2_NAME", "HS1_NAME", "HS2_NAME"):
        assert text[field] in tooltips, (field, text[field])
    for h in ("HS1", "HS2"):
        if text[f"{h}_ID"] in visited:
            assert text[f"{h}_ID"] in popups
    for shift in {r["shift"] for r in plan["routes"]}:
        assert shift in popups and shift in tooltips
    everything = "\n".join([shown["title"], shown["legend"], shown["panel"], popups, tooltips])
    assert "Pasar 49" not in everything and "Blok x" not in everything


def test_payload_names_show_literally_in_briefings(browser):
    from test_html_safety import mixed_payload_plan

    out = mixed_payload_plan()
    text = json.loads((out / "fields.json").read_text(encoding="utf-8"))
    b = browser
    for page, fields in (("all.html", ("SCN", "UNIT", "CREW", "DEPOT_NAME", "VO1_NAME", "VO1_DESA", "VO2_NAME",
                                       "VO2_DESA")),
                         ("index.html", ("SCN", "UNIT", "CREW", "VO1_NAME", "VO2_NAME"))):
        _reset(b)
        b.open(out / "briefings" / page)
        body = b.js("document.body.innerText")
        for field in fields:
            assert text[field] in body, (page, field, text[field])
        assert text["SCN"] in b.js("document.title")
        assert b.js("document.querySelectorAll('script, img').length") == 0
        assert b.js("typeof window.__pwned") == "undefined"
        assert b.errors == [] and b.dialogs == [] and b.external == [], (page, b.errors, b.dialogs, b.external)


def test_payload_incident_types_show_literally_on_hotspot_map(browser, tmp_path):
    from test_html_safety import PAYLOADS, payload_incidents

    from routeplan import hotspots as hs

    hs.run_hotspots(payload_incidents(tmp_path / "inc.csv"), tmp_path / "out", bandwidth=150)
    b = browser
    _reset(b)
    b.open(tmp_path / "out" / "hotspots.html")
    # every layer on (feature groups and the incidents' marker clusters), at the zoom where each incident
    # is its own marker
    b.js("""(() => {
      const map = Object.keys(window).map(k => window[k]).find(v => v instanceof L.Map);
      Object.keys(window).filter(k => k.startsWith('feature_group_') || k.startsWith('marker_cluster_'))
        .map(k => window[k]).filter(v => v instanceof L.FeatureGroup).forEach(g => map.addLayer(g));
      map.setZoom(19, {animate: false});
    })()""")
    b.pump(1.0)
    shown = b.js("""(() => {
      const map = Object.keys(window).map(k => window[k]).find(v => v instanceof L.Map);
      const texts = [];
      const visit = l => {
        if (l.getPopup && l.getPopup()) {
          l.getPopup().options.autoPan = false;  // panning far resets the view, which redraws the markers
          l.openPopup();
          const el = l.getPopup().getElement();
          texts.push(el ? el.querySelector('.leaflet-popup-content').textContent : null);
          l.closePopup();
        }
        if (l.eachLayer) { l.eachLayer(visit); }
      };
      map.eachLayer(visit);
      return {texts, pwned: typeof window.__pwned};
    })()""")
    b.pump(0.5)
    joined = "\n".join(t for t in shown["texts"] if t)
    for kind, value in PAYLOADS.items():
        assert value in joined, kind
    assert shown["pwned"] == "undefined" and b.js("typeof window.__pwned") == "undefined"
    assert b.errors == [] and b.dialogs == [] and b.external == [], (b.errors, b.dialogs, b.external)


# ------------------------------------------------------------------ issue #13: map filters, scale, phones; QR codes

CONTROLS = """
(() => {
  const vw = window.innerWidth, vh = window.innerHeight;
  const sel = ['.leaflet-control-layers', '.rp-filter', '#routeplan-legend', '#routeplan-scorecard',
               '.leaflet-control-scale', '.leaflet-control-zoom'];
  const boxes = {};
  sel.forEach(s => { const el = document.querySelector(s);
    if (el) { const r = el.getBoundingClientRect(); boxes[s] = [r.left, r.top, r.right, r.bottom]; } });
  // share of the viewport covered by controls, counted on a 10 px grid (overlaps once)
  let covered = 0, cells = 0;
  for (let x = 5; x < vw; x += 10) for (let y = 5; y < vh; y += 10) {
    cells++;
    if (Object.values(boxes).some(b => x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3])) covered++;
  }
  const scale = document.querySelectorAll('.leaflet-control-scale-line');
  const sb = scale.length ? scale[0].getBoundingClientRect() : null;
  const top = sb ? document.elementFromPoint((sb.left + sb.right) / 2, (sb.top + sb.bottom) / 2) : null;
  return {boxes, share: covered / cells, scale: Array.from(scale).map(e => e.textContent),
          scale_on_top: !!(top && top.closest('.leaflet-control-scale')),
          layers_open: !!document.querySelector('.leaflet-control-layers-expanded'),
          filter_open: !!document.querySelector('.rp-filter details[open]'),
          legend_open: document.getElementById('routeplan-legend').hasAttribute('open'),
          panel_open: document.getElementById('routeplan-scorecard').hasAttribute('open')};
})()
"""

VISIBLE_ROUTES = """
(() => { const map = Object.keys(window).map(k => window[k]).find(v => v instanceof L.Map);
  const seen = []; map.eachLayer(l => { if (l.options && l.options.className === 'rp-route') seen.push(l.options.color); });
  return {routes: seen.length, arrows: document.querySelectorAll('.rp-arrow').length}; })()
"""


def _click_filters(b, dim: str, keep: list[int]) -> None:
    b.js(f"""(() => {{ document.querySelectorAll('.rp-filter input[data-dim="{dim}"]').forEach(i => {{
        const want = {json.dumps(keep)}.includes(Number(i.dataset.k));
        if (i.checked !== want) i.click(); }}); }})()""")
    b.pump(0.3)


def test_map_filters_scale_and_phone_layout(browser, plan_dir):
    from test_maps import evil_plan

    plan, ctx = evil_plan()
    units = [u.id for u in ctx.scenario.units]
    shifts = list(ctx.scenario.shifts)
    b = browser
    _reset(b)
    b.open(plan_dir / "map.html", width=1366, height=768)
    b.screenshot("map-filters-desktop.png")
    c = b.js(CONTROLS)
    assert set(c["boxes"]) >= {".leaflet-control-layers", ".rp-filter", "#routeplan-legend", ".leaflet-control-scale"}
    assert c["share"] < 0.40, c
    # one metric scale, in metres or kilometres, not covered by the legend or anything else
    assert len(c["scale"]) == 1 and re.fullmatch(r"\d+ (m|km)", c["scale"][0]), c["scale"]
    assert c["scale_on_top"], c
    lg, sc = c["boxes"]["#routeplan-legend"], c["boxes"][".leaflet-control-scale"]
    assert sc[0] >= lg[2] or sc[2] <= lg[0] or sc[1] >= lg[3] or sc[3] <= lg[1]
    assert c["layers_open"] and c["filter_open"] and c["legend_open"]
    first = [r for r in plan.routes if r.day == ctx.scenario.dates[0]]
    assert b.js(VISIBLE_ROUTES)["routes"] == sum(1 for r in first if len(r.path) >= 2)
    # one unit's week: every day, that unit only
    _click_filters(b, "d", list(range(len(ctx.scenario.dates))))
    _click_filters(b, "u", [1])
    mine = [r for r in plan.routes if r.unit == units[1] and len(r.path) >= 2]
    shown = b.js(VISIBLE_ROUTES)
    assert shown["routes"] == len(mine) and shown["arrows"] >= len(mine), shown
    b.screenshot("map-one-unit-week.png")
    # ... and of its shifts the first only
    _click_filters(b, "s", [0])
    assert b.js(VISIBLE_ROUTES)["routes"] == sum(1 for r in mine if r.shift == shifts[0])
    assert b.external == [] and b.errors == [] and b.dialogs == [], (b.external, b.errors)

    _reset(b)
    b.open(plan_dir / "map.html", width=390, height=844, mobile=True)
    b.screenshot("map-filters-phone.png")
    c = b.js(CONTROLS)
    assert not (c["layers_open"] or c["filter_open"] or c["legend_open"] or c["panel_open"]), c
    assert c["share"] < 0.12, c
    assert len(c["scale"]) == 1 and c["scale_on_top"]
    assert b.external == [] and b.errors == []


def _decode_png(png: bytes) -> list[str]:
    import io

    import numpy as np
    from matplotlib.image import imread

    zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp not installed (pip install -e .[test])")
    img = imread(io.BytesIO(png), format="png")
    grey = (np.asarray(img)[..., :3].mean(axis=2) * 255).astype(np.uint8)
    return [r.text for r in zxingcpp.read_barcodes(grey)]


def test_briefing_qr_codes_decode_to_the_stops(browser, plan_dir):
    from routeplan.model.planfile import read_plan
    from routeplan.render.export import route_slug
    from routeplan.render.navlinks import geo_uri

    plan = read_plan(plan_dir)
    r = max(plan.routes, key=lambda r: len(r.stops))
    b = browser
    _reset(b)
    b.open(plan_dir / "briefings" / f"{route_slug(r)}.html", width=900, height=1200, mobile=True)
    b.js("document.querySelector('.qrs').scrollIntoView()")
    b.pump(0.3)
    shot = b.screenshot("briefing-qr.png", full_page=True)
    found = set(_decode_png(shot.read_bytes()))
    assert found == {geo_uri(s.lat, s.lon) for s in r.stops}
    # the night dates as a person reads them
    times = b.js("Array.from(document.querySelectorAll('table.stops time[datetime]')).map(t => [t.dateTime, t.textContent])")
    assert len(times) == len(r.stops)
    for iso, shown in times:
        assert shown.startswith(f"{iso[8:10]}-{iso[5:7]} {iso[11:16]}")
    assert b.external == [] and b.errors == []
