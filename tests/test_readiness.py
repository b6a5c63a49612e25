"""Readiness for 110 calls: share of desa within a drive time of a unit on duty, per hour of the plan."""

import datetime as dt
import html
import json

import networkx as nx
import pytest

from routeplan.errors import InputError
from routeplan.load.layers import read_desa, read_desa_population
from routeplan.model.plan import Plan, Route, Visit
from routeplan.model.planfile import plan_from_dict, plan_to_dict
from routeplan.model.scenario import Area, Depot, PatrolUnit, Scenario, Shift
from routeplan.prepare.context import PlanContext
from routeplan.render.scorecard_page import _readiness, render_scorecard_page
from routeplan.report.readiness import readiness
from routeplan.report.scorecard import score_plan, scorecard_panel_html

WIB = dt.timezone(dt.timedelta(hours=7))
DAY = dt.date(2026, 11, 30)


def _square(lon: float, name: str, population: int | None) -> dict:
    ring = [[lon - 0.005, -0.005], [lon + 0.005, -0.005], [lon + 0.005, 0.005], [lon - 0.005, 0.005], [lon - 0.005, -0.005]]
    props: dict = {"desa": name}
    if population is not None:
        props["population"] = population
    return {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def _tiny(tmp_path, populations=(None, None), stop_at_far=False):
    """Depot at node 1; desa Near around node 2 (5 min away), desa Far around node 3 (30 min away).

    One car on duty 06:00-14:00 of one day; optionally it stands at node 3 from 08:00 to 09:00.
    """
    G = nx.MultiDiGraph()
    for n, lon in ((1, 0.0), (2, 0.01), (3, 0.1)):
        G.add_node(n, x=lon, y=0.0)
    for u, v, s in ((1, 2, 300.0), (2, 3, 1500.0)):
        G.add_edge(u, v, travel_time_car=s, length=1000.0)
        G.add_edge(v, u, travel_time_car=s, length=1000.0)
    desa = tmp_path / "desa.geojson"
    feats = [_square(0.01, "Near", populations[0]), _square(0.1, "Far <b>", populations[1])]
    desa.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    sc = Scenario(path=tmp_path / "s.toml", name="tiny", area=Area(place="x"),
                  depots={"D": Depot("D", "Polsek", 0.0, 0.0)},
                  units=[PatrolUnit("R4", "car", "D", ("pagi",), (0,))],
                  shifts={"pagi": Shift("pagi", 6 * 60, 14 * 60)}, start_date=DAY, days=1,
                  vital_objects=None, hotspots=None, desa=desa, speeds_kmh={})
    ctx = PlanContext(sc, G, [], [], depot_nodes={"D": 1})
    stops = []
    if stop_at_far:
        at = dt.datetime(2026, 11, 30, 8, 0, tzinfo=WIB)
        stops = [Visit("o1", "vital_object", "Pasar", "pasar", at, at + dt.timedelta(hours=1), 0.1, 0.0, 60, "", node=3)]
    route = Route("R4", "car", "", DAY, "pagi", "D", "Polsek", dt.datetime(2026, 11, 30, 6, 0, tzinfo=WIB),
                  dt.datetime(2026, 11, 30, 14, 0, tzinfo=WIB), stops, 0.0, 0.0)
    plan = Plan("tiny", DAY, 1, 0, [route], [], 0, 0)
    return plan, ctx


def test_one_unit_two_desa_half_ready_on_duty(tmp_path):
    plan, ctx = _tiny(tmp_path)
    r = readiness(plan, ctx)
    assert r["basis"] == "desa" and r["weighting"] == "area" and r["minutes"] == 15
    shares = [h["share"] for h in r["hours"]]
    assert len(shares) == 24
    assert shares == [0.5 if 6 <= h < 14 else 0.0 for h in range(24)]
    assert r["hours"][6]["start"] == "2026-11-30T06:00:00+07:00"
    assert r["hours"][6]["not_reachable"] == ["Far <b>"]
    assert r["hours"][3]["not_reachable"] == ["Near", "Far <b>"]
    assert r["mean_share"] == pytest.approx(0.5 * 8 / 24, abs=1e-3)
    assert r["worst"]["share"] == 0.0
    far = next(d for d in r["per_desa"] if d["desa"] == "Far <b>")
    assert far["hours_not_reachable"] == 24
    # a longer drive time reaches the far desa too
    assert readiness(plan, ctx, minutes=31)["hours"][6]["share"] == 1.0


def test_population_weighting_and_position_at_stop(tmp_path):
    plan, ctx = _tiny(tmp_path, populations=(100, 300), stop_at_far=True)
    r = readiness(plan, ctx)
    assert r["weighting"] == "population"
    shares = [h["share"] for h in r["hours"]]
    # at the depot only Near (100 of 400 people); standing at node 3 only Far (300 of 400)
    assert shares[7] == 0.25 and shares[8] == 0.75 and shares[9] == 0.25 and shares[20] == 0.0
    # one desa without population: weighted by area again (equal squares)
    plan, ctx = _tiny(tmp_path, populations=(100, None), stop_at_far=True)
    assert readiness(plan, ctx)["hours"][8]["share"] == 0.5


def test_without_desa_layer_uses_objects(tmp_path):
    plan, ctx = _tiny(tmp_path)
    ctx.scenario.desa = None
    r = readiness(plan, ctx)
    assert r["basis"] == "points" and r["hours"] and all(h["share"] == 0.0 for h in r["hours"])
    card = {"minutes": 15, "basis": "points", "mean_share": 0.5, "worst": {"start": "x", "share": 0.0}}
    assert "no desa layer" in _panel_with(card, "en")


@pytest.mark.parametrize("bad", ["many", -5, True])
def test_bad_population_is_refused(tmp_path, bad):
    _tiny(tmp_path, populations=(100, 1))
    path = tmp_path / "desa.geojson"
    data = json.loads(path.read_text())
    data["features"][1]["properties"]["population"] = bad
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match="population"):
        read_desa_population(path)
    assert [n for n, _ in read_desa(path)] == ["Near", "Far <b>"]


