"""The dosage floor (routeplan.optimize.dosage): hotspots far below their share, against those active in the same
hours, get dearer slots and the routes are re-planned for them; off unless the scenario asks."""

from __future__ import annotations

import dataclasses
import types

import pytest

import routeplan
import routeplan.settings as settings
from routeplan.model.layers import Hotspot
from routeplan.optimize.candidates import Candidate
from routeplan.optimize.dosage import hotspot_ratios, raise_low_hotspots
from routeplan.optimize.routing import RouteResult, RoutingResult, Stop

DAY = Hotspot("D1", "pasar", 0.0, 0.0, 1.0, ((360, 720),))  # weight 1 x 6 hours
FAR = Hotspot("D2", "kandang", 0.0, 0.0, 1.0, ((360, 720),))  # the same hours and weight, far from the post
NIGHT = Hotspot("N1", "simpang", 0.0, 0.0, 0.5, ((0, 360),))  # weight 0.5 x 6 hours: other crews' hours


def _world(minutes: dict[str, list[int]]):
    """Two slots per hotspot, prize 1 000 each; ``minutes`` the served stops' lengths of each hotspot."""
    cands, stops, visits, t = [], [], [], 0
    for h in (DAY, FAR, NIGHT):
        for k in range(2):
            cands.append(Candidate("hotspot", h, 0, 0, (0, 60)))
            stops.append(Stop(len(stops), 0, 3_600, 900, 1_000, name=h.id))
            if k < len(minutes.get(h.id, [])):
                visits.append((len(cands) - 1, t, t + 60 * minutes[h.id][k]))
                t += 3_600
    cands.append(Candidate("reserve", None, 0, 0, (0, 60)))
    stops.append(Stop(0, 0, 3_600, 1_800, 5_000, name="reserve"))
    result = RoutingResult([RouteResult(0, 0, t, visits, 0, t)], 0, 0, 0, True, 0, 0.0)
    return types.SimpleNamespace(stops=stops), cands, result


def test_ratios_are_shares_of_minutes_over_shares_by_the_rule():
    _model, cands, result = _world({"D1": [15, 15], "D2": [], "N1": [15]})
    ratios = hotspot_ratios(result, cands)
    # minutes 30/45, 0, 15/45 against weights 6/15, 6/15, 3/15
    assert ratios == pytest.approx({"D1": (30 / 45) / (6 / 15), "D2": 0.0, "N1": (15 / 45) / (3 / 15)})
    _model, cands, none = _world({})
    assert hotspot_ratios(none, cands) == {}  # no hotspot minutes: nothing to compare


def test_only_the_hotspot_far_below_those_of_its_hours_is_raised():
    model, cands, result = _world({"D1": [15, 15], "D2": [5], "N1": [15, 15]})
    raised = raise_low_hotspots(model, cands, result, 0.5)
    # D2 has a sixth of D1's minutes for the same weight: against the day's mean (35 minutes for 2 x 6) it is at
    # 5/6 / (35/12) = 2/7; the night's N1 is not compared with the day's. D2's slots are 0.5 / (2/7) = 1.75 times
    # dearer (at most settings.dosage_boost_max), the others as they were
    assert list(raised) == ["D2"] and raised["D2"] == pytest.approx(min(settings.dosage_boost_max, 1.75))
    assert [s.prize for s in model.stops] == [1_000, 1_000, 1_750, 1_750, 1_000, 1_000, 5_000]


def test_no_floor_and_even_dosage_change_nothing():
    model, cands, result = _world({"D1": [15], "D2": [5]})
    assert raise_low_hotspots(model, cands, result, 0.0) == {}
    model, cands, result = _world({"D1": [15], "D2": [15], "N1": [15]})
    assert raise_low_hotspots(model, cands, result, 0.5) == {}
    assert [s.prize for s in model.stops] == [1_000] * 6 + [5_000]


def test_the_scenario_asks_for_it():
    sc = routeplan.load_scenario(routeplan.__path__[0] + "/../data/sample/scenario.toml")
    assert sc.dosage_floor == settings.dosage_floor == 0.0  # off by default: it costs risk-weighted presence


def test_the_sample_with_a_floor_gives_its_remote_hotspots_more(demo_plan):
    """The sample planned as the demo_plan fixture, with ``dosage_floor = 0.5``: the hotspots the plan without the
    floor leaves below half their share get more minutes, and the plan still serves what it must."""
    from routeplan.render.scorecard_page import render_scorecard_page
    from routeplan.report.scorecard import score_plan

    plan0, ctx0 = demo_plan
    sc = dataclasses.replace(ctx0.scenario, dosage_floor=0.5)
    plan1, ctx1 = routeplan.plan(sc, seed=1, time_limit=300, max_iterations=1500)

    def minutes(plan, ids):
        return sum((s.departure - s.arrival).total_seconds() / 60 for r in plan.routes for s in r.stops
                   if s.kind == "hotspot" and s.id in ids)

    low0 = score_plan(plan0, ctx0)["hotspots"]["dosage_low"]
    assert low0, "the sample's plan without a floor leaves remote hotspots below half their share"
    card = score_plan(plan1, ctx1)
    assert minutes(plan1, set(low0)) > minutes(plan0, set(low0))
    assert len(card["hotspots"]["dosage_low"]) <= len(low0) and card["hotspots"]["dosage_floor"] == 0.5
    assert plan1.served_required == plan1.required_visits
    staffed = [p for p in plan1.patrol if p.target_minutes is not None]
    assert len(plan1.routes) == len(staffed) and sum(1 for p in staffed if p.reason) <= 2
    assert "Takaran minimum dipakai ([plan] dosage_floor = 0.5): titik rawan yang mendapat kurang dari 0,50 kali" in (
        render_scorecard_page(card, plan1, ctx1, "id"))
    page0 = render_scorecard_page(score_plan(plan0, ctx0), plan0, ctx0, "en")
    assert "set [plan] dosage_floor = 0.5" in page0 and "Dosage floor on" not in page0
    assert "setel [plan] dosage_floor = 0.5 di skenario" in render_scorecard_page(score_plan(plan0, ctx0), plan0, ctx0, "id")
