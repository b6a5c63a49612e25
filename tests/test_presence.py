"""The presence model (issue #12): patrol time as a planning input, filled with hotspot slots and area patrols.

A tiny world (a 7 × 7 grid of roads, two desa, three hotspots, two objects) is planned in seconds; the sample
is planned once with the demo's iteration budget.
"""

import dataclasses
import datetime as dt
import json
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

import routeplan
import routeplan.settings as settings
from routeplan.errors import InputError
from routeplan.load.scenario import scenario_from_dict
from routeplan.model.geo import frame_of
from routeplan.model.layers import Hotspot, VitalObject
from routeplan.model.planfile import plan_from_dict, plan_to_dict
from routeplan.model.scenario import Area, Depot, PatrolUnit, Scenario, Shift
from routeplan.optimize.areas import hour_intensity, patrol_areas
from routeplan.optimize.presence import _phase, slot_starts
from routeplan.optimize.weekly import plan_week
from routeplan.prepare.context import PlanContext
from routeplan.prepare.matrix import location_matrices
from routeplan.report.scorecard import patrol_section

DAY = dt.date(2026, 11, 30)
STEP = 0.003  # degrees between grid nodes, about 330 m
EDGE_S = {"car": 70.0, "motorcycle": 60.0}


def _node(i: int, j: int) -> int:
    return 100 * i + j


def _square(lon0: float, lon1: float, name: str) -> dict:
    ring = [[lon0, -0.001], [lon1, -0.001], [lon1, 0.019], [lon0, 0.019], [lon0, -0.001]]
    return {"type": "Feature", "properties": {"desa": name}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def _world(tmp_path: Path, units: list[PatrolUnit] | None = None, *, desa: bool = True,
           hotspots: list[Hotspot] | None = None, **scenario) -> PlanContext:
    """A 7 × 7 road grid (two-way, both kinds), depot at the south-west corner, desa West and East <b>."""
    G = nx.MultiDiGraph()
    for i in range(7):
        for j in range(7):
            G.add_node(_node(i, j), x=i * STEP, y=j * STEP)
    for i in range(7):
        for j in range(7):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < 7 and j + dj < 7:
                    a, b = _node(i, j), _node(i + di, j + dj)
                    for u, v in ((a, b), (b, a)):
                        G.add_edge(u, v, length=330.0, travel_time_car=EDGE_S["car"],
                                   travel_time_motorcycle=EDGE_S["motorcycle"])
    path = None
    if desa:
        path = tmp_path / "desa.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [
            _square(-0.001, 0.0095, "West"), _square(0.0095, 0.019, "East <b>")]}))
    hs = hotspots if hotspots is not None else [
        Hotspot("H1", "Pasar", 2 * STEP, 5 * STEP, 1.0, ((4 * 60, 12 * 60),), ("curanmor",), node=_node(2, 5)),
        Hotspot("H2", "SPBU", 5 * STEP, 1 * STEP, 0.6, (), ("curas",), node=_node(5, 1)),
        Hotspot("H3", "Kandang", 6 * STEP, 6 * STEP, 0.4, ((18 * 60, 4 * 60),), ("curhewan",), node=_node(6, 6)),
    ]
    objs = [
        VitalObject("O1", "Bank", "bank", 3 * STEP, 3 * STEP, 1, 2, 10, ((8 * 60, 15 * 60),), ("mon", "tue"),
                    min_gap_hours=12.0, node=_node(3, 3)),
        VitalObject("O2", "Sekolah", "sekolah", 1 * STEP, 4 * STEP, 2, 1, 10, ((7 * 60, 13 * 60),), ("mon", "tue"),
                    min_gap_hours=12.0, node=_node(1, 4)),
    ]
    units = units if units is not None else [
        PatrolUnit("R4-1", "car", "D", ("pagi",), (0, 1)),
        PatrolUnit("R2-1", "motorcycle", "D", ("siang",), (0, 1)),
        PatrolUnit("R4-2", "car", "D", ("pagi",), (0, 1), standby=("pagi",)),
    ]
    sc = Scenario(path=tmp_path / "s.toml", name="tiny", area=Area(place="x"), depots={"D": Depot("D", "Polsek", 0.0, 0.0)},
                  units=units, shifts={"pagi": Shift("pagi", 6 * 60, 12 * 60), "siang": Shift("siang", 14 * 60, 20 * 60)},
                  start_date=DAY, days=2, vital_objects=None, hotspots=None, desa=path, speeds_kmh={}, **scenario)
    return PlanContext(sc, G, objs, hs, depot_nodes={"D": _node(0, 0)})


