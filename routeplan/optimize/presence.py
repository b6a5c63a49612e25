"""Presence candidates that can fill patrol time: hotspot slots through the active hours and area patrols.

Patrol time (:meth:`~routeplan.model.scenario.Scenario.patrol_target`) is filled with presence where and when
risk is (issue #12, DOMAIN.md "Patrol science"):

* **Hotspot slots.** A hotspot gets a slot every ``settings.hotspot_slot_minutes`` inside its active hours (and
  inside staffed shifts); a stop may start up to ``settings.hotspot_slot_window_minutes`` into its slot, so two
  stops of one hotspot are at least the difference apart (the Koper curve: repeat every couple of hours, stop
  10-16 minutes). Its value is risk × hour intensity × dwell, and the k-th slot of a hotspot on a day is worth
  ``settings.presence_decay ** k`` (diminishing returns; the order is drawn per day, so presence is not
  predictable).
* **Area patrols.** A loop through a desa's roads (or, without a desa layer, a square cell of the road
  network), timed on the road graph for each unit kind, worth the risk it passes (``settings.area_value_hotspot_share`` of
  the hour-weighted risk of the hotspots in it) above a floor, so that a rural desa still counts; the floor is
  below a hotspot stop in its active hours and below the loop's own drive, so that hotspots and loops past
  them come first and quiet loops only fill what is left (:mod:`routeplan.optimize.fill`, which values every
  free candidate at least at ``settings.fill_value_floor``).
  Several slots a day, ``settings.area_slot_minutes`` apart.

Every candidate's prize is its value × presence minutes × ``settings.presence_prize_per_minute``: far above
the route-time cost (1 a second), far below a required visit. The count is bounded
(``settings.max_presence_candidates``; the least valuable go first).
"""

from __future__ import annotations

import math
import zlib
from typing import Any

import numpy as np

import routeplan.settings as settings
from routeplan.model.layers import Hotspot, road_node
from routeplan.model.scenario import Scenario
from routeplan.optimize.areas import PatrolArea, hour_intensity
from routeplan.optimize.candidates import Candidate, Candidates, check_stop_count
from routeplan.optimize.fleet import Fleet
from routeplan.optimize.routing import Stop


def slot_starts(spans: list[tuple[int, int]], windows: list[tuple[int, int]], every: int,
                width: int, dwell: int, phase: int | None = None) -> list[tuple[int, int]]:
    """(earliest, latest) start minutes of slots every ``every`` minutes inside ``windows`` ∩ ``spans``.

    Parameters
    ----------
    spans
        Absolute (start, end) minutes of the staffed shifts.
    windows
        Absolute (start, end) minutes when presence is worth something (active hours; the whole day).
    every, width, dwell
        Slot spacing, how much later than its slot a stop may start, and the stop's minutes.
    phase
        None: the slots of each stretch start at its beginning. Else the slots lie on one grid for the whole
        week, ``phase + k * every`` (clipped to each stretch), so that places with the same hours get
        different slot times and presence does not leave the same gaps everywhere.

    Returns
    -------
    list of (int, int)
        Each slot's start window: two stops in different slots start at least ``every - width`` apart.
    """
    out: set[tuple[int, int]] = set()
    for a0, b0 in _union(spans):
        for a1, b1 in _union(windows):
            a, b = max(a0, a1), min(b0, b1)
            if phase is None:
                t = a
                while t + dwell <= b:
                    out.add((t, min(t + width, b - dwell)))
                    t += every
                continue
            t = a - (a - phase) % every
            while t + dwell <= b:
                lo, hi = max(t, a), min(t + width, b - dwell)
                if lo <= hi:
                    out.add((lo, hi))
                t += every
    return sorted(out)


def bounded(cands: list[tuple[float, Stop, Any]], limit: int) -> list[tuple[float, Stop, Any]]:
    """The ``limit`` most valuable candidates (value first, then their order), in their original order."""
    if len(cands) <= limit:
        return cands
    keep = sorted(range(len(cands)), key=lambda i: (-cands[i][0], i))[:limit]
    return [cands[i] for i in sorted(keep)]


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


