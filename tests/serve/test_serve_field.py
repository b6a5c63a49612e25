"""The field in the web workspace (issue #16): the officer's page, check-ins, track upload, QR posters and plan
against actual for planners — against a real server on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
import requests
from sqlalchemy import select

from routeplan.actual.synth import route_timeline, sample, write_gpx
from routeplan.model.geo import Frame
from routeplan.model.plan import Plan, Route
from routeplan.model.planfile import read_plan
from routeplan.serve.app import open_state
from routeplan.serve.auth import add_user
from routeplan.serve.models import CheckInRow, PlanRow
from routeplan.serve.settings import ServeConfig

from .conftest import OFFICER_UNIT, PASSWORD, TINY, Server, csrf_of

OTHER = "off2"


@pytest.fixture(scope="module")
def field(server: Server, planned: dict) -> dict:
    """The plan, its folder, the day of the officer unit's first route, and a second officer of another unit."""
    st = open_state(ServeConfig(data=server.data, db_url=server.db or ""))
    with st.factory() as db:
        folder = Path(db.scalars(select(PlanRow.folder).where(PlanRow.id == planned["plan"])).one())
    plan = read_plan(folder)
    mine = [r for r in plan.routes if r.unit == OFFICER_UNIT and r.stops]
    other_unit = next(r.unit for r in plan.routes if r.unit != OFFICER_UNIT)
    try:
        add_user(st.factory, OTHER, "officer", PASSWORD, other_unit)
    except Exception:  # noqa: BLE001 - the PostgreSQL run of the module adds it again
        pass
    return {"plan": plan, "folder": folder, "id": planned["plan"], "route": mine[0], "day": mine[0].day.isoformat()}


def _shown(server: Server, page: str) -> tuple[int, Plan]:
    """The plan the officer's page shows (the newest plan with the unit's routes that day: other tests of the
    session may have made newer plans than the module's)."""
    pid = int(page.split('name="plan" value="', 1)[1].split('"', 1)[0])
    st = open_state(ServeConfig(data=server.data, db_url=server.db or ""))
    with st.factory() as db:
        return pid, read_plan(db.scalars(select(PlanRow.folder).where(PlanRow.id == pid)).one())


def _own(plan: Plan, unit: str) -> set[str]:
    return {s.id for r in plan.routes if r.unit == unit for s in r.stops}


def _gpx(tmp: Path, r: Route, name: str = "track.gpx") -> bytes:
    frame = Frame(r.stops[0].lon, r.stops[0].lat)
    t, lon, lat = sample(route_timeline(r, ["done"] * len(r.stops), frame), 20.0, 5.0, frame,
                         np.random.default_rng(1))
    return write_gpx(tmp / name, t, lon, lat).read_bytes()


def test_the_officer_sees_the_units_route_and_checks_in(server: Server, field: dict) -> None:
    s = server.login("off")
    page = s.get(server.url + f"/officer?day={field['day']}", timeout=30)
    assert page.status_code == 200
    pid, plan = _shown(server, page.text)
    r = next(x for x in plan.routes if x.unit == OFFICER_UNIT and x.day.isoformat() == field["day"] and x.stops)
    for stop in r.stops:
        assert f'data-id="{stop.id}"' in page.text
        assert stop.arrival.strftime("%H:%M") in page.text
    today = [s for x in plan.routes if x.unit == OFFICER_UNIT and x.day == r.day for s in x.stops]
    assert page.text.count("Sudah dikunjungi") + page.text.count("officer-stop done") == len(today)
    assert "google.com/maps/dir" in page.text and "geo:" in page.text
    target = r.stops[0].id
    resp = s.post(server.url + "/officer/checkin", timeout=30, allow_redirects=False,
                  data={"csrf": csrf_of(page.text), "plan": pid, "object_id": target, "day": field["day"],
                        "lat": str(r.stops[0].lat), "lon": str(r.stops[0].lon)})
    assert resp.status_code == 303 and "checked=1" in resp.headers["location"]
    assert 'id="checkin-saved"' in s.get(server.url + resp.headers["location"], timeout=30).text
    # the stop is ticked on its own route when the check-in's server time falls in the route's window (set it to
    # the planned arrival: the test runs on any day, the plan is for the sample's week)
    st = open_state(ServeConfig(data=server.data, db_url=server.db or ""))
    with st.factory() as db, db.begin():
        ck = db.scalars(select(CheckInRow).where(CheckInRow.plan_id == pid, CheckInRow.object_id == target)
                        .order_by(CheckInRow.id.desc())).first()
        assert ck is not None and ck.user == "off"
        ck.at = r.stops[0].arrival.astimezone(dt.UTC).replace(tzinfo=None)
    again = s.get(server.url + f"/officer?day={field['day']}", timeout=30).text
    assert f'class="officer-stop done" data-id="{target}"' in again
    planner = server.login("plan")
    seen = planner.get(server.url + f"/plans/{pid}/actual", timeout=30).text
    assert target in seen and "off" in seen and f"{r.stops[0].lat:.5f}" in seen


