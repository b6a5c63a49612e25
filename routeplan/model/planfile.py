"""``plan.json``: the one reader and writer of the plan file (and the reader of ``routes.geojson``).

:func:`plan_to_dict` / :func:`write_plan_json` write a :class:`~routeplan.model.plan.Plan`, with a
``schema_version``; :func:`read_plan` reads a plan folder back into a :class:`~routeplan.model.plan.Plan`.
A ``plan.json`` without ``schema_version`` (written before it existed) reads as version 1; a newer or
unknown version is refused with one line.

A plan folder may be damaged or edited by hand, so what is read back is checked as strictly as a scenario:
every key the readers use must be there with the right type, dates and date-times must parse, ``days`` must
be within 1..62 (as in a scenario) and no text may hold control characters. Anything else is a one-line
:class:`~routeplan.errors.InputError` naming the file and the key, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any, cast

import routeplan.settings as settings
from routeplan._checks import check_tree
from routeplan._io import read_text, write_json_atomic
from routeplan.errors import InputError
from routeplan.model.plan import DayOperation, Plan, Route, ShiftPatrol, Unserved, Visit
from routeplan.model.scenario import Depot, PatrolUnit

#: The version of the plan.json format this routeplan writes, and the newest it reads.
SCHEMA_VERSION = 1

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


def _get(d: dict[str, Any], key: str, path: str, kind: type | tuple[type, ...], required: bool = True) -> Any:
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


def _date(d: dict[str, Any], key: str, path: str) -> None:
    v = _get(d, key, path, str)
    try:
        dt.date.fromisoformat(v)
    except ValueError:
        raise _Bad(_at(path, key), f"{v[:40]!r} is not an ISO date (YYYY-MM-DD)") from None


def _datetime(d: dict[str, Any], key: str, path: str) -> None:
    v = _get(d, key, path, str)
    try:
        t = dt.datetime.fromisoformat(v)
    except ValueError:
        raise _Bad(_at(path, key), f"{v[:40]!r} is not an ISO date-time") from None
    if t.tzinfo is None:
        raise _Bad(_at(path, key), f"{v[:40]!r} has no UTC offset (e.g. +07:00)")


def _lonlat(d: dict[str, Any], path: str) -> None:
    lon = _get(d, "lon", path, (int, float))
    lat = _get(d, "lat", path, (int, float))
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise _Bad(path, f"lon {lon} / lat {lat} are not degrees")


def _check_route(r: Any, p: str) -> None:
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
    for key in ("breaks", "reserve"):  # reserve: optional, absent in plans written before it was kept
        for j, b in enumerate(_get(r, key, p, list, required=False) or []):
            if not isinstance(b, dict):
                raise _Bad(f"{p}.{key}[{j}]", "is not an object")
            _datetime(b, "start", f"{p}.{key}[{j}]")
            _datetime(b, "end", f"{p}.{key}[{j}]")
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
        _check_route(r, f"routes[{i}]")
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
        p = f"units[{i}]"
        if not isinstance(x, dict):
            raise _Bad(p, "is not an object")
        _get(x, "id", p, str)
        for key in ("kind", "depot", "crew"):
            _get(x, key, p, str, required=False)
    for i, x in enumerate(_get(d, "replanned", "", list, required=False) or []):
        if not isinstance(x, dict):
            raise _Bad(f"replanned[{i}]", "is not an object")
    for i, x in enumerate(_get(d, "patrol", "", list, required=False) or []):
        _check_patrol(x, f"patrol[{i}]")
    for i, x in enumerate(_get(d, "operations", "", list, required=False) or []):
        _check_operation(x, f"operations[{i}]")


def _check_operation(x: Any, p: str) -> None:
    """One entry of the optional ``operations`` list: an operation active on one day of the plan."""
    if not isinstance(x, dict):
        raise _Bad(p, "is not an object")
    _date(x, "day", p)
    if not _get(x, "name", p, str):
        raise _Bad(f"{p}.name", "is empty")
    for j, c in enumerate(_get(x, "categories", p, list, required=False) or []):
        if not isinstance(c, str):
            raise _Bad(f"{p}.categories[{j}]", "is not text")


def _check_patrol(x: Any, p: str) -> None:
    """One entry of the optional ``patrol`` list (a plan written before patrol targets has none)."""
    if not isinstance(x, dict):
        raise _Bad(p, "is not an object")
    for key in ("unit", "shift"):
        _get(x, key, p, str)
    _date(x, "day", p)
    if x.get("target_minutes") is not None:  # null: on standby
        _get(x, "target_minutes", p, int)
    for key in ("patrol_minutes", "longest_stretch_minutes"):
        _get(x, key, p, (int, float))
    _get(x, "stops", p, int)
    for key in ("reason", "detail"):
        _get(x, key, p, str, required=False)


def _check_version(d: Any, pj: Path) -> None:
    """Refuse a plan.json of another format version; one without ``schema_version`` is version 1."""
    if not isinstance(d, dict) or "schema_version" not in d:
        return
    v = d["schema_version"]
    if isinstance(v, bool) or not isinstance(v, int):
        raise InputError(f"{pj} schema_version: {json.dumps(v, ensure_ascii=True, default=str)[:40]} is not a "
                         f"whole number; {_FIX}")
    if v > SCHEMA_VERSION:
        raise InputError(f"{pj}: schema_version {v} is newer than this routeplan reads ({SCHEMA_VERSION}); "
                         "update routeplan or plan again")
    if v < 1:
        raise InputError(f"{pj}: schema_version {v} is not a routeplan plan format (1..{SCHEMA_VERSION}); {_FIX}")


def read_plan_json(plan_dir: str | Path) -> dict[str, Any]:
    """Read and check ``plan_dir/plan.json`` as a mapping; see the module docstring.

    Parameters
    ----------
    plan_dir
        A folder written by ``routeplan plan``.

    Returns
    -------
    dict
        The checked content of plan.json.

    Raises
    ------
    InputError
        No plan.json in the folder, a plan.json of another format version, or one that is not what
        ``routeplan plan`` writes.
    """
    plan_dir = Path(plan_dir)
    pj = plan_dir / "plan.json"
    if not pj.is_file():
        raise InputError(f"{plan_dir}: no plan.json here; give a folder written by 'routeplan plan'")
    d: dict[str, Any] = _load(pj, "plan")
    _check_version(d, pj)
    try:
        _check_plan(d)
    except _Bad as bad:
        raise InputError(f"{pj}{' ' + bad.path if bad.path else ''}: {bad.problem}; {_FIX}") from None
    except InputError as exc:  # control characters: the message names the key
        raise InputError(f"{pj}{exc}") from None
    return d


def read_plan(plan_dir: str | Path, *, paths_required: bool = True) -> Plan:
    """Read a plan folder (``plan.json`` and ``routes.geojson``) back into a :class:`~routeplan.model.plan.Plan`.

    Parameters
    ----------
    plan_dir
        A folder written by ``routeplan plan`` (or a week folder of ``--weeks``).
    paths_required
        Refuse a folder without ``routes.geojson``; otherwise its routes have no road path.

    Returns
    -------
    Plan
        With what plan.json keeps: a stop's ``node`` and a route's ``legs_s`` are not kept, times and
        coordinates are as rounded in the files.

    Raises
    ------
    InputError
        A missing, damaged or hand-edited plan.json or routes.geojson, or plan.json of a newer format.
    """
    plan_dir = Path(plan_dir)
    d = read_plan_json(plan_dir)  # checked: every key read below is there with its type
    paths = read_route_paths(plan_dir, required=paths_required)
    return plan_from_dict(d, paths)


def plan_from_dict(d: dict[str, Any], paths: dict[tuple[str, str, str], list[tuple[float, float]]] | None = None) -> Plan:
    """Build a :class:`Plan` from a plan.json mapping checked by :func:`read_plan_json`.

    Parameters
    ----------
    d
        The checked mapping.
    paths
        Road paths by (unit, day, shift), as :func:`read_route_paths` gives them.

    Returns
    -------
    Plan
    """
    paths = paths or {}
    routes = [_route(r, paths.get((r["unit"], r["day"], r["shift"]), [])) for r in d["routes"]]
    depots = d.get("depots")
    units = d.get("units")
    return Plan(
        scenario=d.get("scenario", ""), start_date=dt.date.fromisoformat(d["start_date"]), days=d["days"],
        seed=d.get("seed", 0), routes=routes,
        unserved=[Unserved(u["id"], u["reason"], u.get("detail", "")) for u in d.get("unserved") or []],
        required_visits=d.get("required_visits", 0), served_required=d.get("served_required_visits", 0),
        solver=dict(d.get("solver") or {}), utc_offset=_utc_offset(routes), scenario_file=d.get("scenario_file", ""),
        replanned=list(d.get("replanned") or []), language=d.get("language"),
        depots=None if depots is None else [Depot(x["id"], x.get("name", x["id"]), float(x["lon"]), float(x["lat"]))
                                            for x in depots],
        units=None if units is None else [PatrolUnit(x["id"], x.get("kind", ""), x.get("depot", ""), (), (),
                                                     x.get("crew", "")) for x in units],
        patrol=[ShiftPatrol(x["unit"], dt.date.fromisoformat(x["day"]), x["shift"], x.get("target_minutes"),
                            float(x["patrol_minutes"]), x["stops"], float(x["longest_stretch_minutes"]),
                            x.get("reason", ""), x.get("detail", "")) for x in d.get("patrol") or []],
        operations=[DayOperation(dt.date.fromisoformat(x["day"]), x["name"], tuple(x.get("categories") or ()))
                    for x in d.get("operations") or []],
    )


def _route(r: dict[str, Any], path: list[tuple[float, float]]) -> Route:
    stops = [Visit(
        id=s["id"], kind=s["kind"], name=s.get("name", s["id"]), category=s.get("category", ""),
        arrival=dt.datetime.fromisoformat(s["arrival"]), departure=dt.datetime.fromisoformat(s["departure"]),
        lon=float(s["lon"]), lat=float(s["lat"]), dwell_minutes=int(s.get("dwell_minutes", 0)),
        window=s.get("window", ""), desa=s.get("desa", ""), risk=s.get("risk"),
    ) for s in r["stops"]]
    return Route(
        unit=r["unit"], unit_kind=r.get("unit_kind", ""), crew=r.get("crew", ""),
        day=dt.date.fromisoformat(r["day"]), shift=r["shift"], depot=r["depot"],
        depot_name=r.get("depot_name", r["depot"]), start=dt.datetime.fromisoformat(r["start"]),
        end=dt.datetime.fromisoformat(r["end"]), stops=stops, distance_m=float(r.get("distance_km", 0)) * 1000,
        drive_s=float(r.get("drive_minutes", 0)) * 60, path=path,
        breaks=[(dt.datetime.fromisoformat(b["start"]), dt.datetime.fromisoformat(b["end"]))
                for b in r.get("breaks") or []],
        reserve=[(dt.datetime.fromisoformat(b["start"]), dt.datetime.fromisoformat(b["end"]))
                 for b in r.get("reserve") or []],
    )


def _utc_offset(routes: list[Route]) -> str:
    """Return the plan's UTC offset as ``+HH:MM``, from its first route (plan.json keeps it in every date-time)."""
    off = routes[0].start.utcoffset() if routes else None
    if off is None:
        return settings.default_utc_offset
    minutes = int(off.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _iso(t: dt.datetime) -> str:
    return t.isoformat(timespec="seconds")


def _route_dict(r: Route) -> dict[str, Any]:
    return {
        "unit": r.unit, "unit_kind": r.unit_kind, "day": r.day.isoformat(), "shift": r.shift,
        "depot": r.depot, "start": _iso(r.start), "end": _iso(r.end),
        "distance_km": r.distance_km, "drive_minutes": r.drive_minutes,
        "breaks": [{"start": _iso(a), "end": _iso(b), "place": r.depot} for a, b in r.breaks],
        **({"reserve": [{"start": _iso(a), "end": _iso(b), "place": r.depot} for a, b in r.reserve]} if r.reserve else {}),
        "stops": [
            {"id": s.id, "kind": s.kind, "name": s.name, "category": s.category,
             "arrival": _iso(s.arrival), "departure": _iso(s.departure),
             "dwell_minutes": s.dwell_minutes, "window": s.window, "desa": s.desa,
             "lon": round(s.lon, 7), "lat": round(s.lat, 7)}
            for s in r.stops
        ],
        "crew": r.crew, "depot_name": r.depot_name,
    }


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """Return the ``plan.json`` structure of a plan (ISO dates and date-times, rounded distances and coordinates).

    Parameters
    ----------
    plan
        The plan.

    Returns
    -------
    dict
        JSON-ready; the field order is part of the format. The solver's wall-clock runtime is left out, so
        that equal inputs and seed give equal bytes.
    """
    d: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "scenario": plan.scenario,
        "scenario_file": plan.scenario_file,
        "start_date": plan.start_date.isoformat(),
        "days": plan.days,
        "seed": plan.seed,
        "required_visits": plan.required_visits,
        "served_required_visits": plan.served_required,
        "routes": [_route_dict(r) for r in plan.routes],
        "unserved": [{"id": u.id, "reason": u.reason, "detail": u.detail} for u in plan.unserved],
        "replanned": plan.replanned,
        "solver": {k: v for k, v in plan.solver.items() if k != "runtime_s"},
    }
    if plan.language is not None:
        d["language"] = plan.language
    if plan.depots is not None:
        d["depots"] = [{"id": x.id, "name": x.name, "lon": round(x.lon, 7), "lat": round(x.lat, 7)} for x in plan.depots]
    if plan.units is not None:
        d["units"] = [{"id": u.id, "kind": u.kind, "depot": u.depot, "crew": u.crew} for u in plan.units]
    if plan.patrol:
        d["patrol"] = [{"unit": x.unit, "day": x.day.isoformat(), "shift": x.shift, "target_minutes": x.target_minutes,
                        "patrol_minutes": x.patrol_minutes, "stops": x.stops,
                        "longest_stretch_minutes": x.longest_stretch_minutes, "reason": x.reason, "detail": x.detail}
                       for x in plan.patrol]
    if plan.operations:
        d["operations"] = [{"day": x.day.isoformat(), "name": x.name, "categories": list(x.categories)}
                           for x in plan.operations]
    return d


def write_plan_json(plan: Plan, folder: str | Path) -> Path:
    """Write ``folder/plan.json`` atomically (see :func:`plan_to_dict`) and return its path."""
    path = Path(folder) / "plan.json"
    write_json_atomic(path, plan_to_dict(plan))
    return path


def read_route_paths(plan_dir: str | Path, required: bool = True) -> dict[tuple[str, str, str], list[tuple[float, float]]]:
    """Return the road path of every route in ``plan_dir/routes.geojson``, keyed by (unit, day, shift).

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
        if not ok or not isinstance(coords, list):
            raise InputError(f"{where}: coordinates are not a list of [lon, lat] numbers; {_FIX}")
        out[cast(tuple[str, str, str], key)] = [(float(c[0]), float(c[1])) for c in coords]  # texts: checked above
    return out
