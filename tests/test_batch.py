"""routeplan batch: kecamatan planned on Dask (a LocalCluster and a separately started scheduler with two
workers), identical plans, a failing kecamatan reported while the others finish, --resume, regional outputs."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import routeplan
import routeplan.render.write as write
from routeplan.batch import BatchOptions, run_batch, task
from routeplan.batch.task import input_checksum, plan_kecamatan
from routeplan.cli import main
from routeplan.render.offline import remote_assets
from routeplan.sample.regency import generate_regency

pytest.importorskip("distributed")

SEED, ITER = 3, 120
TINY = {"objects": (8, 12), "units": (2, 3), "side_m": 2500.0}
GOOD = ("tempursari", "pronojiwo", "candipuro")


def _write_region(path: Path, names: list[str]) -> Path:
    path.write_text("name = \"Uji\"\nscenarios = [" + ", ".join(f'"{n}/scenario.toml"' for n in names) + "]\n",
                    encoding="utf-8")
    return path


def _break_layer(folder: Path) -> None:
    """A vital-object layer with an unknown category: the kecamatan fails with one line."""
    vo = folder / "vital_objects.geojson"
    vo.write_text(vo.read_text(encoding="utf-8").replace('"category": "', '"category": "casino_', 1), encoding="utf-8")


@pytest.fixture(scope="module")
def regency(tmp_path_factory) -> Path:
    """Three tiny synthetic kecamatan and a fourth, ``rusak``, whose vital-object layer is broken."""
    root = tmp_path_factory.mktemp("regency")
    generate_regency(root, 3, seed=11, **TINY)
    shutil.copytree(root / "candipuro", root / "rusak")
    _break_layer(root / "rusak")
    _write_region(root / "good.toml", list(GOOD))
    _write_region(root / "all.toml", [*GOOD, "rusak"])
    return root


@pytest.fixture(scope="module")
def local_batch(regency, tmp_path_factory):
    """``routeplan batch`` over the four kecamatan on a LocalCluster of two worker processes."""
    out = tmp_path_factory.mktemp("batch") / "out"
    rc = main(["batch", str(regency / "all.toml"), "--out", str(out), "--workers", "2", "--seed", str(SEED),
               "--iterations", str(ITER), "--quiet"])
    return rc, out


def test_local_cluster_plans_every_kecamatan_and_reports_the_failing_one(local_batch, capsys):
    rc, out = local_batch
    assert rc == 2  # one kecamatan failed: the batch says so in its exit status
    for name in GOOD:
        assert json.loads((out / name / "plan.json").read_text(encoding="utf-8"))["routes"]
        assert (out / name / "map.html").is_file() and (out / name / "briefings" / "index.html").is_file()
    assert not (out / "rusak").exists()
    rows = (out / "summary.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("kecamatan,scenario_name,status,error")
    assert [r.split(",")[:3] for r in rows[1:4]] == [[n, f"{n.capitalize()} (sintetis)", "ok"] for n in GOOD]
    assert rows[4].startswith("rusak,,failed,") and "unknown category 'casino_" in rows[4]
    card = json.loads((out / "scorecard.json").read_text(encoding="utf-8"))
    assert card["planned"] == 3 and card["failed"][0]["kecamatan"] == "rusak"
    assert "\n" not in card["failed"][0]["error"] and "vital_objects.geojson" in card["failed"][0]["error"]
    per = [json.loads((out / n / "scorecard.json").read_text(encoding="utf-8"))["required_visits"] for n in GOOD]
    assert card["required_visits"] == sum(p["required"] for p in per)
    assert card["served_visits"] == sum(p["served"] for p in per)


def test_regional_index_links_every_plan_and_loads_nothing(local_batch):
    _, out = local_batch
    page = (out / "index.html").read_text(encoding="utf-8")
    assert remote_assets(page) == [] and "L.map(" in page
    for name in GOOD:
        assert f'href="{name}/map.html"' in page and f'href="{name}/briefings/index.html"' in page
    data = json.loads(page.split('id="rp-data">', 1)[1].split("</script>", 1)[0])
    assert [k["name"] for k in data["kecamatan"]] == list(GOOD)
    assert all(k["outline"]["type"] in ("Polygon", "MultiPolygon") for k in data["kecamatan"])
    assert len(page.encode()) < 400_000  # small enough for a phone (Leaflet itself is most of it)


def test_batch_plan_is_byte_identical_to_the_plan_made_alone(local_batch, regency, tmp_path):
    _, out = local_batch
    name = GOOD[1]
    plan, ctx = routeplan.plan(regency / name / "scenario.toml", seed=SEED, time_limit=60.0, max_iterations=ITER)
    routeplan.write_plan(plan, ctx, tmp_path / "alone")
    assert (tmp_path / "alone" / "plan.json").read_bytes() == (out / name / "plan.json").read_bytes()


@pytest.fixture
def dask_processes(tmp_path):
    """``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1; stopped after the test."""
    sched_file = tmp_path / "scheduler.json"
    procs: list[subprocess.Popen] = []
    log = open(tmp_path / "dask.log", "wb")  # noqa: SIM115 - closed below

    def start(*args: str) -> None:
        procs.append(subprocess.Popen([sys.executable, "-m", "dask", *args], stdout=log, stderr=log,
                                      start_new_session=True))

    try:
        start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(sched_file))
        deadline = time.monotonic() + 90
        while not sched_file.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        address = json.loads(sched_file.read_text())["address"]
        for _ in range(2):
            start("worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--no-dashboard")
        from distributed import Client
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=90)
        yield address
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        log.close()


def test_separately_started_scheduler_and_two_workers_give_the_same_plans(dask_processes, regency, local_batch,
                                                                          tmp_path):
    _, local = local_batch
    result = run_batch(regency / "good.toml", tmp_path / "cluster", scheduler=dask_processes,
                       options=BatchOptions(seed=SEED, time_limit=60.0, max_iterations=ITER))
    assert not result.failed and result.workers == 2
    assert len({r["pid"] for r in result.results}) == 2  # both worker processes planned
    for name in GOOD:
        assert (tmp_path / "cluster" / name / "plan.json").read_bytes() == (local / name / "plan.json").read_bytes()


def test_resume_replans_only_the_kecamatan_whose_inputs_changed(regency, tmp_path):
    root = tmp_path / "region"
    shutil.copytree(regency, root, ignore=shutil.ignore_patterns("rusak"))
    opts = BatchOptions(seed=SEED, time_limit=60.0, max_iterations=ITER)
    first = run_batch(root / "good.toml", tmp_path / "out", options=opts, workers=2)
    assert sorted(first.planned) == sorted(GOOD)
    kept = {n: (tmp_path / "out" / n / "plan.json").stat().st_mtime_ns for n in GOOD}
    hs = root / "pronojiwo" / "hotspots.geojson"
    hs.write_text(hs.read_text(encoding="utf-8").replace('"risk": ', '"risk": 1', 1), encoding="utf-8")
    second = run_batch(root / "good.toml", tmp_path / "out", options=opts, workers=2, resume=True)
    assert second.planned == ["pronojiwo"] and sorted(second.skipped) == ["candipuro", "tempursari"]
    assert not second.failed
    for n in ("candipuro", "tempursari"):
        assert (tmp_path / "out" / n / "plan.json").stat().st_mtime_ns == kept[n]
    assert (tmp_path / "out" / "pronojiwo" / "plan.json").stat().st_mtime_ns != kept["pronojiwo"]
    rows = (tmp_path / "out" / "summary.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert [r.split(",")[2] for r in rows] == ["ok"] * 3  # the summary still lists the kept kecamatan
    # other options are other inputs: a kecamatan planned with another seed is not skipped
    scenario = root / "tempursari" / "scenario.toml"
    assert input_checksum(scenario, opts) != input_checksum(scenario, BatchOptions(seed=SEED + 1, max_iterations=ITER))


def test_a_kecamatan_is_scored_once(regency, tmp_path, monkeypatch):
    """The batch task takes the figures of its summary from the scorecard the plan folder holds."""
    calls = []
    real = write.score_plan
    counting = lambda *a, **kw: calls.append(1) or real(*a, **kw)  # noqa: E731
    monkeypatch.setattr(write, "score_plan", counting)
    monkeypatch.setattr(task, "score_plan", counting, raising=False)  # a second scoring in the task would count
    opts = BatchOptions(seed=SEED, time_limit=60, max_iterations=ITER)
    res = plan_kecamatan("tempursari", str(regency / "tempursari" / "scenario.toml"), str(tmp_path / "t"), opts, "x")
    assert res["status"] == "ok", res
    card = json.loads((tmp_path / "t" / "scorecard.json").read_text(encoding="utf-8"))
    assert len(calls) == 1 and res["required_visits"] == card["required_visits"]["required"]
