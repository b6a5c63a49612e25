"""Pages of the field (issue #16): the officer's phone page with today's route, check-in per stop (also the
target of the QR posters), GPX track upload; and plan against actual for planners. CSRF on every form."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from routeplan.actual.posters import checkin_url, posters_html
from routeplan.errors import InputError
from routeplan.load.layers import read_vital_objects
from routeplan.pipeline import load_saved_scenario
from routeplan.render.navlinks import geo_uri, maps_url
from routeplan.serve import field
from routeplan.serve.deps import PageUser, State, check_csrf
from routeplan.serve.fieldtexts import field_text
from routeplan.serve.pages import PU, ST, render
from routeplan.serve.service import NotFound, get_plan
from routeplan.serve.settings import MAX_TRACK_BYTES, READERS

router = APIRouter(include_in_schema=False)


def _page(request: Request, name: str, pu: PageUser, **ctx: Any) -> HTMLResponse:
    return render(request, name, pu, T=field_text(pu.lang), **ctx)


def _day(text: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"day {text[:20]!r} is not a date (YYYY-MM-DD)") from None


@router.get("/officer")
def officer_page(request: Request, day: str = "", pu: PageUser = PU, st: State = ST) -> Response:
    """Today's route of the officer's unit: stops in order with times, navigation links, check-in buttons."""
    ud = field.unit_day(st, pu.user, _day(day))
    return _page(request, "officer_route.html", pu, ud=ud, geo_uri=geo_uri, maps_url=maps_url,
                 max_track_mb=MAX_TRACK_BYTES // (1024 * 1024))


@router.post("/officer/checkin")
def officer_checkin(plan: int = Form(...), object_id: str = Form(...), csrf: str = Form(""), lat: str = Form(""),
                    lon: str = Form(""), day: str = Form(""), pu: PageUser = PU, st: State = ST) -> Response:
    check_csrf(pu, csrf)
    field.check_in(st, pu.user, plan, object_id, lat, lon)
    when = _day(day)
    back = f"/officer?day={when.isoformat()}&checked=1" if when else "/officer?checked=1"
    return RedirectResponse(back, status_code=303)


@router.get("/checkin/{object_id}")
def checkin_page(request: Request, object_id: str, pu: PageUser = PU, st: State = ST) -> Response:
    """The target of a QR poster: a page that records the check-in at once (with the position when allowed),
    in the newest plan in which the officer's unit visits the object."""
    row = field.plan_for_object(st, pu.user, object_id)
    return _page(request, "officer_checkin.html", pu, plan_id=row.id, object_id=object_id)


@router.post("/officer/track")
async def officer_track(file: UploadFile, plan: int = Form(...), csrf: str = Form(""), day: str = Form(""),
                        pu: PageUser = PU, st: State = ST) -> Response:
    check_csrf(pu, csrf)
    data = await file.read(MAX_TRACK_BYTES + 1)
    field.upload_track(st, pu.user, plan, file.filename or "track.gpx", data)
    when = _day(day)
    back = f"/officer?day={when.isoformat()}&track=1" if when else "/officer?track=1"
    return RedirectResponse(back, status_code=303)


@router.get("/plans/{plan_id}/actual")
def actual_view(request: Request, plan_id: int, pu: PageUser = PU, st: State = ST) -> Response:
    """Plan against actual of a plan: its check-ins and tracks, the button to compare, the page once made."""
    if pu.user.role not in READERS:
        raise HTTPException(403, "your role may not open this page")
    row = get_plan(st, pu.user, plan_id)
    cks, ups = field.field_records(st, plan_id)
    made = (Path(row.folder) / "actual" / "actual.html").is_file()
    return _page(request, "officer_actual.html", pu, plan=row, checkins=cks, uploads=ups, made=made,
                 jobs=field.actual_jobs(st, plan_id)[:5])


@router.post("/plans/{plan_id}/actual")
def actual_compute(plan_id: int, csrf: str = Form(""), pu: PageUser = PU, st: State = ST) -> Response:
    """Start plan against actual as a job (or join the one running for the plan); its progress page."""
    check_csrf(pu, csrf)
    job = field.start_actual(st, pu.user, plan_id)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/plans/{plan_id}/actual/page")
def actual_file(plan_id: int, pu: PageUser = PU, st: State = ST) -> Response:
    return FileResponse(field.actual_page_file(st, pu.user, plan_id), media_type="text/html")


@router.get("/plans/{plan_id}/posters")
def posters(request: Request, plan_id: int, base_url: str = "", pu: PageUser = PU, st: State = ST) -> Response:
    """QR posters of the plan's vital objects whose codes open the check-in on this server (or ``base_url``)."""
    if pu.user.role not in READERS:
        raise HTTPException(403, "your role may not open this page")
    row = get_plan(st, pu.user, plan_id)
    saved = load_saved_scenario(Path(row.folder))
    if saved is None or saved[0].vital_objects is None:
        raise NotFound()
    scenario = saved[0]
    assert scenario.vital_objects is not None
    objects = sorted(read_vital_objects(scenario.vital_objects, scenario.default_dwell_minutes), key=lambda o: o.id)
    page = posters_html(objects, checkin_url(base_url or str(request.base_url)), pu.lang, scenario.name)
    return HTMLResponse(page)
