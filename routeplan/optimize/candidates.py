"""Candidate stops of the weekly model: the required visits of vital objects, pinned visits, breaks and the
optional hotspot stops.

Vital objects get their visits per week on allowed days and inside their time windows; visits of one
object are spread over the week by giving each visit its own slice of the allowed days, and each visit is
a group of candidate stops (one per allowed day and window) of which at most one is served. A visit that
has no candidate at all is unserved with its reason right away.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

import routeplan.settings as settings
from routeplan.errors import InputError
from routeplan.model.layers import (
    Hotspot,
    VitalObject,
    allowed_days,
    gap_minutes,
    greedy_starts,
    road_node,
    start_intervals,
)
from routeplan.model.operations import DayRule, day_rules, weekly_share
from routeplan.model.plan import Unserved
from routeplan.model.scenario import Scenario
from routeplan.optimize.areas import PatrolArea, hour_intensity
from routeplan.optimize.fleet import PIN_PRIZE, Fleet
from routeplan.optimize.routing import Stop

#: Prize of a required visit by priority (1 high .. 3 low), in seconds of route time: far above any
#: route's duration, so a required visit is dropped only when shifts are full, lowest priority first.
CARRY_OVER_PRIORITY = 0  # a required visit missed last week (routeplan plan --carry-over)
REQUIRED_PRIZE = {CARRY_OVER_PRIORITY: 4_000_000, 1: 3_000_000, 2: 2_000_000, 3: 1_000_000}
#: Prize of a minute of a shift's reserve: above any presence minute (``settings.presence_prize_per_minute`` ×
#: at most 1.5), so presence never takes reserve time; a required visit outweighs about 100 such minutes.
RESERVE_PRIZE_PER_MINUTE = 10_000


@dataclass
class Candidate:
    """What a stop of the model stands for."""

    kind: str  # "vital_object", "hotspot", "area_patrol", "break" or "reserve"
    ref: VitalObject | Hotspot | PatrolArea | None
    visit_no: int
    day: int
    window: tuple[int, int]  # minutes from plan start
    #: The part of a required visit's prize that is presence (the object lies in the area of a hotspot active then):
    #: it ranks candidates of one visit, never one visit above another (:mod:`routeplan.optimize.exchange`).
    bonus: int = 0


@dataclass
class Candidates:
    """The stops added to a fleet's model, and what is known before solving.

    Attributes
    ----------
    stops
        One :class:`Candidate` per stop of the model, in order.
    groups
        Per group of the model: (object, visit number) of a required visit, or (None, 0) for a group that
        is not a required visit (a hotspot stop, or a visit without any candidate).
    pin_groups
        The group of each pin, in the fleet's pin order.
    unserved
        Required visits known to be unservable before solving.
    required
        Number of required visits.
    """

    stops: list[Candidate] = field(default_factory=list)
    groups: list[tuple[VitalObject | None, int]] = field(default_factory=list)
    pin_groups: list[int] = field(default_factory=list)
    unserved: list[Unserved] = field(default_factory=list)
    required: int = 0


def check_stop_count(fleet: Fleet, scenario: Scenario) -> None:
    """Refuse a model above ``settings.max_candidate_stops`` before PyVRP is asked to solve it."""
    # PyVRP's memory grows with the square of the stop count
    max_stops = int(settings.max_candidate_stops)
    if len(fleet.model.stops) > max_stops:
        raise InputError(
            f"{scenario.path}: the weekly model needs more than {max_stops} candidate stops (one per visit, "
            "allowed day and window, and hotspot stops), above the limit "
            "(routeplan.settings.max_candidate_stops); plan fewer days, objects or visits per week at once"
        )


def split_days(days: list[int], k: int) -> list[list[int]]:
    """Give each of ``k`` visits a slice of the allowed days so that visits spread over the week."""
    if k <= 0 or not days:
        return []
    if k <= len(days):
        return [list(map(int, part)) for part in np.array_split(np.array(days), k)]
    return [[days[j * len(days) // k]] for j in range(k)]


def _avoid_windows(windows: tuple[tuple[int, int], ...], avoid: set[int], dwell: int) -> list[tuple[int, int]]:
    """(start, length) windows with the hours in ``avoid`` cut out where enough of the window remains."""
    out: list[tuple[int, int]] = []
    for ws, we in windows:
        length = (we - ws) % 1440 or 1440
        pieces = [(ws, ws + length)]
        for hour in sorted(avoid):
            cut = []
            for a, b in pieces:
                for hs in (hour * 60, hour * 60 + 1440, hour * 60 - 1440):
                    # a visit starting in [hs - dwell, hs + 60) would fall in the avoided hour
                    lo, hi = hs - dwell, hs + 60
                    if hi <= a or lo >= b:
                        continue
                    if lo - a >= dwell:
                        cut.append((a, lo + dwell))
                    if b - hi >= dwell:
                        cut.append((hi, b))
                    break
                else:
                    cut.append((a, b))
            pieces = cut
        pieces = [p for p in pieces if p[1] - p[0] >= dwell]
        out.extend((a, b - a) for a, b in pieces) if pieces else out.append((ws, length))
    return out


def add_object_candidates(cs: Candidates, fleet: Fleet, scenario: Scenario, objects: list[VitalObject],
                          loc_of: dict[int, int], *, from_day: int = 0, done_visits: dict[str, int] | None = None,
                          avoid_hours: dict[tuple[str, int], set[int]] | None = None,
                          near: dict[str, list[Hotspot]] | None = None) -> None:
    """Add a group of candidate stops for every required visit of every object from ``from_day`` on.

    Parameters
    ----------
    cs
        Where the candidates, groups, unservable visits and the count of required visits go.
    fleet
        The vehicles; candidate stops no vehicle can serve are not added.
    scenario
        The scenario to plan.
    objects
        The usable vital objects.
    loc_of
        Location index of each road node.
    from_day
        Plan only the days from this index on.
    done_visits
        Visits per object already made (earlier days of a re-plan, and pinned visits).
    avoid_hours
        ``{(object id, weekday): {hours}}`` to leave out of the windows where they are wide enough.
    near
        ``{object id: [hotspots]}`` whose areas hold the object: a visit there while one of them is active is
        presence at the hotspot too, so its window is split at their active hours and the active part is worth
        more (:func:`presence_parts`).
    """
    done_visits = done_visits or {}
    near = near or {}
    avoid_hours = avoid_hours or {}
    dates = scenario.dates
    for o in objects:
        allowed = allowed_days(o, dates, from_day)
        k = o.visits_per_week
        rules = day_rules(o, scenario.operations, dates) if scenario.operations else {}
        if rules:  # an operation's days follow its rules; the weekly rule keeps the other days' share
            _add_operation_visits(cs, fleet, scenario, o, loc_of[road_node(o)],
                                  {d: r for d, r in rules.items() if d >= from_day})
            allowed, share = weekly_share(o, allowed, rules)
            k = round(k * share)
        elif o.operation:
            continue  # an object of an operation's layer exists only on the operation's days
        if k <= 0:
            continue
        k_plan = max(1, round(k * scenario.days / 7)) if scenario.days != 7 else k
        k_plan = max(0, k_plan - done_visits.get(o.id, 0))
        if k_plan == 0:
            continue
        pinned_days = {p.minute // 1440 for p in fleet.pins if p.obj.id == o.id}
        if len([d for d in allowed if d not in pinned_days]) >= k_plan:
            allowed = [d for d in allowed if d not in pinned_days]  # keep visits on other days than the pins
        cs.required += k_plan
        if not allowed:
            for j in range(k_plan):
                cs.unserved.append(Unserved(o.id, "no_allowed_day",
                                            f"{o.id}: none of its days {list(o.days)}"
                                            + (f" on pasaran {list(o.pasaran)}" if o.pasaran else "") + " is in the plan",
                                            o.name, j + 1))
            continue
        hot = near.get(o.id, [])
        if gap_minutes(o) > 0:
            _add_spaced_visits(cs, fleet, scenario, o, loc_of[road_node(o)], allowed, k_plan, avoid_hours, hot)
        else:
            _add_visits(cs, fleet, scenario, o, loc_of[road_node(o)], split_days(allowed, k_plan), avoid_hours, hot)


def _add_operation_visits(cs: Candidates, fleet: Fleet, scenario: Scenario, o: VitalObject, loc: int,
                          rules: dict[int, DayRule]) -> None:
    """The visits an operation asks of ``o``: per day, its visits spread over its windows in order.

    The copy of ``o`` carrying a day's dwell and windows has no minimum gap: the operation sets how often
    an object is visited on its days, and each visit takes its own share of the day's windows.
    """
    for day, rule in sorted(rules.items()):
        if rule.visits <= 0:
            continue
        od = replace(o, dwell_minutes=rule.dwell_minutes, windows=rule.windows, min_gap_hours=0.0)
        cs.required += rule.visits
        _add_visits(cs, fleet, scenario, od, loc, [[day]] * rule.visits, {})


def _add_visits(cs: Candidates, fleet: Fleet, scenario: Scenario, o: VitalObject, loc: int,
                slices: list[list[int]], avoid_hours: dict[tuple[str, int], set[int]],
                hot: Sequence[Hotspot] = ()) -> None:
    """One group per visit of ``o``, with a candidate stop per day of its slice and window."""
    dates = scenario.dates
    reachable = fleet.reachable(loc)
    service = o.dwell_minutes * 60
    windows = o.windows or ((0, 1440),)
    model = fleet.model
    for j, part in enumerate(slices):
        # several visits on one day: each takes its own share of the day's windows, in order
        same = [i for i, p in enumerate(slices) if p == part]
        share = (same.index(j), len(same)) if len(same) > 1 else None
        if not reachable:
            cs.unserved.append(Unserved(o.id, "unreachable", f"{o.id}: no unit's roads connect it with a depot", o.name, j + 1))
            continue
        g = model.add_group(required=False)
        cs.groups.append((o, j + 1))
        n_stops = 0
        for day in part:
            avoid = avoid_hours.get((o.id, dates[day].weekday()), set())
            for (ws, length) in _avoid_windows(windows, avoid, o.dwell_minutes):
                if share is not None:
                    r, m = share
                    ws, length = ws + r * length // m, length // m
                first = day * 1440 + ws
                last = max(first, day * 1440 + ws + length - o.dwell_minutes)
                for a, b, bonus in presence_parts(first, last, hot, o.dwell_minutes, scenario):
                    early, late = a * 60, b * 60
                    if not fleet.feasible(loc, early, late, service).any():
                        continue
                    model.add_stop(Stop(loc, early, late, service, REQUIRED_PRIZE.get(o.priority, 1_000_000) + bonus,
                                        group=g, name=o.id))
                    cs.stops.append(Candidate("vital_object", o, j + 1, day, (a, b + o.dwell_minutes), bonus))
                    n_stops += 1
        check_stop_count(fleet, scenario)
        if n_stops == 0:
            cs.groups[g] = (None, 0)  # an empty group: its reason is the window, not full shifts
            days_txt = ", ".join(dates[d].isoformat() for d in part)
            cs.unserved.append(Unserved(
                o.id, "time_window",
                f"{o.id}: visit {j + 1} has no shift on {days_txt} that can reach it inside its window and return",
                o.name, j + 1))


def spaced_zones(starts: list[tuple[int, int]], gap: int, k: int) -> list[tuple[int, int]]:
    """Give each of up to ``k`` visits its own zone of start minutes, zones at least ``gap`` minutes apart.

    Whatever start the search picks in each zone, two visits are ``gap`` or more apart: zone ``j`` ends
    at least ``gap`` before zone ``j + 1`` begins. As many zones as ``starts`` and the gap can hold
    (:func:`~routeplan.model.layers.greedy_starts`); each contains one visit of a schedule spread evenly
    over the allowed time, and reaches half-way (less half the gap) to its neighbours.

    Parameters
    ----------
    starts
        Sorted, disjoint (first, last) start minutes (:func:`~routeplan.model.layers.start_intervals`).
    gap
        Minimum gap in minutes (> 0).
    k
        Visits wanted.

    Returns
    -------
    list of (int, int)
        (first, last) start minute of each zone, in time order; fewer than ``k`` when they do not fit.
    """
    early = greedy_starts(starts, gap, k)
    n = len(early)
    if n == 0:
        return []
    # the latest schedule of the n visits: the earliest one of the mirrored intervals
    late = [-x for x in reversed(greedy_starts([(-b, -a) for a, b in reversed(starts)], gap, n))]
    total = sum(b - a + 1 for a, b in starts)
    x: list[int] = []
    for j in range(n):
        want = _point_at(starts, int((j + 0.5) * total / n))
        if x:
            want = max(want, x[-1] + gap)
        nxt = next((max(a, want) for a, b in starts if b >= want), None)
        # never later than the latest schedule, so that the visits after it still fit
        x.append(late[j] if nxt is None or nxt > late[j] else nxt)
    lo = [starts[0][0]] + [(x[j - 1] + x[j] + gap + 1) // 2 for j in range(1, n)]
    hi = [(x[j] + x[j + 1] - gap) // 2 for j in range(n - 1)] + [starts[-1][1]]
    return list(zip(lo, hi))


def _point_at(starts: list[tuple[int, int]], m: int) -> int:
    """The minute ``m`` minutes into the start intervals, counted as one stretch."""
    for a, b in starts:
        if m <= b - a:
            return a + m
        m -= b - a + 1
    return starts[-1][1]


def _minus_pins(starts: list[tuple[int, int]], pins: list[int], gap: int) -> list[tuple[int, int]]:
    """The start intervals without the minutes closer than ``gap`` to a pinned visit of the same object."""
    for p in pins:
        cut: list[tuple[int, int]] = []
        for a, b in starts:
            if b <= p - gap or a >= p + gap:
                cut.append((a, b))
                continue
            if a <= p - gap:
                cut.append((a, p - gap))
            if b >= p + gap:
                cut.append((p + gap, b))
        starts = cut
    return starts


def _add_spaced_visits(cs: Candidates, fleet: Fleet, scenario: Scenario, o: VitalObject, loc: int,
                       days: list[int], k: int, avoid_hours: dict[tuple[str, int], set[int]],
                       hot: Sequence[Hotspot] = ()) -> None:
    """One group per visit of ``o`` inside its own zone (:func:`spaced_zones`), so no two visits of the
    object can be closer than its minimum gap; the visits its days, windows and gap cannot hold are
    unserved as ``surplus``. A window across midnight is one continuous candidate: a stop is one visit."""
    dates = scenario.dates
    gap = gap_minutes(o)
    windows = []
    for day in days:
        avoid = avoid_hours.get((o.id, dates[day].weekday()), set())
        for ws, length in _avoid_windows(o.windows or ((0, 1440),), avoid, o.dwell_minutes):
            windows.append((day * 1440 + ws, day * 1440 + ws + length))
    starts = _minus_pins(start_intervals(windows, o.dwell_minutes),
                         [p.minute for p in fleet.pins if p.obj.id == o.id], gap)
    zones = spaced_zones(starts, gap, k)
    for j in range(len(zones), k):
        cs.unserved.append(Unserved(
            o.id, "surplus", f"{o.id}: visit {j + 1} of {k} does not fit; its days and windows hold only "
            f"{len(zones)} visits {o.min_gap_hours:g} h apart", o.name, j + 1))
    reachable = fleet.reachable(loc)
    service = o.dwell_minutes * 60
    for j, (lo, hi) in enumerate(zones):
        if not reachable:
            cs.unserved.append(Unserved(o.id, "unreachable", f"{o.id}: no unit's roads connect it with a depot", o.name, j + 1))
            continue
        g = fleet.model.add_group(required=False)
        cs.groups.append((o, j + 1))
        n_stops = 0
        for first, last in starts:
            first, last = max(first, lo), min(last, hi)
            if first > last:
                continue
            for a, b, bonus in presence_parts(first, last, hot, o.dwell_minutes, scenario):
                if not fleet.feasible(loc, a * 60, b * 60, service).any():
                    continue
                fleet.model.add_stop(Stop(loc, a * 60, b * 60, service, REQUIRED_PRIZE.get(o.priority, 1_000_000) + bonus,
                                          group=g, name=o.id))
                cs.stops.append(Candidate("vital_object", o, j + 1, a // 1440, (a, b + o.dwell_minutes), bonus))
                n_stops += 1
        check_stop_count(fleet, scenario)
        if n_stops == 0:
            cs.groups[g] = (None, 0)  # an empty group: its reason is the window, not full shifts
            cs.unserved.append(Unserved(
                o.id, "time_window",
                f"{o.id}: visit {j + 1} has no shift between {_when(dates, lo)} and {_when(dates, hi)} that can "
                "reach it inside its window and return", o.name, j + 1))


def presence_parts(first: int, last: int, hot: Sequence[Hotspot], dwell: int,
                   scenario: Scenario) -> list[tuple[int, int, int]]:
    """Split the start minutes ``first``..``last`` of a visit at the active hours of the hotspots around it.

    A visit to an object inside a hotspot's area while the hotspot is active is presence there as well (the
    presence figures count it so). Each part is (first, last start minute, bonus): the bonus is what the same
    minutes of a hotspot stop would be worth (risk × hour intensity, at the least intense hour a start in the part
    can fall on), so the search times the visit into the active hours when its shifts allow. Without hotspots
    around, or when none is ever active in the span, the span comes back whole with no bonus.

    Parameters
    ----------
    first, last
        Earliest and latest start, minutes from the plan's start.
    hot
        The hotspots whose areas hold the object.
    dwell
        The visit's minutes.
    scenario
        The hotspot value (``hotspot_value_minutes``).
    """
    if not hot or last < first:
        return [(first, last, 0)]

    def value(m: int) -> float:
        """A start minute's value: the best hotspot active over the whole visit, at its hour's intensity."""
        return max((h.risk * min(hour_intensity(h, ((m + k) // 60) % 24) for k in (0, dwell - 1))
                    for h in hot), default=0.0)

    cuts = sorted({first, last + 1} | {m for m in range(first - first % 60 + 60, last + 1, 60)})
    parts: list[tuple[int, int, float]] = []
    for a, b in zip(cuts, cuts[1:]):
        # one hour at most per piece: the intensity changes by the hour; pieces of equal value are merged below
        v = min(value(a), value(b - 1))
        if parts and parts[-1][2] == v:
            parts[-1] = (parts[-1][0], b - 1, v)
        else:
            parts.append((a, b - 1, v))
    if all(v == 0 for _a, _b, v in parts):
        return [(first, last, 0)]
    scale = scenario.hotspot_value_minutes / 60 * dwell * settings.presence_prize_per_minute
    return [(a, b, int(v * scale)) for a, b, v in parts]


def _when(dates: list, minute: int) -> str:
    """A plan minute as 'YYYY-MM-DD HH:MM'."""
    day = min(max(minute // 1440, 0), len(dates) - 1)
    m = minute - day * 1440
    return f"{dates[day].isoformat()} {m // 60:02d}:{m % 60:02d}"


def add_pin_candidates(cs: Candidates, fleet: Fleet) -> None:
    """One group per pinned visit, with its one stop at the pin's own location and minute."""
    model = fleet.model
    n = fleet.n_locations
    for j, p in enumerate(fleet.pins):
        cs.required += 1
        g = model.add_group(required=False)
        cs.groups.append((p.obj, 0))
        cs.pin_groups.append(g)
        service = p.obj.dwell_minutes * 60
        model.add_stop(Stop(n + j, p.minute * 60, p.minute * 60, service, PIN_PRIZE, group=g, name=p.obj.id))
        cs.stops.append(Candidate("vital_object", p.obj, 0, p.minute // 1440, (p.minute, p.minute + p.obj.dwell_minutes)))


def add_break_candidates(cs: Candidates, fleet: Fleet) -> None:
    """One stop per shift that has a break, at the unit's depot (its own location), inside the break window;
    and one per shift with a reserve (:attr:`Fleet.reserves`), anywhere in the shift."""
    for vi, a, b, minutes in fleet.breaks:
        fleet.model.add_stop(Stop(fleet.depot_copy[vi], a * 60, (b - minutes) * 60, minutes * 60, PIN_PRIZE, name="break"))
        cs.stops.append(Candidate("break", None, 0, fleet.specs[vi].day, (a, b)))
    chunk = max(1, int(settings.reserve_chunk_minutes))
    for vi, minutes in fleet.reserves:
        s = fleet.specs[vi]
        # in parts, each worth more than any presence of its length and less than a required visit: a required
        # visit that needs more than the patrol time takes a part of the reserve, presence never does
        parts = [chunk] * (minutes // chunk) + ([minutes % chunk] if minutes % chunk else [])
        for m in parts:
            fleet.model.add_stop(Stop(fleet.depot_copy[vi], s.start * 60, (s.end - m) * 60, m * 60,
                                      RESERVE_PRIZE_PER_MINUTE * m, name="reserve"))
            cs.stops.append(Candidate("reserve", None, 0, s.day, (s.start, s.end)))