def _plan(ctx: PlanContext, seed: int = 1, iterations: int = 1500) -> routeplan.Plan:
    kinds = sorted({u.kind for u in ctx.scenario.units})
    mats = location_matrices(ctx.graph, ctx.locations(), kinds)
    return plan_week(ctx.scenario, ctx, mats, seed=seed, time_limit=120, max_iterations=iterations)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    ctx = _world(tmp_path_factory.mktemp("tiny"), patrol_share=0.5)
    return _plan(ctx), ctx


def test_every_staffed_unit_shift_fills_its_patrol_time_and_standby_gets_none(tiny):
    plan, ctx = tiny
    staffed = [p for p in plan.patrol if p.target_minutes is not None]
    assert len(staffed) == 4 and all(p.target_minutes == 180 for p in staffed)  # half of a 6-hour shift
    tol = ctx.scenario.patrol_tolerance
    for p in staffed:
        assert p.reason == "", p
        assert 180 * (1 - tol) <= p.patrol_minutes <= 180 + 1, p  # never more than planned: the rest is reserve
    standby = [p for p in plan.patrol if p.target_minutes is None]
    assert [(p.unit, p.reason) for p in standby] == [("R4-2", "standby"), ("R4-2", "standby")]
    assert {r.unit for r in plan.routes} == {"R4-1", "R2-1"} and len(plan.routes) == 4
    assert plan.served_required == plan.required_visits == 2  # visits per week scaled to the two days


def test_presence_is_spread_without_long_stretches(tiny):
    plan, _ctx = tiny
    assert max(p.longest_stretch_minutes for p in plan.patrol) <= settings.max_stretch_minutes


def test_area_patrols_are_loops_timed_on_the_graph(tmp_path):
    ctx = _world(tmp_path)
    areas = patrol_areas(ctx.graph, [("West", _poly(-0.001, 0.0095)), ("East <b>", _poly(0.0095, 0.019))],
                         ctx.locations(), ["car", "motorcycle"], ctx.objects, ctx.hotspots)
    assert {(a.name, a.kind) for a in areas} == {(n, k) for n in ("West", "East <b>") for k in ("car", "motorcycle")}
    for a in areas:
        assert a.nodes[0] == a.nodes[-1] == a.entry and a.entry in ctx.locations()
        edges = list(zip(a.nodes, a.nodes[1:]))
        assert all(ctx.graph.has_edge(u, v) for u, v in edges)
        assert a.minutes == pytest.approx(len(edges) * EDGE_S[a.kind] / 60)
        assert settings.area_loop_min_minutes <= a.minutes <= settings.area_loop_max_minutes
    east = next(a for a in areas if a.name == "East <b>")
    west = next(a for a in areas if a.name == "West")
    # the East desa holds the SPBU and the kandang: it passes more risk at night than the West one
    assert east.value(23) > west.value(23) >= settings.area_value_floor
    # without a desa layer, cells of the road network stand in
    cells = patrol_areas(ctx.graph, None, ctx.locations(), ["car"], ctx.objects, ctx.hotspots)
    assert cells and all(not c.is_desa for c in cells)


def test_a_cell_is_named_after_its_longest_named_road():
    """Without a desa layer an area patrol is a grid cell: "B2 (Jalan Raya)" tells an officer where it is."""
    import networkx as nx

    from routeplan.optimize.areas import _cell_label

    G = nx.MultiDiGraph()
    G.add_edge(1, 2, name="Jalan Pendek", length=50.0)
    G.add_edge(2, 3, name=["Jalan\x00 Raya\x1b[31m {{ 7*7 }}", "alias"], length=40.0)
    G.add_edge(3, 1, name="Jalan\x00 Raya\x1b[31m {{ 7*7 }}", length=40.0)
    G.add_edge(3, 9, name="Jalan Luar", length=500.0)  # leaves the cell: not its road
    label = _cell_label("B2", G, {1, 2, 3})
    # the longest by length inside (80 m against 50 m); control characters gone, the rest kept as text
    assert label == "B2 (Jalan Raya [31m {{ 7*7 }})"
    assert _cell_label("C3", nx.MultiDiGraph([(1, 2)]), {1, 2}) == "C3"  # no named road
    G.add_edge(2, 1, name="Jalan Pendek", length=30.0)  # a tie at 80 m: the same name in every run
    assert _cell_label("B2", G, {1, 2, 3}) == "B2 (Jalan Pendek)"


