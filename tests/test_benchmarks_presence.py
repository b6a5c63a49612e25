"""benchmarks/presence.py: the ceiling that tells whether a presence goal can be met at all."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from conftest import load_benchmark

from routeplan.model.plan import Visit
from routeplan.report.presence import presence_metrics


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("presence")


def test_ceiling_fills_the_free_minutes_riskiest_hotspot_first_once_an_hour(bench, demo_plan):
    plan, ctx = demo_plan
    h1, h2 = ctx.hotspots[0], ctx.hotspots[1]
    two = [dataclasses.replace(h1, risk=1.0, active_hours=((600, 720),)), dataclasses.replace(h2, risk=0.5, active_hours=())]
    ctx2 = dataclasses.replace(ctx, hotspots=two)
    t = plan.routes[0]
    at = dt.datetime.combine(t.day, dt.time(10, 0), tzinfo=t.start.tzinfo)
    stop = Visit(id=h2.id, kind="hotspot", name="x", category="hotspot", arrival=at,
                 departure=at + dt.timedelta(minutes=300), lon=h2.lon, lat=h2.lat, dwell_minutes=300, window="")
    one = dataclasses.replace(plan, routes=[dataclasses.replace(t, stops=[stop])], patrol=[])
    dwell, days = ctx.scenario.hotspot_dwell_minutes, ctx.scenario.days
    first = days * ((120 - dwell) // 60 + 1) * dwell  # the riskier hotspot: two hours a day, once an hour
    assert first < 300
    assert bench.presence_ceiling(one, ctx2) == pytest.approx(first * 1.0 + (300 - first) * 0.5, abs=0.05)


def test_ceiling_is_above_what_the_plan_reaches(bench, demo_plan):
    plan, ctx = demo_plan
    reached = presence_metrics(plan, ctx, with_readiness=False)["risk_presence_minutes"]
    assert bench.presence_ceiling(plan, ctx) >= reached > 0


def test_the_dosage_row_counts_the_scorecard_s_flags_and_reads_older_results(bench):
    row = dict(bench.ROWS)["hotspots below half / above twice their share by the dosage rule (risk × active-hour intensity)"]
    assert row({"dosage_low": ["HS-11", "HS-13"], "dosage_high": ["HS-17"]}) == "2 / 1"
    assert row({}) == "-"  # a result written before the row existed


def test_with_floor_plans_a_copy_of_the_scenario_with_the_dosage_floor(bench, sample_scenario_path, tmp_path):
    import routeplan

    copy = bench.with_floor(sample_scenario_path, 0.5, tmp_path)
    assert copy.parent != sample_scenario_path.parent  # the sample itself is never edited
    assert routeplan.load_scenario(copy).dosage_floor == 0.5
    assert routeplan.load_scenario(sample_scenario_path).dosage_floor == 0.0


def test_measure_reports_the_plan_s_readiness_once(bench, demo_plan, monkeypatch):
    """The readiness row is the scorecard's (computed once per plan), equal to what presence_metrics measures."""
    import routeplan
    import routeplan.report.presence as presence_module
    import routeplan.report.scorecard as scorecard_module

    plan, ctx = demo_plan
    monkeypatch.setattr(routeplan, "read_plan", lambda _d: plan)
    monkeypatch.setattr(routeplan, "load_scenario", lambda _p: ctx.scenario)
    monkeypatch.setattr(routeplan, "prepare_scenario", lambda _s: ctx)
    calls = []
    real = scorecard_module.readiness

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    for module in (presence_module, scorecard_module):  # both import readiness by name
        monkeypatch.setattr(module, "readiness", counted)
    row = bench.measure(Path("plan"), Path("scenario.toml"), 1.0)
    monkeypatch.undo()
    full = presence_metrics(plan, ctx)
    assert len(calls) == 1
    assert row["readiness_mean_pct"] is not None
    assert (row["readiness_mean_pct"], row["readiness_worst_pct"]) == (full["readiness_mean_pct"],
                                                                       full["readiness_worst_pct"])
