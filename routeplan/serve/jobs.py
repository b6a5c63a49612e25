"""Plan jobs: run outside the request in a process pool, calling the library; progress and state in the database."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from routeplan.actual.checkins import read_checkins
from routeplan.actual.run import compare_actual, plan_context, read_tracks, write_actual
from routeplan.errors import InputError, NetworkError
from routeplan.hotspots import run_hotspots
from routeplan.load.scenario import load_scenario
from routeplan.pipeline import plan as plan_scenario
from routeplan.render.write import write_plan
from routeplan.serve.dask_pool import DaskPool
from routeplan.serve.db import audit, make_engine, session_factory, transaction
from routeplan.serve.models import HotspotRun, Job, PlanRow, ScenarioRow, utcnow
from routeplan.serve.storage import folder_checksum

log = logging.getLogger(__name__)

#: States a job ends in.
FINAL = ("done", "failed", "cancelled")
RESTART_REASON = "the server stopped while this job was {state}; start it again"


#: The server process that started this worker (set in each worker by the pool's initializer).
_parent: int | None = None


def _init_worker() -> None:
    global _parent
    _parent = os.getppid()


def _exit_if_orphaned() -> None:
    """A worker whose server died (a crash, SIGKILL) ends after its job instead of idling forever."""
    if _parent is not None and os.getppid() != _parent:
        os._exit(0)


class Cancelled(Exception):
    """Raised inside a running job when a user asked to cancel it."""


class _Reporter:
    """Writes a job's stage and progress (0..1) to the database, at most every ``every`` seconds, and cancels."""

    def __init__(self, factory: sessionmaker[Session], job_id: int, time_limit: float, iterations: int,
                 every: float = 0.5) -> None:
        self.factory, self.job_id, self.every = factory, job_id, every
        self.limits = (max(time_limit, 1e-6), max(iterations, 1))
        self.last = 0.0
        self.progress = 0.0

    def _write(self, stage: str | None, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.every:
            return
        self.last = now
        with transaction(self.factory) as db:
            job = db.get(Job, self.job_id)
            if job is None or job.cancel_requested or job.state != "running":  # cancelled, or failed by a restart
                raise Cancelled()
            job.progress = round(self.progress, 3)
            if stage is not None:
                job.stage = stage[:200]

    def stage(self, label: str) -> None:
        if not label.startswith("optimizing"):
            self.progress = max(self.progress, 0.05 if self.progress < 0.05 else min(self.progress + 0.02, 0.15))
        else:
            self.progress = max(self.progress, 0.15)
        self._write(label, force=True)

    def at(self, progress: float, stage: str) -> None:
        """A stage reached at ``progress`` (0..1), written at once; raises :class:`Cancelled` when asked to."""
        self.progress = max(self.progress, progress)
        self._write(stage, force=True)

    def iteration(self, done: int, seconds: float) -> None:
        share = max(seconds / self.limits[0], done / self.limits[1])
        self.progress = max(self.progress, 0.15 + 0.75 * min(share, 1.0))
        self._write(None)


def run_job(db_url: str, job_id: int, scenario_file: str, plans_dir: str) -> None:
    """Run one plan job (in a worker process): plan the scenario and write the plan folder ``plans_dir/job-ID``."""
    try:
        _run_job(db_url, job_id, scenario_file, plans_dir)
    finally:
        _exit_if_orphaned()


def _claim(factory: sessionmaker[Session], job_id: int) -> dict[str, Any] | None:
    """Mark a queued job running and return its fields; None when it is not queued (another worker, a restart)
    or was cancelled while queued (then marked so)."""
    with transaction(factory) as db:
        job = db.get(Job, job_id)
        if job is None or job.state != "queued":
            return None
        if job.cancel_requested:
            job.state, job.finished = "cancelled", utcnow()
            return None
        job.state, job.stage = "running", "starting"
        return {"seed": job.seed, "time_limit": job.time_limit, "iterations": job.iterations,
                "who": job.created_by, "scenario_id": job.scenario_id}


def _run_job(db_url: str, job_id: int, scenario_file: str, plans_dir: str) -> None:
    factory = session_factory(make_engine(db_url))
    claimed = _claim(factory, job_id)
    if claimed is None:
        return
    seed, time_limit, iterations, who = claimed["seed"], claimed["time_limit"], claimed["iterations"], claimed["who"]
    scenario_id = claimed["scenario_id"]
    checksum = folder_checksum(Path(scenario_file).parent)  # the inputs as the plan reads them
    rep = _Reporter(factory, job_id, time_limit, iterations)
    out = Path(plans_dir) / f"job-{job_id}"
    try:
        sc = load_scenario(scenario_file)
        result, ctx = plan_scenario(sc, seed=seed, time_limit=time_limit, max_iterations=iterations,
                                    progress=rep.stage, solver_progress=rep.iteration)
        rep.stage("writing outputs")
        write_plan(result, ctx, out, lang=sc.language)
    except Cancelled:
        _finish(factory, job_id, "cancelled", None, only_running=True)
        return
    except (InputError, NetworkError) as exc:
        _finish(factory, job_id, "failed", str(exc))
        return
    except Exception as exc:  # a bug: the job fails with the reason, the server goes on
        log.exception("job %s failed", job_id)
        _finish(factory, job_id, "failed", f"internal error: {type(exc).__name__}: {exc}")
        return
    with transaction(factory) as db:
        job = db.get(Job, job_id)
        if job is None or job.state != "running":  # a restart marked it failed meanwhile: keep that verdict
            return
        row = PlanRow(scenario_id=scenario_id, job_id=job_id, folder=str(out),
                      inputs_checksum=checksum, seed=seed, created_by=who,
                      served=result.served_required, required=result.required_visits)
        db.add(row)
        db.flush()
        job.state, job.progress, job.stage, job.plan_id, job.finished = "done", 1.0, "done", row.id, utcnow()
        audit(db, who, "plan_done", f"job {job_id} -> plan {row.id}")


def run_hotspot_job(db_url: str, run_id: int, incidents: str, out_dir: str, lang: str) -> None:
    """Run one hotspot analysis (in a worker process) into ``out_dir`` with the library's ``run_hotspots``."""
    try:
        _run_hotspot_job(db_url, run_id, incidents, out_dir, lang)
    finally:
        _exit_if_orphaned()


def _run_hotspot_job(db_url: str, run_id: int, incidents: str, out_dir: str, lang: str) -> None:
    factory = session_factory(make_engine(db_url))
    with transaction(factory) as db:
        run = db.get(HotspotRun, run_id)
        if run is None or run.state != "queued":
            return
        run.state = "running"
    state, error = "done", None
    try:
        run_hotspots(incidents, out_dir, lang=lang)
    except (InputError, NetworkError) as exc:
        state, error = "failed", str(exc).replace(str(Path(incidents).parent) + "/", "")
    except Exception as exc:  # a bug: the run fails with the reason, the server goes on
        log.exception("hotspot run %s failed", run_id)
        state, error = "failed", f"internal error: {type(exc).__name__}: {exc}"
    with transaction(factory) as db:
        run = db.get(HotspotRun, run_id)
        if run is not None and run.state == "running":
            run.state, run.error, run.finished = state, error, utcnow()


def run_actual_job(db_url: str, job_id: int, plan_dir: str, checkins: str, tracks: str) -> None:
    """Compare a plan folder with its check-ins (``checkins``, a CSV or "") and uploaded tracks (``tracks``, a
    folder or "") into ``plan_dir/actual`` (in a worker process), with the library's plan against actual."""
    try:
        _run_actual_job(db_url, job_id, plan_dir, checkins, tracks)
    finally:
        _exit_if_orphaned()


def _run_actual_job(db_url: str, job_id: int, plan_dir: str, checkins: str, tracks: str) -> None:
    factory = session_factory(make_engine(db_url))
    claimed = _claim(factory, job_id)
    if claimed is None:
        return
    who = claimed["who"]
    rep = _Reporter(factory, job_id, 1.0, 1)
    folder, step = Path(plan_dir), rep.at
    try:
        step(0.05, "reading the plan and its roads")
        plan, ctx = plan_context(folder)
        step(0.25, "reading the tracks")
        trs = read_tracks([tracks], plan, ctx) if tracks else {}
        tz = (plan.routes[0].start.tzinfo if plan.routes else None) or dt.UTC
        cks = read_checkins(checkins, tz) if checkins else []
        # the comparison reports its own steps; they take the job from 0.35 to 0.95
        result = compare_actual(plan, ctx, trs, cks, plan.language or ctx.scenario.language,
                                progress=lambda share, label: step(0.35 + 0.6 * share, label))
        step(0.95, "writing outputs")
        write_actual(result, folder / "actual", [folder, *([tracks] if tracks else []), *([checkins] if checkins else [])])
    except Cancelled:
        _finish(factory, job_id, "cancelled", None, only_running=True)
        return
    except (InputError, NetworkError) as exc:  # one line, naming the plan's files without the server's folders
        _finish(factory, job_id, "failed", str(exc).replace(str(folder) + "/", "").splitlines()[0][:2000])
        return
    except Exception as exc:  # a bug: the job fails with the reason, the server goes on
        log.exception("job %s failed", job_id)
        _finish(factory, job_id, "failed", f"internal error: {type(exc).__name__}: {exc}".splitlines()[0])
        return
    with transaction(factory) as db:
        job = db.get(Job, job_id)
        if job is None or job.state != "running":  # a restart or a cancel came first: keep that verdict
            return
        job.state, job.progress, job.stage, job.finished = "done", 1.0, "done", utcnow()
        audit(db, who, "actual_done", f"job {job_id} plan {job.plan_id}")


def _finish(factory: sessionmaker[Session], job_id: int, state: str, error: str | None,
            only_running: bool = False) -> None:
    with transaction(factory) as db:
        job = db.get(Job, job_id)
        if job is not None and not (only_running and job.state != "running"):
            job.state, job.error, job.finished = state, error, utcnow()


class JobRunner:
    """The process pool that runs plan jobs; created lazily, shut down with the app."""

    def __init__(self, db_url: str, factory: sessionmaker[Session], plans_dir: Path, workers: int = 1,
                 scheduler: str = "") -> None:
        self.db_url, self.factory, self.plans_dir, self.workers = db_url, factory, plans_dir, workers
        self.scheduler = scheduler
        self._pool: ProcessPoolExecutor | DaskPool | None = None
        self._futures: dict[int, Any] = {}

    def fail_interrupted(self) -> int:
        """Mark jobs left queued or running by a previous server process as failed, with the reason."""
        n = 0
        with transaction(self.factory) as db:
            for job in db.scalars(select(Job).where(Job.state.in_(("queued", "running")))):
                job.state, job.error, job.finished = "failed", RESTART_REASON.format(state=job.state), utcnow()
                n += 1
            for run in db.scalars(select(HotspotRun).where(HotspotRun.state.in_(("queued", "running")))):
                run.state, run.error, run.finished = "failed", RESTART_REASON.format(state=run.state), utcnow()
                n += 1
        return n

    def _executor(self) -> ProcessPoolExecutor | DaskPool:
        if self._pool is None and self.scheduler:
            self._pool = DaskPool(self.scheduler)
        if self._pool is None:
            # spawn: the server process has threads (the event loop's), which fork would copy half-way
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_init_worker)
        return self._pool

    def submit_hotspots(self, run_id: int, incidents: Path, out_dir: Path, lang: str) -> None:
        self._executor().submit(run_hotspot_job, self.db_url, run_id, str(incidents), str(out_dir), lang)

    def submit(self, job_id: int, scenario_file: Path) -> None:
        self.plans_dir.mkdir(parents=True, exist_ok=True)
        try:
            pool = self._executor()
        except InputError as exc:  # the configured Dask scheduler is not reachable: the job fails with the reason
            _finish(self.factory, job_id, "failed", str(exc))
            return
        fut = pool.submit(run_job, self.db_url, job_id, str(scenario_file), str(self.plans_dir))
        self._futures[job_id] = fut
        fut.add_done_callback(functools.partial(self._done, job_id))

    def submit_actual(self, job_id: int, plan_dir: Path, checkins: Path | None, tracks: Path | None) -> None:
        """Start plan against actual of ``plan_dir`` as job ``job_id`` (see :func:`run_actual_job`)."""
        try:
            pool = self._executor()
        except InputError as exc:  # the configured Dask scheduler is not reachable: the job fails with the reason
            _finish(self.factory, job_id, "failed", str(exc))
            return
        fut = pool.submit(run_actual_job, self.db_url, job_id, str(plan_dir), str(checkins or ""), str(tracks or ""))
        self._futures[job_id] = fut
        fut.add_done_callback(functools.partial(self._done, job_id))

    def _done(self, job_id: int, fut: Any) -> None:
        self._futures.pop(job_id, None)
        if fut.cancelled():
            _finish(self.factory, job_id, "cancelled", None)
        elif fut.exception() is not None:  # the worker died (killed, out of memory)
            _finish(self.factory, job_id, "failed", f"the worker process stopped: {fut.exception()}")

    def cancel(self, job_id: int) -> None:
        """Ask a job to stop: a queued job is dropped, a running one stops at its next progress report."""
        with transaction(self.factory) as db:
            db.execute(update(Job).where(Job.id == job_id, Job.state.in_(("queued", "running")))
                       .values(cancel_requested=True))
        fut = self._futures.get(job_id)
        if fut is not None:
            fut.cancel()

    def shutdown(self) -> None:
        """Stop the pool; jobs still queued or running end as failed with the reason (never silently lost)."""
        if self._pool is None:
            return
        with transaction(self.factory) as db:
            ids = list(db.scalars(select(Job.id).where(Job.state.in_(("queued", "running")))))
            db.execute(update(Job).where(Job.id.in_(ids)).values(cancel_requested=True))
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None
        with transaction(self.factory) as db:
            for job in db.scalars(select(Job).where(Job.id.in_(ids))):
                job.state, job.error = "failed", RESTART_REASON.format(state="running")


def scenario_file(row: ScenarioRow) -> Path:
    return Path(row.folder) / "scenario.toml"
