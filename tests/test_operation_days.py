"""Weeks across an operation (#17 "Done when") and what each day's outputs say of it and of the reserve (#12).

One planning for the whole file: the sample with its Pilkades operation (3-5 Dec) over the three weeks around
it (23 Nov - 13 Dec) at a small search budget, and the operation week written as a plan folder.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import io
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import openpyxl
import pytest

import routeplan
from routeplan.load.layers import read_vital_objects
from routeplan.model.planfile import plan_from_dict, plan_to_dict, read_plan, read_plan_json
from routeplan.prepare.context import _operation_objects, capacity_warnings
from routeplan.render.briefing import render_briefings, render_pdfs
from routeplan.render.maps import FILTER_CSS
from routeplan.render.xlsx import day_sheet_title
from routeplan.report.operations import operation_lines
from routeplan.report.scorecard import score_plan

pypdf = pytest.importorskip("pypdf", reason="pypdf not installed (pip install -e .[test])")

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
OP = "Pengamanan Pilkades"
OP_DAYS = {dt.date(2026, 12, 3), dt.date(2026, 12, 4), dt.date(2026, 12, 5)}
WEEKS = 3
ITERATIONS = 50


def _earlier(path: Path) -> routeplan.Scenario:
    sc = routeplan.load_scenario(path)
    return dataclasses.replace(sc, start_date=sc.start_date - dt.timedelta(days=7))


@pytest.fixture(scope="module")
def weeks():
    """The three weeks around the operation (before, during, after): a month of five weeks takes about 2.5
    minutes on the 2-core CI machine even at 50 iterations (the cost is per week, not per iteration), three
    weeks show the same boundaries (a week before, the operation's week, a week after) at 60 % of it."""
    plans, ctx = routeplan.plan_weeks(_earlier(SAMPLE / "scenario_operasi.toml"), WEEKS, seed=1, time_limit=120,
                                      max_iterations=ITERATIONS)
    return plans, ctx


@pytest.fixture(scope="module")
def folder(weeks, tmp_path_factory):
    plans, ctx = weeks
    out = tmp_path_factory.mktemp("opweek") / "plan"
    routeplan.write_plan(plans[1], ctx, out)
    return out


def _per_day(plans, pred, value=lambda s: 1) -> dict[dt.date, float]:
    out: dict[dt.date, float] = defaultdict(float)
    for p in plans:
        for r in p.routes:
            for s in r.stops:
                if pred(s):
                    out[s.arrival.date()] += value(s)
    return out


def test_weeks_across_the_operation(weeks):
    plans, ctx = weeks
    before, during, after = plans
    assert [p.start_date for p in plans] == [dt.date(2026, 11, 23), dt.date(2026, 11, 30), dt.date(2026, 12, 7)]
    assert before.operations == [] and after.operations == []
    assert [(x.day, x.name, x.categories) for x in during.operations] == [(d, OP, ("pasar", "tps")) for d in sorted(OP_DAYS)]
    # the weeks outside ask exactly what the scenario without the operation asks (the count is set before
    # the search, so one iteration suffices for the baseline)
    base, _ = routeplan.plan_weeks(_earlier(SAMPLE / "scenario.toml"), 1, seed=1, time_limit=60, max_iterations=1)
    assert before.required_visits == after.required_visits == base[0].required_visits
    assert during.required_visits > base[0].required_visits
    # TPS presence only on the operation's days; markets get more presence on them than on any other day
    tps = {o.id for o in ctx.objects if o.operation}
    tps_days = _per_day(plans, lambda s: s.id in tps)
    assert set(tps_days) == OP_DAYS
    minutes = lambda s: (s.departure - s.arrival).total_seconds() / 60  # noqa: E731
    market = _per_day(plans, lambda s: s.category == "pasar", minutes)
    markets = [o for o in ctx.objects if o.category == "pasar"]
    visits = Counter((s.id, s.arrival.date()) for p in plans for r in p.routes for s in r.stops if s.category == "pasar")
    for d in OP_DAYS:
        assert all(visits[(o.id, d)] == 1 for o in markets), d
    other = [market.get(d, 0.0) for p in plans for d in (p.start_date + dt.timedelta(days=i) for i in range(7))
             if d not in OP_DAYS]
    assert min(market[d] for d in OP_DAYS) > sum(other) / len(other)
    # the scorecard reports per operation, only for the week that has it
    (row,) = score_plan(during, ctx)["operations"]
    assert row["name"] == OP and row["days"] == sorted(d.isoformat() for d in OP_DAYS)
    assert row["served"] + row["shortfall"] == row["required"] > 0
    # per day, adding up to the operation's figures, and named in the one line the map panel shows
    assert sorted(row["by_day"]) == row["days"]
    assert sum(v["required"] for v in row["by_day"].values()) == row["required"]
    assert sum(v["served"] for v in row["by_day"].values()) == row["served"]
    (line,) = operation_lines([row], "id")
    assert all(f"{d:%d-%m} {row['by_day'][d.isoformat()]['served']}/" in line for d in OP_DAYS), line
    assert score_plan(before, ctx)["operations"] == [] and score_plan(after, ctx)["operations"] == []
    # a TPS visit left over is a visit of one operation day: its line names that day
    short = [u for u in during.unserved if u.reason == "shifts_full" and u.id in tps]
    assert all(any(f" on {d.isoformat()} " in u.detail for d in OP_DAYS) for u in short), [u.detail for u in short]


def test_plan_json_keeps_the_operations_and_the_reserve(weeks, folder):
    plans, _ctx = weeks
    d = read_plan_json(folder)
    assert [x["day"] for x in d["operations"]] == ["2026-12-03", "2026-12-04", "2026-12-05"]
    assert {x["name"] for x in d["operations"]} == {OP}
    back = read_plan(folder)
    assert back.operations == plans[1].operations
    assert [r.reserve for r in back.routes] == [r.reserve for r in plans[1].routes]
    assert any(r.reserve for r in back.routes)
    # a plan.json written before either was kept still reads, with neither
    old = json.loads(json.dumps(d))
    del old["operations"]
    for r in old["routes"]:
        r.pop("reserve", None)
    plain = plan_from_dict(old)
    assert plain.operations == [] and all(not r.reserve for r in plain.routes)
    assert plan_to_dict(plain).get("operations") is None


def test_reserve_is_the_time_at_the_depot_between_stops(weeks):
    plans, _ctx = weeks
    for p in plans:
        for r in p.routes:
            marks = sorted([(s.arrival, s.departure) for s in r.stops] + r.breaks + r.reserve)
            for (_a0, a1), (b0, _b1) in zip(marks, marks[1:]):
                assert a1 <= b0, (r.unit, r.day, r.shift)  # nothing overlaps
            for a, b in r.reserve:
                assert r.start <= a < b <= r.end
            for (_a0, a1), (b0, _b1) in zip(r.reserve, r.reserve[1:]):
                assert a1 < b0  # parts in a row are one stay
        staffed = {(x.unit, x.day, x.shift): x.patrol_minutes for x in p.patrol}
        for r in p.routes:
            assert abs(r.patrol_minutes - staffed[(r.unit, r.day, r.shift)]) <= 0.101  # both keep tenths


def _route_on(plan, day, with_reserve=True):
    """The route of ``day`` with the longest reserve at the depot (on an operation day, required visits may take
    most of a shift's reserve: the route with the most of it left shows it best)."""
    routes = [r for r in plan.routes if r.day == day and (r.reserve or not with_reserve)]
    return max(routes, key=lambda r: sum((b - a).total_seconds() for a, b in r.reserve))


def test_briefings_name_the_operation_and_show_the_reserve(weeks, folder):
    plans, _ctx = weeks
    during = plans[1]
    on = _route_on(during, dt.date(2026, 12, 4))
    off = _route_on(during, dt.date(2026, 12, 1))
    pages = {p.name: p.read_text(encoding="utf-8") for p in (folder / "briefings").glob("*.html")}
    slug = lambda r: f"{r.unit}_{r.day.isoformat()}_{r.shift}.html"  # noqa: E731
    page_on, page_off = pages[slug(on)], pages[slug(off)]
    assert f"Operasi: {OP}" in page_on and "Operasi:" not in page_off
    a, b = on.reserve[0]
    assert f"Siaga di markas: {on.depot_name}" in page_on and f"{a:%H:%M}\u2013{b:%H:%M}" in page_on
    # "Lama patroli" counts patrol only; the shift length is shown apart
    m = round(on.patrol_minutes)
    assert re.search(rf"Lama patroli</th><td>{m // 60} j {m % 60:02d} menit", page_on)
    m = round((on.end - on.start).total_seconds() / 60)
    assert f"Lama dinas</th><td>{m // 60} j {m % 60:02d} menit" in page_on and m - round(on.patrol_minutes) >= 60
    en = render_briefings(during, "en")[slug(on)]
    assert f"Operation: {OP}" in en and "Standby at the station" in en and "Patrol time" in en
    # the PDF of the same shift
    reader = pypdf.PdfReader(folder / "briefings" / "pdf" / slug(on).replace(".html", ".pdf"))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert f"Operasi: {OP}" in text and "Siaga di markas" in text and "Lama dinas" in text
    text_off = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(
        folder / "briefings" / "pdf" / slug(off).replace(".html", ".pdf")).pages).split())
    assert "Operasi:" not in text_off


