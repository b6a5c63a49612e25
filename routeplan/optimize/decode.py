"""From the solved model to a :class:`~routeplan.model.plan.Plan`: routes with their visits, breaks and road
paths, and every required visit left unserved with its binding reason (including the points that could not
be snapped to the roads, :func:`snap_unserved`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import networkx as nx

from routeplan.model.layers import Hotspot, VitalObject, road_node
from routeplan.model.operations import operations_on
from routeplan.model.plan import DayOperation, Plan, Problem, Route, ShiftPatrol, Unserved, Visit
from routeplan.model.scenario import Scenario
from routeplan.optimize.areas import PatrolArea
from routeplan.optimize.candidates import Candidates
from routeplan.optimize.fleet import Fleet
from routeplan.optimize.routing import RouteResult, RoutingModel, RoutingResult
from routeplan.prepare.matrix import LocationMatrices, TravelMatrix


def snap_unserved(problems: list[Problem]) -> tuple[list[Unserved], int]:
    """The visits of objects that never reached the model, as unserved visits with the snapping reason.

    The one place where snapping problems become unserved visits, for one week, several weeks and a
    re-plan alike: each vital object left out with planned visits is one :class:`Unserved` entry with its
    reason and detail, and its visits count as required. Each hotspot left out is an entry too (no visit
    number, no required visits), so that every input point appears in the plan, served or with its reason.

    Parameters
    ----------
    problems
        The problems of :func:`routeplan.prepare.context.prepare`.

    Returns
    -------
    (list of Unserved, int)
        The entries and the number of required visits they stand for.
    """
    out, visits = [], 0
    for p in problems:
        if p.layer == "vital_object" and p.visits > 0:
            out.append(Unserved(p.id, p.reason, p.detail, p.name))
            visits += p.visits
        elif p.layer == "hotspot":
            out.append(Unserved(p.id, p.reason, p.detail, p.name))
    return out, visits


def unserved_after_solve(cs: Candidates, fleet: Fleet, result: RoutingResult, loc_of: dict[int, int],
                         gaps: dict[str, float], start_date: dt.date | None = None) -> list[Unserved]:
    """Required visits whose group the search left unserved, each with its binding reason.

    ``min_gap`` where every candidate was switched off by the minimum-gap rounds, ``pin_conflict`` for a
    pinned visit, else ``shifts_full`` with the shortfall in minutes. A visit whose candidates all lie on one
    day (a visit a day of an operation) names that day when ``start_date`` is given, so a commander sees which
    day is short.
    """
    model = fleet.model
    served_groups = {model.stops[i].group for i in result.served}
    group_members: dict[int, list[int]] = {}
    for i, st in enumerate(model.stops):
        if st.group is not None:
            group_members.setdefault(st.group, []).append(i)
    out = []
    for g, (o, j) in enumerate(cs.groups):
        if o is None or g in served_groups:
            continue
        if gaps and all(model.stops[i].prize == 0 for i in group_members.get(g, [])) and group_members.get(g):
            out.append(Unserved(o.id, "min_gap", f"{o.id}: visit {j} does not fit {o.min_gap_hours:g} h after the "
                                "visit before it inside its days and windows", o.name, j))
            continue
        if g in cs.pin_groups:
            p = fleet.pins[cs.pin_groups.index(g)]
            out.append(Unserved(o.id, "pin_conflict",
                                f"{o.id}: the visit pinned to {p.unit} at {p.label} cannot be kept (travel or shift times conflict)",
                                o.name, 0))
            continue
        loc = loc_of[road_node(o)]
        need = o.dwell_minutes + float(fleet.round_trip(loc).min()) / 60
        days = {cs.stops[i].day for i in group_members.get(g, [])}
        on = f" on {start_date + dt.timedelta(days=days.pop()):%Y-%m-%d}" if start_date and len(days) == 1 else ""
        out.append(Unserved(
            o.id, "shifts_full",
            f"{o.id}: visit {j}{on} does not fit; the shifts that could serve it are full (short by about {need:.0f} min)",
            o.name, j))
    return out


def decode_routes(result: RoutingResult, cs: Candidates, fleet: Fleet, scenario: Scenario,
                  matrices: LocationMatrices, G: nx.MultiDiGraph) -> list[Route]:
    """One :class:`Route` per solved route with a patrol stop, ordered by day, shift and unit."""
    t0 = dt.datetime.combine(scenario.start_date, dt.time(0, 0), tzinfo=_offset(scenario.utc_offset))
    # the road node of every location, the copies (pins, depots, area entries) after the plan's own locations
    all_nodes = matrices.nodes + [matrices.nodes[src] for src in fleet.extra_src]
    routes = []
    for rr in result.routes:
        r = _route(rr, cs, fleet, t0, matrices, all_nodes, G)
        if r is not None:
            routes.append(r)
    order = {u.id: i for i, u in enumerate(scenario.units)}
    shift_order = {s: i for i, s in enumerate(scenario.shifts)}
    routes.sort(key=lambda r: (r.day, shift_order[r.shift], order[r.unit]))
    return routes


def _route(rr: RouteResult, cs: Candidates, fleet: Fleet, t0: dt.datetime, matrices: LocationMatrices,
           all_nodes: list[int], G: nx.MultiDiGraph) -> Route | None:
    """The route of one solved vehicle, or None for a shift with only its break (no patrol to brief)."""
    model = fleet.model
    u, day, sh, dep = fleet.specs[rr.vehicle][:4]
    prof = model.vehicles[rr.vehicle].profile
    stops: list[Visit] = []
    seq_locs = [model.vehicles[rr.vehicle].start]
    brks: list[tuple[dt.datetime, dt.datetime]] = []
    reserve: list[tuple[dt.datetime, dt.datetime]] = []
    loops: dict[int, tuple[int, ...]] = {}
    loop_m = 0.0  # area patrols drive their loop while "at the stop": their metres are driven too
    for (si, s_start, s_end) in rr.visits:
        cand = cs.stops[si]
        ref = cand.ref
        seq_locs.append(model.stops[si].location)
        if cand.kind == "reserve":  # parts of the reserve in a row are one stay at the depot
            a, b = t0 + dt.timedelta(seconds=int(s_start)), t0 + dt.timedelta(seconds=int(s_end))
            if reserve and reserve[-1][1] == a:
                a = reserve.pop()[0]
            reserve.append((a, b))
            continue
        if isinstance(ref, PatrolArea):
            loops[len(seq_locs) - 1] = ref.nodes
            loop_m += ref.metres
            x, y = G.nodes[ref.entry]["x"], G.nodes[ref.entry]["y"]
            stops.append(Visit(
                id=ref.id, kind="area_patrol", name=ref.name, category="area_patrol",
                arrival=t0 + dt.timedelta(seconds=int(s_start)), departure=t0 + dt.timedelta(seconds=int(s_end)),
                lon=float(x), lat=float(y), dwell_minutes=(s_end - s_start) // 60, window=_fmt_window(cand.window, t0),
                node=ref.entry))  # the name is the desa's (or the cell's): no desa field, it would repeat it
            continue
        if cand.kind == "break" or ref is None:
            brks.append((t0 + dt.timedelta(seconds=int(s_start)), t0 + dt.timedelta(seconds=int(s_end))))
            continue
        stops.append(Visit(
            id=ref.id, kind=cand.kind, name=ref.name,
            category=ref.category if isinstance(ref, VitalObject) else "hotspot",
            arrival=t0 + dt.timedelta(seconds=int(s_start)), departure=t0 + dt.timedelta(seconds=int(s_end)),
            lon=ref.lon, lat=ref.lat, dwell_minutes=(s_end - s_start) // 60,
            window=_fmt_window(cand.window, t0), desa=ref.desa if isinstance(ref, VitalObject) else "",
            risk=ref.risk if isinstance(ref, Hotspot) else None, node=ref.node,
        ))
    if not stops:
        return None
    seq_locs.append(model.vehicles[rr.vehicle].end)
    legs = [float(model.durations[prof][a, b]) for a, b in zip(seq_locs, seq_locs[1:])]
    dist = float(sum(model.distances[prof][a, b] for a, b in zip(seq_locs, seq_locs[1:]))) + loop_m
    path = _route_path(G, matrices.by_kind[u.kind], [all_nodes[i] for i in seq_locs], u.kind, loops)
    return Route(
        unit=u.id, unit_kind=u.kind, crew=u.crew, day=t0.date() + dt.timedelta(days=day), shift=sh.name, depot=dep.id,
        depot_name=dep.name, start=t0 + dt.timedelta(seconds=int(rr.start)),
        end=t0 + dt.timedelta(seconds=int(rr.end)), stops=stops, distance_m=dist, drive_s=sum(legs),
        path=path, legs_s=legs, breaks=brks, reserve=reserve,
    )


def build_plan(scenario: Scenario, routes: list[Route], unserved: list[Unserved], required: int, *, seed: int,
               time_limit: float, result: RoutingResult, fleet: Fleet, gap_violations: list[str]) -> Plan:
    """Assemble the :class:`Plan`: unserved visits sorted by object and visit, solver figures, scenario facts."""
    unserved.sort(key=lambda x: (x.id, x.visit or 0))
    served_required = sum(1 for r in routes for s in r.stops if s.kind == "vital_object")
    return Plan(
        scenario=scenario.name, start_date=scenario.start_date, days=scenario.days, seed=seed, routes=routes,
        unserved=unserved, required_visits=required, served_required=served_required,
        solver={"engine": "pyvrp", "time_limit_s": float(time_limit), "iterations": result.iterations,
                "runtime_s": round(result.runtime, 2), "feasible": result.feasible,
                "candidate_stops": len(fleet.model.stops), "shifts": len(fleet.model.vehicles),
                "min_gap_violations": gap_violations},
        utc_offset=scenario.utc_offset, scenario_file=str(Path(scenario.path).resolve()),
        language=scenario.language, depots=list(scenario.depots.values()), units=list(scenario.units),
        operations=day_operations(scenario),
    )


def day_operations(scenario: Scenario) -> list[DayOperation]:
    """The operations active on each day of the scenario's plan, in day order (see :class:`DayOperation`)."""
    return [DayOperation(d, op.name, op.categories) for d in scenario.dates for op in operations_on(scenario.operations, d)]


