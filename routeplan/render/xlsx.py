"""``plan.xlsx``: the plan as a workbook for planners (openpyxl).

One sheet per day of the plan (every stop of that day's routes, in unit and visiting order) and a sheet with
one row per route (unit, day, shift, times, stops, distance). Times are real date-time cells in local time,
with the time zone in a column of its own; headers are frozen and filterable. Every text cell is written as
text: a name that starts with ``=`` stays a name, never a formula.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from routeplan._io import write_bytes_atomic
from routeplan.i18n import category_label, t, weekday
from routeplan.model.plan import Plan, Route

#: Number formats of date-time and date cells.
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
#: Column widths are the longest cell of a column, within these bounds (characters).
MIN_WIDTH, MAX_WIDTH = 6, 48
#: Characters spreadsheets read as the start of a formula.
FORMULA_START = ("=", "+", "-", "@")


def timezone_label(t: dt.datetime) -> str:
    """``UTC+07:00`` for a date-time with that offset (``UTC`` when it has none)."""
    off = t.utcoffset()
    if off is None:
        return "UTC"
    minutes = int(off.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _text(value: str) -> str:
    """Text a workbook can hold: control characters XML cannot carry become U+FFFD."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)


def _local(t_: dt.datetime) -> dt.datetime:
    """A date-time cell: the local wall-clock time (spreadsheets have no time zones; the zone is a column)."""
    return t_.replace(tzinfo=None, microsecond=0)


def _put_row(ws: Worksheet, row: int, values: Sequence[Any]) -> None:
    for col, v in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col)
        if isinstance(v, str):
            cell.value = _text(v)
            cell.data_type = "s"  # text, also when it starts with "=": openpyxl would write a formula
            if v[:1] in FORMULA_START:
                cell.quotePrefix = True  # and the spreadsheet keeps it text when the cell is edited
        elif isinstance(v, dt.datetime):
            cell.value = _local(v)
            cell.number_format = DATETIME_FORMAT
        elif isinstance(v, dt.date):
            cell.value = v
            cell.number_format = DATE_FORMAT
        else:
            cell.value = v


def _width(v: Any) -> int:
    if isinstance(v, dt.datetime):
        return len(DATETIME_FORMAT)
    if isinstance(v, dt.date):
        return len(DATE_FORMAT)
    return max((len(line) for line in str(v).splitlines()), default=0) if v is not None else 0


def _table(ws: Worksheet, header: list[str], rows: list[list[Any]]) -> None:
    """Header in bold, frozen and filterable; rows below; column widths from the content."""
    _put_row(ws, 1, header)
    for c in ws[1]:
        c.font = Font(bold=True)
        c.alignment = Alignment(vertical="top", wrap_text=True)
    for i, row in enumerate(rows, start=2):
        _put_row(ws, i, row)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    for col, name in enumerate(header, start=1):
        longest = max([_width(name)] + [_width(r[col - 1]) for r in rows])
        ws.column_dimensions[get_column_letter(col)].width = min(MAX_WIDTH, max(MIN_WIDTH, longest + 2))


def _stop_header(lang: str) -> list[str]:
    return [t("unit", lang), t("shift", lang), t("xl_seq", lang), t("arrival", lang), t("departure", lang),
            t("xl_timezone", lang), t("xl_dwell", lang), t("name", lang), t("category", lang), t("xl_kind", lang),
            t("window", lang), t("xl_desa", lang), "ID", t("xl_lat", lang), t("xl_lon", lang), t("operation_day", lang)]


def _stop_rows(routes: list[Route], lang: str, operation: str = "") -> list[list[Any]]:
    """One row per stop; ``operation`` names the operations of the routes' day (empty on other days)."""
    rows: list[list[Any]] = []
    for r in routes:
        for i, s in enumerate(r.stops, start=1):
            rows.append([r.unit, r.shift, i, s.arrival, s.departure, timezone_label(s.arrival), s.dwell_minutes,
                         s.name, category_label(s.category, lang), t(s.kind, lang), s.window, s.desa, s.id,
                         round(s.lat, 7), round(s.lon, 7), operation])
    return rows


def _route_header(lang: str) -> list[str]:
    return [t("unit", lang), t("xl_kind", lang), t("crew", lang), t("date", lang), t("shift", lang), t("depot", lang),
            t("xl_start", lang), t("xl_end", lang), t("xl_timezone", lang), t("stops", lang), t("xl_km", lang),
            t("xl_drive", lang), t("total_time", lang), t("standby_at", lang)]


def _route_rows(plan: Plan, lang: str) -> list[list[Any]]:
    routes = sorted(plan.routes, key=lambda r: (r.unit, r.start))
    return [[r.unit, t(r.unit_kind, lang) if r.unit_kind in ("car", "motorcycle") else r.unit_kind, r.crew, r.day,
             r.shift, r.depot_name or r.depot, r.start, r.end, timezone_label(r.start), len(r.stops), r.distance_km,
             r.moving_minutes, round(r.patrol_minutes), ", ".join(f"{a:%H:%M}\u2013{b:%H:%M}" for a, b in r.reserve)]
            for r in routes]


def day_sheet_title(day: dt.date, lang: str) -> str:
    """The sheet name of a day: weekday and ISO date (short enough for a sheet tab, no forbidden characters)."""
    return f"{weekday(day, lang)} {day.isoformat()}"


def plan_workbook(plan: Plan, lang: str = "id") -> bytes:
    """The ``plan.xlsx`` bytes of a plan.

    Parameters
    ----------
    plan
        The plan.
    lang
        Language of headers, sheet names and labels (``id`` or ``en``).

    Returns
    -------
    bytes
        An Office Open XML workbook: a sheet per day of the plan (a night shift is under the day it starts;
        its times carry their own date) and a sheet of routes per unit.
    """
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    dates = [plan.start_date + dt.timedelta(days=i) for i in range(plan.days)]
    for day in dates:
        ws = wb.create_sheet(day_sheet_title(day, lang))
        routes = sorted((r for r in plan.routes if r.day == day), key=lambda r: (r.unit, r.start))
        _table(ws, _stop_header(lang), _stop_rows(routes, lang, ", ".join(x.name for x in plan.operations_on(day))))
    ws = wb.create_sheet(t("xl_routes_sheet", lang))
    _table(ws, _route_header(lang), _route_rows(plan, lang))
    stamp = dt.datetime.combine(plan.start_date, dt.time())
    wb.properties.creator = "routeplan"
    wb.properties.created = stamp
    buf = io.BytesIO()
    wb.save(buf)
    return _repeatable(buf.getvalue(), stamp)


def _repeatable(data: bytes, stamp: dt.datetime) -> bytes:
    """The workbook with the clock taken out: openpyxl stamps the save time into ``docProps/core.xml`` and
    every zip entry; both become ``stamp`` (the plan's start), so equal plans give equal bytes."""
    modified = f"<dcterms:modified xsi:type=\"dcterms:W3CDTF\">{stamp:%Y-%m-%dT%H:%M:%SZ}</dcterms:modified>"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"<dcterms:modified[^>]*>[^<]*</dcterms:modified>", modified.encode(), body)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, body)
    return out.getvalue()


def write_workbook(plan: Plan, path: Path, lang: str = "id") -> None:
    """Write :func:`plan_workbook` to ``path`` atomically."""
    write_bytes_atomic(path, plan_workbook(plan, lang))