def test_briefings_from_the_folder_name_the_operation(folder):
    """What ``routeplan brief`` renders: the plan read back from its folder (PDFs left out to keep it short)."""
    pages = render_briefings(read_plan(folder, paths_required=False), "en")
    on = [text for name, text in pages.items() if "_2026-12-04_" in name]
    assert on and all(f"Operation: {OP}" in text for text in on)
    assert not [name for name, text in pages.items() if "_2026-12-01_" in name and "Operation:" in text]


def test_map_days_and_routes_name_the_operation(weeks, folder):
    plans, _ctx = weeks
    page = (folder / "map.html").read_text(encoding="utf-8")
    # one mark per operation day in the day filter, on the plan's own dates (the context is the first week's)
    assert page.count("rp-op") == len(OP_DAYS) + FILTER_CSS.count("rp-op")
    assert "Kamis 03-12" in page and "Senin 23-11" not in page
    assert "Siaga di markas" in page  # route popups list the reserve
    # area patrols have their own colour, hotspot stops keep theirs
    kinds = Counter(s.kind for r in plans[1].routes for s in r.stops)
    assert kinds["area_patrol"] and page.count('"fillColor": "#998EC3"') == kinds["area_patrol"]
    assert page.count('"fillColor": "#EF8A62"') >= kinds["hotspot"] > 0
    legend = page[page.index('id="routeplan-legend"'):]
    assert "#998EC3" in legend[:5000] and "Patroli wilayah" in legend[:5000]


