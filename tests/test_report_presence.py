"""Presence measures (routeplan.report.presence) on hand-made routes over the sample's context."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from routeplan.model.plan import Plan, Route, Visit
from routeplan.optimize.areas import context_areas
from routeplan.report.presence import HOTSPOT_SPACING_MIN, presence_metrics


@pytest.fixture(scope="module")
def sample_ctx(demo_plan):
    return demo_plan[1]


def _tz(plan: Plan) -> dt.tzinfo:
    return next(r.start.tzinfo for r in plan.routes if r.start.tzinfo) or dt.timezone(dt.timedelta(hours=7))


def _route(ctx, template: Route, stops: list[Visit], start: dt.datetime, end: dt.datetime) -> Route:
    return dataclasses.replace(template, stops=stops, start=start, end=end, breaks=[], path=[], distance_m=1000.0,
                               drive_s=600.0)


def _visit_of(ctx, obj, arrival: dt.datetime, minutes: int) -> Visit:
    return Visit(id=obj.id, kind="vital_object", name=obj.name, category=obj.category, arrival=arrival,
                 departure=arrival + dt.timedelta(minutes=minutes), lon=obj.lon, lat=obj.lat, dwell_minutes=minutes,
                 window="")


def _hot_visit(h, arrival: dt.datetime, minutes: int) -> Visit:
    return Visit(id=h.id, kind="hotspot", name=h.name, category="hotspot", arrival=arrival,
                 departure=arrival + dt.timedelta(minutes=minutes), lon=h.lon, lat=h.lat, dwell_minutes=minutes,
                 window="", risk=h.risk)


def _one_route_plan(plan: Plan, route: Route) -> Plan:
    return dataclasses.replace(plan, routes=[route], patrol=[])


def test_staffed_unit_shifts_count_every_unit_day_and_shift(demo_plan):
    plan, ctx = demo_plan
    m = presence_metrics(plan, ctx, with_readiness=False)
    assert m["unit_shifts"] == sum(len(u.days) * len(u.shifts) for u in ctx.scenario.units)
    keys = {(r.unit, r.day, r.shift) for r in plan.routes if r.stops}
    assert m["patrolled"] == len(keys)
    empty = dataclasses.replace(plan, routes=[])
    e = presence_metrics(empty, ctx, with_readiness=False)
    assert e["patrolled"] == 0 and e["patrol_minutes"]["max"] == 0 and e["stops"] == 0


def test_longest_stretch_and_patrol_minutes(demo_plan):
    plan, ctx = demo_plan
    t = plan.routes[0]
    tz = _tz(plan)
    day = dt.datetime.combine(t.day, dt.time(8, 0), tzinfo=tz)
    o1, o2 = ctx.objects[0], ctx.objects[1]
    r = _route(ctx, t, [_visit_of(ctx, o1, day + dt.timedelta(hours=1), 10),
                        _visit_of(ctx, o2, day + dt.timedelta(hours=3), 15)], day, day + dt.timedelta(hours=4))
    m = presence_metrics(_one_route_plan(plan, r), ctx, with_readiness=False)
    assert m["longest_stretch_minutes"]["max"] == 110.0  # 09:10 -> 11:00
    assert m["patrol_minutes"]["max"] == 35.0  # 10 min driven, 10 + 15 min at stops; waiting is not patrol
    r2 = dataclasses.replace(r, breaks=[(day + dt.timedelta(hours=2), day + dt.timedelta(hours=2, minutes=30))])
    m2 = presence_metrics(_one_route_plan(plan, r2), ctx, with_readiness=False)
    assert m2["patrol_minutes"]["max"] == 35.0  # the break is not patrol either
    assert m2["longest_stretch_minutes"]["max"] == 60.0  # 08:00 -> 09:00 is now the longest


def test_stacked_visits_and_midnight_split(demo_plan):
    plan, ctx = demo_plan
    t = plan.routes[0]
    tz = _tz(plan)
    o = ctx.objects[0]
    night = dt.datetime.combine(t.day, dt.time(23, 50), tzinfo=tz)
    split = _route(ctx, t, [_visit_of(ctx, o, night, 10), _visit_of(ctx, o, night + dt.timedelta(minutes=10), 10)],
                   night - dt.timedelta(hours=1), night + dt.timedelta(hours=1))
    assert presence_metrics(_one_route_plan(plan, split), ctx, with_readiness=False)["stacked_visits"]["objects"] == 1
    far = _route(ctx, t, [_visit_of(ctx, o, night, 10),
                          _visit_of(ctx, o, night + dt.timedelta(hours=o.min_gap_hours, minutes=10), 10)],
                 night - dt.timedelta(hours=1), night + dt.timedelta(hours=o.min_gap_hours + 1))
    assert presence_metrics(_one_route_plan(plan, far), ctx, with_readiness=False)["stacked_visits"]["objects"] == 0
    h = ctx.hotspots[0]
    close = _route(ctx, t, [_hot_visit(h, night, 12),
                            _hot_visit(h, night + dt.timedelta(minutes=HOTSPOT_SPACING_MIN - 1), 12)],
                   night - dt.timedelta(hours=1), night + dt.timedelta(hours=3))
    assert presence_metrics(_one_route_plan(plan, close), ctx, with_readiness=False)["stacked_visits"]["hotspots"] == 1
    spaced = dataclasses.replace(close, stops=[close.stops[0], _hot_visit(h, night + dt.timedelta(minutes=HOTSPOT_SPACING_MIN), 12)])
    assert presence_metrics(_one_route_plan(plan, spaced), ctx, with_readiness=False)["stacked_visits"]["hotspots"] == 0


def test_risk_weight_follows_place_and_active_hours(demo_plan):
    plan, ctx = demo_plan
    t = plan.routes[0]
    tz = _tz(plan)
    top = max(h.risk for h in ctx.hotspots)
    h = max(ctx.hotspots, key=lambda x: x.risk)
    limited = dataclasses.replace(h, active_hours=((18 * 60, 24 * 60),))
    ctx2 = dataclasses.replace(ctx, hotspots=[limited if x.id == h.id else x for x in ctx.hotspots])
    for hour, expected in ((20, 12.0 * h.risk / top), (10, None)):
        at = dt.datetime.combine(t.day, dt.time(hour, 0), tzinfo=tz)
        r = _route(ctx, t, [_hot_visit(h, at, 12)], at - dt.timedelta(minutes=30), at + dt.timedelta(minutes=60))
        m = presence_metrics(_one_route_plan(plan, r), ctx2, with_readiness=False)
        if expected is not None:
            assert m["risk_presence_minutes"] == pytest.approx(expected, abs=0.05)
        else:  # outside its active hours the hotspot counts nothing; another hotspot may be near, never riskier
            assert m["risk_presence_minutes"] < 12.0 * h.risk / top
    far_away = Visit(id="x", kind="vital_object", name="x", category="pasar", arrival=at, departure=at + dt.timedelta(minutes=12),
                     lon=h.lon + 0.2, lat=h.lat + 0.2, dwell_minutes=12, window="")
    r = _route(ctx, t, [far_away], at - dt.timedelta(minutes=30), at + dt.timedelta(minutes=60))
    assert presence_metrics(_one_route_plan(plan, r), ctx, with_readiness=False)["risk_presence_minutes"] == 0.0


@pytest.mark.parametrize("hours", [((22 * 60, 4 * 60),), ((22 * 60, 28 * 60),)])
def test_risk_weight_of_hours_across_midnight(demo_plan, hours):
    """A hotspot active 22:00-04:00 counts at 23:00 and at 02:00, not at 10:00 (however the window is written)."""
    plan, ctx = demo_plan
    t = plan.routes[0]
    tz = _tz(plan)
    top = max(x.risk for x in ctx.hotspots)
    h = max(ctx.hotspots, key=lambda x: x.risk)
    night = dataclasses.replace(h, active_hours=hours)
    others = [x for x in ctx.hotspots if x.id != h.id]
    ctx2 = dataclasses.replace(ctx, hotspots=[night, *others])
    for hour, counts in ((23, True), (2, True), (10, False)):
        at = dt.datetime.combine(t.day, dt.time(hour, 0), tzinfo=tz)
        r = _route(ctx, t, [_hot_visit(h, at, 12)], at - dt.timedelta(minutes=30), at + dt.timedelta(minutes=60))
        got = presence_metrics(_one_route_plan(plan, r), ctx2, with_readiness=False)["risk_presence_minutes"]
        if counts:
            assert got == pytest.approx(12.0 * h.risk / top, abs=0.05), hour
        else:
            assert got < 12.0 * h.risk / top, hour


def test_area_loop_time_is_driving_like_its_km(demo_plan):
    """An area patrol drives its loop: the route's km count the loop, so its driving time must count it too."""
    from routeplan.report.scorecard import _unit_rows

    plan, ctx = demo_plan
    t = plan.routes[0]
    day = dt.datetime.combine(t.day, dt.time(8, 0), tzinfo=_tz(plan))
    o1 = ctx.objects[0]
    loop = Visit(id="desa-x", kind="area_patrol", name="Desa X", category="area_patrol",
                 arrival=day + dt.timedelta(hours=2), departure=day + dt.timedelta(hours=2, minutes=25),
                 lon=o1.lon, lat=o1.lat, dwell_minutes=25, window="")
    r = _route(ctx, t, [_visit_of(ctx, o1, day + dt.timedelta(hours=1), 10), loop], day, day + dt.timedelta(hours=4))
    assert r.drive_minutes == 10.0 and r.loop_minutes == 25.0 and r.moving_minutes == 35.0
    assert r.patrol_minutes == 45.0  # 10 driven between stops + 10 at the object + the 25-minute loop, counted once
    row = next(u for u in _unit_rows(_one_route_plan(plan, r), ctx)[0] if u["unit"] == r.unit)
    assert row["drive_hours"] == round(35 / 60, 2)
    assert row["dwell_hours"] == round(10 / 60, 2)  # only the stay at the object


