"""The JSON API under ``/api`` (bearer tokens; OpenAPI docs at ``/api/docs``)."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from routeplan.serve import service
from routeplan.serve.deps import State, api_user, state
from routeplan.serve.models import User

router = APIRouter(prefix="/api", tags=["api"])


class PlanRequest(BaseModel):
    seed: int = Field(1, ge=0, le=2 ** 32 - 1)
    time_limit: float = Field(60.0, gt=0)
    iterations: int = Field(10000, ge=1)


class JobOut(BaseModel):
    id: int
    state: str
    progress: float
    stage: str
    plan_id: int | None
    error: str | None
    kind: str = "plan"


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness, without authentication."""
    return {"status": "ok"}


@router.get("/scenarios")
def scenarios(user: User = Depends(api_user), st: State = Depends(state)) -> list[dict[str, Any]]:  # noqa: B008
    return [{"id": r.id, "name": r.name, "version": r.version, "checksum": r.checksum,
             "created_by": r.created_by} for r in service.list_scenarios(st, user)]


async def _read_limited(file: UploadFile, limit: int) -> bytes:
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise HTTPException(413, f"the upload is above the {limit}-byte limit")
    return data


@router.post("/scenarios", status_code=201)
async def add_scenario(request: Request, file: UploadFile, user: User = Depends(api_user),  # noqa: B008
                       st: State = Depends(state)) -> dict[str, int]:  # noqa: B008
    """Upload a zipped scenario folder (multipart field ``file``); validated like the CLI."""
    data = await _read_limited(file, st.cfg.max_upload_bytes)
    row = service.scenario_from_zip(st, user, data)
    return {"id": row.id}


@router.post("/scenarios/{scenario_id}/plans", status_code=202)
def add_plan(scenario_id: int, body: PlanRequest, user: User = Depends(api_user),  # noqa: B008
             st: State = Depends(state)) -> dict[str, int]:  # noqa: B008
    """Start a plan job: ``{seed, time_limit, iterations}`` → ``{"id": job id}``."""
    job = service.start_plan(st, user, scenario_id, body.seed, body.time_limit, body.iterations)
    return {"id": job.id}


@router.get("/jobs/{job_id}", response_model=JobOut)
def job(job_id: int, user: User = Depends(api_user), st: State = Depends(state)) -> JobOut:  # noqa: B008
    j = service.get_job(st, user, job_id)
    return JobOut(id=j.id, state=j.state, progress=j.progress, stage=j.stage, plan_id=j.plan_id, error=j.error,
                  kind=j.kind)


@router.post("/jobs/{job_id}/cancel", status_code=202)
def cancel(job_id: int, user: User = Depends(api_user), st: State = Depends(state)) -> dict[str, str]:  # noqa: B008
    service.get_job(st, user, job_id)
    if user.role not in ("admin", "planner"):
        raise service.Forbidden()
    st.jobs.cancel(job_id)
    return {"status": "cancel requested"}


@router.get("/plans/{plan_id}")
def plan_json(plan_id: int, user: User = Depends(api_user), st: State = Depends(state)) -> Response:  # noqa: B008
    """The plan's ``plan.json``."""
    if user.role == "officer":
        raise service.Forbidden()
    path, data = service.plan_file(st, user, plan_id, "plan.json")
    return Response(data if data is not None else path.read_bytes(), media_type="application/json")


@router.post("/plans/{plan_id}/approve")
def approve(plan_id: int, user: User = Depends(api_user), st: State = Depends(state)) -> dict[str, Any]:  # noqa: B008
    row = service.approve(st, user, plan_id)
    when = row.approved_at.isoformat() + "Z" if row.approved_at else None
    return {"id": row.id, "approved_by": row.approved_by, "approved_at": when}


@router.get("/plans/{plan_id}/files/{rel:path}")
def plan_file(plan_id: int, rel: str, user: User = Depends(api_user),  # noqa: B008
              st: State = Depends(state)) -> Response:  # noqa: B008
    """A file of the plan folder; nothing outside it (404)."""
    path, data = service.plan_file(st, user, plan_id, rel)
    return file_response(path, data)


def file_response(path: Path, data: bytes | None) -> Response:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    headers = {"X-Content-Type-Options": "nosniff"}
    if data is not None:
        return Response(data, media_type=kind, headers=headers)
    return FileResponse(path, media_type=kind, headers=headers)
