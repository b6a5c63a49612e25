import dataclasses
import datetime as dt
import json

import numpy as np
import pytest
from conftest import shared_file
from plancheck import check_plan

import routeplan
from routeplan import VitalObject, load_scenario
from routeplan import prepare_scenario as prepare
from routeplan.optimize.candidates import split_days
from routeplan.sample import THREE_SHIFTS_TOML


def _plan(sc, ctx, objects, hotspots, **kw):
    """The public flow on a prepared context with these layers instead of the context's own."""
    plan, _ctx = routeplan.plan(sc, ctx=dataclasses.replace(ctx, objects=objects, hotspots=hotspots), **kw)
    return plan


def test_split_days_spreads_visits():
    assert split_days([0, 1, 2, 3, 4, 5, 6], 3) == [[0, 1, 2], [3, 4], [5, 6]]
    assert split_days([0, 3], 4) == [[0], [0], [3], [3]]
    assert split_days([], 2) == []


def test_sample_plan_is_valid(demo_plan):
    plan, ctx = demo_plan
    counts = check_plan(plan, ctx)
    assert plan.required_visits > 100
    assert plan.served_required == plan.required_visits, [u.detail for u in plan.unserved]
    # every object gets its visits per week, on distinct days where it has enough days
    for o in ctx.objects:
        assert counts["visits"].get(o.id, 0) == o.visits_per_week, o.id
    assert any(s.kind == "hotspot" for r in plan.routes for s in r.stops)
    assert any(r.shift == "malam" for r in plan.routes)


def test_visits_of_one_object_fall_on_different_days(demo_plan):
    plan, ctx = demo_plan
    days = {}
    for r in plan.routes:
        for s in r.stops:
            if s.kind == "vital_object":
                days.setdefault(s.id, []).append(s.arrival.date())
    objs = {o.id: o for o in ctx.objects}
    for oid, ds in days.items():
        o = objs[oid]
        # a window that crosses midnight makes "the day of a visit" ambiguous: judge only the others
        if o.visits_per_week <= len(o.days) and all(ws < we for ws, we in o.windows):
            assert len(set(ds)) == len(ds), (oid, ds)


def test_unservable_visits_are_listed_with_reasons():
    sc = load_scenario("data/sample/scenario.toml")
    ctx = prepare(sc)
    o = ctx.objects[0]
    # every unit works only the morning shift: a 23:00 window cannot be reached
    for u in sc.units:
        object.__setattr__(u, "shifts", ("pagi",))
    late = VitalObject(**{**o.__dict__, "id": "LATE", "windows": ((23 * 60, 23 * 60 + 30),), "visits_per_week": 1})
    objs = list(ctx.objects[:5]) + [late]
    plan = _plan(sc, ctx, objs, [], seed=0, time_limit=20, max_iterations=300)
    reasons = {(u.id, u.reason) for u in plan.unserved}
    assert ("LATE", "time_window") in reasons
    assert plan.served_required + len(plan.unserved) == plan.required_visits
    assert all(u.detail for u in plan.unserved)


def test_shifts_full_reports_shortfall():
    sc = load_scenario("data/sample/scenario.toml")
    ctx = prepare(sc)
    # one unit, one shift, one day: far more market visits than fit
    sc.units[:] = [sc.units[0]]
    object.__setattr__(sc.units[0], "days", (0,))
    object.__setattr__(sc.units[0], "shifts", ("pagi",))
    sc.days = 1
    many = [VitalObject(**{**o.__dict__, "dwell_minutes": 60, "visits_per_week": 7, "windows": ((360, 840),),
                           "days": ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}) for o in ctx.objects[:20]]
    plan = _plan(sc, ctx, many, [], seed=0, time_limit=20, max_iterations=300)
    full = [u for u in plan.unserved if u.reason == "shifts_full"]
    assert full and all("min" in u.detail for u in full)
    assert plan.served_required + len(full) == plan.required_visits
    assert plan.served_required <= 8  # 8 hours, 60-minute dwell


