"""The weekly model's vehicles (routeplan.optimize.fleet): copies only their owner serves, in few profiles."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from pathlib import Path

import pytest
from test_presence import _world

from routeplan import settings
from routeplan.model.scenario import PatrolUnit, Shift
from routeplan.optimize.fleet import build_fleet, shift_colours, vehicle_specs
from routeplan.prepare.context import PlanContext
from routeplan.prepare.matrix import location_matrices

SHIFTS = {"pagi": Shift("pagi", 6 * 60, 14 * 60), "siang": Shift("siang", 14 * 60, 22 * 60),
          "malam": Shift("malam", 22 * 60, 6 * 60), "tengah": Shift("tengah", 10 * 60, 18 * 60, break_minutes=30)}


def _week(tmp_path: Path) -> PlanContext:
    """Seven days; two cars on three touching shifts, a car on a shift overlapping two of them, a motorcycle."""
    week = tuple(range(7))
    units = [PatrolUnit("R4-1", "car", "D", ("pagi", "siang", "malam"), week),
             PatrolUnit("R4-2", "car", "D", ("pagi", "malam"), week),
             PatrolUnit("R4-3", "car", "D", ("tengah",), week),
             PatrolUnit("R2-1", "motorcycle", "D", ("siang",), week)]
    ctx = _world(tmp_path, units, patrol_share=0.6)
    ctx.scenario = dataclasses.replace(ctx.scenario, days=7, shifts=SHIFTS)
    return ctx


def _on_duty_at_once(specs, kind: str, touching: bool = False, gap: int | None = None) -> int:
    """The most shifts of ``kind``, each widened by ``gap`` minutes (default: the setting), that share a minute (with
    ``touching``, one ending when another starts shares that minute with it)."""
    gap = settings.profile_gap_minutes if gap is None else gap
    spans = [(s.start, s.end + gap) for s in specs if s.unit.kind == kind]
    return max(sum(a <= t < b or (touching and t == b) for a, b in spans) for t in {x for ab in spans for x in ab})


@pytest.mark.parametrize("touching", [False, True])
def test_one_colour_never_has_two_shifts_on_duty_at_once_and_uses_as_few_colours_as_that_allows(tmp_path: Path,
                                                                                                 touching: bool):
    ctx = _week(tmp_path)
    specs = vehicle_specs(ctx.scenario, {"D": 0})
    colour = shift_colours(specs, set(range(len(specs))), touching=touching, gap=0)
    assert sorted(colour) == list(range(len(specs)))
    for a, b in itertools.combinations(range(len(specs)), 2):
        if specs[a].unit.kind == specs[b].unit.kind and colour[a] == colour[b]:
            first, second = sorted((specs[a], specs[b]), key=lambda s: s.start)
            assert first.end < second.start or (first.end == second.start and not touching), (first, second)
    for kind in ("car", "motorcycle"):
        used = {c for vi, c in colour.items() if specs[vi].unit.kind == kind}
        assert len(used) == _on_duty_at_once(specs, kind, touching, gap=0)
    # 10:00: two morning shifts and R4-3's; touching: at 06:00 two night shifts end as two morning shifts start
    assert len({c for vi, c in colour.items() if specs[vi].unit.kind == "car"}) == (4 if touching else 3)


def test_shifts_sharing_a_colour_are_the_gap_apart(tmp_path: Path):
    """By default two shifts of one colour lie ``profile_gap_minutes`` (12 h) apart: a move serving the other's copy
    is then hours late or early and PyVRP rejects it at once, as when each shift had a profile of its own."""
    ctx = _week(tmp_path)
    specs = vehicle_specs(ctx.scenario, {"D": 0})
    colour = shift_colours(specs, set(range(len(specs))))
    gap = settings.profile_gap_minutes
    assert gap == 720
    for a, b in itertools.combinations(range(len(specs)), 2):
        if specs[a].unit.kind == specs[b].unit.kind and colour[a] == colour[b]:
            first, second = sorted((specs[a], specs[b]), key=lambda s: s.start)
            assert first.end + gap < second.start, (first, second)
    for kind in ("car", "motorcycle"):
        assert len({c for vi, c in colour.items() if specs[vi].unit.kind == kind}) == _on_duty_at_once(specs, kind)
    assert len(set(colour.values())) < len(specs) / 3


def test_every_depot_copy_is_served_only_by_its_own_shift_in_a_profile_per_colour(tmp_path: Path):
    """A shift's break and reserve are at its own copy of the depot. The copies share a profile with the other
    shifts of their colour (not one profile per shift: memory grew with shifts x locations squared), and every
    stop inside the shift at a copy is still feasible for its owner alone."""
    ctx = _week(tmp_path)
    kinds = sorted({u.kind for u in ctx.scenario.units})
    mats = location_matrices(ctx.graph, ctx.locations(), kinds)
    fleet = build_fleet(ctx.scenario, ctx.objects, mats, ctx.depot_nodes)
    specs = fleet.specs
    assert len(specs) == 7 * 7 and len(fleet.depot_copy) == len(specs)  # every shift has a reserve
    want = len(kinds) + sum(_on_duty_at_once(specs, k) for k in kinds)
    assert len(fleet.model.durations) == len(fleet.model.distances) == want < len(specs)
    for vi, loc in fleet.depot_copy.items():
        s = specs[vi]
        for early, late, service in ((s.start, s.end - 20, 20), (s.start, s.start, 1), (s.end - 1, s.end - 1, 1)):
            ok = fleet.feasible(loc, early * 60, late * 60, service * 60)
            assert ok.nonzero()[0].tolist() == [vi], (s.unit.id, s.day, s.shift.name)


@pytest.mark.parametrize("dwell", [10, 0])
def test_a_pin_without_dwell_keeps_shifts_that_touch_apart(tmp_path: Path, dwell: int,
                                                           monkeypatch: pytest.MonkeyPatch):
    """Without a gap between shifts of one colour: a pin with no dwell at the minute its shift starts could be served
    by the shift ending then (at its depot, in no time), so touching shifts then get different colours, and the
    pin's copy is still its owner's alone."""
    monkeypatch.setattr(settings, "profile_gap_minutes", 0)
    ctx = _week(tmp_path)
    at_depot = ctx.depot_nodes["D"]
    ctx.objects = [dataclasses.replace(o, dwell_minutes=dwell, node=at_depot) if o.id == "O1" else o for o in ctx.objects]
    day = ctx.scenario.start_date + dt.timedelta(days=2)
    pin = {"object": "O1", "unit": "R4-1", "date": day.isoformat(), "time": "14:00"}
    ctx.scenario = dataclasses.replace(ctx.scenario, pins=[pin])
    kinds = sorted({u.kind for u in ctx.scenario.units})
    fleet = build_fleet(ctx.scenario, ctx.objects, location_matrices(ctx.graph, ctx.locations(), kinds),
                        ctx.depot_nodes)
    (p,) = fleet.pins
    assert fleet.specs[p.vehicle].shift.name == "siang" and p.minute == fleet.specs[p.vehicle].start
    touching = dwell == 0
    assert len(fleet.model.durations) == len(kinds) + sum(_on_duty_at_once(fleet.specs, k, touching, 0) for k in kinds)
    ok = fleet.feasible(fleet.n_locations, p.minute * 60, p.minute * 60, dwell * 60)  # the pin's copy
    assert ok.nonzero()[0].tolist() == [p.vehicle]