def test_an_officer_checks_in_only_at_stops_of_their_unit(server: Server, field: dict) -> None:
    plan = field["plan"]
    theirs = sorted(_own(plan, OFFICER_UNIT) - _own(plan, next(u.unit for u in plan.routes if u.unit != OFFICER_UNIT)))
    s = server.login(OTHER)
    token = csrf_of(s.get(server.url + "/officer", timeout=30).text)
    resp = s.post(server.url + "/officer/checkin", timeout=30,
                  data={"csrf": token, "plan": field["id"], "object_id": theirs[0]})
    assert resp.status_code == 403
    planner = server.login("plan")
    assert planner.get(server.url + "/officer", timeout=30).status_code == 403
    assert server.login("off").get(server.url + f"/plans/{field['id']}/actual", timeout=30).status_code == 403


def test_field_forms_need_the_csrf_token(server: Server, field: dict, tmp_path: Path) -> None:
    s = server.login("off")
    good = csrf_of(s.get(server.url + "/officer", timeout=30).text)
    stop = field["route"].stops[-1].id
    # other tests of the session may check in stops of this day (a hotspot may be the first and the last stop)
    done_before = _done(s.get(server.url + f"/officer?day={field['day']}", timeout=30).text)
    for data in ({}, {"csrf": "x" + good}):
        r = s.post(server.url + "/officer/checkin", data={**data, "plan": field["id"], "object_id": stop}, timeout=30)
        assert r.status_code == 403
        r = s.post(server.url + "/officer/track", data={**data, "plan": field["id"]}, timeout=30,
                   files={"file": ("t.gpx", _gpx(tmp_path, field["route"]))})
        assert r.status_code == 403
    p = server.login("plan")
    assert p.post(server.url + f"/plans/{field['id']}/actual", data={}, timeout=30).status_code == 403
    # the refused check-ins marked nothing: every stop of the page's plan (the newest with the unit's routes that
    # day; other tests of the session may have planned after the module's plan) is listed and not done
    page = s.get(server.url + f"/officer?day={field['day']}", timeout=30).text
    _pid, shown = _shown(server, page)
    listed = [x.id for r in shown.routes if r.unit == OFFICER_UNIT and r.day.isoformat() == field["day"] for x in r.stops]
    assert listed and all(f'data-id="{i}"' in page for i in listed)
    assert _done(page) == done_before, (stop, done_before)


def _done(page: str) -> set[str]:
    """The ids of the stops an officer's page shows as checked in."""
    return {part.split('"', 1)[0] for part in page.split('officer-stop done" data-id="')[1:]}


