"""The ASGI app of ``routeplan serve``: database, job pool, API, pages and static assets from installed packages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

import xstatic.pkg.leaflet as xleaflet
from fastapi import FastAPI, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from routeplan.errors import InputError
from routeplan.serve import analysis, api, diff, editor, officer, pages
from routeplan.serve.db import make_engine, migrate, session_factory
from routeplan.serve.deps import LoginRequired, State
from routeplan.serve.jobs import JobRunner
from routeplan.serve.service import Forbidden, NotFound, StaleVersion
from routeplan.serve.settings import ServeConfig
from routeplan.serve.storage import TooLarge

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"


def open_state(cfg: ServeConfig) -> State:
    """Create the data folder, bring the database to the newest schema and make the job runner."""
    cfg.data.mkdir(parents=True, exist_ok=True)
    engine = make_engine(cfg.db_url)
    migrate(engine)
    factory = session_factory(engine)
    return State(cfg=cfg, factory=factory, jobs=JobRunner(cfg.db_url, factory, cfg.plans_dir, cfg.workers,
                                                                 scheduler=cfg.scheduler))


def _error(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=status)
    return PlainTextResponse(message, status_code=status)


def create_app(cfg: ServeConfig) -> FastAPI:
    """The app for one data folder; jobs left running by a previous process are marked failed at start."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        st = open_state(cfg)
        n = st.jobs.fail_interrupted()
        if n:
            log.warning("%d plan job(s) of a previous server process marked failed", n)
        app.state.rp = st
        try:
            yield
        finally:
            st.jobs.shutdown()

    app = FastAPI(title="routeplan", lifespan=lifespan, docs_url="/api/docs", redoc_url=None,
                  openapi_url="/api/openapi.json")
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(editor.router)
    app.include_router(diff.router)
    app.include_router(analysis.router)
    app.include_router(officer.router)
    app.mount("/static/leaflet", StaticFiles(directory=xleaflet.BASE_DIR), name="leaflet")
    app.mount("/static/app", StaticFiles(directory=STATIC), name="app-static")

    @app.get("/favicon.ico", include_in_schema=False)
    async def _favicon() -> Response:
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        # a page opened without a session (a scanned QR poster, a shared link) is opened again after logging in
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET" or target == "/":
            return RedirectResponse("/login", status_code=303)
        return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return _error(request, 403, "your role may not do this")

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        return _error(request, 404, "not found")

    @app.exception_handler(InputError)
    async def _bad_input(request: Request, exc: InputError) -> Response:
        status = 413 if isinstance(exc, TooLarge) else 409 if isinstance(exc, StaleVersion) else 400
        return _error(request, status, str(exc))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        resp = _error(request, exc.status_code, str(exc.detail))
        for k, v in (exc.headers or {}).items():
            resp.headers[k] = v
        return resp

    @app.middleware("http")
    async def _headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        size = request.headers.get("content-length", "")
        if request.method == "POST" and size.isdigit() and int(size) > cfg.max_upload_bytes + 64 * 1024:
            return _error(request, 413, f"the upload is above the {cfg.max_upload_bytes}-byte limit")
        resp = await call_next(request)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        return resp

    return app