def _buahbatu_scenario(tmp_path, n_objects=60, n_units=4, seed=3):
    """A Buahbatu scenario with vital objects placed on the real network by the test."""
    from routeplan.load.roads import graph_from_file
    from routeplan.load.scenario import DEFAULT_SPEEDS_KMH

    osm = shared_file("osm", "buahbatu_bandung_drive.osm.bz2")
    G = graph_from_file(osm, DEFAULT_SPEEDS_KMH)
    rng = np.random.default_rng(seed)
    nodes = list(G.nodes)
    cats = ["pasar", "bank", "spbu", "kantor_desa", "sekolah", "tempat_ibadah", "tps", "minimarket", "atm", "gudang"]
    feats = []
    for i in range(n_objects):
        n = nodes[int(rng.integers(len(nodes)))]
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [
            G.nodes[n]["x"] + float(rng.normal(0, 2e-4)), G.nodes[n]["y"] + float(rng.normal(0, 2e-4))]},
            "properties": {"id": f"VO-{i:03d}", "name": f"Objek {i}", "category": cats[i % len(cats)]}})
    (tmp_path / "vo.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    centre = min(nodes, key=lambda n: (G.nodes[n]["x"] - 107.66) ** 2 + (G.nodes[n]["y"] + 6.95) ** 2)
    units = "".join(
        f'[[units]]\nid = "U{i}"\nkind = "{"car" if i % 2 == 0 else "motorcycle"}"\ndepot = "polsek"\n'
        f'shifts = {json.dumps(["pagi", "siang"] if i % 2 == 0 else ["siang", "malam"])}\n'
        for i in range(n_units))
    text = f'''name = "Buahbatu (test)"
[area]
osm_file = "{osm}"
[plan]
start_date = "2026-11-30"
[layers]
vital_objects = "vo.geojson"
[[depots]]
id = "polsek"
name = "Polsek Buahbatu"
lat = {G.nodes[centre]["y"]}
lon = {G.nodes[centre]["x"]}
{THREE_SHIFTS_TOML}{units}'''
    (tmp_path / "scenario.toml").write_text(text)
    return tmp_path / "scenario.toml"


@pytest.mark.slow
def test_buahbatu_end_to_end(tmp_path):
    path = _buahbatu_scenario(tmp_path)
    plan, ctx = routeplan.plan(path, seed=2, time_limit=90, max_iterations=3000)
    counts = check_plan(plan, ctx)
    assert counts["legs"] > 50
    assert plan.required_visits > 150
    # every required visit is served, or listed with a reason that is not a silent drop
    assert plan.served_required + len(plan.unserved) == plan.required_visits
    assert plan.served_required == plan.required_visits, [u.detail for u in plan.unserved][:5]


def test_pinned_visit_is_kept(tmp_path):
    from routeplan.errors import InputError

    sc = load_scenario("data/sample/scenario.toml")
    ctx = prepare(sc)
    sc.pins = [{"object": "VO-001", "unit": "R2-3", "date": "2026-12-01", "time": "07:30"}]
    plan = _plan(sc, ctx, ctx.objects, [], seed=0, time_limit=30, max_iterations=400)
    hits = [(r.unit, s.arrival) for r in plan.routes for s in r.stops if s.id == "VO-001"]
    assert ("R2-3", dt.datetime(2026, 12, 1, 7, 30, tzinfo=hits[0][1].tzinfo)) in hits
    obj = next(o for o in ctx.objects if o.id == "VO-001")
    assert len(hits) == obj.visits_per_week
    assert len({a.date() for _, a in hits}) == len(hits)
    check_plan(plan, ctx)
    sc.pins = [{"object": "VO-001", "unit": "R2-3", "date": "2026-12-01", "time": "23:30"}]
    with pytest.raises(InputError, match="works no shift"):
        _plan(sc, ctx, ctx.objects, [], seed=0, time_limit=5, max_iterations=10)


def test_shift_breaks_are_kept_at_the_depot():
    from routeplan import Shift

    sc = load_scenario("data/sample/scenario.toml")
    ctx = prepare(sc)
    pagi = sc.shifts["pagi"]
    sc.shifts["pagi"] = Shift(pagi.name, pagi.start, pagi.end, 30, (11 * 60, 13 * 60))
    malam = sc.shifts["malam"]
    sc.shifts["malam"] = Shift(malam.name, malam.start, malam.end, 20, (1 * 60, 3 * 60))
    plan = _plan(sc, ctx, ctx.objects, ctx.hotspots, seed=0, time_limit=60, max_iterations=800)
    check_plan(plan, ctx)
    with_break = [r for r in plan.routes if r.shift in ("pagi", "malam")]
    assert with_break
    for r in with_break:
        assert len(r.breaks) == 1, (r.unit, r.day, r.shift)
        a, b = r.breaks[0]
        assert (b - a).total_seconds() == (30 if r.shift == "pagi" else 20) * 60
        lo, hi = (11, 13) if r.shift == "pagi" else (1, 3)
        assert lo <= a.hour and (b.hour, b.minute) <= (hi, 0)
        for s in r.stops:  # no visit overlaps the break
            assert s.departure <= a or s.arrival >= b
    assert all(not r.breaks for r in plan.routes if r.shift == "siang")


def test_minimum_gap_between_visits_of_one_object():
    sc = load_scenario("data/sample/scenario.toml")
    ctx = prepare(sc)
    spbu = next(o for o in ctx.objects if o.category == "spbu" and not o.windows)
    # 10 visits a week at any time, at least 12 hours apart: several fall on one day, never close together
    obj = VitalObject(**{**spbu.__dict__, "visits_per_week": 10, "min_gap_hours": 12.0})
    plan = _plan(sc, ctx, [obj], [], seed=0, time_limit=30, max_iterations=300)
    times = sorted(s.arrival for r in plan.routes for s in r.stops if s.id == obj.id)  # area patrols fill the rest
    assert len(times) == 10 and not plan.unserved
    assert not plan.solver["min_gap_violations"]
    assert all((b - a).total_seconds() >= 12 * 3600 for a, b in zip(times, times[1:]))
