"""The field in real Chromium against a real server (issue #16): on a phone-sized screen with the position
given through CDP and every request off the test server blocked, an officer checks in at a stop and uploads
the day's GPS track; a planner then compares plan against actual and sees the visit done."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from routeplan.actual.synth import route_timeline, sample, write_gpx
from routeplan.model.geo import Frame
from routeplan.model.planfile import read_plan
from routeplan.serve.app import open_state
from routeplan.serve.models import CheckInRow, PlanRow
from routeplan.serve.settings import ServeConfig

from .conftest import OFFICER_UNIT, Server
from .test_serve_browser import ServerBrowser, chromium  # noqa: F401 - the shared Chromium of the web tests

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("server", ["sqlite"], indirect=True)
def test_officer_checks_in_and_uploads_and_the_planner_sees_it(chromium: ServerBrowser, server: Server,  # noqa: F811
                                                                planned: dict, tmp_path: Path) -> None:
    b = chromium
    b.allowed = server.url + "/"
    st = open_state(ServeConfig(data=server.data, db_url=server.db or ""))
    with st.factory() as db:
        folder = Path(db.scalars(select(PlanRow.folder).where(PlanRow.id == planned["plan"])).one())
    route = next(r for r in read_plan(folder).routes if r.unit == OFFICER_UNIT and r.stops)
    b.call("Emulation.setDeviceMetricsOverride", session=True, width=390, height=844, deviceScaleFactor=2,
           mobile=True)
    b.call("Browser.grantPermissions", origin=server.url, permissions=["geolocation"])
    b.login(server.url, "off")
    b.goto(server.url + f"/officer?day={route.day.isoformat()}")
    # the plan the page shows (other tests of the session may have made newer plans), and a stop of the route
    # not yet checked in (other tests of the session may have checked in some)
    shown = int(b.js("document.querySelector('input[name=plan]').value"))
    if shown != planned["plan"]:
        with st.factory() as db:
            folder = Path(db.scalars(select(PlanRow.folder).where(PlanRow.id == shown)).one())
        route = next(r for r in read_plan(folder).routes
                     if r.unit == OFFICER_UNIT and r.day == route.day and r.stops)
    open_ids = set(b.js("[...document.querySelectorAll('li.officer-stop:not(.done)')].map(e => e.dataset.id)"))
    stop = next(s for s in route.stops if s.id in open_ids)
    b.call("Emulation.setGeolocationOverride", session=True, latitude=stop.lat, longitude=stop.lon, accuracy=10)
    b.screenshot("field-officer-phone.png")
    assert b.js("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on the phone
    n = b.js(f"document.querySelectorAll('li.officer-stop[data-id=\"{stop.id}\"] button.checkin').length")
    assert n >= 1
    b.click(f"li.officer-stop[data-id=\"{stop.id}\"] button.checkin")
    assert b.js("!!document.getElementById('checkin-saved')")
    b.screenshot("field-officer-checked.png")
    with st.factory() as db, db.begin():
        ck = db.scalars(select(CheckInRow).where(CheckInRow.object_id == stop.id, CheckInRow.user == "off")
                        .order_by(CheckInRow.id)).all()[-1]
        assert ck.unit == OFFICER_UNIT and ck.lat == pytest.approx(stop.lat) and ck.lon == pytest.approx(stop.lon)
        # ✓ per visit: as if the officer had pressed at the planned time (the test runs on any day)
        ck.at = stop.arrival.astimezone(dt.UTC).replace(tzinfo=None)
    b.goto(server.url + f"/officer?day={route.day.isoformat()}")
    assert b.js(f"document.querySelector('li.officer-stop[data-id=\"{stop.id}\"]').classList.contains('done')")
    # the day's track, from the phone's file picker
    frame = Frame(stop.lon, stop.lat)
    t, lon, lat = sample(route_timeline(route, ["done"] * len(route.stops), frame), 20.0, 5.0, frame,
                         np.random.default_rng(2))
    gpx = write_gpx(tmp_path / "hari-ini.gpx", t, lon, lat)
    doc = b.call("DOM.getDocument", session=True)["root"]["nodeId"]
    node = b.call("DOM.querySelector", session=True, nodeId=doc, selector="#track-form input[type=file]")["nodeId"]
    b.call("DOM.setFileInputFiles", session=True, nodeId=node, files=[str(gpx)])
    b.click("#track-form button[type=submit]")
    assert b.js("!!document.getElementById('track-saved')")
    b.screenshot("field-officer-uploaded.png")
    # the planner compares and sees the visit done
    b.login(server.url, "plan")
    b.goto(server.url + f"/plans/{shown}/actual")
    assert stop.id in b.js("document.getElementById('checkins').textContent")
    b.click("#compute-actual")  # a job: its progress page
    assert b.js("location.pathname").startswith("/jobs/")
    end = time.monotonic() + 300
    while b.js("document.getElementById('open-actual').hidden") and time.monotonic() < end:
        assert b.js("document.getElementById('error').textContent") == ""
        b.pump(0.5)
    b.screenshot("field-actual-job.png")
    b.click("#open-actual")
    assert b.js("!!document.getElementById('actual')")
    b.screenshot("field-planner-actual-view.png", full_page=True)
    b.call("Emulation.setDeviceMetricsOverride", session=True, width=1280, height=900, deviceScaleFactor=1,
           mobile=False)
    b.goto(server.url + f"/plans/{shown}/actual/page")
    texts = b.js(f"""(() => {{ const hit = [];
        Object.keys(window).filter(k => k.startsWith('feature_group_')).map(k => window[k])
          .filter(v => v instanceof L.FeatureGroup).forEach(g => g.eachLayer(l => {{
            if (!(l instanceof L.CircleMarker) || !l.getPopup()) return;
            const c = l.getPopup().getContent(); const s = typeof c === 'string' ? c : c.textContent;
            if (s.includes('({stop.id})')) hit.push(s); }}));
        return hit; }})()""")
    b.screenshot("field-planner-actual.png")
    assert any("dilaksanakan" in s for s in texts), texts  # the right-hand map: the visit done
    data = json.loads((folder / "actual" / "actual.json").read_text())
    visit = next(v for v in data["visits"] if v["id"] == stop.id and v["day"] == route.day.isoformat()
                 and v["unit"] == OFFICER_UNIT)
    assert visit["status"] == "done"
    assert b.external == [], b.external
    assert b.errors == [], b.errors
