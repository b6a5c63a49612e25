"""Hotspot analysis in the workspace: upload incidents, run the library's analysis as a job, view it, and adopt
its ``hotspots.geojson`` as the scenario's hotspot layer (validated, version-checked, in the edit history)."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from routeplan.errors import InputError
from routeplan.load.layers import read_hotspots
from routeplan.serve import service
from routeplan.serve.api import file_response
from routeplan.serve.db import audit, transaction
from routeplan.serve.deps import PageUser, State, check_csrf, page_user, state
from routeplan.serve.models import HotspotRun, ScenarioEdit, ScenarioRow, utcnow
from routeplan.serve.pages import render
from routeplan.serve.settings import PLANNERS, READERS
from routeplan.serve.storage import folder_checksum, safe_file, validate_folder

router = APIRouter(include_in_schema=False)
PU = Depends(page_user)
ST = Depends(state)
#: Largest incident file accepted (bytes).
MAX_INCIDENT_BYTES = 50 * 1024 * 1024


def _suffix(data: bytes) -> str:
    """``.geojson`` for a JSON object, ``.csv`` for text; anything else is refused (types sniffed, not named)."""
    head = data.lstrip()[:1]
    if head == b"{":
        return ".geojson"
    if b"\0" in data[:4096]:
        raise InputError("the incident file is not text; upload a CSV (UTF-8) or a GeoJSON file")
    return ".csv"


@router.get("/scenarios/{scenario_id}/hotspots")
def runs_page(request: Request, scenario_id: int, pu: PageUser = PU, st: State = ST) -> Response:
    row = service.get_scenario(st, pu.user, scenario_id)
    with st.factory() as db:
        runs = list(db.scalars(select(HotspotRun).where(HotspotRun.scenario_id == scenario_id)
                               .order_by(HotspotRun.id.desc())))
    return render(request, "hotspots.html", pu, scenario=row, runs=runs, error="")


@router.post("/scenarios/{scenario_id}/hotspots")
async def upload(request: Request, scenario_id: int, file: UploadFile, csrf: str = Form(""), pu: PageUser = PU,
                 st: State = ST) -> Response:
    check_csrf(pu, csrf)
    if pu.user.role not in ("admin", "planner", "analyst"):
        raise service.Forbidden()
    row = service.get_scenario(st, pu.user, scenario_id)
    data = await file.read(MAX_INCIDENT_BYTES + 1)
    if len(data) > MAX_INCIDENT_BYTES:
        raise HTTPException(413, f"the incident file is above the {MAX_INCIDENT_BYTES}-byte limit")
    suffix = _suffix(data)
    with transaction(st.factory) as db:
        run = HotspotRun(scenario_id=row.id, state="queued", folder="", source_name=(file.filename or "")[:200],
                         created_by=pu.user.name)
        db.add(run)
        db.flush()
        folder = st.cfg.data / "hotspots" / str(run.id)
        run.folder = str(folder)
        audit(db, pu.user.name, "hotspots_start", f"scenario {row.id} run {run.id}")
    (folder / "input").mkdir(parents=True, exist_ok=True)
    incidents = folder / "input" / f"incidents{suffix}"
    incidents.write_bytes(data)
    st.jobs.submit_hotspots(run.id, incidents, folder / "out", pu.lang)
    return RedirectResponse(f"/scenarios/{scenario_id}/hotspots", status_code=303)


def _run(st: State, pu: PageUser, run_id: int) -> HotspotRun:
    if pu.user.role not in READERS:
        raise service.Forbidden()
    with st.factory() as db:
        run = db.get(HotspotRun, run_id)
    if run is None:
        raise service.NotFound()
    return run


@router.get("/hotspots/{run_id}/files/{rel:path}")
def run_file(run_id: int, rel: str, pu: PageUser = PU, st: State = ST) -> Response:
    run = _run(st, pu, run_id)
    path = safe_file(Path(run.folder) / "out", rel)
    if path is None:
        raise service.NotFound()
    return file_response(path, None)


@router.post("/hotspots/{run_id}/adopt")
def adopt(request: Request, run_id: int, csrf: str = Form(""), version: int = Form(-1), pu: PageUser = PU,
          st: State = ST) -> Response:
    """Make the run's ``hotspots.geojson`` the scenario's hotspot layer."""
    check_csrf(pu, csrf)
    if pu.user.role not in PLANNERS:
        raise service.Forbidden()
    run = _run(st, pu, run_id)
    source = safe_file(Path(run.folder) / "out", "hotspots.geojson")
    if run.state != "done" or source is None:
        raise service.NotFound()
    row = service.get_scenario(st, pu.user, run.scenario_id)
    sc = validate_folder(Path(row.folder) / "scenario.toml")
    if sc.hotspots is None or Path(sc.hotspots).suffix.lower() not in (".geojson", ".json"):
        raise InputError("the scenario has no GeoJSON hotspot layer to replace; name one under [layers] hotspots")
    target = Path(sc.hotspots)
    read_hotspots(source)  # the library's check of a hotspot layer
    with transaction(st.factory) as db:
        fresh = db.get(ScenarioRow, row.id, with_for_update=True)
        assert fresh is not None
        if fresh.version != version:
            raise service.StaleVersion(fresh.version, version)
        shutil.copyfile(source, target.with_name(".adopt" + target.suffix))
        target.with_name(".adopt" + target.suffix).replace(target)
        fresh.version += 1
        fresh.checksum, fresh.updated = folder_checksum(Path(fresh.folder)), utcnow()
        db.add(ScenarioEdit(scenario_id=fresh.id, version=fresh.version, what=f"{target.name}: hotspot run {run_id}",
                            by=pu.user.name, checksum=fresh.checksum))
        stored = db.get(HotspotRun, run_id)
        assert stored is not None
        stored.adopted_by = pu.user.name
        audit(db, pu.user.name, "hotspots_adopt", f"run {run_id} -> scenario {fresh.id} v{fresh.version}")
    return RedirectResponse(f"/scenarios/{run.scenario_id}/hotspots", status_code=303)
