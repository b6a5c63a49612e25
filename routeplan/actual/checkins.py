"""Check-ins: a CSV of ``unit, object_id, time[, lat, lon]`` (e.g. exported from QR or barcode scans).

A check-in is evidence of a visit only when it can be trusted: its unit is in the plan, its object is a
planned vital object, its time is inside the plan and, when it has a position, it is within
``actual_checkin_max_m`` of the object. Any other check-in is kept and flagged (``unknown_unit``,
``unknown_object``, ``outside_plan``, ``far``), never silently dropped. A file that cannot be read as such a
table is refused with one line naming the row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass
from pathlib import Path

import routeplan.settings as settings
from routeplan._checks import bad_char
from routeplan._io import check_input_file, read_text
from routeplan.errors import InputError

_REQUIRED = ("unit", "object_id", "time")
_ALIASES = {"object": "object_id", "id": "object_id", "timestamp": "time", "waktu": "time", "latitude": "lat",
            "longitude": "lon", "lng": "lon"}


@dataclass
class CheckIn:
    """One check-in; ``flag`` is empty when it is trusted as evidence."""

    row: int
    unit: str
    object_id: str
    time: dt.datetime
    lat: float | None = None
    lon: float | None = None
    flag: str = ""
    distance_m: float | None = None
    source: str = ""  # the file it was read from


def parse_time(text: str, tz: dt.tzinfo) -> dt.datetime:
    """An ISO date-time (``2026-12-01T07:30``, ``2026-12-01 07:30:15+07:00``, ``...Z``); without an offset it is
    taken in the plan's time zone ``tz``."""
    s = text.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    when = dt.datetime.fromisoformat(s)
    return when if when.tzinfo is not None else when.replace(tzinfo=tz)


def read_checkins(path: str | Path, tz: dt.tzinfo) -> list[CheckIn]:
    """Read a check-in CSV (UTF-8, header row; ``lat``/``lon`` optional).

    Raises
    ------
    InputError
        A missing column, an unreadable time or coordinate, a control character, or no rows.
    """
    path = Path(path)
    check_input_file(path, "check-in", settings.max_track_bytes)
    text = read_text(path, "check-in")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise InputError(f"{path}: the check-in file is empty")
    head = [_ALIASES.get(c.strip().lower(), c.strip().lower()) for c in rows[0]]
    missing = [c for c in _REQUIRED if c not in head]
    if missing:
        raise InputError(f"{path}: check-ins need the columns unit, object_id, time[, lat, lon]; "
                         f"missing {', '.join(missing)}")
    col: dict[str, int] = {c: head.index(c) for c in ("unit", "object_id", "time", "lat", "lon") if c in head}
    out: list[CheckIn] = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        out.append(_row(path, n, row, col, tz))
    if not out:
        raise InputError(f"{path}: no check-in rows under the header")
    return out


def _row(path: Path, n: int, row: list[str], col: dict[str, int], tz: dt.tzinfo) -> CheckIn:
    def cell(name: str) -> str:
        i = col.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    for name in col:
        bad = bad_char(cell(name))
        if bad:
            raise InputError(f"{path} row {n}: '{name}' has a control character ({bad}); retype it")
    unit, obj, when = cell("unit"), cell("object_id"), cell("time")
    if not unit or not obj or not when:
        raise InputError(f"{path} row {n}: unit, object_id and time must all be given")
    try:
        time = parse_time(when, tz)
    except ValueError:
        raise InputError(f"{path} row {n}: time {when[:40]!r} is not a date-time (YYYY-MM-DDTHH:MM)") from None
    lat_s, lon_s = cell("lat"), cell("lon")
    lat = lon = None
    if lat_s or lon_s:
        try:
            lat, lon = float(lat_s), float(lon_s)
        except ValueError:
            raise InputError(f"{path} row {n}: lat {lat_s[:20]!r} / lon {lon_s[:20]!r} are not numbers") from None
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            raise InputError(f"{path} row {n}: lat {lat_s[:20]} / lon {lon_s[:20]} are not degrees")
    return CheckIn(n, unit, obj, time, lat, lon, source=str(path))


def flag_checkins(checkins: list[CheckIn], units: set[str], objects: dict[str, tuple[float, float]],
                  period: tuple[dt.datetime, dt.datetime]) -> None:
    """Set the ``flag`` (and ``distance_m``) of each check-in; ``objects`` maps object id -> (lon, lat).

    Raises
    ------
    InputError
        When no check-in at all is inside the plan's dates (a wrong year or clock, or another week's file).
    """
    if checkins and not any(period[0] <= c.time <= period[1] for c in checkins):
        first = min(c.time for c in checkins).date().isoformat()
        raise InputError(f"{checkins[0].source or 'check-ins'}: every time (from {first}) is outside the plan "
                         f"({period[0].date().isoformat()} .. {period[1].date().isoformat()}); wrong year or clock?")
    for c in checkins:
        if c.unit not in units:
            c.flag = "unknown_unit"
        elif c.object_id not in objects:
            c.flag = "unknown_object"
        elif not period[0] <= c.time <= period[1]:
            c.flag = "outside_plan"
        elif c.lat is not None and c.lon is not None:
            olon, olat = objects[c.object_id]
            c.distance_m = round(metres(c.lon, c.lat, olon, olat), 1)
            if c.distance_m > settings.actual_checkin_max_m:
                c.flag = "far"


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000.0 * math.asin(min(1.0, math.sqrt(a)))
