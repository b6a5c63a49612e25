"""``routeplan serve --scheduler``: plan jobs on a Dask distributed cluster (a LocalCluster on loopback here)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import SAMPLE, TINY, new_server, zip_folder

distributed = pytest.importorskip("distributed", reason="dask distributed not installed (pip install -e .[test])")


@pytest.fixture(scope="module")
def cluster() -> Iterator[distributed.LocalCluster]:
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as c:
        yield c


def _prefixes(cluster: distributed.LocalCluster) -> list[str]:
    with distributed.Client(cluster) as c:
        return list(c.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.task_prefixes)))


def test_jobs_run_on_the_cluster_with_progress_and_cancel(cluster: distributed.LocalCluster, tmp_path: Path) -> None:
    assert "run_job" not in _prefixes(cluster)
    srv = new_server(tmp_path, None, ["--scheduler", cluster.scheduler_address])
    try:
        r = srv.api("POST", "/api/scenarios", "plan", files={"file": ("sample.zip", zip_folder(SAMPLE))})
        sid = r.json()["id"]
        r = srv.api("POST", f"/api/scenarios/{sid}/plans", "plan", json=TINY)
        assert r.status_code == 202, r.text
        job = srv.wait_job(r.json()["id"])
        assert job["state"] == "done" and job["progress"] == 1.0, job
        assert srv.api("GET", f"/api/plans/{job['plan_id']}", "ana").json()["routes"]
        assert "run_job" in _prefixes(cluster)  # the job ran on the cluster, not in a process pool

        r = srv.api("POST", f"/api/scenarios/{sid}/plans", "plan",
                    json={"seed": 3, "time_limit": 600, "iterations": 1_000_000})
        jid = r.json()["id"]
        deadline = time.monotonic() + 120
        while srv.api("GET", f"/api/jobs/{jid}", "plan").json()["stage"].split(" ")[0] != "optimizing":
            assert time.monotonic() < deadline
            time.sleep(0.3)
        assert srv.api("POST", f"/api/jobs/{jid}/cancel", "plan").status_code == 202
        job = srv.wait_job(jid, timeout=60)
        assert job["state"] == "cancelled" and job["plan_id"] is None
    finally:
        srv.stop()


def test_unreachable_scheduler_fails_the_job_with_the_reason(tmp_path: Path) -> None:
    srv = new_server(tmp_path, None, ["--scheduler", "tcp://127.0.0.1:9"])
    try:
        r = srv.api("POST", "/api/scenarios", "plan", files={"file": ("sample.zip", zip_folder(SAMPLE))})
        r = srv.api("POST", f"/api/scenarios/{r.json()['id']}/plans", "plan", json=TINY)
        assert r.status_code == 202, r.text
        job = srv.wait_job(r.json()["id"], timeout=90)
        assert job["state"] == "failed" and "--scheduler tcp://127.0.0.1:9: cannot connect" in job["error"], job
    finally:
        srv.stop()


def test_plan_against_actual_runs_on_the_cluster(cluster: distributed.LocalCluster, tmp_path: Path) -> None:
    from .test_serve_field_jobs import press, upload_track  # lazy: the field helpers, only for this test

    srv = new_server(tmp_path, None, ["--scheduler", cluster.scheduler_address])
    try:
        r = srv.api("POST", "/api/scenarios", "plan", files={"file": ("sample.zip", zip_folder(SAMPLE))})
        r = srv.api("POST", f"/api/scenarios/{r.json()['id']}/plans", "plan", json=TINY)
        pid = srv.wait_job(r.json()["id"])["plan_id"]
        upload_track(srv, pid, tmp_path)
        job = srv.wait_job(press(srv, srv.login("plan"), pid), timeout=300)
        assert job["state"] == "done" and job["progress"] == 1.0, job
        assert "run_actual_job" in _prefixes(cluster)  # on the cluster, not in a process pool
        page = srv.login("plan").get(srv.url + f"/plans/{pid}/actual/page", timeout=30)
        assert page.status_code == 200 and "rp-actual-panel" in page.text
    finally:
        srv.stop()
