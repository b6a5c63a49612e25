"""Named police operations on the calendar: visit rules that change only on the operation's days.

An :class:`Operation` (election security, Operasi Ketupat, Operasi Lilin, ...) runs from ``start`` to
``end`` (inclusive). On those days, for the categories it names, every object gets ``visits_per_day``
visits a day with the operation's dwell and windows instead of its weekly rule; objects of the
operation's own layers (e.g. polling stations, TPS) exist only on its days. Polling stations carry a
``risk_class`` (``sangat_rawan``, ``rawan``, ``aman``) whose visits and dwell follow
:data:`RISK_CLASS_DEFAULTS` unless the operation sets ``risk_classes``.

:func:`day_rules` is the one place that says what an object must get on a day: the optimizer
(:mod:`routeplan.optimize.candidates`) and the scorecard (:mod:`routeplan.report.operations`) both use it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from routeplan.model.layers import VitalObject
from routeplan.model.scenario import Operation

#: Visits a day and dwell minutes of a TPS by risk class on an operation's days, when the operation does not
#: set its own: a "very prone" TPS is visited every few hours of the voting day, a "safe" one once
#: (DOMAIN: election security intensifies presence at prone polling stations).
RISK_CLASS_DEFAULTS: dict[str, tuple[int, int]] = {"sangat_rawan": (3, 30), "rawan": (2, 20), "aman": (1, 10)}


@dataclass(frozen=True)
class DayRule:
    """What one object must get on one day of an operation."""

    operation: str
    visits: int
    dwell_minutes: int
    windows: tuple[tuple[int, int], ...]


def operations_on(operations: list[Operation], date: dt.date) -> list[Operation]:
    """Return the operations running on ``date``, in the scenario's order."""
    return [op for op in operations if op.covers(date)]


def day_rules(o: VitalObject, operations: list[Operation], dates: list[dt.date]) -> dict[int, DayRule]:
    """Return, per plan-day index, the operation rule for ``o`` on that day (days without one are absent).

    An object of an operation's own layer (``o.operation`` set) gets a rule on every day of that operation
    and nothing else; any other object gets one on the days of an operation that names its category.
    """
    out: dict[int, DayRule] = {}
    for i, date in enumerate(dates):
        for op in operations_on(operations, date):
            if o.operation and o.operation != op.name:
                continue
            if not o.operation and o.category not in op.categories:
                continue
            visits = op.visits_per_day.get(o.category, 1)
            dwell = op.dwell_minutes.get(o.category, o.dwell_minutes)
            if o.risk_class:
                visits, dwell = op.risk_classes.get(o.risk_class, RISK_CLASS_DEFAULTS[o.risk_class])
            out[i] = DayRule(op.name, visits, dwell, op.windows.get(o.category, o.windows))
            break  # categories of overlapping operations are disjoint (checked when the scenario is read)
    return out


def weekly_share(o: VitalObject, allowed: list[int], rules: dict[int, DayRule]) -> tuple[list[int], float]:
    """Return the allowed days of ``o`` outside its operation days, and the share of its weekly visits kept.

    A weekly rule of 5 visits on 5 allowed days keeps 3 when an operation takes 2 of those days: the
    operation's own visits replace the others.
    """
    rest = [d for d in allowed if d not in rules]
    if o.operation:  # exists only during its operation
        return [], 0.0
    return rest, (len(rest) / len(allowed) if allowed else 0.0)