# long: the two kinds of presence candidate share their slots, ranks, prizes and bound
def add_presence_candidates(cs: Candidates, fleet: Fleet, scenario: Scenario, hotspots: list[Hotspot],
                            areas: list[PatrolArea], loc_of: dict[int, int], rng: np.random.Generator, *,
                            from_day: int = 0) -> None:
    """Add the hotspot slots and area patrols (optional stops with prizes) that fill the patrol time.

    Parameters
    ----------
    cs
        Where the candidates go (``kind`` ``hotspot`` or ``area_patrol``).
    fleet
        The vehicles; an area patrol's stop is at its kind's own copy of the entry (:attr:`Fleet.area_copy`).
    scenario
        Dwell, hotspot value and limits.
    hotspots, areas
        The snapped hotspots and the areas' loops (:func:`patrol_areas`, in the order given to the fleet).
    loc_of
        Location index of each road node.
    rng
        Draws the order of the slots of a day (diminishing returns without a fixed pattern).
    from_day
        Plan only the days from this index on.
    """
    ppm = settings.presence_prize_per_minute
    decay = settings.presence_decay
    dwell = scenario.hotspot_dwell_minutes
    spans_all = _union([(s.start, s.end) for s in fleet.specs if s.day >= from_day])
    week = [(from_day * 1440 - 1440, scenario.days * 1440 + 1440)]
    found: list[tuple[float, Stop, Candidate]] = []

    def add(prize: float, stop: Stop, cand: Candidate) -> None:
        if prize >= 1 and fleet.feasible(stop.location, stop.tw_early, stop.tw_late, stop.service).any():
            found.append((prize, stop, cand))

    hscale = scenario.hotspot_value_minutes / 60
    for h in hotspots:
        loc = loc_of[road_node(h)]
        windows = [(d * 1440 + ws, d * 1440 + ws + ((we - ws) % 1440 or 1440))
                   for d in range(from_day - 1, scenario.days + 1) for ws, we in (h.active_hours or ((0, 1440),))]
        slots = slot_starts(spans_all, windows, settings.hotspot_slot_minutes,
                            settings.hotspot_slot_window_minutes, dwell, phase=_phase(h.id, settings.hotspot_slot_minutes))
        for day, rank, (a, b) in _ranked(slots, rng, scenario.hotspot_max_stops_per_day):
            value = h.risk * hour_intensity(h, (a // 60) % 24) * hscale * decay ** rank
            add(value * dwell * ppm, Stop(loc, a * 60, b * 60, dwell * 60, int(value * dwell * ppm), name=h.id),
                Candidate("hotspot", h, 0, day, (a, b + dwell)))
    for i, area in enumerate(areas):
        spans = _union([(s.start, s.end) for s in fleet.specs if s.day >= from_day and s.unit.kind == area.kind])
        minutes = int(math.ceil(area.minutes))
        slots = slot_starts(spans, week, settings.area_slot_minutes, settings.area_slot_window_minutes, minutes)
        for day, rank, (a, b) in _ranked(slots, rng, 24):
            value = area.value((a // 60) % 24) * decay ** rank
            prize = value * minutes * ppm
            add(prize, Stop(fleet.area_copy[i], a * 60, b * 60, minutes * 60, int(prize), name=area.id),
                Candidate("area_patrol", area, 0, day, (a, b + minutes)))
    for _prize, stop, cand in bounded(found, int(settings.max_presence_candidates)):
        fleet.model.add_stop(stop)
        cs.stops.append(cand)
    check_stop_count(fleet, scenario)


def _phase(key: str, every: int) -> int:
    """A fixed offset (minutes, a multiple of 5) of a place's slot grid, the same in every run (not Python's hash)."""
    return 5 * (zlib.crc32(key.encode("utf-8")) % max(every // 5, 1))


def _ranked(slots: list[tuple[int, int]], rng: np.random.Generator,
            per_day: int) -> list[tuple[int, int, tuple[int, int]]]:
    """(day, rank, slot): the slots of each day in a random order, at most ``per_day`` of them."""
    by_day: dict[int, list[tuple[int, int]]] = {}
    for a, b in slots:
        by_day.setdefault(a // 1440, []).append((a, b))
    out = []
    for day, day_slots in sorted(by_day.items()):
        for rank, k in enumerate(rng.permutation(len(day_slots))[:per_day]):
            out.append((day, rank, day_slots[int(k)]))
    return out
