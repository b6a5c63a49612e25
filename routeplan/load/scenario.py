"""The scenario file: area, depots, patrol units, shifts, days, layers, speeds and visit rules.

A scenario is a TOML file; see the README for a full example. :func:`load_scenario` validates it and
raises :class:`~routeplan.errors.InputError` with a one-line message naming the file and the field.
"""

from __future__ import annotations

import datetime as dt
import difflib
import logging
import re
import tomllib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from routeplan._checks import check_tree
from routeplan._io import read_text
from routeplan.errors import InputError
from routeplan.errors import one_line as _one_line
from routeplan.load.patrol import plan_patrol, shift_patrol, unit_patrol
from routeplan.model.layers import CATEGORIES
from routeplan.model.operations import RISK_CLASS_DEFAULTS
from routeplan.model.scenario import (
    HOTSPOT_DWELL_MINUTES,
    RISK_CLASSES,
    UNIT_KINDS,
    WEEKDAYS,
    Area,
    Depot,
    Operation,
    PatrolUnit,
    Scenario,
    Shift,
)

log = logging.getLogger(__name__)

#: Patrol speeds in km/h per OSM highway class and unit kind. Patrol speeds sit below driving speeds
#: because officers look around and stop to talk; motorcycles (R2) use tracks and paths that cars (R4)
#: cannot. A class missing from a kind's table is not used by that kind.
DEFAULT_SPEEDS_KMH: dict[str, dict[str, float]] = {
    "car": {
        "motorway": 60, "trunk": 50, "primary": 40, "secondary": 35, "tertiary": 30,
        "motorway_link": 40, "trunk_link": 35, "primary_link": 30, "secondary_link": 25,
        "tertiary_link": 25, "unclassified": 25, "residential": 20, "living_street": 10,
        "service": 15, "road": 20, "track": 10,
    },
    "motorcycle": {
        "motorway": 50, "trunk": 45, "primary": 40, "secondary": 35, "tertiary": 30,
        "motorway_link": 35, "trunk_link": 35, "primary_link": 30, "secondary_link": 25,
        "tertiary_link": 25, "unclassified": 25, "residential": 20, "living_street": 12,
        "service": 15, "road": 20, "track": 15, "path": 10,
    },
}

#: OSM highway classes that a ``[speeds.car]`` / ``[speeds.motorcycle]`` table may name: those the road
#: loader keeps (:data:`routeplan.load.roads.PATROL_FILTER`).
HIGHWAY_CLASSES: tuple[str, ...] = tuple(dict.fromkeys([*DEFAULT_SPEEDS_KMH["car"], *DEFAULT_SPEEDS_KMH["motorcycle"]]))

#: The keys of every table of a scenario file ("" is the top level; ``depots``, ``shifts``, ``units`` and
#: ``pins`` are the keys of each of their rows). Any other key is refused with a "did you mean" hint.
#: (This module is above 500 lines on purpose: every rule of the scenario file, pins included, is kept here.)
SCENARIO_KEYS: dict[str, tuple[str, ...]] = {
    "": ("name", "area", "plan", "layers", "depots", "shifts", "units", "speeds", "pins", "operations"),
    "area": ("place", "osm_file", "bbox", "boundary", "name"),
    "plan": ("start_date", "days", "language", "utc_offset", "default_dwell_minutes", "hotspot_dwell_minutes",
             "hotspot_value_minutes", "hotspot_target_minutes_per_week", "hotspot_max_stops_per_day",
             "patrol_share", "patrol_tolerance", "dosage_floor"),
    "layers": ("vital_objects", "hotspots", "desa"),
    "depots": ("id", "name", "lat", "lon"),
    "shifts": ("name", "start", "end", "break_minutes", "break_window", "patrol_share", "patrol_minutes"),
    "units": ("id", "kind", "depot", "crew", "shifts", "days", "patrol_share", "patrol_minutes", "standby",
              "unavailable"),
    "pins": ("object", "unit", "date", "time"),
    "operations": ("name", "start", "end", "layers", "visits_per_day", "dwell_minutes", "windows", "risk_classes"),
    "risk_classes": ("visits_per_day", "dwell_minutes"),
}

_TIME_RE = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


