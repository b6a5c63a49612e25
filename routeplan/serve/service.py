"""What the API and the pages do, once: create scenarios, start plans, approve, read plan files."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import zipfile
from pathlib import Path

from sqlalchemy import select

from routeplan._io import unique_file_stems
from routeplan.errors import InputError
from routeplan.model.planfile import read_plan
from routeplan.model.scenario import Scenario
from routeplan.render.briefing import route_slugs
from routeplan.sample import generate_sample
from routeplan.serve.approval import prerender, stamped_briefings
from routeplan.serve.db import audit, transaction
from routeplan.serve.deps import State
from routeplan.serve.models import AuditEntry, Job, PlanRow, ScenarioEdit, ScenarioRow, User
from routeplan.serve.settings import APPROVERS, PLANNERS, READERS
from routeplan.serve.storage import folder_checksum, safe_file, staging_dir, unpack_zip, validate_folder


class Forbidden(Exception):
    """The user's role may not do this (HTTP 403)."""


class NotFound(Exception):
    """No such scenario, job, plan or file (HTTP 404), also for what the user may not see."""


class StaleVersion(InputError):
    def __init__(self, current: int, given: int) -> None:
        super().__init__(f"the scenario was changed by someone else (version {current}, you edited {given}); "
                         "reload it and apply your change again")


def _validated(scenario_file: Path, shown: str | None = None) -> Scenario:
    """The library's validation; its messages name files relative to the scenario folder, not the server's paths."""
    try:
        return validate_folder(scenario_file)
    except InputError as exc:
        msg = str(exc).replace(str(scenario_file), shown or scenario_file.name)
        msg = msg.replace(str(scenario_file.parent) + "/", "").replace(str(scenario_file.parent), ".")
        raise type(exc)(msg) from None


def _adopt(st: State, staged: Path, scenario_file: Path, who: str) -> ScenarioRow:
    """Validate a staged scenario folder and move it to ``scenarios/<id>``; the staging folder goes either way."""
    try:
        sc = _validated(scenario_file)
        with transaction(st.factory) as db:
            row = ScenarioRow(name=sc.name[:200], folder="", version=1, checksum="", created_by=who)
            db.add(row)
            db.flush()
            final = st.cfg.scenarios_dir / str(row.id)
            shutil.move(str(scenario_file.parent), final)
            row.folder, row.checksum = str(final), folder_checksum(final)
            db.add(ScenarioEdit(scenario_id=row.id, version=1, what="created", by=who, checksum=row.checksum))
            audit(db, who, "scenario_add", f"{row.id} {row.name}")
        return row
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def scenario_from_zip(st: State, user: User, data: bytes) -> ScenarioRow:
    if user.role not in PLANNERS:
        raise Forbidden()
    staged = staging_dir(st.cfg)
    try:
        scenario_file = unpack_zip(data, st.cfg, staged / "s")
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return _adopt(st, staged, scenario_file, user.name)


def scenario_from_sample(st: State, user: User) -> ScenarioRow:
    """A new scenario holding the synthetic offline sample."""
    if user.role not in PLANNERS:
        raise Forbidden()
    staged = staging_dir(st.cfg)
    generate_sample(staged / "s")
    return _adopt(st, staged, staged / "s" / "scenario.toml", user.name)


def get_scenario(st: State, user: User, scenario_id: int) -> ScenarioRow:
    if user.role not in READERS:
        raise Forbidden()
    with st.factory() as db:
        row = db.get(ScenarioRow, scenario_id)
    if row is None:
        raise NotFound()
    return row


def save_scenario_text(st: State, user: User, scenario_id: int, text: str, version: int) -> ScenarioRow:
    """Replace ``scenario.toml`` after the library validated it; refused when ``version`` is not the current one."""
    if user.role not in PLANNERS:
        raise Forbidden()
    row = get_scenario(st, user, scenario_id)
    folder = Path(row.folder)
    trial = folder / ".scenario-edit.toml"
    trial.write_text(text, encoding="utf-8")
    try:
        _validated(trial, "scenario.toml")
        with transaction(st.factory) as db:
            fresh = db.get(ScenarioRow, scenario_id, with_for_update=True)
            assert fresh is not None
            if fresh.version != version:
                raise StaleVersion(fresh.version, version)
            trial.replace(folder / "scenario.toml")
            fresh.version += 1
            fresh.checksum = folder_checksum(folder)
            fresh.updated = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            db.add(ScenarioEdit(scenario_id=row.id, version=fresh.version, what="scenario.toml", by=user.name,
                                checksum=fresh.checksum))
            audit(db, user.name, "scenario_edit", f"{row.id} v{fresh.version}")
        return fresh
    finally:
        trial.unlink(missing_ok=True)


def start_plan(st: State, user: User, scenario_id: int, seed: int, time_limit: float, iterations: int) -> Job:
    if user.role not in PLANNERS:
        raise Forbidden()
    if not 0 <= seed <= 2 ** 32 - 1:
        raise InputError(f"seed {seed} is outside 0..4294967295")
    if not 0 < time_limit <= st.cfg.max_time_limit:
        raise InputError(f"time_limit {time_limit} is outside (0, {st.cfg.max_time_limit}] seconds")
    if not 1 <= iterations <= st.cfg.max_iterations:
        raise InputError(f"iterations {iterations} is outside 1..{st.cfg.max_iterations}")
    row = get_scenario(st, user, scenario_id)
    with transaction(st.factory) as db:
        job = Job(scenario_id=row.id, scenario_version=row.version, seed=seed, time_limit=time_limit,
                  iterations=iterations, created_by=user.name, state="queued", progress=0.0, stage="",
                  cancel_requested=False)
        db.add(job)
        db.flush()
        audit(db, user.name, "plan_start", f"scenario {row.id} job {job.id}")
    st.jobs.submit(job.id, Path(row.folder) / "scenario.toml")
    return job