def _poly(lon0: float, lon1: float):
    return box(lon0, -0.001, lon1, 0.019)


def test_plan_has_area_patrols_and_hotspot_stops_with_spacing(tiny):
    plan, _ctx = tiny
    kinds = {s.kind for r in plan.routes for s in r.stops}
    assert {"area_patrol", "hotspot", "vital_object"} <= kinds
    area = next(s for r in plan.routes for s in r.stops if s.kind == "area_patrol")
    assert area.category == "area_patrol" and area.name in ("West", "East <b>") and area.dwell_minutes >= 5
    spacing = settings.hotspot_slot_minutes - settings.hotspot_slot_window_minutes
    for r in plan.routes:
        by_id: dict[str, list[dt.datetime]] = {}
        for s in r.stops:
            if s.kind == "hotspot":
                by_id.setdefault(s.id, []).append(s.arrival)
        for times in by_id.values():
            times.sort()
            assert all((b - a).total_seconds() / 60 >= spacing for a, b in zip(times, times[1:])), times


def test_a_required_visit_in_a_hotspots_area_is_timed_into_its_active_hours(tmp_path):
    """An any-time object beside the night hotspot H3 (18:00-04:00): the siang shift (14:00-20:00) can visit it
    in H3's hours, and the plan does so on both days, so the visit is presence at H3 too. No hotspot stops are
    offered, so that nothing but the visit's own worth draws the unit there (without it the visits fall
    elsewhere)."""
    ctx = _world(tmp_path, patrol_share=0.5, hotspot_max_stops_per_day=0)
    h3 = next(h for h in ctx.hotspots if h.id == "H3")
    ctx.objects.append(VitalObject("O3", "Gudang", "gudang", h3.lon, h3.lat, 3, 7, 10, (), ("mon", "tue"), node=h3.node))
    plan = _plan(ctx)
    visits = sorted(s.arrival for r in plan.routes for s in r.stops if s.id == "O3")
    assert len(visits) == 2 and {v.date() for v in visits} == {DAY, DAY + dt.timedelta(days=1)}
    assert all(dt.time(18, 0) <= v.time() <= dt.time(19, 50) for v in visits), visits


def test_slots_keep_the_spacing_inside_active_hours():
    slots = slot_starts([(360, 720), (700, 1200)], [(300, 1000)], 90, 30, 12)
    assert slots[0] == (360, 390) and all(a >= 360 and b + 12 <= 1000 for a, b in slots)
    assert all(b2 - a1 >= 60 for (a1, _b1), (_a2, b2) in zip(slots, slots[1:]))
    assert all(a2 - b1 >= 60 for (_a1, b1), (a2, _b2) in zip(slots, slots[1:]))


def test_hour_intensity_follows_active_hours_and_types():
    h = Hotspot("H", "x", 0, 0, 1.0, ((22 * 60, 4 * 60),), ("curhewan",))
    assert hour_intensity(h, 12) == 0.0 and hour_intensity(h, 23) == 1.0 and hour_intensity(h, 2) == 1.0
    assert hour_intensity(Hotspot("H", "x", 0, 0, 1.0, (), ()), 12) == 1.0
    assert 0 < hour_intensity(Hotspot("H", "x", 0, 0, 1.0, (), ("curat",)), 10) < 1


def test_same_seed_same_plan(tmp_path):
    ctx = _world(tmp_path, patrol_share=0.5)
    a, b = _plan(ctx, seed=3, iterations=300), _plan(ctx, seed=3, iterations=300)
    assert json.dumps(plan_to_dict(a)) == json.dumps(plan_to_dict(b))


