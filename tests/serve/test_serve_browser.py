"""The planner's flow in real Chromium against a real server: log in, create a scenario from the sample, plan with
live progress, open the map, approve as the commander and see "Disetujui" on the briefings; an officer then
downloads their unit's briefing PDF (with the approval) and is refused another unit's.

Only requests to the test server (loopback) are let through; any other request is failed and reported.
"""

from __future__ import annotations

import base64
import io
import json
import time

import pypdf
import pytest
import requests
from test_browser import Browser, chromium_path

from .conftest import OFFICER_UNIT, PASSWORD, Server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


class ServerBrowser(Browser):
    """The test's Browser, with the one server it tests allowed through the request block."""

    allowed = "http://127.0.0.1:0/"

    def _event(self, method: str, p: dict) -> None:
        url = p.get("request", {}).get("url", "")
        if method == "Fetch.requestPaused" and url.startswith(self.allowed):
            self._send("Fetch.continueRequest", True, {"requestId": p["requestId"]})
        elif method == "Network.requestWillBeSent" and url.startswith(self.allowed):
            pass
        else:
            super()._event(method, p)

    def goto(self, url: str) -> None:
        self._loaded = False
        self.call("Page.navigate", session=True, url=url)
        self.wait_load()

    def wait_load(self, seconds: float = 30) -> None:
        end = time.monotonic() + seconds
        while not self._loaded and time.monotonic() < end:
            self.pump(0.2)
        assert self._loaded, "page did not load"
        self.pump(0.3)

    def click(self, selector: str, navigates: bool = True) -> None:
        self._loaded = False
        assert self.js(f"(() => {{ const e = document.querySelector({selector!r}); if (!e) return false; "
                       "e.click(); return true; })()"), selector
        if navigates:
            self.wait_load()

    def fill(self, selector: str, value: str) -> None:
        assert self.js(f"(() => {{ const e = document.querySelector({selector!r}); if (!e) return false; "
                       f"e.value = {value!r}; return true; }})()"), selector

    def login(self, url: str, name: str) -> None:
        self.goto(url + "/login")
        self.fill("#name", name)
        self.fill("#password", PASSWORD)
        self.click("#login")


@pytest.fixture(scope="module")
def chromium():
    exe = chromium_path()
    if exe is None:
        pytest.skip("Chromium not installed (Debian: apt-get install chromium)")
    b = ServerBrowser(exe)
    yield b
    b.close()


def _move_an_object(b: ServerBrowser, server: Server, scenario_path: str) -> None:
    """Drag the first vital object on the editor's map with the mouse and save: the layer file moves it."""
    sid = scenario_path.rsplit("/", 1)[1]
    layer_file = server.data / "scenarios" / sid / "vital_objects.geojson"
    b.click("#edit-objects")
    end = time.monotonic() + 20
    while b.js("document.getElementById('objects-map').getAttribute('data-ready')") != "1":
        assert time.monotonic() < end
        b.pump(0.2)
    b.screenshot("serve-objects.png")
    # a marker not covered by another one: the element under its point is its own icon
    i, x, y = b.js("""(() => { const ms = rpEditor.state.markers;
        for (let i = 0; i < ms.length; i++) { const r = ms[i].getElement().getBoundingClientRect();
          const x = r.left + r.width / 2, y = r.top + r.height - 6;
          if (x > 50 && y > 50 && document.elementFromPoint(x, y) === ms[i].getElement()) return [i, x, y]; }
        return null; })()""")
    before = json.loads(layer_file.read_text(encoding="utf-8"))["features"][i]
    b.call("Input.dispatchMouseEvent", session=True, type="mousePressed", x=x, y=y, button="left", clickCount=1)
    for k in range(1, 11):
        b.call("Input.dispatchMouseEvent", session=True, type="mouseMoved", x=x + 6 * k, y=y + 4 * k, button="left")
    b.call("Input.dispatchMouseEvent", session=True, type="mouseReleased", x=x + 60, y=y + 40, button="left",
           clickCount=1)
    b.pump(0.3)
    assert b.js("document.getElementById('f-id').value") == before["properties"]["id"]
    b.fill("#f-name", "Pasar <b>baru</b> {{7*7}}")
    b.js("document.getElementById('f-name').dispatchEvent(new Event('change'))")
    assert b.js("rpEditor.save()") == 200
    after = json.loads(layer_file.read_text(encoding="utf-8"))["features"][i]
    assert after["properties"]["id"] == before["properties"]["id"]
    assert after["properties"]["name"] == "Pasar <b>baru</b> {{7*7}}"
    lon0, lat0 = before["geometry"]["coordinates"]
    lon1, lat1 = after["geometry"]["coordinates"]
    assert lon1 > lon0 and lat1 < lat0  # dragged right and down
    b.screenshot("serve-objects-moved.png")