def _offset(text: str) -> dt.timezone:
    sign = 1 if text[0] == "+" else -1
    hh, mm = text[1:].split(":")
    return dt.timezone(sign * dt.timedelta(hours=int(hh), minutes=int(mm)))


def _fmt_window(window: tuple[int, int], t0: dt.datetime) -> str:
    if window[1] - window[0] >= 1440:
        return "00:00-24:00"
    a = t0 + dt.timedelta(minutes=window[0])
    b = t0 + dt.timedelta(minutes=window[1])
    return f"{a:%H:%M}-{b:%H:%M}"


def _route_path(G: nx.MultiDiGraph, mat: TravelMatrix, seq_nodes: list[int], kind: str,
                loops: dict[int, tuple[int, ...]] | None = None) -> list[tuple[float, float]]:
    """Longitude/latitude points along the roads of a route (edge geometry where osmnx kept it); ``loops``
    are the road nodes of the area patrol driven at a stop of the sequence (by its position)."""
    pos = {n: i for i, n in enumerate(mat.nodes)}
    weight = f"travel_time_{kind}"
    coords: list[tuple[float, float]] = [(G.nodes[seq_nodes[0]]["x"], G.nodes[seq_nodes[0]]["y"])] if seq_nodes else []
    for i, (a, b) in enumerate(zip(seq_nodes, seq_nodes[1:])):
        _along(G, mat.path(pos[a], pos[b]), weight, coords)
        if loops and i + 1 in loops:
            _along(G, list(loops[i + 1]), weight, coords)
    return coords


