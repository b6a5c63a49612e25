"""Plan against actual as a job (progress, result page, one job per plan at a time, a failing comparison) and the
officer's ✓ per visit (a check-in ticks the stop of its own day's route only) — against a real server on SQLite
and (when configured) PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select, update

from routeplan.actual.synth import route_timeline, sample, write_gpx
from routeplan.model.geo import Frame
from routeplan.model.plan import Route
from routeplan.model.planfile import read_plan
from routeplan.serve.app import open_state
from routeplan.serve.db import transaction
from routeplan.serve.field import ticked
from routeplan.serve.models import CheckInRow, Job, PlanRow
from routeplan.serve.settings import ServeConfig

from .conftest import OFFICER_UNIT, Server, csrf_of


def _factory(server: Server):  # noqa: ANN202 - a sessionmaker
    return open_state(ServeConfig(data=server.data, db_url=server.db or "")).factory


def _folder(server: Server, plan_id: int) -> Path:
    with _factory(server)() as db:
        return Path(db.scalars(select(PlanRow.folder).where(PlanRow.id == plan_id)).one())


def _actual_jobs(server: Server, plan_id: int) -> int:
    with _factory(server)() as db:
        return int(db.scalar(select(func.count()).select_from(Job).where(Job.kind == "actual",
                                                                          Job.plan_id == plan_id)) or 0)


def press(server: Server, s, plan_id: int) -> int:  # noqa: ANN001 - a requests session
    page = s.get(server.url + f"/plans/{plan_id}/actual", timeout=30).text
    r = s.post(server.url + f"/plans/{plan_id}/actual", data={"csrf": csrf_of(page)}, timeout=30,
               allow_redirects=False)
    assert r.status_code == 303, r.text
    assert r.headers["location"].startswith("/jobs/"), r.headers["location"]
    return int(r.headers["location"].rsplit("/", 1)[1])


def upload_track(server: Server, pid: int, tmp: Path) -> Route:
    """The officer uploads a track of their unit's first route of plan ``pid``; that route."""
    route = next(r for r in read_plan(_folder(server, pid)).routes if r.unit == OFFICER_UNIT and r.stops)
    frame = Frame(route.stops[0].lon, route.stops[0].lat)
    t, lon, lat = sample(route_timeline(route, ["done"] * len(route.stops), frame), 20.0, 5.0, frame,
                         np.random.default_rng(3))
    gpx = write_gpx(tmp / "t.gpx", t, lon, lat).read_bytes()
    s = server.login("off")
    token = csrf_of(s.get(server.url + "/officer", timeout=30).text)
    r = s.post(server.url + "/officer/track", data={"csrf": token, "plan": pid}, timeout=60,
               files={"file": ("t.gpx", gpx)}, allow_redirects=False)
    assert r.status_code == 303, r.text
    return route


