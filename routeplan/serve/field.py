"""Field work of the web workspace (issue #16): an officer's route of the day, check-ins, uploaded tracks, and
plan against actual from them as a job (:func:`routeplan.serve.jobs.run_actual_job`, the library's comparison on
the stored check-ins and tracks).

Uploaded tracks are kept in the plan folder's ``field/tracks/`` (named ``UNIT_...gpx``, so that
``routeplan actual`` assigns them by file name); the check-ins are written to ``field/checkins.csv`` and the
result to ``actual/`` when a planner asks for it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update

from routeplan import settings
from routeplan._io import atomic_file, file_stem, write_text_atomic
from routeplan.actual.tracks import read_gpx
from routeplan.errors import InputError
from routeplan.model.plan import Plan, Route
from routeplan.model.planfile import read_plan
from routeplan.serve.db import audit, transaction
from routeplan.serve.deps import State
from routeplan.serve.models import CheckInRow, Job, PlanRow, ScenarioRow, TrackUpload, User, utcnow
from routeplan.serve.service import Forbidden, NotFound, get_plan
from routeplan.serve.settings import MAX_TRACK_BYTES, PLANNERS, READERS

log = logging.getLogger(__name__)


@dataclass
class UnitDay:
    """The routes of an officer's unit on a day, from the plan officers follow (approved first, then newest)."""

    plan: PlanRow | None
    routes: list[Route]
    day: dt.date
    #: ``(route start, object id, visit arrival)`` (ISO) of the visits checked in (see :func:`ticked`).
    done: set[tuple[str, str, str]]


def _tz(plan: Plan) -> dt.tzinfo:
    return (plan.routes[0].start.tzinfo if plan.routes else None) or dt.UTC


def officer_unit(user: User) -> str:
    """The unit of an officer; any other role may not use the officer's pages."""
    if user.role != "officer" or not user.unit:
        raise Forbidden()
    return user.unit


def unit_day(st: State, user: User, day: dt.date | None = None) -> UnitDay:
    """The routes of the user's unit on ``day`` (today in the plan's time zone by default)."""
    unit = officer_unit(user)
    rows = _plans_for_officers(st)
    for row in rows:
        if not Path(row.folder).is_dir():
            continue
        plan = read_plan(row.folder, paths_required=False)
        when = day or dt.datetime.now(_tz(plan)).date()
        routes = [r for r in plan.routes if r.unit == unit and r.day == when]
        if routes:
            mine = [r for r in plan.routes if r.unit == unit]
            return UnitDay(row, routes, when, _visited(st, row.id, unit, mine, routes))
    return UnitDay(None, [], day or dt.date.today(), set())


def _visited(st: State, plan_id: int, unit: str, mine: list[Route],
             shown: list[Route]) -> set[tuple[str, str, str]]:
    """The visits of the ``shown`` routes checked in, judged against all the unit's routes ``mine``."""
    with st.factory() as db:
        found = list(db.execute(select(CheckInRow.object_id, CheckInRow.at).where(
            CheckInRow.plan_id == plan_id, CheckInRow.unit == unit)))
    starts = {r.start.isoformat() for r in shown}
    return {k for k in ticked(mine, [(o, at.replace(tzinfo=dt.UTC)) for o, at in found]) if k[0] in starts}


def ticked(routes: list[Route], checkins: list[tuple[str, dt.datetime]]) -> set[tuple[str, str, str]]:
    """The visits of a unit's ``routes`` done by check-ins: ``(route start, object id, visit arrival)`` (ISO) per
    check-in ``(object id, time)``, for the route with that object whose window holds the time, give or take the
    slack plan against actual allows (``actual_slack_minutes``), the nearest in time when two do. An object visited
    on Monday is not ticked on Thursday's route, nor on the evening route of the same day; and of a hotspot visited
    twice in one shift, a check-in ticks the visit nearest in time that is not ticked yet, not both."""
    slack = dt.timedelta(minutes=settings.actual_slack_minutes)
    done: set[tuple[str, str, str]] = set()
    for object_id, when in sorted(checkins, key=lambda c: c[1]):
        near = [r for r in routes if r.start - slack <= when <= r.end + slack and any(s.id == object_id for s in r.stops)]
        if near:
            best = min(near, key=lambda r: max(r.start - when, when - r.end, dt.timedelta(0)))
            visits = [s for s in best.stops if s.id == object_id]
            start = best.start.isoformat()
            left = [s for s in visits if (start, object_id, s.arrival.isoformat()) not in done] or visits
            visit = min(left, key=lambda s: abs(s.arrival - when))
            done.add((start, object_id, visit.arrival.isoformat()))
    return done