def parse_clock(value: Any, where: str) -> int:
    """Parse ``"HH:MM"`` into minutes after midnight (``"24:00"`` is 1440)."""
    if not isinstance(value, str) or not _TIME_RE.match(value.strip()):
        raise InputError(f"{where}: time {value!r} is not HH:MM (e.g. \"06:00\")")
    hh, mm = value.strip().split(":")
    minutes = int(hh) * 60 + int(mm)
    if minutes > 1440:
        raise InputError(f"{where}: time {value!r} is after 24:00")
    return minutes


def parse_window(value: Any, where: str) -> tuple[int, int]:
    """Parse ``"HH:MM-HH:MM"`` into (start, end) minutes; ``end <= start`` means it crosses midnight."""
    if not isinstance(value, str) or value.count("-") != 1:
        raise InputError(f"{where}: time window {value!r} is not \"HH:MM-HH:MM\"")
    a, b = value.split("-")
    start, end = parse_clock(a, where), parse_clock(b, where)
    if start == end:
        raise InputError(f"{where}: time window {value!r} is empty (start equals end)")
    return start, end


def fmt_clock(minutes: int) -> str:
    """Format minutes after midnight as ``HH:MM``."""
    minutes %= 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _require(table: dict, key: str, where: str, kind: type | tuple[type, ...]) -> Any:
    if key not in table:
        raise InputError(f"{where}: missing required field '{key}'")
    value = table[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise InputError(f"{where}: field '{key}' must be {names}, got {value!r}")
    return value


def _check_keys(table: dict, known: Sequence[str], where: str, what: str = "key") -> None:
    """Refuse a key of ``table`` that is not in ``known``, with the closest known one as a hint."""
    for key in table:
        if key in known:
            continue
        name = str(key)[:60]
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"use one of {', '.join(known)}"
        raise InputError(f"{where}: unknown {what} {name!r}; {hint}")


def _id(value: Any, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value).strip() == "":
        raise InputError(f"{where}: id must be a non-empty text, got {value!r}")
    text = str(value).strip()
    if len(text) > 100 or any(c in text for c in "\n\r\t"):
        raise InputError(f"{where}: id {text[:40]!r} is too long or has line breaks")
    return text


def _path(base: Path, value: Any, where: str) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}: must be a file path text")
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base / p)


def _lonlat(table: dict, where: str) -> tuple[float, float]:
    lat = _require(table, "lat", where, (int, float))
    lon = _require(table, "lon", where, (int, float))
    if not (-90 <= lat <= 90) or not (-180 <= lon <= 180):
        raise InputError(f"{where}: lat {lat} / lon {lon} out of range; give WGS84 degrees")
    return float(lon), float(lat)


def parse_days(value: Any, dates: list[dt.date], where: str) -> tuple[int, ...]:
    """Parse a list of weekday names (``mon``..``sun``) or ISO dates into plan-day indices."""
    if value is None:
        return tuple(range(len(dates)))
    if not isinstance(value, list) or not value:
        raise InputError(f"{where}: days must be a non-empty list like [\"mon\", \"thu\"]")
    out: set[int] = set()
    for item in value:
        if not isinstance(item, (str, dt.date)):
            raise InputError(f"{where}: day {item!r} is not a weekday name or ISO date")
        if isinstance(item, dt.date):
            d: dt.date | None = item
        else:
            key = item.strip().lower()[:3]
            if key in WEEKDAYS:
                wd = WEEKDAYS.index(key)
                out.update(i for i, d0 in enumerate(dates) if d0.weekday() == wd)
                continue
            try:
                d = dt.date.fromisoformat(item.strip())
            except ValueError:
                raise InputError(
                    f"{where}: day {item!r} is not a weekday (mon..sun) or ISO date (YYYY-MM-DD)"
                ) from None
        if d in dates:
            out.add(dates.index(d))
    return tuple(sorted(out))