@pytest.mark.parametrize("name, body, words", [
    ("<script>alert(1)</script>{{7*7}}.gpx", b"not xml at all", "gpx"),
    ("empty.gpx", b'<?xml version="1.0"?><gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1">'
     b"</gpx>", "no track points"),
    ("wrong-year.gpx", b'<?xml version="1.0"?><gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1">'
     b'<trk><trkseg><trkpt lat="-8.2" lon="113.2"><time>1999-01-01T00:00:00Z</time></trkpt></trkseg></trk></gpx>',
     "outside the plan"),
])
def test_a_bad_track_gets_a_one_line_error(server: Server, field: dict, name: str, body: bytes, words: str) -> None:
    s = server.login("off")
    token = csrf_of(s.get(server.url + "/officer", timeout=30).text)
    r = s.post(server.url + "/officer/track", data={"csrf": token, "plan": field["id"]}, timeout=30,
               files={"file": (name, body)})
    assert r.status_code == 400, r.text
    assert "\n" not in r.text.strip() and words in r.text.lower() and "Traceback" not in r.text
    assert "<script>" not in r.text and str(field["folder"]) not in r.text
    assert not list((field["folder"] / "field" / "tracks").glob("*.gpx")) or "gpx" != name


def test_an_oversize_track_is_refused(server: Server, field: dict) -> None:
    s = server.login("off")
    token = csrf_of(s.get(server.url + "/officer", timeout=30).text)
    r = s.post(server.url + "/officer/track", data={"csrf": token, "plan": field["id"]}, timeout=60,
               files={"file": ("big.gpx", b"<gpx>" + b" " * (3 * 1024 * 1024))})
    assert r.status_code == 413 and "\n" not in r.text.strip()


def test_the_qr_page_refuses_objects_the_unit_does_not_visit(server: Server, field: dict) -> None:
    s = server.login("off")
    evil = "<script>{{7*7}}{% raw %}\x07"
    r = s.get(server.url + f"/checkin/{requests.utils.quote(evil, safe='')}", timeout=30)
    assert r.status_code == 404 and "\n" not in r.text.strip()  # no plan of the unit visits it
    page = s.get(server.url + "/officer", timeout=30).text
    resp = s.post(server.url + "/officer/checkin", timeout=30,
                  data={"csrf": csrf_of(page), "plan": field["id"], "object_id": evil})
    assert resp.status_code == 403
    # a payload in the user's own name is shown as text on the planner's page
    seen = server.login("plan").get(server.url + f"/plans/{field['id']}/actual", timeout=30).text
    assert "<script>" not in seen.split("<main>", 1)[1]


def test_posters_open_the_checkin_on_this_server(server: Server, field: dict) -> None:
    p = server.login("plan")
    page = p.get(server.url + f"/plans/{field['id']}/posters?base_url=https://polsek.example", timeout=30)
    assert page.status_code == 200 and page.text.count('class="poster"') >= 10
    import segno  # lazy: only to decode what the poster encodes

    obj = next(s.id for s in field["route"].stops if s.kind == "vital_object")
    want = segno.make(f"https://polsek.example/checkin/{obj}", error="m").svg_inline(border=2, omitsize=True)
    assert want in page.text
    here = segno.make(f"{server.url}/checkin/{obj}", error="m").svg_inline(border=2, omitsize=True)
    assert here in p.get(server.url + f"/plans/{field['id']}/posters", timeout=30).text  # this server by default
    bad = p.get(server.url + f"/plans/{field['id']}/posters?base_url=javascript:alert(1)", timeout=30)
    assert bad.status_code == 400 and "\n" not in bad.text.strip()
    # scanning the code as the logged-in officer records the check-in (the page sends its form at once)
    s = server.login("off")
    qr = s.get(server.url + f"/checkin/{obj}", timeout=30)
    assert 'data-auto="1"' in qr.text and f'value="{obj}"' in qr.text
    pid, plan = _shown(server, qr.text)  # the newest plan in which the unit visits the object
    assert obj in _own(plan, OFFICER_UNIT)
    r = s.post(server.url + "/officer/checkin", timeout=30, allow_redirects=False,
               data={"csrf": csrf_of(qr.text), "plan": pid, "object_id": obj})
    assert r.status_code == 303


