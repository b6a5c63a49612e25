"""The layer editor: a scenario's vital objects, hotspots or desa on a Leaflet map (add, move, delete, edit
attributes; import GeoJSON / CSV / XLSX; export GeoJSON).

Edits are saved as a whole GeoJSON layer, validated by the library's layer reader before they replace the file,
with the scenario's version as an optimistic lock (the same as the scenario editor's); every save is a row of the
scenario's edit history. Points are moved by dragging; polygons (desa, area hotspots) keep their shape: their
attributes are edited and they are deleted or replaced by an import.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from routeplan.errors import InputError
from routeplan.load.layers import read_desa, read_hotspots, read_vital_objects
from routeplan.model.layers import CATEGORIES
from routeplan.serve import service
from routeplan.serve.auth import same_token
from routeplan.serve.db import audit, transaction
from routeplan.serve.deps import PageUser, State, page_user, state
from routeplan.serve.layerfiles import features_from_upload
from routeplan.serve.models import ScenarioEdit, ScenarioRow, utcnow
from routeplan.serve.pages import render
from routeplan.serve.settings import PLANNERS
from routeplan.serve.storage import folder_checksum, safe_file
from routeplan.serve.storage import validate_folder as validate_scenario

router = APIRouter(include_in_schema=False)
PU = Depends(page_user)
ST = Depends(state)
#: Largest layer accepted from the editor (bytes of JSON).
MAX_LAYER_BYTES = 20 * 1024 * 1024


#: The layers the editor edits: the library's reader and the attributes shown in the form.
LAYERS: dict[str, tuple[Callable[[Path], Sequence[object]], tuple[str, ...]]] = {
    "vital_objects": (read_vital_objects, ("id", "name", "category", "priority", "visits_per_week")),
    "hotspots": (read_hotspots, ("id", "name", "risk", "types", "active_hours")),
    "desa": (read_desa, ("desa", "name", "population")),
}


def _layer_path(row: ScenarioRow, kind: str = "vital_objects") -> Path:
    if kind not in LAYERS:
        raise service.NotFound()
    sc = validate_scenario(Path(row.folder) / "scenario.toml")
    given = getattr(sc, kind)
    if given is None or Path(given).suffix.lower() not in (".geojson", ".json"):
        raise InputError(f"the scenario's {kind} layer is not a GeoJSON file; the map editor edits GeoJSON only "
                         f"(name a .geojson file in [layers] {kind})")
    path = safe_file(Path(row.folder), Path(given).resolve().relative_to(Path(row.folder).resolve()).as_posix())
    if path is None:
        raise service.NotFound()
    return path


def save_layer(st: State, pu: PageUser, scenario_id: int, layer: dict[str, Any], version: int,
               kind: str = "vital_objects") -> ScenarioRow:
    """Validate and store an edited layer; refused when the scenario changed since ``version``."""
    if pu.user.role not in PLANNERS:
        raise service.Forbidden()
    row = service.get_scenario(st, pu.user, scenario_id)
    target = _layer_path(row, kind)
    if not isinstance(layer, dict) or layer.get("type") != "FeatureCollection":
        raise InputError("the layer must be a GeoJSON FeatureCollection")
    trial = target.with_name(".layer-edit" + target.suffix)
    trial.write_text(json.dumps(layer, ensure_ascii=False, indent=1), encoding="utf-8")
    try:
        try:
            n = len(LAYERS[kind][0](trial))
        except InputError as exc:
            raise InputError(str(exc).replace(str(trial), target.name)) from None
        with transaction(st.factory) as db:
            return _commit(db, pu, scenario_id, version, trial, target, n)
    finally:
        trial.unlink(missing_ok=True)


def _commit(db: Session, pu: PageUser, scenario_id: int, version: int, trial: Path, target: Path,
            n: int) -> ScenarioRow:
    fresh = db.get(ScenarioRow, scenario_id, with_for_update=True)
    assert fresh is not None
    if fresh.version != version:
        raise service.StaleVersion(fresh.version, version)
    trial.replace(target)
    fresh.version += 1
    fresh.checksum = folder_checksum(Path(fresh.folder))
    fresh.updated = utcnow()
    db.add(ScenarioEdit(scenario_id=fresh.id, version=fresh.version, what=f"{target.name}: {n} features",
                        by=pu.user.name, checksum=fresh.checksum))
    audit(db, pu.user.name, "layer_edit", f"{fresh.id} v{fresh.version} {target.name}")
    return fresh


def _page(request: Request, pu: PageUser, st: State, scenario_id: int, kind: str, status: int = 200,
          error: str = "") -> Response:
    row = service.get_scenario(st, pu.user, scenario_id)
    path = _layer_path(row, kind)
    base = "objects" if kind == "vital_objects" else f"layers/{kind}"
    history = [e for e in service.list_edits(st, scenario_id) if e.what.startswith(path.name + ":")]
    return render(request, "objects.html", pu, status, scenario=row, categories=sorted(CATEGORIES), error=error,
                  kind=kind, fields=LAYERS[kind][1], base=f"/scenarios/{scenario_id}/{base}", history=history,
                  kinds=list(LAYERS))


def _layer_json(st: State, pu: PageUser, scenario_id: int, kind: str, download: int) -> Response:
    row = service.get_scenario(st, pu.user, scenario_id)
    path = _layer_path(row, kind)
    if download:
        return Response(path.read_bytes(), media_type="application/geo+json",
                        headers={"Content-Disposition": f'attachment; filename="{path.name}"'})
    return JSONResponse({"version": row.version, "layer": json.loads(path.read_text(encoding="utf-8")),
                         "desa": _desa(row) if kind != "desa" else None})


async def _import(request: Request, pu: PageUser, st: State, scenario_id: int, kind: str, file: UploadFile,
                  csrf: str, version: int) -> Response:
    if not same_token(pu.session.csrf, csrf):
        raise HTTPException(403, "the form's CSRF token is missing or wrong; reload the page")
    data = await file.read(MAX_LAYER_BYTES + 1)
    if len(data) > MAX_LAYER_BYTES:
        raise HTTPException(413, f"the layer is above the {MAX_LAYER_BYTES}-byte limit")
    row = service.get_scenario(st, pu.user, scenario_id)
    try:
        if pu.user.role not in PLANNERS:
            raise service.Forbidden()
        layer = features_from_upload(data, file.filename or "", kind.replace("_", " "), Path(row.folder))
        save_layer(st, pu, scenario_id, layer, version, kind)
    except InputError as exc:
        status = 409 if isinstance(exc, service.StaleVersion) else 400
        return _page(request, pu, st, scenario_id, kind, status, str(exc))
    base = "objects" if kind == "vital_objects" else f"layers/{kind}"
    return RedirectResponse(f"/scenarios/{scenario_id}/{base}", status_code=303)


async def _save(request: Request, pu: PageUser, st: State, scenario_id: int, kind: str) -> Response:
    if not same_token(pu.session.csrf, request.headers.get("x-csrf-token")):
        raise HTTPException(403, "the CSRF token is missing or wrong; reload the page")
    body = await request.body()
    if len(body) > MAX_LAYER_BYTES:
        raise HTTPException(413, f"the layer is above the {MAX_LAYER_BYTES}-byte limit")
    try:
        data = json.loads(body)
        layer, version = data["layer"], int(data["version"])
    except (ValueError, KeyError, TypeError):
        return JSONResponse({"error": "the request is not a JSON object {version, layer}"}, status_code=400)
    try:
        row = save_layer(st, pu, scenario_id, layer, version, kind)
    except InputError as exc:
        status = 409 if isinstance(exc, service.StaleVersion) else 400
        return JSONResponse({"error": str(exc)}, status_code=status)
    return JSONResponse({"version": row.version})


@router.get("/scenarios/{scenario_id}/objects")
def editor_page(request: Request, scenario_id: int, pu: PageUser = PU, st: State = ST) -> Response:
    return _page(request, pu, st, scenario_id, "vital_objects")


@router.get("/scenarios/{scenario_id}/layers/{kind}")
def layer_page(request: Request, scenario_id: int, kind: str, pu: PageUser = PU, st: State = ST) -> Response:
    return _page(request, pu, st, scenario_id, kind)


@router.get("/scenarios/{scenario_id}/objects.geojson")
def layer(scenario_id: int, download: int = 0, pu: PageUser = PU, st: State = ST) -> Response:
    """The layer with the scenario's version for the editor, or (``?download=1``) the GeoJSON file itself."""
    return _layer_json(st, pu, scenario_id, "vital_objects", download)


