"""The JSON API of ``routeplan serve`` against a real server process: upload, plan, progress, files, approval."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import time
import zipfile

import pypdf

from routeplan.serve.app import open_state
from routeplan.serve.models import PlanRow
from routeplan.serve.settings import ServeConfig

from .conftest import OFFICER_UNIT, SAMPLE, TINY, Server, new_server, zip_folder


def test_health_needs_no_token(server: Server) -> None:
    r = server.api("GET", "/api/health", who=None)
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_openapi_lists_the_routes(server: Server) -> None:
    paths = server.api("GET", "/api/openapi.json", who=None).json()["paths"]
    for p in ("/api/health", "/api/scenarios", "/api/scenarios/{scenario_id}/plans", "/api/jobs/{job_id}",
              "/api/plans/{plan_id}", "/api/plans/{plan_id}/files/{rel}"):
        assert p in paths
    assert server.api("GET", "/api/docs", who=None).status_code == 200


def test_upload_plan_and_read_the_plan(server: Server, planned: dict) -> None:
    listed = server.api("GET", "/api/scenarios", "ana").json()
    assert planned["scenario"] in [s["id"] for s in listed]
    plan = server.api("GET", f"/api/plans/{planned['plan']}", "ana").json()
    assert plan["schema_version"] == 1 and plan["seed"] == TINY["seed"]
    assert plan["routes"]
    job = server.api("GET", f"/api/jobs/{planned['job']}", "ana").json()
    assert job == {"id": planned["job"], "state": "done", "progress": 1.0, "stage": "done",
                   "plan_id": planned["plan"], "error": None, "kind": "plan"}
    r = server.api("GET", f"/api/plans/{planned['plan']}/files/map.html", "ana")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html") and "leaflet" in r.text.lower()
    r = server.api("GET", f"/api/plans/{planned['plan']}/files/stops.csv", "ana")
    assert r.status_code == 200 and r.text.count("\n") > 10


def test_plans_are_repeatable(server: Server, planned: dict) -> None:
    """The same scenario and seed with an iteration budget give the same plan.json routes through the server."""
    r = server.api("POST", f"/api/scenarios/{planned['scenario']}/plans", "plan", json=TINY)
    job = server.wait_job(r.json()["id"])
    assert job["state"] == "done", job
    a = server.api("GET", f"/api/plans/{planned['plan']}", "ana").json()
    b = server.api("GET", f"/api/plans/{job['plan_id']}", "ana").json()
    assert a["routes"] == b["routes"]


def test_approval_shows_on_briefings_and_officer_sees_only_their_unit(server: Server, planned: dict) -> None:
    pid = planned["plan"]
    # the session's plan may have been approved by a test that ran first in this process (test_serve_field):
    # this test starts from a plan nobody approved yet
    st = open_state(ServeConfig(data=server.data, db_url=server.db or ""))
    with st.factory() as db, db.begin():
        row = db.get(PlanRow, pid)
        assert row is not None
        row.approved_by, row.approved_at = None, None
    plan = server.api("GET", f"/api/plans/{pid}", "ana").json()
    before = server.api("GET", f"/api/plans/{pid}/files/briefings/index.html", "ana").text
    assert "Disetujui oleh" not in before and "Belum disetujui" in before
    week = f"briefings/pdf/{OFFICER_UNIT}_week.pdf"
    assert "Belum disetujui" in _pdf_text(server.api("GET", f"/api/plans/{pid}/files/{week}", "ana").content)
    r = server.api("POST", f"/api/plans/{pid}/approve", "chief")
    assert r.status_code == 200 and r.json()["approved_by"] == "chief"
    index = server.api("GET", f"/api/plans/{pid}/files/briefings/index.html", "ana").text
    assert "Disetujui oleh chief" in index and "UTC+07:00" in index  # in the plan's time (WIB)
    text = _pdf_text(server.api("GET", f"/api/plans/{pid}/files/{week}", "ana").content)
    assert "Disetujui oleh chief" in text and "UTC+07:00" in text and "Belum" not in text
    own = server.data / "plans" / f"job-{planned['job']}" / "briefings" / "index.html"
    assert own.is_file() and "Disetujui" not in own.read_text(encoding="utf-8")  # the run's own copy untouched
    names = sorted({r["unit"] for r in plan["routes"]})
    assert OFFICER_UNIT in names and len(names) > 1
    z = zipfile.ZipFile(io.BytesIO(_zip_of(server, pid)))
    own = [n for n in z.namelist() if n.startswith(f"plan-{pid}/briefings/{OFFICER_UNIT}_")]
    other = [n for n in z.namelist() if "/briefings/" in n and n.endswith(".html") and OFFICER_UNIT not in n
             and not n.endswith(("index.html", "all.html"))]
    assert own and other
    mine = server.api("GET", f"/api/plans/{pid}/files/{own[0].split('/', 1)[1]}", "off")
    assert mine.status_code == 200 and "Disetujui oleh chief" in mine.text
    assert server.api("GET", f"/api/plans/{pid}/files/{other[0].split('/', 1)[1]}", "off").status_code == 403
    assert server.api("GET", f"/api/plans/{pid}/files/briefings/all.html", "off").status_code == 403
    assert "Disetujui oleh chief" in _pdf_text(server.api("GET", f"/api/plans/{pid}/files/{week}", "off").content)
    other_pdf = "briefings/pdf/" + other[0].split("/briefings/", 1)[1].removesuffix(".html") + ".pdf"
    assert server.api("GET", f"/api/plans/{pid}/files/{other_pdf}", "ana").status_code == 200
    assert server.api("GET", f"/api/plans/{pid}/files/{other_pdf}", "off").status_code == 403
    assert server.api("GET", f"/api/plans/{pid}", "off").status_code == 403


def _pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages).replace("\n", " ")


def _zip_of(server: Server, pid: int) -> bytes:
    s = server.login("ana")
    r = s.get(f"{server.url}/plans/{pid}/zip", timeout=60)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    return r.content


def test_cancel_a_running_job(server: Server, planned: dict) -> None:
    r = server.api("POST", f"/api/scenarios/{planned['scenario']}/plans", "plan",
                   json={"seed": 3, "time_limit": 600, "iterations": 1_000_000})
    jid = r.json()["id"]
    deadline = time.monotonic() + 120
    while server.api("GET", f"/api/jobs/{jid}", "plan").json()["stage"].split(" ")[0] != "optimizing":
        assert time.monotonic() < deadline
        time.sleep(0.3)
    assert server.api("POST", f"/api/jobs/{jid}/cancel", "plan").status_code == 202
    job = server.wait_job(jid, timeout=60)
    assert job["state"] == "cancelled" and job["plan_id"] is None


def test_restart_marks_in_flight_jobs_failed(tmp_path) -> None:
    """A server killed while a plan runs: the next start marks the job failed with the reason."""
    srv = new_server(tmp_path, None)
    old_group = 0
    try:
        sid = srv.api("POST", "/api/scenarios", "plan", files={"file": ("s.zip", zip_folder(SAMPLE))}).json()["id"]
        jid = srv.api("POST", f"/api/scenarios/{sid}/plans", "plan",
                      json={"seed": 1, "time_limit": 600, "iterations": 1_000_000}).json()["id"]
        deadline = time.monotonic() + 120
        while srv.api("GET", f"/api/jobs/{jid}", "plan").json()["state"] != "running":
            assert time.monotonic() < deadline
            time.sleep(0.3)
        old_group = srv.proc.pid
        srv.proc.send_signal(signal.SIGKILL)  # the server alone; its worker is left behind, as after a crash
        srv.proc.wait(timeout=30)
        srv.start()
        job = srv.api("GET", f"/api/jobs/{jid}", "plan").json()
        assert job["state"] == "failed" and "server stopped" in job["error"], job
        # the orphaned worker sees the verdict at its next report, stops its job and exits; the verdict stays
        deadline = time.monotonic() + 60
        while _group_alive(old_group):
            assert time.monotonic() < deadline, "the orphaned job worker did not exit"
            time.sleep(0.5)
        assert srv.api("GET", f"/api/jobs/{jid}", "plan").json()["state"] == "failed"
    finally:
        srv.stop()
        if old_group:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(old_group, signal.SIGKILL)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_plan_request_is_validated(server: Server, planned: dict) -> None:
    for body in ({"seed": -1}, {"time_limit": 0}, {"iterations": 0}, {"seed": "x"}):
        r = server.api("POST", f"/api/scenarios/{planned['scenario']}/plans", "plan", json=body)
        assert r.status_code == 422, (body, r.text)
    r = server.api("POST", "/api/scenarios/999999/plans", "plan", json=TINY)
    assert r.status_code == 404
    assert json.loads(server.api("GET", "/api/jobs/999999", "plan").text)["detail"] == "not found"