def plan_for_object(st: State, user: User, object_id: str) -> PlanRow:
    """The newest plan in which the officer's unit visits ``object_id`` (a QR poster names no plan: it
    outlives a week's plan). NotFound when no plan has it for the unit."""
    unit = officer_unit(user)
    for row in _plans_for_officers(st):
        if Path(row.folder).is_dir() and object_id in _unit_objects(row, unit):
            return row
    raise NotFound()


def _plans_for_officers(st: State) -> list[PlanRow]:
    """Plans in the order an officer's page looks through them: approved ones first (the commander signed
    those; a newer draft a planner is still trying must not send a crew elsewhere), newest first in each."""
    with st.factory() as db:
        rows = list(db.scalars(select(PlanRow).order_by(PlanRow.id.desc())))
    return sorted(rows, key=lambda r: r.approved_by is None)  # stable: newest first inside each part


def _unit_objects(row: PlanRow, unit: str) -> set[str]:
    return {s.id for r in read_plan(row.folder, paths_required=False).routes if r.unit == unit for s in r.stops}


def check_in(st: State, user: User, plan_id: int, object_id: str, lat: str = "", lon: str = "") -> CheckInRow:
    """Store an officer's check-in at a stop of their unit (server time; the browser's position when given).

    Raises
    ------
    Forbidden
        Not an officer, or the object is no stop of the officer's unit in the plan.
    """
    unit = officer_unit(user)
    row = get_plan(st, user, plan_id)
    if object_id not in _unit_objects(row, unit):
        raise Forbidden()
    pos: list[float | None] = [None, None]
    for k, v in enumerate((lat, lon)):
        try:
            pos[k] = float(v) if v.strip() else None
        except ValueError:
            raise InputError(f"position {v[:30]!r} is not a number") from None
    if pos[0] is not None and not -90 <= pos[0] <= 90 or pos[1] is not None and not -180 <= pos[1] <= 180:
        raise InputError("the position is outside -90..90 / -180..180")
    if (pos[0] is None) != (pos[1] is None):
        pos = [None, None]
    with transaction(st.factory) as db:
        ck = CheckInRow(plan_id=plan_id, unit=unit, object_id=object_id, at=utcnow(), lat=pos[0], lon=pos[1],
                        user=user.name)
        db.add(ck)
        audit(db, user.name, "checkin", f"{plan_id} {unit} {object_id}")
    return ck


def _bbox(plan: Plan) -> tuple[float, float, float, float]:
    pts = [p for r in plan.routes for p in r.path] + [(s.lon, s.lat) for r in plan.routes for s in r.stops]
    if not pts:
        raise InputError("the plan has no routes; there is nothing to record a track for")
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs) - 0.05, min(ys) - 0.05, max(xs) + 0.05, max(ys) + 0.05


def upload_track(st: State, user: User, plan_id: int, name: str, data: bytes) -> TrackUpload:
    """Check an uploaded GPX track with the library's reader and keep it in the plan folder.

    Raises
    ------
    InputError
        Above :data:`~routeplan.serve.settings.MAX_TRACK_BYTES`, not GPX, no timed points, outside the plan's
        area or dates (one line, naming the uploaded file by its name only).
    """
    unit = officer_unit(user)
    row = get_plan(st, user, plan_id)
    label = file_stem(Path(name or "track").stem) or "track"
    if len(data) > MAX_TRACK_BYTES:
        raise InputError(f"{label}.gpx: above the {MAX_TRACK_BYTES // (1024 * 1024)} MB limit for a track")
    plan = read_plan(row.folder, paths_required=False)
    tz = _tz(plan)
    first = dt.datetime.combine(plan.start_date, dt.time(0), tz) - dt.timedelta(hours=2)
    period = (first, first + dt.timedelta(days=plan.days, hours=12))
    folder = Path(row.folder) / "field" / "tracks"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    target = folder / f"{file_stem(unit)}_{stamp}.gpx"
    with atomic_file(target, suffix=".gpx") as tmp:
        tmp.write_bytes(data)
        try:
            track = read_gpx(tmp, unit, period, _bbox(plan))
        except InputError as exc:  # the message names the staged file; name the upload instead
            raise InputError(str(exc).replace(str(tmp), f"{label}.gpx").splitlines()[0]) from None
    with transaction(st.factory) as db:
        up = TrackUpload(plan_id=plan_id, unit=unit, file=target.name, points=len(track), user=user.name)
        db.add(up)
        audit(db, user.name, "track_upload", f"{plan_id} {unit} {target.name}")
    return up