def _along(G: nx.MultiDiGraph, nodes: list[int], weight: str, coords: list[tuple[float, float]]) -> None:
    """Append the points along the road nodes ``nodes`` (from the second node on) to ``coords``."""
    for u, v in zip(nodes, nodes[1:]):
        data = min((d for d in G[u][v].values() if weight in d), key=lambda d: d[weight])
        geom = data.get("geometry")
        if geom is not None:
            pts = list(geom.coords)
            # osmnx stores geometry from u to v; reverse if it was digitised the other way
            if pts and (abs(pts[0][0] - G.nodes[u]["x"]) + abs(pts[0][1] - G.nodes[u]["y"])) > \
                    (abs(pts[-1][0] - G.nodes[u]["x"]) + abs(pts[-1][1] - G.nodes[u]["y"])):
                pts = pts[::-1]
            coords.extend(pts[1:])
        else:
            coords.append((G.nodes[v]["x"], G.nodes[v]["y"]))


# long: one pass over every staffed unit-shift, its solved route and, when short, the candidates it could reach
def patrol_summary(result: RoutingResult, cs: Candidates, fleet: Fleet, scenario: Scenario) -> list[ShiftPatrol]:
    """The patrol of every staffed unit-shift against its target, with the reason where it falls short.

    Patrol minutes are the minutes driven and spent at stops (area patrols included), without the break, the
    reserve at the depot and any waiting. Unit-shifts on standby are listed with reason ``standby``.

    Parameters
    ----------
    result, cs, fleet
        The solved model, its candidates and vehicles.
    scenario
        Patrol targets and tolerance.

    Returns
    -------
    list of ShiftPatrol
        In the order of the vehicles (unit, day, shift), standby unit-shifts among them.
    """
    model = fleet.model
    t0 = scenario.start_date
    by_vehicle = {rr.vehicle: rr for rr in result.routes}
    out: list[ShiftPatrol] = []
    done: set[tuple[str, int, str]] = set()
    for vi, spec in enumerate(fleet.specs):
        done.add((spec.unit.id, spec.day, spec.shift.name))
        target = scenario.patrol_target(spec.unit, spec.shift) or 0
        rr = by_vehicle.get(vi)
        minutes, stops, stretch = patrol_figures(rr, cs, model.vehicles[vi].profile, model) if rr else (0.0, 0, 0.0)
        sp = ShiftPatrol(spec.unit.id, t0 + dt.timedelta(days=spec.day), spec.shift.name, target,
                         round(minutes, 1), stops, round(stretch, 1))
        need = target * (1 - scenario.patrol_tolerance)
        if minutes + 1e-6 < need:
            reach = _reachable_minutes(cs, fleet, vi)
            if reach < need:
                sp.reason, sp.detail = "few_candidates", (
                    f"only about {reach:.0f} min of presence can be reached in this shift (visits, hotspot stops, "
                    f"area patrols), against {target} min planned")
            else:
                sp.reason, sp.detail = "unfilled", (
                    f"the search left {target - minutes:.0f} of {target} min unused; more --iterations or a "
                    "longer --time-limit may fill it")
        out.append(sp)
    for u in scenario.units:  # standby unit-shifts have no vehicle
        for day in u.days:
            for name in u.shifts:
                if (u.id, day, name) not in done and scenario.patrol_target(u, scenario.shifts[name]) is None:
                    out.append(ShiftPatrol(u.id, t0 + dt.timedelta(days=day), name, None, 0.0, 0, 0.0, "standby",
                                           f"{u.id} is on standby in shift {name}: no patrol planned"))
    order = {u.id: i for i, u in enumerate(scenario.units)}
    shift_order = {s: i for i, s in enumerate(scenario.shifts)}
    out.sort(key=lambda p: (p.day, shift_order[p.shift], order[p.unit]))
    return out