def test_planner_sees_plan_against_actual_from_checkins_and_tracks(server: Server, field: dict,
                                                                  tmp_path: Path) -> None:
    s = server.login("off")
    token = csrf_of(s.get(server.url + "/officer", timeout=30).text)
    r = s.post(server.url + "/officer/track", data={"csrf": token, "plan": field["id"]}, timeout=60,
               files={"file": ("my-phone.gpx", _gpx(tmp_path, field["route"]))}, allow_redirects=False)
    assert r.status_code == 303, r.text
    p = server.login("plan")
    page = p.get(server.url + f"/plans/{field['id']}/actual", timeout=30).text
    assert "my-phone" not in page and OFFICER_UNIT in page
    r = p.post(server.url + f"/plans/{field['id']}/actual", data={"csrf": csrf_of(page)}, timeout=30)
    assert r.status_code == 200 and r.url.split("/jobs/", 1)[0] == server.url, r.url  # the job's progress page
    assert server.wait_job(int(r.url.rsplit("/", 1)[1]), timeout=300)["state"] == "done"
    assert 'id="actual"' in p.get(server.url + f"/plans/{field['id']}/actual", timeout=30).text
    html = p.get(server.url + f"/plans/{field['id']}/actual/page", timeout=30)
    assert html.status_code == 200 and "rp-actual-panel" in html.text
    data = json.loads((field["folder"] / "actual" / "actual.json").read_text())
    key = (OFFICER_UNIT, field["day"], field["route"].shift)
    mine = [v for v in data["visits"] if (v["unit"], v["day"], v["shift"]) == key]
    assert mine and sum(v["status"] in ("done", "done_late", "done_early") for v in mine) >= 0.8 * len(mine)


def test_payload_names_on_the_officer_page_are_text(field: dict) -> None:
    import dataclasses
    import types

    from routeplan.render.navlinks import geo_uri, maps_url
    from routeplan.serve.field import UnitDay
    from routeplan.serve.fieldtexts import field_text
    from routeplan.serve.pages import templates

    evil = "<script>alert(1)</script>{{7*7}}{% raw %}\x07"
    r = field["route"]
    bad = dataclasses.replace(r, depot_name=evil, stops=[dataclasses.replace(s, name=evil, id=evil) for s in r.stops])
    ud = UnitDay(types.SimpleNamespace(id=field["id"]), [bad], r.day, set())  # type: ignore[arg-type]
    html = templates.get_template("officer_route.html").render(
        T=field_text("id"), lang="id", user=types.SimpleNamespace(name=evil, role="officer", unit=evil), csrf="x",
        request=types.SimpleNamespace(query_params={}), ud=ud, geo_uri=geo_uri, maps_url=maps_url, max_track_mb=10)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}{% raw %}" in html


def test_officer_follows_the_approved_plan_not_a_newer_draft(server: Server, planned: dict, field: dict) -> None:
    """A planner's newer, unapproved plan must not send a crew elsewhere: officers see the approved plan."""
    assert server.api("POST", f"/api/plans/{field['id']}/approve", "chief").status_code == 200
    r = server.api("POST", f"/api/scenarios/{planned['scenario']}/plans", "plan", json={**TINY, "seed": 7})
    assert r.status_code == 202, r.text
    job = server.wait_job(r.json()["id"])
    assert job["state"] == "done" and job["plan_id"] > field["id"]
    page = server.login("off").get(server.url + f"/officer?day={field['day']}", timeout=30).text
    shown = _shown(server, page)[0]  # the newest approved plan (other tests of the session may approve theirs)
    st = open_state(ServeConfig(data=server.data, db_url=server.db or ""))
    with st.factory() as db:
        approved = set(db.scalars(select(PlanRow.id).where(PlanRow.approved_by.is_not(None))))
    assert shown != job["plan_id"] and shown in approved and field["id"] in approved
