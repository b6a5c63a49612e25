"""Can an operation be served at all: visits against windows, visit time against the staffed shifts.

Checked when the scenario is loaded (:func:`routeplan.prepare.context.capacity_warnings`), from the same
rule the optimizer follows (:func:`routeplan.model.operations.day_rules`). Both checks leave travel out, so
an operation they pass may still fall short (the scorecard says so); one they fail cannot be served.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from routeplan.model.layers import VitalObject
from routeplan.model.operations import DayRule, day_rules
from routeplan.model.scenario import Operation, Scenario


def _window_minutes(windows: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    """(start, length) of each window of a day; no window is the whole day."""
    return [(ws, (we - ws) % 1440 or 1440) for ws, we in (windows or ((0, 1440),))]


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _staffed_minutes(scenario: Scenario, day: int, windows: tuple[tuple[int, int], ...]) -> int:
    """Minutes the staffed unit-shifts can spend inside ``windows`` of plan day ``day``.

    Each unit-shift on patrol (not on standby) gives the part of its shift inside the windows, less its
    break: a required visit may take the reserve too, so only the break is never available. A night shift
    of the day before counts with the part after midnight.
    """
    wins = [(day * 1440 + ws, day * 1440 + ws + length) for ws, length in _window_minutes(windows)]
    total = 0
    for u in scenario.units:
        working = set(scenario.working_days(u))
        for d in (day - 1, day):
            if d not in working:
                continue
            for name in u.shifts:
                sh = scenario.shifts[name]
                if scenario.patrol_target(u, sh) is None:
                    continue
                span = (d * 1440 + sh.start, d * 1440 + sh.start + sh.length)
                inside = sum(_overlap(span, w) for w in wins)
                total += max(0, min(sh.length - sh.break_minutes, inside))
    return total


def operation_warnings(scenario: Scenario, objects: list[VitalObject]) -> list[str]:
    """One line per operation and category that asks more than its days can hold.

    Parameters
    ----------
    scenario
        The scenario (its operations, dates, units and shifts).
    objects
        The vital objects, the operations' own layers included.

    Returns
    -------
    list of str
        ``"operation <name>, <category>: <n> visits asked on <days>, their windows hold only <m> ..."`` when
        the visits a day do not fit one after another in the day's windows, and
        ``"operation <name>, <category>: <n> min of visits asked on <days>, the staffed shifts hold only <m>
        min inside its windows ..."`` when the visit time exceeds the patrol time of the shifts.
    """
    if not scenario.operations:
        return []
    dates = scenario.dates
    by_key: dict[tuple[str, str], list[tuple[int, DayRule]]] = defaultdict(list)
    for o in objects:
        for i, rule in day_rules(o, scenario.operations, dates).items():
            by_key[(rule.operation, o.category)].append((i, rule))
    ops = {op.name: op for op in scenario.operations}
    out = []
    for (name, cat), rules in by_key.items():
        out += _fit_lines(ops[name], cat, rules, dates)
        out += _time_lines(scenario, ops[name], cat, rules, dates)
    return out


def _days_text(days: list[int], dates: list[dt.date]) -> str:
    return ", ".join(dates[d].isoformat() for d in sorted(set(days)))


def _fit_lines(op: Operation, cat: str, rules: list[tuple[int, DayRule]], dates: list[dt.date]) -> list[str]:
    """Visits a day that do not fit one after another inside the day's windows (dwell each)."""
    want = have = 0
    days = []
    for i, r in rules:
        fits = sum(length // max(1, r.dwell_minutes) for _, length in _window_minutes(r.windows))
        if fits < r.visits:
            want += r.visits
            have += fits
            days.append(i)
    if not days:
        return []
    return [f"operation {op.name!r}, {cat}: {want} visits asked on {_days_text(days, dates)}, but their windows hold "
            f"only {have} (dwell one after another); {want - have} will be unserved"]


def _time_lines(scenario: Scenario, op: Operation, cat: str, rules: list[tuple[int, DayRule]],
                dates: list[dt.date]) -> list[str]:
    """Visit minutes a day above the staffed shifts' minutes (less breaks) inside the category's windows."""
    need: dict[int, int] = defaultdict(int)
    for i, r in rules:
        need[i] += r.visits * r.dwell_minutes
    windows = op.windows.get(cat, ())
    want = have = 0
    days = []
    for i, minutes in sorted(need.items()):
        staffed = _staffed_minutes(scenario, i, windows)
        if minutes > staffed:
            want += minutes
            have += staffed
            days.append(i)
    if not days:
        return []
    return [f"operation {op.name!r}, {cat}: {want} min of visits asked on {_days_text(days, dates)}, but the staffed "
            f"shifts hold only {have} min inside its windows (short {want - have} min before any travel)"]
