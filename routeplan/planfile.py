"""Reading a written plan folder back (``plan.json`` and ``routes.geojson``) for ``brief`` and ``replan``.

A plan folder may be damaged or edited by hand, so what is read back is checked as strictly as a scenario:
every key the readers use must be there with the right type, dates and date-times must parse, ``days`` must
be within 1..62 (as in a scenario) and no text may hold control characters. Anything else is a one-line
:class:`~routeplan.errors.InputError` naming the file and the key, never a traceback.
:func:`read_plan_json` is the one validation both :func:`routeplan.render.briefing.load_plan_dir` and
:func:`routeplan.optimize.weeks.plan_from_files` / :func:`routeplan.optimize.weeks.replan` use.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

from routeplan._checks import check_tree
from routeplan._io import read_text
from routeplan.errors import InputError

#: Longest plan, in days, as ``[plan].days`` of a scenario allows.
MAX_DAYS = 62

_FIX = "the file is damaged or was edited by hand; plan again"


class _Bad(Exception):
    """A value of plan.json at ``path`` is not what routeplan wrote."""

    def __init__(self, path: str, problem: str):
        super().__init__(path, problem)
        self.path, self.problem = path, problem


def _load(path: Path, what: str) -> Any:
    text = read_text(path, what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg}); {_FIX}") from None
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{path}: not usable JSON ({str(exc)[:100]}); {_FIX}") from None


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _get(d: dict, key: str, path: str, kind: type | tuple[type, ...], required: bool = True) -> Any:
    if key not in d:
        if required:
            raise _Bad(path, f"missing '{key}'")
        return None
    v = d[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(v, bool) and bool not in kinds or not isinstance(v, kinds):
        names = " or ".join({"str": "text", "list": "a list", "dict": "an object", "int": "a whole number",
                             "float": "a number"}.get(k.__name__, k.__name__) for k in kinds)
        raise _Bad(_at(path, key), f"{json.dumps(v, ensure_ascii=True, default=str)[:40]} is not {names}")
    if isinstance(v, float) and not math.isfinite(v):
        raise _Bad(_at(path, key), f"{v!r} is not a finite number")
    return v


def _date(d: dict, key: str, path: str) -> None:
    v = _get(d, key, path, str)
    try:
        dt.date.fromisoformat(v)
    except ValueError:
        raise _Bad(_at(path, key), f"{v[:40]!r} is not an ISO date (YYYY-MM-DD)") from None


def _datetime(d: dict, key: str, path: str) -> None:
    v = _get(d, key, path, str)
    try:
        t = dt.datetime.fromisoformat(v)
    except ValueError:
        raise _Bad(_at(path, key), f"{v[:40]!r} is not an ISO date-time") from None
    if t.tzinfo is None:
        raise _Bad(_at(path, key), f"{v[:40]!r} has no UTC offset (e.g. +07:00)")


def _lonlat(d: dict, path: str) -> None:
    lon = _get(d, "lon", path, (int, float))
    lat = _get(d, "lat", path, (int, float))
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise _Bad(path, f"lon {lon} / lat {lat} are not degrees")


def _check_plan(d: Any) -> None:
    if not isinstance(d, dict):
        raise _Bad("", "not a routeplan plan (a JSON object is expected)")
    check_tree(d, "")  # raises InputError naming the key; re-raised below with the file name
    _date(d, "start_date", "")
    days = _get(d, "days", "", int)
    if not 1 <= days <= MAX_DAYS:
        raise _Bad("days", f"{days} is outside 1..{MAX_DAYS}")
    for key in ("seed", "required_visits", "served_required_visits"):
        _get(d, key, "", int, required=False)
    for key in ("scenario", "scenario_file"):
        _get(d, key, "", str, required=False)
    lang = _get(d, "language", "", str, required=False)
    if lang is not None and lang not in ("id", "en"):
        raise _Bad("language", f"{lang[:20]!r} is not id or en")
    _get(d, "solver", "", dict, required=False)
    for i, r in enumerate(_get(d, "routes", "", list)):
        p = f"routes[{i}]"
        if not isinstance(r, dict):
            raise _Bad(p, "is not an object")
        for key in ("unit", "shift", "depot"):
            if not _get(r, key, p, str):
                raise _Bad(f"{p}.{key}", "is empty")
        for key in ("unit_kind", "crew", "depot_name"):
            _get(r, key, p, str, required=False)
        _date(r, "day", p)
        _datetime(r, "start", p)
        _datetime(r, "end", p)
        for key in ("distance_km", "drive_minutes"):
            _get(r, key, p, (int, float), required=False)
        for j, b in enumerate(_get(r, "breaks", p, list, required=False) or []):
            if not isinstance(b, dict):
                raise _Bad(f"{p}.breaks[{j}]", "is not an object")
            _datetime(b, "start", f"{p}.breaks[{j}]")
            _datetime(b, "end", f"{p}.breaks[{j}]")
        for j, s in enumerate(_get(r, "stops", p, list)):
            q = f"{p}.stops[{j}]"
            if not isinstance(s, dict):
                raise _Bad(q, "is not an object")
            for key in ("id", "kind"):
                _get(s, key, q, str)
            for key in ("name", "category", "window", "desa"):
                _get(s, key, q, str, required=False)
            _get(s, "dwell_minutes", q, (int, float), required=False)
            if s.get("risk") is not None:
                _get(s, "risk", q, (int, float))
            _datetime(s, "arrival", q)
            _datetime(s, "departure", q)
            _lonlat(s, q)
    for i, u in enumerate(_get(d, "unserved", "", list, required=False) or []):
        p = f"unserved[{i}]"
        if not isinstance(u, dict):
            raise _Bad(p, "is not an object")
        _get(u, "id", p, str)
        _get(u, "reason", p, str)
        _get(u, "detail", p, str, required=False)
    for i, x in enumerate(_get(d, "depots", "", list, required=False) or []):
        p = f"depots[{i}]"
        if not isinstance(x, dict):
            raise _Bad(p, "is not an object")
        _get(x, "id", p, str)
        _get(x, "name", p, str, required=False)
        _lonlat(x, p)
    for i, x in enumerate(_get(d, "units", "", list, required=False) or []):
        if not isinstance(x, dict):
            raise _Bad(f"units[{i}]", "is not an object")
    for i, x in enumerate(_get(d, "replanned", "", list, required=False) or []):
        if not isinstance(x, dict):
            raise _Bad(f"replanned[{i}]", "is not an object")


def read_plan_json(plan_dir: str | Path) -> dict[str, Any]:
    """Read and check ``plan_dir/plan.json``; see the module docstring.

    Raises
    ------
    InputError
        No plan.json in the folder, or a plan.json that is not what ``routeplan plan`` writes.
    """
    plan_dir = Path(plan_dir)
    pj = plan_dir / "plan.json"
    if not pj.is_file():
        raise InputError(f"{plan_dir}: no plan.json here; give a folder written by 'routeplan plan'")
    d = _load(pj, "plan")
    try:
        _check_plan(d)
    except _Bad as bad:
        raise InputError(f"{pj}{' ' + bad.path if bad.path else ''}: {bad.problem}; {_FIX}") from None
    except InputError as exc:  # control characters: the message names the key
        raise InputError(f"{pj}{exc}") from None
    return d


def read_route_paths(plan_dir: str | Path, required: bool = True) -> dict[tuple[str, str, str], list[tuple[float, float]]]:
    """The road path of every route in ``plan_dir/routes.geojson``, keyed by (unit, day, shift).

    Without the file, an empty mapping when not ``required``; a damaged file is an InputError.
    """
    plan_dir = Path(plan_dir)
    gj = plan_dir / "routes.geojson"
    if not gj.is_file():
        if required:
            raise InputError(f"{plan_dir}: not a plan folder (routes.geojson missing)")
        return {}
    data = _load(gj, "routes")
    feats = data.get("features") if isinstance(data, dict) else None
    if not isinstance(feats, list):
        raise InputError(f"{gj}: not a GeoJSON FeatureCollection; {_FIX}")
    out: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
    for i, f in enumerate(feats):
        where = f"{gj} feature {i}"
        props = f.get("properties") if isinstance(f, dict) else None
        geom = f.get("geometry") if isinstance(f, dict) else None
        if not isinstance(props, dict) or not isinstance(geom, dict):
            raise InputError(f"{where}: needs properties and a geometry; {_FIX}")
        key = tuple(props.get(k) for k in ("unit", "day", "shift"))
        if not all(isinstance(k, str) for k in key):
            raise InputError(f"{where}: properties unit, day and shift must be texts; {_FIX}")
        coords = geom.get("coordinates")
        ok = isinstance(coords, list) and all(
            isinstance(c, list) and len(c) >= 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in c[:2])
            for c in coords)
        if not ok:
            raise InputError(f"{where}: coordinates are not a list of [lon, lat] numbers; {_FIX}")
        out[key] = [(float(c[0]), float(c[1])) for c in coords]  # type: ignore[index]
    return out
