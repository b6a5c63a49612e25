"""The inputs a plan was made from, saved in its folder: ``inputs/`` with copies and checksums.

At plan time the scenario file and its layers (vital objects, hotspots, desa, the boundary, and the OSM
file up to ``settings.max_saved_osm_bytes``) are copied into ``PLAN/inputs/``, keeping their places
relative to the scenario file where they lie beside or below it (so ``routeplan plan inputs/scenario.toml``
works), and listed in ``inputs/manifest.json`` with where they came from and their SHA-256.
``routeplan replan`` plans from these copies (:func:`routeplan.pipeline.load_saved_scenario`) and says which
originals changed since.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from routeplan import settings
from routeplan._io import write_json_atomic
from routeplan.errors import InputError
from routeplan.model.scenario import Scenario

#: The folder of a plan that holds the copies, and the manifest in it.
INPUTS = "inputs"
MANIFEST = "manifest.json"
#: Roles of the files a scenario reads, in the manifest's order.
ROLES = ("scenario", "osm_file", "boundary", "vital_objects", "hotspots", "desa", "operation_layer")
#: The one role several files may have: the layers of the scenario's operations.
_MANY = "operation_layer"
_CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    """SHA-256 of a file's bytes, as hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def scenario_files(scenario: Scenario) -> list[tuple[str, Path]]:
    """The files ``scenario`` reads, with their role (only those it names; operation layers one by one)."""
    found = {"scenario": scenario.path, "osm_file": scenario.area.osm_file, "boundary": scenario.area.boundary,
             "vital_objects": scenario.vital_objects, "hotspots": scenario.hotspots, "desa": scenario.desa}
    out = [(role, Path(p)) for role, p in found.items() if p is not None]
    return out + [(_MANY, Path(p)) for op in scenario.operations for p in op.layers]


def _saved_name(role: str, path: Path, base: Path, taken: set[str]) -> str:
    """Where a copy goes in ``inputs/``: its place relative to the scenario's folder if it lies there, else
    ``_other/<role>/<name>``."""
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(base))
    name = Path(rel).as_posix()
    if role == "scenario":
        name = path.name
    if name.startswith("../") or name == ".." or os.path.isabs(rel) or name == MANIFEST or name in taken:
        name = f"_other/{role}/{path.name}"
    return name


def _read_manifest(folder: Path) -> dict[str, Any] | None:
    m = folder / MANIFEST
    if not m.is_file():
        return None
    try:
        data = json.loads(m.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{m}: not readable JSON ({exc}); plan again") from None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not all(
            isinstance(f, dict) and f.get("role") in ROLES and isinstance(f.get("original"), str)
            and isinstance(f.get("sha256"), str) and (f.get("saved") is None or isinstance(f.get("saved"), str))
            for f in files):
        raise InputError(f"{m}: damaged (each of 'files' needs role, original, saved and sha256); plan again")
    return data


def _origins(scenario: Scenario) -> dict[str, dict[str, Any]]:
    """Where each file came from: the manifest's entries when ``scenario`` was loaded from saved inputs
    (by role; an operation layer by its saved name)."""
    manifest = _read_manifest(scenario.path.parent) if scenario.path.parent.name == INPUTS else None
    if manifest is None:
        return {}
    return {f"{_MANY}:{f['saved']}" if f["role"] == _MANY else f["role"]: f for f in manifest["files"]}


def _copy(src: Path, dst: Path, twin: Path | None) -> None:
    """Copy ``src`` to ``dst``; hard-link ``twin`` (a copy of it saved just now) instead where possible.

    Never links to the original itself: a planner editing it in place would change the saved copy.
    """
    if twin is not None and twin.is_file():
        try:
            os.link(twin, dst)
            return
        except OSError:
            pass
    shutil.copyfile(src, dst)


def save_inputs(scenario: Scenario, folder: Path, same_as: Path | None = None) -> Path:
    """Copy the files of ``scenario`` into ``folder/inputs`` and write its manifest; return the manifest's path.

    A scenario loaded from the saved inputs of another plan (``routeplan replan``) keeps the originals
    that plan names, so a later re-plan still compares with the files the planner edits. ``same_as`` is a
    folder just given the same inputs (the first week of ``--weeks``): its copies are hard-linked where the
    file system allows, so N weeks do not hold N copies of the roads.
    """
    dest = Path(folder) / INPUTS
    origins = _origins(scenario)
    base = scenario.path.parent
    taken: set[str] = set()
    entries = []
    for role, path in scenario_files(scenario):
        if not path.is_file():
            continue  # a boundary or OSM file the run did not need to read (place names are cached)
        name: str | None = _saved_name(role, path, base, taken)
        digest = sha256_of(path)
        if role == "osm_file" and path.stat().st_size > settings.max_saved_osm_bytes:
            name = None
        if name is not None:
            taken.add(name)
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            _copy(path, dest / name, None if same_as is None else Path(same_as) / INPUTS / name)
        origin = origins.get(f"{_MANY}:{name}" if role == _MANY else role)
        entries.append({"role": role, "original": origin["original"] if origin else str(Path(os.path.abspath(path))),
                        "saved": name, "sha256": origin["sha256"] if origin else digest,
                        "bytes": path.stat().st_size})
    dest.mkdir(parents=True, exist_ok=True)
    write_json_atomic(dest / MANIFEST, {"tool": "routeplan", "format": 1, "files": entries})
    return dest / MANIFEST


def saved_inputs(plan_dir: Path) -> tuple[dict[str, Path], list[str]] | None:
    """The saved copies of a plan folder's inputs by role, and the originals that changed since (one text each).

    Returns ``None`` for a plan folder without ``inputs/`` (made by an earlier version). A saved copy that
    is missing or differs from its checksum is an :class:`InputError`: the plan folder was edited. An OSM
    file too large to copy is given by its original path, which must not have changed.
    """
    folder = Path(plan_dir) / INPUTS
    manifest = _read_manifest(folder)
    if manifest is None:
        return None
    files = manifest["files"]
    by_role = {f["role"]: f for f in files}
    if "scenario" not in by_role or not by_role["scenario"]["saved"]:
        raise InputError(f"{folder / MANIFEST}: names no saved scenario file; plan again")
    saved: dict[str, Path] = {"scenario_original": Path(by_role["scenario"]["original"])}
    for f in files:
        key = f"{_MANY}:{f['original']}" if f["role"] == _MANY else f["role"]
        if f["saved"] is None:
            saved[key] = Path(f["original"])  # too large to copy: the original is used (and checked below)
            continue
        p = folder / f["saved"]
        if ".." in Path(f["saved"]).parts or Path(f["saved"]).is_absolute():
            raise InputError(f"{folder / MANIFEST}: saved path {f['saved']!r} leaves the inputs folder; plan again")
        if not p.is_file() or sha256_of(p) != f["sha256"]:
            raise InputError(f"{p}: saved input is missing or was edited (checksum differs); plan again from the "
                             "scenario, or restore the file")
        saved[key] = p
    changed = [f for f in files if not Path(f["original"]).is_file() or sha256_of(Path(f["original"])) != f["sha256"]]
    for f in changed:
        if f["saved"] is None:
            raise InputError(f"{f['original']}: changed since the plan was made and was too large to "
                             "keep a copy; plan again")
    return saved, [f"{f['role']} ({f['original']})" for f in changed]