@pytest.fixture(scope="module")
def tracked(server: Server, planned: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The module's plan with one uploaded track of the officer's first route."""
    pid = planned["plan"]
    route = upload_track(server, pid, tmp_path_factory.mktemp("jobs"))
    return {"id": pid, "folder": _folder(server, pid), "route": route, "scenario": planned["scenario"]}


def test_plan_against_actual_is_a_job_with_progress_and_its_result_page(server: Server, tracked: dict) -> None:
    p = server.login("plan")
    pid = tracked["id"]
    job_id = press(server, p, pid)
    page = p.get(server.url + f"/jobs/{job_id}", timeout=30).text  # the progress page of the job
    assert 'id="bar"' in page and 'id="open-actual"' in page and f'href="/plans/{pid}/actual"' in page
    job = server.wait_job(job_id, timeout=300)
    assert job["state"] == "done" and job["progress"] == 1.0 and job["error"] is None, job
    assert job["plan_id"] == pid
    status = p.get(server.url + f"/jobs/{job_id}/status", timeout=30).json()
    assert status["state"] == "done" and status["kind"] == "actual"
    assert status["stage"] == "selesai"  # the stage in the user's language (the API keeps the stored "done")
    done = p.get(server.url + f"/jobs/{job_id}", timeout=30).text
    assert '<span id="stage">selesai</span>' in done
    assert f'id="open-actual" href="/plans/{pid}/actual" >' in done  # no longer hidden
    view = p.get(server.url + f"/plans/{pid}/actual", timeout=30).text
    assert 'id="actual"' in view and f'href="/jobs/{job_id}"' in view
    html = p.get(server.url + f"/plans/{pid}/actual/page", timeout=30)
    assert html.status_code == 200 and "rp-actual-panel" in html.text
    assert (tracked["folder"] / "actual" / "actual.json").is_file()
    listed = p.get(server.url + f"/scenarios/{tracked['scenario']}", timeout=30).text  # the scenario's jobs
    assert f'href="/jobs/{job_id}">#{job_id}</a> Rencana dan pelaksanaan (Rencana {pid})' in listed


def test_a_second_press_while_one_runs_joins_it(server: Server, tracked: dict) -> None:
    pid = tracked["id"]
    with transaction(_factory(server)) as db:  # a comparison of this plan still running (as a worker has it)
        running = Job(kind="actual", plan_id=pid, scenario_id=tracked["scenario"], scenario_version=1, seed=0, time_limit=0.0,
                      iterations=0, created_by="plan", state="running", progress=0.4, stage="matching")
        db.add(running)
        db.flush()
        rid = running.id
    try:
        before = _actual_jobs(server, pid)
        p = server.login("plan")
        assert press(server, p, pid) == rid
        assert press(server, p, pid) == rid
        assert _actual_jobs(server, pid) == before
        plan_page = p.get(server.url + f"/plans/{pid}", timeout=30).text  # the plan page shows it running
        assert 'id="actual-running"' in plan_page and f'href="/jobs/{rid}"' in plan_page
    finally:
        with transaction(_factory(server)) as db:
            db.execute(update(Job).where(Job.id == rid).values(state="failed", error="test"))


def test_a_failing_comparison_ends_the_job_failed_with_one_line(server: Server, tracked: dict) -> None:
    pid, folder = tracked["id"], tracked["folder"]
    bad = folder / "field" / "tracks" / f"{OFFICER_UNIT}_zz-broken.gpx"
    bad.write_bytes(b"<gpx><trk><trkseg><trkpt lat='x'")
    before = (folder / "actual" / "actual.html").read_bytes() if (folder / "actual" / "actual.html").is_file() else None
    try:
        job = server.wait_job(press(server, server.login("plan"), pid), timeout=300)
    finally:
        bad.unlink()
    assert job["state"] == "failed", job
    error = job["error"]
    assert error and "\n" not in error and "Traceback" not in error and str(folder) not in error
    assert "zz-broken" in error, error
    after = (folder / "actual" / "actual.html").read_bytes() if (folder / "actual" / "actual.html").is_file() else None
    assert after == before  # the last good result is kept, nothing half-written
    page = server.login("plan").get(server.url + f"/plans/{pid}/actual", timeout=30).text
    assert "zz-broken" in page  # the planner sees why


def test_a_check_in_ticks_the_stop_of_its_own_day_only(server: Server, planned: dict) -> None:
    s = server.login("off")
    first_day = next(r.day for r in read_plan(_folder(server, planned["plan"])).routes if r.unit == OFFICER_UNIT)
    page = s.get(server.url + f"/officer?day={first_day.isoformat()}", timeout=30).text
    pid = int(page.split('name="plan" value="', 1)[1].split('"', 1)[0])  # the plan officers follow
    plan = read_plan(_folder(server, pid))
    with _factory(server)() as db:
        taken = set(db.scalars(select(CheckInRow.object_id).where(CheckInRow.plan_id == pid)))
    days: dict[str, list[dt.date]] = defaultdict(list)
    for r in sorted(plan.routes, key=lambda r: r.start):
        for stop in r.stops:
            if r.unit == OFFICER_UNIT and stop.id not in taken and r.day not in days[stop.id]:
                days[stop.id].append(r.day)
    obj = next(o for o in sorted(days) if len(days[o]) >= 2)  # an object the unit visits on two days
    monday, thursday = days[obj][0], days[obj][-1]
    stop = next(x for r in plan.routes if r.unit == OFFICER_UNIT and r.day == monday for x in r.stops if x.id == obj)
    with transaction(_factory(server)) as db:  # checked in at the planned arrival of the first day's visit
        db.add(CheckInRow(plan_id=pid, unit=OFFICER_UNIT, object_id=obj, user="off",
                          at=stop.arrival.astimezone(dt.UTC).replace(tzinfo=None)))
    seen = s.get(server.url + f"/officer?day={monday.isoformat()}", timeout=30).text
    assert f'class="officer-stop done" data-id="{obj}"' in seen
    later = s.get(server.url + f"/officer?day={thursday.isoformat()}", timeout=30).text
    assert f'class="officer-stop" data-id="{obj}"' in later and f'done" data-id="{obj}"' not in later


def test_a_queued_comparison_can_be_cancelled(server: Server, planned: dict, tracked: dict) -> None:
    long = server.api("POST", f"/api/scenarios/{planned['scenario']}/plans", "plan",
                      json={"seed": 5, "time_limit": 600, "iterations": 1_000_000}).json()["id"]
    try:  # the long plan holds the server's job worker: the comparison waits behind it
        deadline = time.monotonic() + 120
        while server.api("GET", f"/api/jobs/{long}", "plan").json()["state"] != "running":
            assert time.monotonic() < deadline
            time.sleep(0.3)
        jid = press(server, server.login("plan"), tracked["id"])
        assert server.api("GET", f"/api/jobs/{jid}", "plan").json()["state"] == "queued"
        assert server.api("POST", f"/api/jobs/{jid}/cancel", "plan").status_code == 202
    finally:
        server.api("POST", f"/api/jobs/{long}/cancel", "plan")
    assert server.wait_job(long, timeout=120)["state"] == "cancelled"
    job = server.wait_job(jid, timeout=120)
    assert job["state"] == "cancelled" and job["error"] is None, job


def test_a_check_in_ticks_one_visit_the_nearest_route_in_time(tracked: dict) -> None:
    a = tracked["route"]
    x = a.stops[0].id
    hour = dt.timedelta(hours=1)
    # the evening route of the same day visits the object too; its window (with the slack) overlaps the morning's
    b = dataclasses.replace(a, start=a.end + hour / 2, end=a.end + 8 * hour, stops=[a.stops[0]])
    key_a = (a.start.isoformat(), x, a.stops[0].arrival.isoformat())
    key_b = (b.start.isoformat(), x, a.stops[0].arrival.isoformat())
    assert ticked([a, b], [(x, a.stops[0].arrival)]) == {key_a}
    assert ticked([a, b], [(x, b.start + hour / 6)]) == {key_b}  # in both windows: the route it falls inside
    assert ticked([a, b], [(x, a.start + 3 * 24 * hour)]) == set()  # three days later: no route of that day
    assert ticked([a, b], [("other", a.stops[0].arrival)]) == set()
    # a hotspot visited twice in one shift: a check-in ticks the visit nearest in time, the next one the other
    first = a.stops[0]
    later = dataclasses.replace(first, arrival=first.arrival + 3 * hour, departure=first.departure + 3 * hour)
    c = dataclasses.replace(a, stops=[first, later])
    k1 = (c.start.isoformat(), x, first.arrival.isoformat())
    k2 = (c.start.isoformat(), x, later.arrival.isoformat())
    assert ticked([c], [(x, first.arrival + hour / 6)]) == {k1}
    assert ticked([c], [(x, later.arrival - hour / 6)]) == {k2}
    assert ticked([c], [(x, first.arrival), (x, first.arrival + hour / 4)]) == {k1, k2}