def _check_break(sh: Shift, where: str) -> None:
    """Refuse a break that cannot be taken: longer than its shift, or than its window inside the shift.

    The break is placed as :func:`routeplan.optimize.weekly.plan_week` places it: inside the ``break_window`` on the
    day the shift starts (or the next day, or the day before, for night shifts), clipped to the shift.
    """
    if sh.break_minutes <= 0:
        return
    if sh.break_minutes > sh.length:
        raise InputError(f"{where}.break_minutes: a {sh.break_minutes}-minute break does not fit in shift "
                         f"{sh.name!r} ({fmt_clock(sh.start)}-{fmt_clock(sh.end)}, {sh.length} minutes)")
    if sh.break_window is None:
        return
    s0, s1 = sh.start, sh.start + sh.length
    ws, we = sh.break_window
    wlen = (we - ws) % 1440 or 1440
    window = f"{fmt_clock(ws)}-{fmt_clock(we)}"
    for k in (0, 1, -1):
        a, b = ws + k * 1440, ws + k * 1440 + wlen
        if a < s1 and b > s0:
            break
    else:
        raise InputError(f"{where}.break_window: {window} lies outside shift {sh.name!r} "
                         f"({fmt_clock(sh.start)}-{fmt_clock(sh.end)}); give a window inside the shift")
    inside = min(b, s1) - max(a, s0)
    if inside < sh.break_minutes:
        raise InputError(f"{where}.break_window: {window} leaves {inside} minutes inside shift {sh.name!r} "
                         f"for a {sh.break_minutes}-minute break; widen the window or shorten the break")


def parse_pin(pin: Any, where: str, unit_ids: Collection[str]) -> tuple[str, str, dt.date, int]:
    """Check a ``[[pins]]`` table: its keys, object and unit ids, ISO date and ``HH:MM`` time.

    Parameters
    ----------
    pin
        One entry of the scenario's ``pins``.
    where
        The file and row for messages, e.g. ``"scenario.toml pins[0]"``.
    unit_ids
        The ids of the scenario's units.

    Returns
    -------
    (object id, unit id, date, minute of the day)
        :func:`scenario_from_dict` also checks that the date lies in the plan, :func:`check_pin_objects` that
        the object is in the vital-object layer; only the unit's vehicle at that time is found when planning.

    Raises
    ------
    InputError
        With a one-line message naming the pin and the field at fault.
    """
    if not isinstance(pin, dict):
        raise InputError(f"{where}: must be a table with object, unit, date and time")
    _check_keys(pin, SCENARIO_KEYS["pins"], where)
    for key in ("object", "unit", "date", "time"):
        if key not in pin:
            raise InputError(f"{where}: missing '{key}' (a pin needs object, unit, date and time)")
    oid = _id(pin["object"], where + ".object")
    uid = _id(pin["unit"], where + ".unit")
    if uid not in unit_ids:
        raise InputError(f"{where}: unit {uid!r} is not in [[units]]")
    date = pin["date"]
    if isinstance(date, dt.datetime) or isinstance(date, dt.time):
        raise InputError(f"{where}.date: {date.isoformat()} is a date-time; give the date alone "
                         "(date = 2026-12-01) and the time in 'time'")
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date.strip())
        except ValueError:
            raise InputError(f"{where}.date: {date[:40]!r} is not an ISO date (YYYY-MM-DD)") from None
    elif not isinstance(date, dt.date):
        raise InputError(f"{where}.date: {str(date)[:40]!r} is not an ISO date (YYYY-MM-DD)")
    minute = parse_clock(pin["time"], where + ".time")
    if minute >= 1440:
        raise InputError(f"{where}.time: {pin['time']!r} is the next day's 00:00; give a time from 00:00 to 23:59 "
                         "and the date it falls on")
    return oid, uid, date, minute