@router.get("/scenarios/{scenario_id}/layers/{kind}/geojson")
def any_layer(scenario_id: int, kind: str, download: int = 0, pu: PageUser = PU, st: State = ST) -> Response:
    """As :func:`layer`, for the layer ``kind`` (vital_objects, hotspots, desa)."""
    return _layer_json(st, pu, scenario_id, kind, download)


def _desa(row: ScenarioRow) -> dict[str, Any] | None:
    """The scenario's desa polygons (GeoJSON) as the editor's background, when it has them."""
    sc = validate_scenario(Path(row.folder) / "scenario.toml")
    if sc.desa is None or Path(sc.desa).suffix.lower() not in (".geojson", ".json"):
        return None
    rel = Path(sc.desa).resolve().relative_to(Path(row.folder).resolve()).as_posix()
    path = safe_file(Path(row.folder), rel)
    if path is None or path.stat().st_size > MAX_LAYER_BYTES:
        return None
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return data


@router.post("/scenarios/{scenario_id}/objects/import")
async def import_layer(request: Request, scenario_id: int, file: UploadFile, csrf: str = Form(""),
                       version: int = Form(-1), pu: PageUser = PU, st: State = ST) -> Response:
    """Replace the vital-object layer by an uploaded GeoJSON, CSV or XLSX file (validated like an edit on the map)."""
    return await _import(request, pu, st, scenario_id, "vital_objects", file, csrf, version)


@router.post("/scenarios/{scenario_id}/layers/{kind}/import")
async def import_any(request: Request, scenario_id: int, kind: str, file: UploadFile, csrf: str = Form(""),
                     version: int = Form(-1), pu: PageUser = PU, st: State = ST) -> Response:
    return await _import(request, pu, st, scenario_id, kind, file, csrf, version)


@router.post("/scenarios/{scenario_id}/objects.geojson")
async def save(request: Request, scenario_id: int, pu: PageUser = PU, st: State = ST) -> Response:
    return await _save(request, pu, st, scenario_id, "vital_objects")


@router.post("/scenarios/{scenario_id}/layers/{kind}/geojson")
async def save_any(request: Request, scenario_id: int, kind: str, pu: PageUser = PU, st: State = ST) -> Response:
    return await _save(request, pu, st, scenario_id, kind)
