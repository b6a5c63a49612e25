"""Candidate stops of the weekly model (routeplan.optimize.candidates): a required visit in a hotspot's area is
worth more while the hotspot is active."""

import datetime as dt
from pathlib import Path

import pytest

import routeplan.settings as settings
from routeplan.model.layers import Hotspot
from routeplan.model.scenario import Area, Scenario
from routeplan.optimize.candidates import presence_parts

NIGHT = Hotspot("H", "Kandang", 0.0, 0.0, 0.8, ((18 * 60, 4 * 60),), ("curhewan",))


def _scenario() -> Scenario:
    return Scenario(path=Path("s.toml"), name="t", area=Area(place="x"), depots={}, units=[], shifts={},
                    start_date=dt.date(2026, 11, 30), days=2, vital_objects=None, hotspots=None, desa=None,
                    speeds_kmh={})


def test_without_a_hotspot_around_the_window_stays_whole():
    assert presence_parts(100, 900, [], 10, _scenario()) == [(100, 900, 0)]
    day = Hotspot("D", "x", 0.0, 0.0, 1.0, ((8 * 60, 9 * 60),), ())
    # never active in the span: no split, no bonus
    assert presence_parts(600, 900, [day], 10, _scenario()) == [(600, 900, 0)]


@pytest.mark.parametrize("first,last", [(0, 1430), (900, 1700), (1000, 1100), (1435, 2880 + 300)])
def test_parts_cover_the_span_and_only_starts_inside_the_active_hours_earn(first, last):
    parts = presence_parts(first, last, [NIGHT], 10, _scenario())
    assert parts[0][0] == first and parts[-1][1] == last
    assert all(a1 == b2 + 1 for (_a2, b2, _v2), (a1, _b1, _v1) in zip(parts, parts[1:]))
    for a, b, bonus in parts:
        assert a <= b
        for m in range(a, b + 1):
            whole_visit_active = all(NIGHT.active_at((m + k) % 1440) for k in range(10))
            if bonus > 0:
                assert whole_visit_active, (a, b, m)
    # a start in the night hours is rewarded as a hotspot stop of the visit's length (risk × intensity, at most)
    full = settings.presence_prize_per_minute * 10 * 0.8
    assert max(v for _a, _b, v in parts) <= full
    if any(NIGHT.active_at(m % 1440) and NIGHT.active_at((m + 9) % 1440) for m in range(first, last + 1)):
        assert max(v for _a, _b, v in parts) > 0


def test_the_riskiest_active_hotspot_sets_the_bonus():
    low = Hotspot("L", "x", 0.0, 0.0, 0.2, (), ())
    high = Hotspot("X", "x", 0.0, 0.0, 1.0, ((10 * 60, 12 * 60),), ())
    parts = presence_parts(8 * 60, 14 * 60, [low, high], 10, _scenario())
    by_start = {a: v for a, _b, v in parts}
    at = [v for a, b, v in parts if a <= 10 * 60 + 30 <= b]
    assert at and at[0] == int(settings.presence_prize_per_minute * 10 * 1.0)
    assert by_start[8 * 60] == int(settings.presence_prize_per_minute * 10 * 0.2)