def test_a_shift_with_too_little_to_do_says_why(tmp_path, monkeypatch):
    # no desa, no hotspot, one short object visit: nothing can fill five hours of patrol
    ctx = _world(tmp_path, [PatrolUnit("R4-1", "car", "D", ("pagi",), (0,))], desa=False, hotspots=[],
                 patrol_share=1.0)
    ctx = dataclasses.replace(ctx, scenario=dataclasses.replace(ctx.scenario, days=1))
    monkeypatch.setattr(settings, "area_loop_min_minutes", 10_000)  # no loop is long enough: no area patrol
    plan = _plan(ctx, iterations=200)
    (p,) = plan.patrol
    assert p.target_minutes == 360 and p.reason == "few_candidates" and "360 min planned" in p.detail
    section = patrol_section(plan, ctx.scenario.patrol_tolerance)
    assert section["within_tolerance"] == 0 and section["short"][0]["reason"] == "few_candidates"
    # plan.json keeps the patrol list, and a plan without it (written before) still reads
    d = json.loads(json.dumps(plan_to_dict(plan)))
    assert plan_from_dict(d).patrol == plan.patrol
    del d["patrol"]
    assert plan_from_dict(d).patrol == []


BASE = {
    "area": {"place": "x"}, "plan": {"start_date": "2026-11-30", "days": 2},
    "depots": [{"id": "D", "name": "Polsek", "lat": -8.2, "lon": 113.2}],
    "shifts": [{"name": "pagi", "start": "06:00", "end": "14:00", "break_minutes": 60},
               {"name": "malam", "start": "22:00", "end": "06:00", "patrol_minutes": 300}],
    "layers": {"hotspots": "h.geojson"},
}


def _sc(units: list[dict], **plan) -> Scenario:
    raw = json.loads(json.dumps(BASE))
    raw["units"] = units
    raw["plan"].update(plan)
    return scenario_from_dict(raw, Path("/tmp/s.toml"))


def test_patrol_targets_from_the_scenario():
    sc = _sc([{"id": "A", "kind": "car", "depot": "D"},
              {"id": "B", "kind": "car", "depot": "D", "patrol_share": 0.5},
              {"id": "C", "kind": "car", "depot": "D", "patrol_minutes": {"malam": 120}, "standby": ["pagi"]},
              {"id": "E", "kind": "car", "depot": "D", "standby": True}], patrol_share=0.7)
    pagi, malam = sc.shifts["pagi"], sc.shifts["malam"]
    a, b, c, e = sc.units
    assert sc.patrol_target(a, pagi) == 294  # 0.7 of 420 minutes (8 h less the break)
    assert sc.patrol_target(a, malam) == 300  # the shift's own minutes
    assert sc.patrol_target(b, pagi) == 210 and sc.patrol_target(b, malam) == 240  # the unit's share wins
    assert sc.patrol_target(c, pagi) is None and sc.patrol_target(c, malam) == 120
    assert sc.patrol_target(e, pagi) is None and sc.patrol_target(e, malam) is None
    default = _sc([{"id": "A", "kind": "car", "depot": "D"}])
    assert default.patrol_share == settings.default_patrol_share == 0.6
    assert default.patrol_target(default.units[0], pagi) == 252


@pytest.mark.parametrize("unit, plan, fragment", [
    ({"patrol_shar": 0.5}, {}, "unknown key 'patrol_shar'; did you mean 'patrol_share'?"),
    ({"patrol_share": 1.5}, {}, "units[0].patrol_share: must be a share of the shift from 0 to 1"),
    ({"patrol_minutes": {"siang": 100}}, {}, "units[0].patrol_minutes.siang: 'siang' is not a shift"),
    ({"patrol_minutes": "{{7*7}}"}, {}, "units[0].patrol_minutes: must be minutes from 0 to 1440"),
    ({"standby": ["<script>"]}, {}, "units[0].standby: '<script>' is not a shift of [[shifts]]"),
    ({"standby": "yes"}, {}, "units[0].standby: must be true, false or a list of shift names"),
    ({"patrol_share": 0.5, "patrol_minutes": 100}, {}, "give patrol_share or patrol_minutes for a shift, not both"),
    ({}, {"patrol_tolerance": 1.0}, "[plan].patrol_tolerance: must be a share from 0 to below 1"),
    ({}, {"patrol_share": -0.1}, "[plan].patrol_share: must be a share of the shift from 0 to 1"),
    ({}, {"dosage_floor": 1.5}, "[plan].dosage_floor: must be a share of a hotspot's dosage from 0 (off) to 1"),
    ({}, {"dosage_floor": "{{7*7}}"}, "[plan].dosage_floor: must be a share of a hotspot's dosage from 0 (off) to 1"),
    ({}, {"dosage_floor": True}, "[plan].dosage_floor: must be a share of a hotspot's dosage from 0 (off) to 1"),
])
def test_bad_patrol_keys_are_one_line_errors(unit, plan, fragment):
    with pytest.raises(InputError) as exc:
        _sc([{"id": "A", "kind": "car", "depot": "D", **unit}], **plan)
    assert fragment in str(exc.value) and "\n" not in str(exc.value)