def _panel_with(ready: dict, lang: str) -> str:
    card = {"required_visits": {"served": 1, "required": 1, "served_pct": 100.0},
            "hotspots": {"risk_covered_pct": None, "dwell_minutes": 0, "target_minutes": 0},
            "workload": {"km_total": 0.0, "busy_hours_min": 0.0, "busy_hours_max": 0.0}, "units": [],
            "readiness": ready}
    return scorecard_panel_html(card, lang)


def test_sample_scorecard_has_168_hours_and_panel_line(demo_plan):
    plan, ctx = demo_plan
    card = score_plan(plan, ctx)
    r = card["readiness"]
    assert r["basis"] == "desa" and len(r["hours"]) == 168
    assert all(0.0 <= h["share"] <= 1.0 for h in r["hours"])
    assert any(h["share"] > 0 for h in r["hours"])
    assert r["worst"]["share"] == min(h["share"] for h in r["hours"])
    assert len(r["per_desa"]) == len(ctx.desa or [])
    html = scorecard_panel_html(card, "en")
    assert "within 15 min of a unit on duty" in html and f"mean {100 * r['mean_share']:.0f} %" in html
    assert "dalam 15 menit" in scorecard_panel_html(card, "id")
    r["worst"]["start"] = "<script>alert(1)</script>"
    html = scorecard_panel_html(card, "en")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)" in html


def test_a_weekly_plan_repeats_so_the_last_night_covers_monday_morning(demo_plan):
    plan, ctx = demo_plan
    assert plan.days == 7
    night = [r for r in plan.routes if r.end > r.start.replace(hour=0, minute=0) + dt.timedelta(days=1)
             and r.day == plan.start_date + dt.timedelta(days=6)]
    assert night, "the sample has a night shift on the last day"
    r = readiness(plan, ctx)
    early = r["hours"][2]  # Monday 02:00-03:00: only last Sunday's night shift is on duty
    assert early["share"] > 0
    assert r["worst"]["share"] > 0


def test_a_plan_read_back_from_its_file_gives_the_same_readiness(demo_plan):
    """plan.json keeps no road nodes: read back, every stop must still place its unit (not at the depot all
    shift), so the presence benchmark and the scorecard agree."""
    plan, ctx = demo_plan
    back = plan_from_dict(json.loads(json.dumps(plan_to_dict(plan))))
    assert all(s.node is None for r in back.routes for s in r.stops)
    ours, theirs = readiness(plan, ctx), readiness(back, ctx)
    assert theirs["mean_share"] == ours["mean_share"] and theirs["worst"] == ours["worst"]
    assert [h["share"] for h in theirs["hours"]] == [h["share"] for h in ours["hours"]]


def test_the_worst_hour_says_who_is_on_duty_where_and_which_desa_are_out_of_reach(tmp_path):
    plan, ctx = _tiny(tmp_path, populations=(300, 100), stop_at_far=True)
    ctx.scenario.shifts["pagi"] = Shift("pagi", 0, 24 * 60)
    route = plan.routes[0]
    route.start, route.end = route.start.replace(hour=0), route.end.replace(hour=23, minute=59)
    r = readiness(plan, ctx)
    # at the depot the car reaches Near (300 of 400 people); standing at the market only Far (100)
    worst = r["worst"]
    assert worst["start"] == "2026-11-30T08:00:00+07:00" and worst["share"] == 0.25
    assert worst["on_duty"] == [{"unit": "R4", "at": "Pasar", "kind": "vital_object"}]
    assert worst["not_reachable"] == ["Near"]
    assert r["hours_low"] == 24 and r["low_share"] == 0.8
    lines = _readiness({"readiness": r}, "en")
    assert lines[0] == "Worst hour: Monday 30-11 08:00, 25 % within 15 min. Units on duty then: R4 at Pasar."
    assert lines[1] == "Out of reach then: Near."
    assert lines[2] == "24 of 24 hours below 80 %."
    # off duty, nobody: the worst hour of the one-shift day names no unit and every desa
    plan, ctx = _tiny(tmp_path)
    r = readiness(plan, ctx)
    assert r["worst"]["on_duty"] == [] and r["worst"]["not_reachable"] == ["Near", "Far <b>"]
    assert "Unit dinas saat itu: tidak ada." in _readiness({"readiness": r}, "id")[0]


def test_the_scorecard_page_explains_the_worst_hour_of_the_sample(demo_plan):
    plan, ctx = demo_plan
    card = score_plan(plan, ctx)
    worst = card["readiness"]["worst"]
    assert worst["on_duty"], "the sample has a unit on duty in every hour"
    page = render_scorecard_page(card, plan, ctx, "en")
    section = page[page.index('<div id="readiness">'):]
    section = section[:section.index("</div>")]
    first = worst["on_duty"][0]
    assert "Worst hour: " in section and html.escape(f"{first['unit']} at {first['at']}") in section
    for name in worst["not_reachable"][:8]:
        assert html.escape(name) in section