def check_pin_objects(scenario: Scenario, object_ids: Collection[str]) -> None:
    """Refuse a pin whose object is not in the vital-object layer; called where the layer is read.

    Parameters
    ----------
    scenario
        A loaded scenario.
    object_ids
        The ids of every object of its vital-object layer (usable or not).

    Raises
    ------
    InputError
        Naming the pin, the missing id and the closest id of the layer.
    """
    ids = sorted(set(object_ids))
    units = {u.id for u in scenario.units}
    for i, pin in enumerate(scenario.pins):
        where = f"{scenario.path} pins[{i}]"
        oid = parse_pin(pin, where, units)[0]
        if oid in object_ids:
            continue
        close = difflib.get_close_matches(oid, ids, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "check the object's id"
        raise InputError(f"{where}.object: {oid[:40]!r} is not in the vital-object layer "
                         f"{scenario.vital_objects}; {hint}")


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario TOML file.

    Parameters
    ----------
    path
        The scenario file. Relative paths inside it are resolved against its folder.

    Returns
    -------
    Scenario

    Raises
    ------
    InputError
        With a one-line message naming the file and field at fault.
    """
    path = Path(path)
    text = read_text(path, "scenario")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({_one_line(exc)}); check quotes, brackets and "
                         "'key = value' lines there") from None
    except (ValueError, RecursionError) as exc:  # too deeply nested, or a number with thousands of digits
        raise InputError(f"{path}: not usable TOML ({_one_line(exc)})") from None
    return scenario_from_dict(raw, path)


def scenario_from_dict(raw: dict[str, Any], path: Path) -> Scenario:
    """Validate a parsed scenario mapping; see :func:`load_scenario`.

    The tables are checked one after the other (area, plan, shifts, depots, units, layers, speeds, the hotspot
    limits of [plan], pins): the first fault found is the one reported.
    """
    base = path.parent
    f = str(path)
    if not isinstance(raw, dict):
        raise InputError(f"{f}: scenario must be a TOML table")
    # every text (names, ids, crews, paths) reaches outputs or file names: no control characters
    for key, value in raw.items():
        check_tree(key, f, "key")  # first: the key names the value's path in the value's message
        check_tree(value, f, f"[{key}]" if isinstance(value, dict) else str(key))
    _check_keys(raw, SCENARIO_KEYS[""], f)
    area = _area(raw, f, base)
    pl = _plan_table(raw, f)
    shifts = _shifts(raw, f)
    depots = _depots(raw, f)
    units = _units(raw, f, shifts, depots, pl.dates)
    vo, hs, desa = _layers(raw, f, base)
    speeds = _speeds(raw, f)
    htarget, hmax = _hotspot_limits(pl.table, f)
    pins = _pins(raw, f, units, pl.dates, vo)
    operations = _operations(raw, f, base)
    pshare, ptol, dfloor = plan_patrol(pl.table, f)
    return Scenario(
        path=path, name=str(raw.get("name", area.name or path.stem)), area=area, depots=depots,
        units=units, shifts=shifts, start_date=pl.start_date, days=pl.days, vital_objects=vo, hotspots=hs,
        desa=desa, speeds_kmh=speeds, default_dwell_minutes=pl.dwell, hotspot_dwell_minutes=pl.hdwell,
        language=pl.language, utc_offset=pl.offset, hotspot_value_minutes=float(pl.hvalue),
        hotspot_target_minutes_per_week=float(htarget), hotspot_max_stops_per_day=hmax, pins=pins,
        operations=operations,
        patrol_share=pshare, patrol_tolerance=ptol, dosage_floor=dfloor,
    )


def _area(raw: dict[str, Any], f: str, base: Path) -> Area:
    """The ``[area]`` table: exactly one of place, osm_file, bbox or boundary."""
    area_t = raw.get("area")
    if not isinstance(area_t, dict):
        raise InputError(f"{f}: missing [area] table (place, osm_file, bbox or boundary)")
    _check_keys(area_t, SCENARIO_KEYS["area"], f"{f} [area]")
    given = [k for k in ("place", "osm_file", "bbox", "boundary") if k in area_t]
    if len(given) != 1:
        raise InputError(
            f"{f}: [area] needs exactly one of place, osm_file, bbox, boundary (got {given or 'none'})"
        )
    kind = given[0]
    name = str(area_t.get("name", ""))
    if kind == "place":
        area = Area(place=_require(area_t, "place", f"{f} [area]", str), name=name)
    elif kind == "osm_file":
        area = Area(osm_file=_path(base, area_t["osm_file"], f"{f} [area].osm_file"), name=name)
    elif kind == "boundary":
        area = Area(boundary=_path(base, area_t["boundary"], f"{f} [area].boundary"), name=name)
    else:
        bb = area_t["bbox"]
        if (not isinstance(bb, list) or len(bb) != 4
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in bb)):
            raise InputError(f"{f} [area].bbox: must be [west, south, east, north] in degrees")
        w, s, e, n = (float(v) for v in bb)
        if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
            raise InputError(f"{f} [area].bbox: {bb} is not [west, south, east, north] with west<east, south<north")
        area = Area(bbox=(w, s, e, n), name=name)
    return area


@dataclass(frozen=True)
class _PlanTable:
    """The checked values of the ``[plan]`` table; its hotspot limits come later (:func:`_hotspot_limits`)."""

    table: dict[str, Any]
    start_date: dt.date
    days: int
    dates: list[dt.date]
    language: str
    dwell: int | None
    hdwell: int
    offset: str
    hvalue: float


def _plan_table(raw: dict[str, Any], f: str) -> _PlanTable:
    """The ``[plan]`` table: start date, days, language, dwell times, UTC offset, hotspot value."""
    plan_t = raw.get("plan", {})
    if not isinstance(plan_t, dict):
        raise InputError(f"{f}: [plan] must be a table")
    _check_keys(plan_t, SCENARIO_KEYS["plan"], f"{f} [plan]")
    sd = plan_t.get("start_date")
    if sd is None:
        today = dt.date.today()
        start_date = today + dt.timedelta(days=(7 - today.weekday()) % 7)  # next Monday
    elif isinstance(sd, dt.date) and not isinstance(sd, dt.datetime):
        start_date = sd
    elif isinstance(sd, str):
        try:
            start_date = dt.date.fromisoformat(sd)
        except ValueError:
            raise InputError(f"{f} [plan].start_date: {sd!r} is not an ISO date (YYYY-MM-DD)") from None
    else:
        raise InputError(f"{f} [plan].start_date: {sd!r} is not an ISO date (YYYY-MM-DD)")
    days = plan_t.get("days", 7)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 62:
        raise InputError(f"{f} [plan].days: must be a whole number from 1 to 62, got {days!r}")
    if start_date.year < 1900 or start_date.year > 9000:
        raise InputError(f"{f} [plan].start_date: {start_date.isoformat()} is not a plausible planning date")
    dates = [start_date + dt.timedelta(days=i) for i in range(days)]
    language = plan_t.get("language", "id")
    if language not in ("id", "en"):
        raise InputError(f"{f} [plan].language: must be \"id\" or \"en\", got {language!r}")
    dwell = plan_t.get("default_dwell_minutes")
    hdwell = plan_t.get("hotspot_dwell_minutes", HOTSPOT_DWELL_MINUTES)
    for key, v in (("default_dwell_minutes", 10 if dwell is None else dwell), ("hotspot_dwell_minutes", hdwell)):
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 480:
            raise InputError(f"{f} [plan].{key}: must be whole minutes from 0 to 480, got {v!r}")
    offset = plan_t.get("utc_offset", "+07:00")
    if not isinstance(offset, str) or not re.match(r"^[+-](0\d|1[0-4]):[0-5]\d$", offset):
        raise InputError(f"{f} [plan].utc_offset: {offset!r} is not like \"+07:00\"")
    hvalue = plan_t.get("hotspot_value_minutes", 60)
    if isinstance(hvalue, bool) or not isinstance(hvalue, (int, float)) or not 0 <= hvalue <= 10000:
        raise InputError(f"{f} [plan].hotspot_value_minutes: must be a number from 0 to 10000")
    return _PlanTable(plan_t, start_date, days, dates, language, dwell, hdwell, offset, hvalue)


def _shifts(raw: dict[str, Any], f: str) -> dict[str, Shift]:
    """The ``[[shifts]]`` rows, by name."""
    shifts_raw = raw.get("shifts")
    if not isinstance(shifts_raw, list) or not shifts_raw:
        raise InputError(f"{f}: no [[shifts]]; add at least one shift with name, start and end")
    shifts: dict[str, Shift] = {}
    for i, s in enumerate(shifts_raw):
        where = f"{f} shifts[{i}]"
        if not isinstance(s, dict):
            raise InputError(f"{where}: must be a table")
        _check_keys(s, SCENARIO_KEYS["shifts"], where)
        sname = _id(_require(s, "name", where, (str, int)), where)
        if sname in shifts:
            raise InputError(f"{where}: duplicate shift name {sname!r}")
        start = parse_clock(_require(s, "start", where, str), where + ".start")
        end = parse_clock(_require(s, "end", where, str), where + ".end")
        if start % 1440 == end % 1440 and not (start == 0 and end == 1440):  # "00:00"-"24:00" is a whole day
            raise InputError(f"{where}: shift {sname!r} starts and ends at the same time")
        bmin = s.get("break_minutes", 0)
        if isinstance(bmin, bool) or not isinstance(bmin, int) or bmin < 0:
            raise InputError(f"{where}.break_minutes: must be whole minutes >= 0")
        bwin = parse_window(s["break_window"], where + ".break_window") if "break_window" in s else None
        pshare, pmin = shift_patrol(s, where)
        shifts[sname] = Shift(sname, start % 1440, end % 1440 if end != 1440 else 0, bmin, bwin, pshare, pmin)
        _check_break(shifts[sname], where)
    return shifts


def _depots(raw: dict[str, Any], f: str) -> dict[str, Depot]:
    """The ``[[depots]]`` rows, by id."""
    depots_raw = raw.get("depots")
    if not isinstance(depots_raw, list) or not depots_raw:
        raise InputError(f"{f}: no [[depots]]; add the Polsek with id, name, lat and lon")
    depots: dict[str, Depot] = {}
    for i, d in enumerate(depots_raw):
        where = f"{f} depots[{i}]"
        if not isinstance(d, dict):
            raise InputError(f"{where}: must be a table")
        _check_keys(d, SCENARIO_KEYS["depots"], where)
        did = _id(_require(d, "id", where, (str, int)), where)
        if did in depots:
            raise InputError(f"{where}: duplicate depot id {did!r}")
        lon, lat = _lonlat(d, where)
        depots[did] = Depot(did, str(d.get("name", did)), lon, lat)
    return depots


def _units(raw: dict[str, Any], f: str, shifts: dict[str, Shift], depots: dict[str, Depot],
           dates: list[dt.date]) -> list[PatrolUnit]:
    """The ``[[units]]`` rows: known kind, depot and shifts; at least one unit works a day of the plan."""
    units_raw = raw.get("units")
    if not isinstance(units_raw, list) or not units_raw:
        raise InputError(f"{f}: no [[units]]; add at least one patrol unit (id, kind, depot)")
    units: list[PatrolUnit] = []
    seen: set[str] = set()
    for i, u in enumerate(units_raw):
        where = f"{f} units[{i}]"
        if not isinstance(u, dict):
            raise InputError(f"{where}: must be a table")
        _check_keys(u, SCENARIO_KEYS["units"], where)
        uid = _id(_require(u, "id", where, (str, int)), where)
        if uid in seen:
            raise InputError(f"{where}: duplicate unit id {uid!r}")
        seen.add(uid)
        ukind = _require(u, "kind", where, str)
        if ukind not in UNIT_KINDS:
            raise InputError(f"{where}: kind {ukind!r} is not one of {', '.join(UNIT_KINDS)}")
        depot = _id(_require(u, "depot", where, (str, int)), where)
        if depot not in depots:
            raise InputError(f"{where}: unit {uid!r} has depot {depot!r}, which is not in [[depots]]")
        ushifts = u.get("shifts", list(shifts))
        if not isinstance(ushifts, list) or not ushifts:
            raise InputError(f"{where}: shifts must be a non-empty list of shift names")
        for sn in ushifts:
            if isinstance(sn, (dict, list)) or str(sn) not in shifts:
                raise InputError(f"{where}: unit {uid!r} works shift {str(sn)[:40]!r}, which is not in [[shifts]]")
        udays = parse_days(u.get("days"), dates, where + ".days")
        if not udays:
            log.warning("%s: unit %r works none of the plan's days", where, uid)
        ushifts = list(dict.fromkeys(str(s) for s in ushifts))
        patrol, standby = unit_patrol(u, where, shifts)
        units.append(PatrolUnit(uid, ukind, depot, tuple(ushifts), udays, str(u.get("crew", "")), patrol, standby,
                                _date_ranges(u.get("unavailable", []), where + ".unavailable")))
    if not any(u.days for u in units):
        raise InputError(f"{f}: no unit works any day of the plan ({dates[0].isoformat()}, {len(dates)} days); "
                         "check the units' days and [plan].start_date")
    return units


def _layers(raw: dict[str, Any], f: str, base: Path) -> tuple[Path | None, Path | None, Path | None]:
    """The ``[layers]`` table: the vital-object, hotspot and desa files (each optional)."""
    layers_t = raw.get("layers", {})
    if not isinstance(layers_t, dict):
        raise InputError(f"{f}: [layers] must be a table")
    _check_keys(layers_t, SCENARIO_KEYS["layers"], f"{f} [layers]")
    vo = _path(base, layers_t["vital_objects"], f"{f} [layers].vital_objects") if "vital_objects" in layers_t else None
    hs = _path(base, layers_t["hotspots"], f"{f} [layers].hotspots") if "hotspots" in layers_t else None
    desa = _path(base, layers_t["desa"], f"{f} [layers].desa") if "desa" in layers_t else None
    return vo, hs, desa


def _speeds(raw: dict[str, Any], f: str) -> dict[str, dict[str, float]]:
    """:data:`DEFAULT_SPEEDS_KMH` with the ``[speeds.car]`` / ``[speeds.motorcycle]`` tables applied."""
    speeds = {k: dict(v) for k, v in DEFAULT_SPEEDS_KMH.items()}
    speeds_t = raw.get("speeds", {})
    if not isinstance(speeds_t, dict):
        raise InputError(f"{f}: [speeds] must be a table of [speeds.car] / [speeds.motorcycle]")
    _check_keys(speeds_t, UNIT_KINDS, f"{f} [speeds]", "unit kind")
    for ukind, table in speeds_t.items():
        if not isinstance(table, dict):
            raise InputError(f"{f} [speeds.{ukind}]: unit kind must be car or motorcycle with a table of km/h")
        _check_keys(table, HIGHWAY_CLASSES, f"{f} [speeds.{ukind}]", "highway class")
        for hw, v in table.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 130:
                raise InputError(f"{f} [speeds.{ukind}].{hw}: speed must be 0-130 km/h (0 = not used), got {v!r}")
            if v == 0:
                speeds[ukind].pop(hw, None)
            else:
                speeds[ukind][hw] = float(v)
    return speeds


def _hotspot_limits(plan_t: dict[str, Any], f: str) -> tuple[float, int]:
    """``[plan]`` hotspot_target_minutes_per_week and hotspot_max_stops_per_day."""
    htarget = plan_t.get("hotspot_target_minutes_per_week", 84)
    if isinstance(htarget, bool) or not isinstance(htarget, (int, float)) or not 0 <= htarget <= 10080:
        raise InputError(f"{f} [plan].hotspot_target_minutes_per_week: must be minutes from 0 to 10080")
    hmax = plan_t.get("hotspot_max_stops_per_day", 16)  # a slot every 90 minutes of the day: no cap
    if isinstance(hmax, bool) or not isinstance(hmax, int) or not 0 <= hmax <= 16:
        raise InputError(f"{f} [plan].hotspot_max_stops_per_day: must be a whole number from 0 to 16")
    return htarget, hmax


def _pins(raw: dict[str, Any], f: str, units: list[PatrolUnit], dates: list[dt.date],
          vo: Path | None) -> list[dict[str, Any]]:
    """The ``[[pins]]`` rows: each on a day of the plan, with a vital-object layer to pin from."""
    pins = raw.get("pins", [])
    if not isinstance(pins, list):
        raise InputError(f"{f}: [[pins]] must be a list of tables")
    for i, pin in enumerate(pins):
        where = f"{f} pins[{i}]"
        date = parse_pin(pin, where, {u.id for u in units})[2]
        if date not in dates:
            raise InputError(f"{where}.date: {date.isoformat()} is outside the plan ({dates[0].isoformat()} .. "
                             f"{dates[-1].isoformat()}); pin a day of [plan] start_date and days")
        if vo is None:
            raise InputError(f"{where}.object: a pin needs the vital-object layer; name it in [layers] vital_objects")
    return pins


def _date(value: Any, where: str) -> dt.date:
    """A TOML date or an ISO date string."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            d = dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            if 1900 <= d.year <= 9000:
                return d
    raise InputError(f"{where}: {str(value)[:40]!r} is not an ISO date (YYYY-MM-DD)")


def _date_ranges(value: Any, where: str) -> tuple[tuple[dt.date, dt.date], ...]:
    """``[["2026-12-04", "2026-12-04"], ...]``: inclusive date ranges, each end on or after its start."""
    if not isinstance(value, list):
        raise InputError(f"{where}: must be a list of [start, end] date pairs, e.g. [[\"2026-12-04\", \"2026-12-05\"]]")
    out = []
    for i, pair in enumerate(value):
        w = f"{where}[{i}]"
        if not isinstance(pair, list) or len(pair) != 2:
            raise InputError(f"{w}: must be a [start, end] pair of dates")
        a, b = _date(pair[0], w), _date(pair[1], w)
        if b < a:
            raise InputError(f"{w}: end {b.isoformat()} is before start {a.isoformat()}")
        out.append((a, b))
    return tuple(out)


def _per_category(op: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    """A ``{category = value}`` table of an operation; categories as in layers."""
    table = op.get(key, {})
    if not isinstance(table, dict):
        raise InputError(f"{where}.{key}: must be a table of category = value, e.g. {{ tps = 2 }}")
    _check_keys(table, list(CATEGORIES), f"{where}.{key}", "category")
    return table


def _operations(raw: dict[str, Any], f: str, base: Path) -> list[Operation]:
    """The ``[[operations]]`` rows: dates in order, known categories, no two operations on one category at once."""
    rows = raw.get("operations", [])
    if not isinstance(rows, list):
        raise InputError(f"{f}: operations must be [[operations]] tables")
    ops: list[Operation] = []
    for i, op in enumerate(rows):
        where = f"{f} operations[{i}]"
        if not isinstance(op, dict):
            raise InputError(f"{where}: must be a table")
        _check_keys(op, SCENARIO_KEYS["operations"], where)
        name = str(_require(op, "name", where, str)).strip()
        if not name:
            raise InputError(f"{where}: name must not be empty")
        start, end = _date(_require(op, "start", where, (str, dt.date)), f"{where}.start"), \
            _date(_require(op, "end", where, (str, dt.date)), f"{where}.end")
        if end < start:
            raise InputError(f"{where} ({name}): end {end.isoformat()} is before start {start.isoformat()}")
        layers = op.get("layers", [])
        if not isinstance(layers, list):
            raise InputError(f"{where}.layers: must be a list of layer files")
        visits = {c: _whole_in(v, f"{where}.visits_per_day.{c}", 0, 24)
                  for c, v in _per_category(op, "visits_per_day", where).items()}
        dwell = {c: _whole_in(v, f"{where}.dwell_minutes.{c}", 1, 480)
                 for c, v in _per_category(op, "dwell_minutes", where).items()}
        windows = {}
        for c, ws in _per_category(op, "windows", where).items():
            if not isinstance(ws, list) or not ws:
                raise InputError(f"{where}.windows.{c}: must be a list like [\"06:00-14:00\"]")
            windows[c] = tuple(parse_window(w, f"{where}.windows.{c}") for w in ws)
        ops.append(Operation(name, start, end, tuple(_path(base, p, f"{where}.layers") for p in layers),
                             visits, dwell, windows, _risk_classes(op, where)))
    for i, a in enumerate(ops):
        for b in ops[i + 1:]:
            common = set(a.categories) & set(b.categories)
            if a.start <= b.end and b.start <= a.end and common:
                raise InputError(f"{f}: operations {a.name!r} and {b.name!r} overlap in dates "
                                 f"({max(a.start, b.start).isoformat()}) on the same category {sorted(common)[0]!r}")
    return ops


def _risk_classes(op: dict[str, Any], where: str) -> dict[str, tuple[int, int]]:
    table = op.get("risk_classes", {})
    if not isinstance(table, dict):
        raise InputError(f"{where}.risk_classes: must be a table, e.g. {{ rawan = {{ visits_per_day = 2 }} }}")
    _check_keys(table, RISK_CLASSES, f"{where}.risk_classes", "risk class")
    out = {}
    for rc, rule in table.items():
        w = f"{where}.risk_classes.{rc}"
        if not isinstance(rule, dict):
            raise InputError(f"{w}: must be a table {{ visits_per_day = N, dwell_minutes = M }}")
        _check_keys(rule, SCENARIO_KEYS["risk_classes"], w)
        dv, dd = RISK_CLASS_DEFAULTS[rc]
        out[rc] = (_whole_in(rule.get("visits_per_day", dv), w + ".visits_per_day", 0, 24),
                   _whole_in(rule.get("dwell_minutes", dd), w + ".dwell_minutes", 1, 480))
    return out


def _whole_in(value: Any, where: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise InputError(f"{where}: must be a whole number from {lo} to {hi}, not {str(value)[:20]!r}")
    return value


def check_operation_dates(scenario: Scenario, days: int) -> None:
    """Refuse an operation that lies wholly outside the ``days`` planned from the scenario's start date."""
    first, last = scenario.start_date, scenario.start_date + dt.timedelta(days=days - 1)
    for op in scenario.operations:
        if op.end < first or op.start > last:
            raise InputError(f"{scenario.path}: operation {op.name!r} ({op.start.isoformat()} to {op.end.isoformat()}) "
                             f"is outside the plan ({first.isoformat()} to {last.isoformat()})")
