"""Plan against actual, classification (routeplan.actual.compare): which stay is evidence for which visit."""

from __future__ import annotations

import datetime as dt

from routeplan.actual.compare import classify
from routeplan.actual.dwell import Stay
from routeplan.model.plan import Plan, Route, Visit

TZ = dt.timezone(dt.timedelta(hours=7))


def _route(shift: str, start: int, end: int, stop_at: int) -> Route:
    """A route of unit U from hour ``start`` to ``end`` on 4 December, with one 15-minute stop at HS at ``stop_at``."""
    day = dt.date(2026, 12, 4)
    at = dt.datetime(2026, 12, 4, 0, 0, tzinfo=TZ) + dt.timedelta(hours=stop_at)
    v = Visit("HS", "hotspot", "Jalan Raya", "hotspot", at, at + dt.timedelta(minutes=15), 113.2, -8.2, 15, "")
    t0 = dt.datetime(2026, 12, 4, 0, 0, tzinfo=TZ)
    return Route("U", "motorcycle", "", day, shift, "P", "Polsek", t0 + dt.timedelta(hours=start),
                 t0 + dt.timedelta(hours=end), [v], 1000.0, 600.0)


def _plan(routes: list[Route]) -> Plan:
    return Plan("s.toml", dt.date(2026, 11, 30), 7, 0, routes, [], 0, 0)


def _stay(hour: float) -> Stay:
    t = dt.datetime(2026, 12, 4, 0, 0, tzinfo=TZ).timestamp() + hour * 3600
    return Stay("U", t, t + 15 * 60, 113.2, -8.2, 180)


def test_a_stay_in_the_next_shift_is_that_shifts_evidence_not_a_late_visit():
    """A double shift: the afternoon route misses HS at 19:30; the unit stands at HS at 22:36 on its night route,
    which plans HS then. The stay is the night visit's, and the afternoon visit stays missed."""
    siang, malam = _route("siang", 14, 22, 19.5), _route("malam", 22, 30, 22.6)
    results = classify(_plan([siang, malam]), {"U": [_stay(22.6)]}, [])
    assert [x.status for x in results] == ["missed", "done"]


def test_a_late_stay_after_a_single_route_still_counts_late():
    """Without a next route the same stay is a late visit of the afternoon route (within its slack)."""
    results = classify(_plan([_route("siang", 14, 22, 21.5)]), {"U": [_stay(22.3)]}, [])
    assert [x.status for x in results] == ["done_late"]