def _wait_for_briefings(server: Server, plan_path: str) -> None:
    """The approved briefings render in the background after the approval: wait for them (bounded)."""
    pid = plan_path.rsplit("/", 1)[1]
    r = requests.get(f"{server.url}/api/plans/{pid}/files/briefings/index.html", timeout=300,
                     headers={"Authorization": f"Bearer {server.tokens['ana']}"})
    assert r.status_code == 200 and "Disetujui oleh chief" in r.text


FETCH = """fetch(%s, {credentials: "same-origin"}).then(r => r.arrayBuffer().then(buf => {
  const u = new Uint8Array(buf); let s = "";
  for (let i = 0; i < u.length; i += 8192) { s += String.fromCharCode.apply(null, u.subarray(i, i + 8192)); }
  return [r.status, r.headers.get("content-type"), btoa(s)];
}))"""


def _officer_downloads_their_pdf(b: ServerBrowser, server: Server) -> None:
    """The officer logs in, downloads their unit's briefing PDF (approved) and can't get another unit's."""
    b.goto(server.url + "/")
    b.click("#logout")
    b.login(server.url, "off")
    links = b.js("[...document.querySelectorAll('a.briefing-pdf')].map(a => a.getAttribute('href'))")
    assert links and all(f"/briefings/pdf/{OFFICER_UNIT}_" in h for h in links), links
    b.screenshot("serve-officer.png")
    status, kind, body = b.js(FETCH % json.dumps(links[0]))
    data = base64.b64decode(body)
    assert status == 200 and kind == "application/pdf" and data.startswith(b"%PDF-")
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages).replace("\n", " ")
    assert "Disetujui oleh chief" in text and OFFICER_UNIT in text
    other = links[0].replace(f"/pdf/{OFFICER_UNIT}_", "/pdf/R4-1_")
    assert b.js(FETCH % json.dumps(other))[0] == 403
    refused = [e for e in b.errors if "403" in e and other in e]
    assert len(refused) == 1  # the console's note of that refusal is the one error expected
    b.errors.remove(refused[0])


@pytest.mark.parametrize("server", ["sqlite"], indirect=True)
def test_sample_to_approved_plan_in_the_browser(chromium: ServerBrowser, server: Server) -> None:
    b = chromium
    b.allowed = server.url + "/"
    b.login(server.url, "plan")
    assert b.js("location.pathname") == "/"
    b.click("#new-sample")
    assert b.js("location.pathname").startswith("/scenarios/")
    assert "Kunir" in b.js("document.getElementById('scenario-name').textContent")
    scenario_path = b.js("location.pathname")
    _move_an_object(b, server, scenario_path)
    b.goto(server.url + scenario_path)
    b.fill("#iterations", "30")
    b.fill("#time_limit", "20")
    b.screenshot("serve-scenario.png")
    b.click("#start-plan")
    assert b.js("location.pathname").startswith("/jobs/")
    seen_progress, end = set(), time.monotonic() + 240
    while time.monotonic() < end:
        state = b.js("[document.getElementById('state').textContent, document.getElementById('bar').value, "
                     "document.getElementById('open-plan').hidden]")
        seen_progress.add(round(state[1], 2))
        if not state[2]:
            break
        b.pump(0.5)
    assert state[0] == "selesai" and state[1] == 1.0, state
    assert len(seen_progress) >= 2  # the bar moved while the page was open
    b.screenshot("serve-job.png")
    b.click("#open-plan")
    assert b.js("location.pathname").startswith("/plans/")
    plan_path = b.js("location.pathname")
    b.pump(3)
    assert b.js("document.getElementById('map').contentWindow.document.querySelectorAll('.leaflet-container')"
                ".length") == 1
    assert b.js("document.getElementById('approve')") is None  # a planner may not approve
    b.screenshot("serve-plan.png")
    b.click("#logout")
    b.login(server.url, "chief")
    b.goto(server.url + plan_path)
    b.click("#approve")
    assert "Disetujui oleh chief" in b.js("document.getElementById('approval').textContent")
    _wait_for_briefings(server, plan_path)
    b.goto(server.url + plan_path + "/files/briefings/index.html")
    assert "Disetujui oleh chief" in b.js("document.body.innerText")
    b.screenshot("serve-briefings-approved.png")
    _officer_downloads_their_pdf(b, server)
    assert b.external == [], b.external
    assert b.errors == [], b.errors
    assert b.dialogs == []