def patrol_figures(rr: RouteResult, cs: Candidates, prof: int, model: RoutingModel) -> tuple[float, int, float]:
    """(patrol minutes, stops, longest stretch in minutes) of a solved route."""
    loc = model.vehicles[rr.vehicle].start
    drive = present = 0.0
    stops = 0
    stretch, last_end = 0.0, float(rr.start)
    for si, s_start, s_end in rr.visits:
        nxt = model.stops[si].location
        drive += float(model.durations[prof][loc, nxt])
        loc = nxt
        stretch = max(stretch, (s_start - last_end) / 60)
        last_end = float(s_end)
        if cs.stops[si].kind not in ("break", "reserve"):
            present += s_end - s_start
            stops += 1
    drive += float(model.durations[prof][loc, model.vehicles[rr.vehicle].end])
    stretch = max(stretch, (rr.end - last_end) / 60)
    return (drive + present) / 60, stops, stretch


def _reachable_minutes(cs: Candidates, fleet: Fleet, vi: int) -> float:
    """Minutes of presence among the candidates vehicle ``vi`` can serve (each with the drive to and from it)."""
    total = 0.0
    for st, cand in zip(fleet.model.stops, cs.stops):
        if cand.kind in ("break", "reserve") or st.tw_late < fleet.v_start[vi] or st.tw_early > fleet.v_end[vi]:
            continue
        if fleet.feasible(st.location, st.tw_early, st.tw_late, st.service)[vi]:
            total += st.service / 60
    return total
