"""Server-rendered pages (Jinja2 templates from files; user text only as escaped variables); CSRF on every form."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from routeplan.errors import InputError
from routeplan.serve import field, forms, service
from routeplan.serve.api import file_response
from routeplan.serve.auth import check_login, close_session, open_session, same_token, throttled
from routeplan.serve.db import transaction
from routeplan.serve.deps import COOKIE, LOGIN_CSRF_COOKIE, PageUser, State, check_csrf, page_user, state
from routeplan.serve.models import WebSession
from routeplan.serve.settings import APPROVERS, PLANNERS, READERS
from routeplan.serve.storage import TooLarge
from routeplan.serve.texts import stage_text, text

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
PU = Depends(page_user)
ST = Depends(state)


def render(request: Request, name: str, pu: PageUser | None, status: int = 200, **ctx: Any) -> HTMLResponse:
    lang = pu.lang if pu else request.cookies.get("rp_lang", "id")
    lang = lang if lang in ("id", "en") else "id"
    return templates.TemplateResponse(request, name, {
        "T": lambda key: text(key, lang), "STAGE": lambda stage: stage_text(stage, lang), "lang": lang, "user": pu.user if pu else None,
        "csrf": pu.session.csrf if pu else "", "PLANNERS": PLANNERS, "APPROVERS": APPROVERS, **ctx},
        status_code=status)


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path of this server only (never another host), else the start page."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target or len(target) > 2000:
        return "/"
    if any(ord(c) < 32 for c in target):
        return "/"
    return target


@router.get("/login")
def login_page(request: Request) -> Response:
    token = secrets.token_urlsafe(24)
    resp = render(request, "login.html", None, login_csrf=token, error="",
                  next=safe_next(request.query_params.get("next")))
    resp.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login")
    return resp


@router.post("/login")
def login(request: Request, name: str = Form(""), password: str = Form(""), csrf: str = Form(""),
          next: str = Form("/"), st: State = ST) -> Response:  # noqa: A002 - the form field's name
    if not same_token(request.cookies.get(LOGIN_CSRF_COOKIE), csrf):
        raise HTTPException(403, "the form's CSRF token is missing or wrong; reload the page")
    address = request.client.host if request.client else "?"
    with transaction(st.factory) as db:
        if throttled(db, st.cfg, name, address):
            return render(request, "login.html", None, 429, login_csrf=csrf, error="throttled", next=safe_next(next))
        user = check_login(db, name, password, address)
        if user is None:
            return render(request, "login.html", None, 401, login_csrf=csrf, error="bad_login", next=safe_next(next))
        lang = request.cookies.get("rp_lang", "id")
        cookie = open_session(db, st.cfg, user, lang if lang in ("id", "en") else "id")
    redirect = RedirectResponse(safe_next(next), status_code=303)  # e.g. back to a scanned QR poster's check-in
    redirect.set_cookie(COOKIE, cookie, httponly=True, samesite="lax", secure=st.cfg.secure_cookies,
                    max_age=st.cfg.session_seconds)
    redirect.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return redirect


@router.post("/logout")
def logout(request: Request, csrf: str = Form(""), pu: PageUser = PU, st: State = ST) -> Response:
    check_csrf(pu, csrf)
    with transaction(st.factory) as db:
        close_session(db, request.cookies.get(COOKIE))
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(COOKIE)
    return resp


@router.post("/lang")
def set_lang(request: Request, lang: str = Form("id"), csrf: str = Form(""), pu: PageUser = PU,
             st: State = ST) -> Response:
    check_csrf(pu, csrf)
    with transaction(st.factory) as db:
        sess = db.get(WebSession, pu.session.id)
        if sess is not None:
            sess.lang = lang if lang in ("id", "en") else "id"
    resp = RedirectResponse("/", status_code=303)
    resp.set_cookie("rp_lang", lang if lang in ("id", "en") else "id", samesite="lax")
    return resp


@router.get("/")
def home(request: Request, pu: PageUser = PU, st: State = ST) -> Response:
    if pu.user.role not in READERS:  # an officer: the briefings of their unit, per plan
        rows = [(p, service.officer_briefings(p, pu.user.unit)) for p in service.list_plans(st)
                if Path(p.folder).is_dir()]
        return render(request, "officer.html", pu, plans=rows)
    return render(request, "scenarios.html", pu, scenarios=service.list_scenarios(st, pu.user),
                   plans=service.list_plans(st), error="")


@router.post("/scenarios/sample")
def new_sample(csrf: str = Form(""), pu: PageUser = PU, st: State = ST) -> Response:
    check_csrf(pu, csrf)
    row = service.scenario_from_sample(st, pu.user)
    return RedirectResponse(f"/scenarios/{row.id}", status_code=303)


@router.post("/scenarios/upload")
async def upload(request: Request, file: UploadFile, csrf: str = Form(""), pu: PageUser = PU,
                 st: State = ST) -> Response:
    check_csrf(pu, csrf)
    data = await file.read(st.cfg.max_upload_bytes + 1)
    if len(data) > st.cfg.max_upload_bytes:
        raise HTTPException(413, f"the upload is above the {st.cfg.max_upload_bytes}-byte limit")
    try:
        row = service.scenario_from_zip(st, pu.user, data)
    except InputError as exc:
        status = 413 if isinstance(exc, TooLarge) else 400
        return render(request, "scenarios.html", pu, status, scenarios=service.list_scenarios(st, pu.user),
                       plans=service.list_plans(st), error=str(exc))
    return RedirectResponse(f"/scenarios/{row.id}", status_code=303)


def _scenario_page(request: Request, pu: PageUser, st: State, scenario_id: int, status: int = 200,
                   **ctx: Any) -> Response:
    row = service.get_scenario(st, pu.user, scenario_id)
    toml = ctx.pop("toml", None) or (Path(row.folder) / "scenario.toml").read_text(encoding="utf-8")
    raw = ctx.pop("raw", None) or forms.read_raw(toml)
    return render(request, "scenario.html", pu, status, scenario=row, toml=toml, raw=raw,
                   form_errors=ctx.pop("form_errors", {}), TABLES=forms.TABLES, ROWS=forms.ROWS, show=forms.show,
                   form_saved=ctx.pop("form_saved", False),
                   jobs=service.list_jobs(st, scenario_id), plans=service.list_plans(st, scenario_id),
                   edits=service.list_edits(st, scenario_id),
                   error=ctx.pop("error", ""), saved=ctx.pop("saved", False), **ctx)


@router.get("/scenarios/{scenario_id}")
def scenario(request: Request, scenario_id: int, pu: PageUser = PU, st: State = ST) -> Response:
    return _scenario_page(request, pu, st, scenario_id)


@router.post("/scenarios/{scenario_id}/edit")
def edit(request: Request, scenario_id: int, toml: str = Form(""), version: int = Form(0), csrf: str = Form(""),
         pu: PageUser = PU, st: State = ST) -> Response:
    check_csrf(pu, csrf)
    try:
        service.save_scenario_text(st, pu.user, scenario_id, toml, version)
    except InputError as exc:
        status = 409 if isinstance(exc, service.StaleVersion) else 400
        return _scenario_page(request, pu, st, scenario_id, status, toml=toml, error=str(exc))
    return _scenario_page(request, pu, st, scenario_id, saved=True)


@router.post("/scenarios/{scenario_id}/form")
async def edit_form(request: Request, scenario_id: int, pu: PageUser = PU, st: State = ST) -> Response:
    """Save the scenario form: the library validates it; its message is shown beside the field it names."""
    posted = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    check_csrf(pu, posted.get("csrf"))
    row = service.get_scenario(st, pu.user, scenario_id)
    text = (Path(row.folder) / "scenario.toml").read_text(encoding="utf-8")
    current = forms.read_raw(text)
    raw = forms.scenario_from_form(posted, current)
    version = posted.get("version", "")
    if not version.isdigit():
        raise HTTPException(400, "the form's version is not a number; reload the page")
    try:
        service.save_scenario_text(st, pu.user, scenario_id, forms.to_toml(raw, text), int(version))
    except InputError as exc:
        status = 409 if isinstance(exc, service.StaleVersion) else 400
        return _scenario_page(request, pu, st, scenario_id, status, raw=raw,
                              form_errors={forms.field_of(str(exc)): str(exc)})
    return _scenario_page(request, pu, st, scenario_id, form_saved=True)


@router.post("/scenarios/{scenario_id}/plans")
def start(request: Request, scenario_id: int, seed: int = Form(1), time_limit: float = Form(60.0),
          iterations: int = Form(10000), csrf: str = Form(""), pu: PageUser = PU, st: State = ST) -> Response:
    check_csrf(pu, csrf)
    try:
        job = service.start_plan(st, pu.user, scenario_id, seed, time_limit, iterations)
    except InputError as exc:
        return _scenario_page(request, pu, st, scenario_id, 400, plan_error=str(exc))
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/jobs/{job_id}")
def job_page(request: Request, job_id: int, pu: PageUser = PU, st: State = ST) -> Response:
    return render(request, "job.html", pu, job=service.get_job(st, pu.user, job_id))


@router.get("/jobs/{job_id}/status")
def job_status(job_id: int, pu: PageUser = PU, st: State = ST) -> Response:
    j = service.get_job(st, pu.user, job_id)
    return JSONResponse({"state": j.state, "progress": j.progress, "stage": stage_text(j.stage, pu.lang),
                         "plan_id": j.plan_id, "error": j.error, "kind": j.kind})


@router.post("/jobs/{job_id}/cancel")
def cancel(job_id: int, csrf: str = Form(""), pu: PageUser = PU, st: State = ST) -> Response:
    check_csrf(pu, csrf)
    service.get_job(st, pu.user, job_id)
    if pu.user.role not in PLANNERS:
        raise service.Forbidden()
    st.jobs.cancel(job_id)
    return RedirectResponse(f"/jobs/{job_id}", status_code=303)


@router.get("/plans/{plan_id}")
def plan_page(request: Request, plan_id: int, pu: PageUser = PU, st: State = ST) -> Response:
    if pu.user.role not in READERS:
        raise service.Forbidden()
    row = service.get_plan(st, pu.user, plan_id)
    folder = Path(row.folder)
    gpx = sorted(p.name for p in (folder / "gpx").glob("*.gpx")) if (folder / "gpx").is_dir() else []
    files = [n for n in ("plan.json", "stops.csv", "routes.geojson", "plan.gpkg", "scorecard.json")
             if (folder / n).is_file()]
    others = [p for p in service.list_plans(st, row.scenario_id) if p.id != row.id]
    return render(request, "plan.html", pu, plan=row, gpx=gpx, files=files, others=others,
                  actual_jobs=field.actual_jobs(st, plan_id)[:1])


@router.get("/plans/{plan_id}/files/{rel:path}")
def plan_file(plan_id: int, rel: str, pu: PageUser = PU, st: State = ST) -> Response:
    path, data = service.plan_file(st, pu.user, plan_id, rel)
    return file_response(path, data)


@router.get("/plans/{plan_id}/zip")
def plan_zip(plan_id: int, pu: PageUser = PU, st: State = ST) -> Response:
    data = service.plan_zip(st, pu.user, plan_id)
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="plan-{plan_id}.zip"'})


@router.post("/plans/{plan_id}/approve")
def approve(plan_id: int, csrf: str = Form(""), pu: PageUser = PU, st: State = ST) -> Response:
    check_csrf(pu, csrf)
    service.approve(st, pu.user, plan_id)
    return RedirectResponse(f"/plans/{plan_id}", status_code=303)


@router.get("/audit")
def audit_page(request: Request, pu: PageUser = PU, st: State = ST) -> Response:
    return render(request, "audit.html", pu, entries=service.list_audit(st, pu.user))