def get_job(st: State, user: User, job_id: int) -> Job:
    if user.role not in READERS:
        raise Forbidden()
    with st.factory() as db:
        job = db.get(Job, job_id)
    if job is None:
        raise NotFound()
    return job


def get_plan(st: State, user: User, plan_id: int) -> PlanRow:
    """A plan row; officers may read plans too (but only their unit's briefings, see :func:`plan_file`)."""
    with st.factory() as db:
        row = db.get(PlanRow, plan_id)
    if row is None or not Path(row.folder).is_dir():
        raise NotFound()
    return row


def approve(st: State, user: User, plan_id: int) -> PlanRow:
    if user.role not in APPROVERS:
        raise Forbidden()
    get_plan(st, user, plan_id)
    with transaction(st.factory) as db:
        row = db.get(PlanRow, plan_id)
        assert row is not None
        row.approved_by, row.approved_at = user.name, dt.datetime.now(dt.UTC).replace(tzinfo=None)
        audit(db, user.name, "plan_approve", str(plan_id))
    prerender(row)
    return row


def officer_briefings(row: PlanRow, unit: str | None) -> list[str]:
    """File names (in ``briefings/``) of the routes of ``unit``."""
    plan = read_plan(row.folder)
    return [f"{slug}.html" for r, slug in zip(plan.routes, route_slugs(plan.routes)) if r.unit == unit]


def officer_files(row: PlanRow, unit: str | None) -> set[str]:
    """Every file (in ``briefings/``) an officer of ``unit`` may read: pages, their PDFs, the unit's week PDF."""
    mine = officer_briefings(row, unit)
    units = list(dict.fromkeys(r.unit for r in read_plan(row.folder).routes))
    week = {f"pdf/{stem}.pdf" for u, stem in zip(units, unique_file_stems([(u, "week") for u in units]))
            if u == unit}
    return set(mine) | {f"pdf/{n.removesuffix('.html')}.pdf" for n in mine} | week


def plan_file(st: State, user: User, plan_id: int, rel: str) -> tuple[Path, bytes | None]:
    """The file ``rel`` of a plan folder (``briefings/`` with the approval line, see :mod:`.approval`), and None.

    Officers may read only the briefings of their unit; anything outside the folder is :class:`NotFound`.
    """
    row = get_plan(st, user, plan_id)
    if user.role not in READERS:
        if not (rel.startswith("briefings/") and rel.removeprefix("briefings/") in officer_files(row, user.unit)):
            raise Forbidden()
    if rel.startswith("briefings/"):  # the copy that carries the approval line (HTML and PDF)
        path = safe_file(stamped_briefings(row), rel.removeprefix("briefings/"))
    else:
        path = safe_file(Path(row.folder), rel)
    if path is None:
        raise NotFound()
    if rel in ("plan.json", "inputs/manifest.json"):
        return path, _without_server_paths(Path(row.folder), path)
    return path, None


def _without_server_paths(folder: Path, path: Path) -> bytes:
    """A JSON file of the plan (``plan.json``, ``inputs/manifest.json``) with the scenario folder's absolute path
    taken out of every path in it (``scenario_file`` becomes ``scenario.toml``): no server path leaves the server."""
    text = path.read_text(encoding="utf-8")
    try:
        given = json.loads((folder / "plan.json").read_text(encoding="utf-8")).get("scenario_file")
    except (OSError, ValueError, AttributeError):
        given = None
    if isinstance(given, str) and Path(given).is_absolute():
        prefix = json.dumps(str(Path(given).parent) + "/", ensure_ascii=False)[1:-1]
        text = text.replace(prefix, "")
    return text.encode("utf-8")


def plan_zip(st: State, user: User, plan_id: int) -> bytes:
    if user.role not in READERS:
        raise Forbidden()
    row = get_plan(st, user, plan_id)
    buf = io.BytesIO()
    folder = Path(row.folder)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            rel = p.relative_to(folder).as_posix()
            if p.is_file() and not p.is_symlink() and safe_file(folder, rel) is not None:
                try:
                    path, data = plan_file(st, user, plan_id, rel)
                except NotFound:  # not in the stamped briefings (the folder's own copy is not served)
                    continue
                zf.writestr(f"plan-{plan_id}/{rel}", data if data is not None else path.read_bytes())
    return buf.getvalue()


def list_scenarios(st: State, user: User) -> list[ScenarioRow]:
    if user.role not in READERS:
        raise Forbidden()
    with st.factory() as db:
        return list(db.scalars(select(ScenarioRow).order_by(ScenarioRow.id)))


def list_plans(st: State, scenario_id: int | None = None) -> list[PlanRow]:
    with st.factory() as db:
        q = select(PlanRow).order_by(PlanRow.id.desc())
        if scenario_id is not None:
            q = q.where(PlanRow.scenario_id == scenario_id)
        return list(db.scalars(q))


def list_jobs(st: State, scenario_id: int) -> list[Job]:
    with st.factory() as db:
        return list(db.scalars(select(Job).where(Job.scenario_id == scenario_id).order_by(Job.id.desc())))


def list_edits(st: State, scenario_id: int) -> list[ScenarioEdit]:
    with st.factory() as db:
        return list(db.scalars(select(ScenarioEdit).where(ScenarioEdit.scenario_id == scenario_id)
                               .order_by(ScenarioEdit.id.desc())))


def list_audit(st: State, user: User, limit: int = 500) -> list[AuditEntry]:
    if user.role != "admin":
        raise Forbidden()
    with st.factory() as db:
        return list(db.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))