def test_an_area_patrol_counts_the_risk_its_loop_passes_not_the_risk_at_its_entry(demo_plan):
    """A loop entered beside the riskiest hotspot that passes no hotspot area counts nothing; a loop counts each
    active hotspot it passes for the share of the loop inside the hotspot's area (a plan keeps only the entry)."""
    plan, ctx = demo_plan
    t = plan.routes[0]
    tz = _tz(plan)
    at = dt.datetime.combine(t.day, dt.time(12, 0), tzinfo=tz)
    always = [dataclasses.replace(h, active_hours=()) for h in ctx.hotspots]
    ctx2 = dataclasses.replace(ctx, hotspots=always)
    areas = context_areas(ctx2, [t.unit_kind])
    empty = next(a for a in areas if not a.passes)
    passing = max((a for a in areas if a.passes), key=lambda a: sum(s for _h, s in a.passes))
    top = max(h.risk for h in always)
    riskiest = max(always, key=lambda h: h.risk)

    def measured(area, lon: float, lat: float) -> float:
        v = Visit(id=area.id, kind="area_patrol", name=area.name, category="area_patrol", arrival=at,
                  departure=at + dt.timedelta(minutes=20), lon=lon, lat=lat, dwell_minutes=20, window="")
        r = _route(ctx2, t, [v], at - dt.timedelta(minutes=30), at + dt.timedelta(minutes=60))
        return presence_metrics(_one_route_plan(plan, r), ctx2, with_readiness=False)["risk_presence_minutes"]

    # entered at the riskiest hotspot: at its entry a stop would count the full 20 minutes
    assert measured(empty, riskiest.lon, riskiest.lat) == 0.0
    expected = 20 * min(1.0, sum(h.risk / top * share for h, share in passing.passes))
    assert 0 < expected and measured(passing, riskiest.lon, riskiest.lat) == pytest.approx(expected, abs=0.05)