def test_scorecard_page_per_day_and_per_operation(folder):
    page = (folder / "scorecard.html").read_text(encoding="utf-8")
    days = page[page.index('id="days"'):page.index("</table>", page.index('id="days"'))]
    rows = re.findall(r"<tr[^>]*>.*?</tr>", days, re.S)[1:]
    assert len(rows) == 7
    marked = [r for r in rows if 'class="operation"' in r]
    assert len(marked) == 3 and all(OP in r for r in marked)
    assert all(d.strftime("%d-%m-%Y") in "".join(marked) for d in OP_DAYS)
    assert 'id="operations"' in page and "kunjungan operasi" in page


def test_xlsx_day_sheets_name_the_operation(folder):
    book = openpyxl.load_workbook(folder / "plan.xlsx")
    for d in (dt.date(2026, 12, 1), dt.date(2026, 12, 4)):
        ws = book[day_sheet_title(d, "id")]
        header = [c.value for c in ws[1]]
        col = header.index("Operasi")
        values = {row[col].value for row in ws.iter_rows(min_row=2)}
        assert values == {OP} if d in OP_DAYS else not values - {None, ""}
    routes = book["Rute per unit"]
    header = [c.value for c in routes[1]]
    assert "Siaga di markas" in header and "Lama patroli" in header
    reserve = [row[header.index("Siaga di markas")].value for row in routes.iter_rows(min_row=2)]
    assert any(v and re.fullmatch(r"\d\d:\d\d\u2013\d\d:\d\d(, \d\d:\d\d\u2013\d\d:\d\d)*", v) for v in reserve)


def test_operation_names_are_text_in_pdfs(weeks):
    plans, _ctx = weeks
    plan = copy.deepcopy(plans[1])
    payload = "<script>alert(1)</script> {{7*7}} {% raw %}"
    plan.operations = [dataclasses.replace(x, name=payload) for x in plan.operations]
    plan.routes = [r for r in plan.routes if r.day == dt.date(2026, 12, 4)][:1]
    pdfs = render_pdfs(plan, "id")
    text = " ".join(" ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdfs[n])).pages).split())
                    for n in pdfs)
    assert f"Operasi: {payload}" in text and "49" not in text.split("Operasi:")[1][:60]
    html = render_briefings(plan, "id")["all.html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{7*7}} {% raw %}" in html and "<script>alert(1)" not in html


def _objects(sc):
    objs = read_vital_objects(sc.vital_objects, sc.default_dwell_minutes)
    return objs + _operation_objects(sc, {o.id for o in objs})


def test_capacity_warnings_judge_the_operation():
    sc = routeplan.load_scenario(SAMPLE / "scenario_operasi.toml")
    objs = _objects(sc)
    assert not [w for w in capacity_warnings(sc, objs) if "operation" in w]  # the example fits before travel
    (op,) = sc.operations
    more = dataclasses.replace(op, visits_per_day={"tps": 2, "pasar": 30},
                               risk_classes={"sangat_rawan": (6, 60), "rawan": (4, 60), "aman": (3, 40)})
    lines = [w for w in capacity_warnings(dataclasses.replace(sc, operations=[more]), objs) if "operation" in w]
    assert len(lines) == 2
    pasar = next(w for w in lines if ", pasar:" in w)
    m = re.search(r"'(.+)', pasar: (\d+) visits asked on 2026-12-03, 2026-12-04, 2026-12-05, but their windows hold only "
                  r"(\d+) \(dwell one after another\); (\d+) will be unserved", pasar)
    assert m and m[1] == OP and int(m[2]) % 90 == 0 and int(m[2]) - int(m[3]) == int(m[4]) > 0
    tps = next(w for w in lines if ", tps:" in w)
    per_class = {"sangat_rawan": 360, "rawan": 240, "aman": 120}
    need = 3 * sum(per_class[o.risk_class] if o.risk_class else 2 * 20 for o in objs if o.category == "tps")
    assert f"'{OP}'" in tps and f"{need} min of visits asked" in tps and "staffed shifts hold only" in tps
    assert "\n" not in pasar + tps