def test_shift_with_both_share_and_minutes_is_refused():
    raw = json.loads(json.dumps(BASE))
    raw["shifts"][0].update({"patrol_share": 0.5, "patrol_minutes": 100})
    raw["units"] = [{"id": "A", "kind": "car", "depot": "D"}]
    with pytest.raises(InputError, match=r"shifts\[0\]: give patrol_share or patrol_minutes, not both"):
        scenario_from_dict(raw, Path("/tmp/s.toml"))


def test_sample_every_staffed_unit_shift_patrols(tmp_path_factory):
    """The sample as the demo plans it: every unit-shift patrols its time, required visits first, 3x presence."""
    plan, _ctx = routeplan.plan(Path(__file__).resolve().parents[1] / "data" / "sample" / "scenario.toml",
                                seed=1, time_limit=300, max_iterations=3000)
    staffed = [p for p in plan.patrol if p.target_minutes is not None]
    assert len(staffed) == 65 and len(plan.routes) == 65
    assert all(p.patrol_minutes <= p.target_minutes + 1 for p in staffed)
    short = [p for p in staffed if p.reason]
    assert len(short) <= 2, short  # the full demo budget (10 000 iterations) leaves none
    assert plan.served_required == plan.required_visits
    assert max(p.longest_stretch_minutes for p in staffed) <= settings.max_stretch_minutes
    # risk-weighted hotspot presence: 554 risk-minutes before the presence model (same seed, demo budget)
    risk_minutes = sum((s.risk or 0) * s.dwell_minutes for r in plan.routes for s in r.stops if s.kind == "hotspot")
    assert risk_minutes >= 3 * 554


def test_route_distance_counts_the_area_patrol_loops(demo_plan):
    """An area patrol drives its loop while it is "at the stop": the route's km are the km of its road path."""
    from pyproj import Geod
    from shapely.geometry import LineString

    plan, _ctx = demo_plan
    geod = Geod(ellps="WGS84")
    looped = [r for r in plan.routes if any(s.kind == "area_patrol" for s in r.stops) and len(r.path) > 1]
    assert looped
    for r in looped:
        path_km = geod.geometry_length(LineString(r.path)) / 1000
        assert abs(r.distance_km - path_km) <= 0.05 * path_km + 0.2, (r.unit, r.day, r.shift, r.distance_km, path_km)


def test_an_area_loop_is_worth_the_risk_it_passes_not_its_objects(tmp_path):
    """Objects get their own visits: a loop through an area of objects and no hotspots is worth the floor only,
    below a stop at a hotspot of middling risk in its active hours (the hotspots come first)."""
    ctx = _world(tmp_path, hotspots=[])
    areas = patrol_areas(ctx.graph, [("West", _poly(-0.001, 0.0095))], ctx.locations(), ["car"], ctx.objects, [])
    assert areas and all(a.value(h) == pytest.approx(settings.area_value_floor) for a in areas for h in range(24))
    spbu = Hotspot("H2", "SPBU", 0.0, 0.0, 0.3, (), ("curas",))
    assert all(a.value(h) < spbu.risk * hour_intensity(spbu, h) for a in areas for h in range(24))


