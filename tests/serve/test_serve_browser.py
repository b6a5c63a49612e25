"""The planner's flow in real Chromium against a real server: log in, create a scenario from the sample, plan with
live progress, open the map, approve as the commander and see "Disetujui" on the briefings.

Only requests to the test server (loopback) are let through; any other request is failed and reported.
"""

from __future__ import annotations

import time

import pytest
from conftest import PASSWORD, Server
from test_browser import Browser, chromium_path

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


@pytest.mark.parametrize("server", ["sqlite"], indirect=True)
def test_sample_to_approved_plan_in_the_browser(chromium: ServerBrowser, server: Server) -> None:
    b = chromium
    b.allowed = server.url + "/"
    b.login(server.url, "plan")
    assert b.js("location.pathname") == "/"
    b.click("#new-sample")
    assert b.js("location.pathname").startswith("/scenarios/")
    assert "Kunir" in b.js("document.getElementById('scenario-name').textContent")
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
    b.goto(server.url + plan_path + "/files/briefings/index.html")
    assert "Disetujui oleh chief" in b.js("document.body.innerText")
    b.screenshot("serve-briefings-approved.png")
    assert b.external == [], b.external
    assert b.errors == [], b.errors
    assert b.dialogs == []