def field_records(st: State, plan_id: int) -> tuple[list[CheckInRow], list[TrackUpload]]:
    """The check-ins and uploaded tracks of a plan, oldest first."""
    with st.factory() as db:
        cks = list(db.scalars(select(CheckInRow).where(CheckInRow.plan_id == plan_id).order_by(CheckInRow.id)))
        ups = list(db.scalars(select(TrackUpload).where(TrackUpload.plan_id == plan_id).order_by(TrackUpload.id)))
    return cks, ups


def checkins_csv(rows: list[CheckInRow], tz: dt.tzinfo) -> str:
    """The check-ins as the CSV ``routeplan actual --checkins`` reads (times in the plan's zone)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["unit", "object_id", "time", "lat", "lon"])
    for c in rows:
        when = c.at.replace(tzinfo=dt.UTC).astimezone(tz).isoformat(timespec="seconds")
        w.writerow([c.unit, c.object_id, when, "" if c.lat is None else c.lat, "" if c.lon is None else c.lon])
    return buf.getvalue()


def start_actual(st: State, user: User, plan_id: int) -> Job:
    """Start plan against actual of a plan as a job (its stored check-ins and tracks into ``PLAN/actual``); the
    job already queued or running for the plan when there is one (a second press starts no second job).

    Raises
    ------
    Forbidden
        Not a planner.
    InputError
        No check-ins and no tracks for the plan yet.
    """
    if user.role not in PLANNERS:
        raise Forbidden()
    row = get_plan(st, user, plan_id)
    cks, ups = field_records(st, plan_id)
    if not cks and not ups:
        raise InputError("no check-ins or tracks for this plan yet; there is nothing to compare it with")
    folder = Path(row.folder)
    with transaction(st.factory) as db:
        # take the plan row's write lock first, so two presses at once see each other's job (SQLite, PostgreSQL)
        db.execute(update(PlanRow).where(PlanRow.id == plan_id).values(served=PlanRow.served))
        running = db.scalars(select(Job).where(Job.kind == "actual", Job.plan_id == plan_id,
                                               Job.state.in_(("queued", "running")))).first()
        if running is not None:
            return running
        checkins = None
        if cks:
            checkins = folder / "field" / "checkins.csv"
            checkins.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(checkins, checkins_csv(cks, _tz(read_plan(folder, paths_required=False))))
        scenario = db.get(ScenarioRow, row.scenario_id)
        job = Job(kind="actual", plan_id=plan_id, scenario_id=row.scenario_id,
                  scenario_version=scenario.version if scenario else 0, seed=0, time_limit=0.0, iterations=0,
                  created_by=user.name, state="queued", progress=0.0, stage="", cancel_requested=False)
        db.add(job)
        db.flush()
        audit(db, user.name, "actual_start", f"plan {plan_id} job {job.id}")
    st.jobs.submit_actual(job.id, folder, checkins, folder / "field" / "tracks" if ups else None)
    return job


def actual_jobs(st: State, plan_id: int) -> list[Job]:
    """The plan-against-actual jobs of a plan, newest first."""
    with st.factory() as db:
        return list(db.scalars(select(Job).where(Job.kind == "actual", Job.plan_id == plan_id)
                               .order_by(Job.id.desc())))


def actual_page_file(st: State, user: User, plan_id: int) -> Path:
    """The plan's ``actual/actual.html`` (readers only); NotFound before it was computed."""
    if user.role not in READERS:
        raise Forbidden()
    path = Path(get_plan(st, user, plan_id).folder) / "actual" / "actual.html"
    if not path.is_file():
        raise NotFound()
    return path


__all__ = ["UnitDay", "actual_page_file", "check_in", "checkins_csv", "actual_jobs", "field_records",
           "officer_unit", "plan_for_object", "start_actual", "ticked", "unit_day", "upload_track"]