def test_an_area_loop_is_worth_only_the_hotspots_its_roads_pass(tmp_path):
    """A hotspot in the desa that the loop does not come near adds nothing; one on the loop adds its risk for the
    share of the loop inside its area (issue #12: area patrol "valued by the risk it passes")."""
    ctx = _world(tmp_path, hotspots=[])
    east = _poly(0.0095, 0.019)
    (loop,) = patrol_areas(ctx.graph, [("East", east)], ctx.locations(), ["car"], ctx.objects, [])
    frame = frame_of(ctx.graph)
    xy = {n: frame.xy(np.array([d["x"]]), np.array([d["y"]])) for n, d in ctx.graph.nodes(data=True)}
    line = LineString([(float(xy[n][0][0]), float(xy[n][1][0])) for n in loop.nodes])
    inside = [n for n, d in ctx.graph.nodes(data=True) if east.contains(Point(d["x"], d["y"]))]
    far = [n for n in inside if line.distance(Point(float(xy[n][0][0]), float(xy[n][1][0]))) > 2 * settings.hotspot_radius_m]
    on = [n for n in loop.nodes[1:-1] if n in inside]
    assert far and on

    def spot(node: int, hid: str) -> Hotspot:
        d = ctx.graph.nodes[node]
        return Hotspot(hid, hid, d["x"], d["y"], 1.0, (), (), node=node)

    (away,) = patrol_areas(ctx.graph, [("East", east)], ctx.locations(), ["car"], ctx.objects, [spot(far[0], "F")])
    assert away.passes == () and away.value(12) == pytest.approx(settings.area_value_floor)
    (near,) = patrol_areas(ctx.graph, [("East", east)], ctx.locations(), ["car"], ctx.objects, [spot(on[0], "N")])
    ((h, share),) = near.passes
    x, y = xy[on[0]]
    expected = line.intersection(Point(float(x[0]), float(y[0])).buffer(settings.hotspot_radius_m)).length / line.length
    assert h.id == "N" and 0 < share < 1 and share == pytest.approx(expected, rel=1e-6)
    assert near.value(12) == pytest.approx(settings.area_value_floor + settings.area_value_hotspot_share * share)


def test_slot_grids_of_places_with_the_same_hours_are_staggered():
    """Two hotspots active 10:00-16:00 get slots at different times (no common gap), each keeps its spacing, and
    the offset is the same in every run."""
    day = [(0, 1440)]
    windows = [(600, 960)]
    grids = [slot_starts(day, windows, 90, 30, 12, phase=_phase(hid, 90)) for hid in ("HS-04", "HS-09")]
    assert _phase("HS-04", 90) == _phase("HS-04", 90) and _phase("HS-04", 90) != _phase("HS-09", 90)
    assert grids[0] != grids[1]
    for slots in grids:
        assert all(600 <= a <= b and b + 12 <= 960 for a, b in slots)
        assert all(a2 - b1 >= 60 for (_a1, b1), (a2, _b2) in zip(slots, slots[1:]))
    # without a phase the slots start with the window, as before
    assert slot_starts(day, windows, 90, 30, 12)[0] == (600, 630)


def test_one_vehicles_feasibility_is_its_entry_of_every_vehicles(tmp_path):
    """``Fleet.feasible_for`` (one vehicle, many stops) agrees with ``Fleet.feasible`` (one stop, every vehicle)."""
    from routeplan.optimize.fleet import build_fleet

    ctx = _world(tmp_path, patrol_share=0.5)
    mats = location_matrices(ctx.graph, ctx.locations(), sorted({u.kind for u in ctx.scenario.units}))
    fleet = build_fleet(ctx.scenario, ctx.objects, mats, ctx.depot_nodes)
    rng = np.random.default_rng(0)
    n = fleet.model.num_locations
    locs = rng.integers(0, n, 200)
    early = rng.integers(0, 2 * 86_400, 200)
    late = early + rng.integers(0, 4 * 3_600, 200)
    service = rng.integers(0, 3_600, 200)
    for vi in range(len(fleet.model.vehicles)):
        got = fleet.feasible_for(vi, locs, early, late, service)
        want = [fleet.feasible(int(a), int(b), int(c), int(d))[vi] for a, b, c, d in zip(locs, early, late, service)]
        assert got.tolist() == want and any(want) and not all(want)
