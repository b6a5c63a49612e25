"""Independent checks of a weekly plan against its inputs (used by several tests)."""

from __future__ import annotations

import datetime as dt

import networkx as nx

from routeplan.model import WEEKDAYS
from routeplan.prepare.snap import SnapIndex


def in_window(obj, arrival: dt.datetime, departure: dt.datetime) -> bool:
    """Whether a visit lies inside one of the object's windows (windows may cross midnight)."""
    if not obj.windows:
        return True
    a = arrival.hour * 60 + arrival.minute + arrival.second / 60
    dur = (departure - arrival).total_seconds() / 60
    for ws, we in obj.windows:
        length = (we - ws) % 1440 or 1440
        for base in (ws - 1440, ws):  # the window may have opened the day before
            if base - 1e-6 <= a and a + dur <= base + length + 1e-6:
                return True
    return False


def check_plan(plan, ctx, check_roads: bool = True) -> dict:
    """Assert the plan's invariants; returns counts for further assertions."""
    sc = ctx.scenario
    G = ctx.graph
    objs = {o.id: o for o in ctx.objects}
    units = {u.id: u for u in sc.units}
    index = SnapIndex.from_graph(G)
    depot_node = {d.id: index.snap(d.lon, d.lat)[0] for d in sc.depots.values()}
    t0 = dt.datetime.combine(plan.start_date, dt.time(0), tzinfo=plan.routes[0].start.tzinfo) if plan.routes else None
    legs = 0
    for r in plan.routes:
        u = units[r.unit]
        assert r.depot == u.depot
        sh = sc.shifts[r.shift]
        day_idx = (r.day - plan.start_date).days
        s0, s1 = sh.absolute(day_idx)
        start_min = (r.start - t0).total_seconds() / 60
        end_min = (r.end - t0).total_seconds() / 60
        assert s0 - 1e-6 <= start_min <= end_min <= s1 + 1e-6, (r.unit, r.day, r.shift, r.start, r.end)
        assert r.shift in u.shifts and day_idx in u.days
        prev_node, prev_time = depot_node[r.depot], r.start
        weight = f"travel_time_{u.kind}"
        for s in r.stops + [None]:
            node = depot_node[r.depot] if s is None else s.node
            arr = r.end if s is None else s.arrival
            if check_roads:
                tt = nx.shortest_path_length(G, prev_node, node, weight=weight) if prev_node != node else 0.0
                # arrival = previous departure + road travel time (+ waiting for a window), to the second
                assert (arr - prev_time).total_seconds() >= tt - 1.0, (r.unit, s and s.id, tt)
                legs += 1
            if s is not None:
                assert s.departure >= s.arrival
                if s.kind == "vital_object":
                    o = objs[s.id]
                    assert in_window(o, s.arrival, s.departure), (s.id, s.arrival, s.departure, o.windows)
                    assert WEEKDAYS[s.arrival.weekday()] in o.days or any(
                        ws > we for ws, we in o.windows), (s.id, s.arrival)
                    assert (s.departure - s.arrival).total_seconds() == o.dwell_minutes * 60
                prev_node, prev_time = node, s.departure
    visits = {}
    for r in plan.routes:
        for s in r.stops:
            if s.kind == "vital_object":
                visits[s.id] = visits.get(s.id, 0) + 1
    return {"visits": visits, "legs": legs}
