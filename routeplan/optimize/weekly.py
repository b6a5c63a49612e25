"""The weekly patrol model: every unit x day x shift is a route from its depot and back inside the shift.

Vital objects get their visits per week on allowed days and inside their time windows; visits of one
object are spread over the week by giving each visit its own slice of the allowed days. Hotspot stops
are optional and collected for their risk (prize-collecting). A required visit that cannot be served
is listed with its binding reason instead of being dropped silently.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np

from routeplan import settings
from routeplan.model.layers import Hotspot, VitalObject
from routeplan.model.plan import Plan, Route, Unserved, Visit
from routeplan.model.scenario import WEEKDAYS, Scenario, pasaran_of
from routeplan.prepare.matrix import TravelMatrix, travel_matrix
from routeplan.optimize.routing import UNREACHABLE, RoutingModel, Stop, Vehicle

log = logging.getLogger(__name__)

#: Prize of a required visit by priority (1 high .. 3 low), in seconds of route time: far above any
#: route's duration, so a required visit is dropped only when shifts are full, lowest priority first.
REQUIRED_PRIZE = {1: 3_000_000, 2: 2_000_000, 3: 1_000_000}


#: A pinned visit outweighs every other visit: it is an order, not a preference.
PIN_PRIZE = 10_000_000


@dataclass
class Pin:
    """A visit fixed in the input: this object, by this unit, at this minute of the plan."""

    obj: VitalObject
    unit: str
    vehicle: int  # index into the plan's vehicles
    minute: int  # minutes from the plan start
    label: str


def resolve_pins(scenario: Scenario, objects: list[VitalObject], vspecs: list, from_day: int = 0) -> list[Pin]:
    """Match the scenario's ``[[pins]]`` (object, unit, date, time) to vehicles; bad pins raise InputError."""
    from routeplan.errors import InputError
    from routeplan.load.scenario import parse_clock

    objs = {o.id: o for o in objects}
    out: list[Pin] = []
    for i, raw in enumerate(scenario.pins):
        where = f"{scenario.path} pins[{i}]"
        if not isinstance(raw, dict):
            raise InputError(f"{where}: must be a table with object, unit, date and time")
        for key in ("object", "unit", "date", "time"):
            if key not in raw:
                raise InputError(f"{where}: missing '{key}' (a pin needs object, unit, date and time)")
        oid, uid = str(raw["object"]), str(raw["unit"])
        if oid not in objs:
            raise InputError(f"{where}: object {oid!r} is not among the usable vital objects")
        try:
            date = raw["date"] if isinstance(raw["date"], dt.date) else dt.date.fromisoformat(str(raw["date"]))
        except ValueError:
            raise InputError(f"{where}: date {raw['date']!r} is not an ISO date (YYYY-MM-DD)") from None
        day = (date - scenario.start_date).days
        if not 0 <= day < scenario.days:
            raise InputError(f"{where}: date {date} is outside the plan")
        if day < from_day:
            continue  # already in the past of a re-plan
        minute = day * 1440 + parse_clock(str(raw["time"]), where + ".time")
        match = [vi for vi, (u, _d, _sh, _dep, _dl, s0, s1) in enumerate(vspecs) if u.id == uid and s0 <= minute < s1]
        if not match:
            raise InputError(f"{where}: unit {uid!r} works no shift at {date} {raw['time']}")
        out.append(Pin(objs[oid], uid, match[0], minute, f"{date} {raw['time']}"))
    return out


def _push_gaps(model: RoutingModel, candidates: list, result: Any, gaps: dict[str, float],
               dry_run: bool = False) -> list[str]:
    """Find visits of one object that start closer than its minimum gap; unless ``dry_run``, move the
    later visit's candidate windows to start after the gap (candidates left without a window are
    switched off). Returns a description of each violation."""
    served = []
    for rr in result.routes:
        for si, start, _end in rr.visits:
            c = candidates[si]
            if c.kind == "vital_object" and c.ref.id in gaps:
                served.append((c.ref.id, start, si))
    served.sort()
    found = []
    for (o1, s1, _i1), (o2, s2, i2) in zip(served, served[1:]):
        if o1 != o2 or s2 - s1 >= gaps[o1]:
            continue
        found.append(f"{o1}: visits {(s2 - s1) / 3600:.1f} h apart (minimum {gaps[o1] / 3600:g} h)")
        if dry_run:
            continue
        group = model.stops[i2].group
        for k, st in enumerate(model.stops):
            if st.group == group and st.tw_early < s1 + gaps[o1]:
                st.tw_early = int(s1 + gaps[o1])
                if st.tw_early > st.tw_late:
                    st.tw_early, st.prize = st.tw_late, 0
    return found


def _shift_breaks(vspecs: list) -> list[tuple[int, int, int, int]]:
    """(vehicle, earliest start, latest end, minutes) of the break of every shift that has one.

    The break is taken at the unit's depot (meal and prayer at the Polsek or post), inside the shift's
    ``break_window`` or, without one, anywhere in the shift.
    """
    out = []
    for vi, (_u, _day, sh, _dep, _dl, s0, s1) in enumerate(vspecs):
        if sh.break_minutes <= 0:
            continue
        if sh.break_window is None:
            a, b = s0, s1
        else:
            ws, we = sh.break_window
            wlen = (we - ws) % 1440 or 1440
            midnight = s0 - s0 % 1440  # of the day the shift starts
            # the break window on that day, or on the next (night shifts) or the day before
            for k in (0, 1, -1):
                a, b = midnight + ws + k * 1440, midnight + ws + k * 1440 + wlen
                if a < s1 and b > s0:
                    break
            else:
                a, b = s0, s1
            a, b = max(a, s0), min(b, s1)
        if b - a >= sh.break_minutes:
            out.append((vi, a, b, sh.break_minutes))
    return out


def _split_days(days: list[int], k: int) -> list[list[int]]:
    """Give each of ``k`` visits a slice of the allowed days so that visits spread over the week."""
    if k <= 0 or not days:
        return []
    if k <= len(days):
        return [list(map(int, part)) for part in np.array_split(np.array(days), k)]
    return [[days[j * len(days) // k]] for j in range(k)]


@dataclass
class _Candidate:
    kind: str
    ref: Any  # VitalObject or Hotspot
    visit_no: int
    day: int
    window: tuple[int, int]  # minutes from plan start


def plan_week(
    scenario: Scenario,
    G: Any,
    objects: list[VitalObject],
    hotspots: list[Hotspot],
    *,
    seed: int = 0,
    time_limit: float = 30.0,
    max_iterations: int | None = None,
    progress: Callable[[str], None] | None = None,
    from_day: int = 0,
    done_visits: dict[str, int] | None = None,
    units_off: set[str] | frozenset[str] = frozenset(),
    avoid_hours: dict[tuple[str, int], set[int]] | None = None,
) -> Plan:
    """Plan a week of patrols.

    Parameters
    ----------
    scenario
        The validated scenario (units, shifts, depots, days).
    G
        Road graph from :mod:`routeplan.load.roads`.
    objects, hotspots
        Snapped layers (``node`` set), see :func:`routeplan.load.layers.snap_layer`.
    seed
        Random seed of the search.
    time_limit
        Seconds for the search.
    max_iterations
        Stop after this many iterations if reached before ``time_limit``; makes runs repeatable.
    progress
        Called with a short label before each stage.
    from_day
        Plan only the days from this index on (re-planning); earlier days are taken as done.
    done_visits
        Visits per object already made on earlier days; they count against its visits per week.
    units_off
        Units that are not available (e.g. called away).
    avoid_hours
        ``{(object id, weekday): {hours}}`` visited the week before; candidate windows leave those
        hours out where the window is wide enough, so that visits do not repeat at the same hour.

    Returns
    -------
    Plan
    """
    done_visits = done_visits or {}
    avoid_hours = avoid_hours or {}
    rng = np.random.default_rng(seed)
    say = progress or (lambda _msg: None)
    from routeplan.prepare.snap import SnapIndex

    depots = list(scenario.depots.values())
    index = None
    depot_nodes = []
    for d in depots:
        if index is None:
            index = SnapIndex.from_graph(G)
        depot_nodes.append(index.snap(d.lon, d.lat)[0])
    loc_nodes = list(dict.fromkeys(depot_nodes + [o.node for o in objects] + [h.node for h in hotspots]))
    loc_of = {n: i for i, n in enumerate(loc_nodes)}
    kinds = sorted({u.kind for u in scenario.units})
    say("travel-time matrix")
    mats: dict[str, TravelMatrix] = {k: travel_matrix(G, loc_nodes, k) for k in kinds}
    profile = {k: i for i, k in enumerate(kinds)}

    # --- vehicles: one per unit, day and shift
    vspecs = []
    for u in scenario.units:
        if u.id in units_off:
            continue
        dep = scenario.depots[u.depot]
        dloc = loc_of[depot_nodes[depots.index(dep)]]
        for day in (d for d in u.days if d >= from_day):
            for sname in u.shifts:
                sh = scenario.shifts[sname]
                s0, s1 = sh.absolute(day)
                vspecs.append((u, day, sh, dep, dloc, s0, s1))

    # --- pinned visits: each gets its own copy of the object's location that only the pinned vehicle can
    # reach (a profile of its own), so the optimizer must give that visit to that unit at that time
    pins = resolve_pins(scenario, objects, vspecs, from_day)
    breaks = _shift_breaks(vspecs)
    # extra locations: a copy per pin (at its object) and per break (at the depot), each reachable
    # only through the profile of the one vehicle it belongs to
    extras = [(p.vehicle, loc_of[p.obj.node]) for p in pins] + [(b[0], vspecs[b[0]][4]) for b in breaks]
    n = len(loc_nodes)
    durs = [mats[k].duration for k in kinds]
    dists = [mats[k].distance for k in kinds]
    vprofile = [profile[u.kind] for (u, *_rest) in vspecs]
    if extras:
        ext = lambda m: np.pad(m, ((0, len(extras)), (0, len(extras))), constant_values=np.inf)  # noqa: E731
        base_d, base_l = [ext(m) for m in durs], [ext(m) for m in dists]
        durs, dists = list(base_d), list(base_l)
        for vi in sorted({vi for vi, _ in extras}):
            k = vprofile[vi]
            d, l = base_d[k].copy(), base_l[k].copy()
            mine = [j for j, (vj, _) in enumerate(extras) if vj == vi]
            for j in mine:
                src = extras[j][1]
                d[n + j, :n], d[:n, n + j] = d[src, :n], d[:n, src]
                l[n + j, :n], l[:n, n + j] = l[src, :n], l[:n, src]
                for j2 in mine:  # between two extras of the same vehicle: as between their sources
                    d[n + j, n + j2] = d[src, extras[j2][1]]
                    l[n + j, n + j2] = l[src, extras[j2][1]]
            durs.append(d)
            dists.append(l)
            vprofile[vi] = len(durs) - 1
    model = RoutingModel(durs, dists)
    vmeta = []
    for (u, day, sh, dep, dloc, s0, s1), prof in zip(vspecs, vprofile):
        model.add_vehicle(Vehicle(dloc, dloc, s0 * 60, s1 * 60, prof, name=f"{u.id}/{day}/{sh.name}"))
        vmeta.append((u, day, sh, dep))
    # pinned visits count against the object's visits of the week
    done_visits = dict(done_visits)
    for p in pins:
        done_visits[p.obj.id] = done_visits.get(p.obj.id, 0) + 1
    if not model.vehicles:
        from routeplan.errors import InputError

        raise InputError(f"{scenario.path}: no unit works any shift on the days to plan")
    v_start = np.array([v.tw_early for v in model.vehicles])
    v_end = np.array([v.tw_late for v in model.vehicles])
    v_loc = np.array([v.start for v in model.vehicles])
    v_prof = np.array([v.profile for v in model.vehicles])

    def feasible_vehicles(loc: int, early: int, late: int, service: int) -> np.ndarray:
        go = np.array([model.durations[p][dl, loc] for p, dl in zip(v_prof, v_loc)])
        back = np.array([model.durations[p][loc, dl] for p, dl in zip(v_prof, v_loc)])
        start = np.maximum(v_start + go, early)
        return (go < UNREACHABLE) & (back < UNREACHABLE) & (start <= late) & (start + service + back <= v_end)

    dates = scenario.dates
    unserved: list[Unserved] = []
    candidates: list[_Candidate] = []
    max_stops = int(settings.max_candidate_stops)

    def check_stop_count() -> None:
        # PyVRP's memory grows with the square of the stop count: refuse before it is asked to
        if len(model.stops) > max_stops:
            from routeplan.errors import InputError

            raise InputError(
                f"{scenario.path}: the weekly model needs more than {max_stops} candidate stops (one per visit, "
                "allowed day and window, and hotspot stops), above the limit "
                "(routeplan.settings.max_candidate_stops); plan fewer days, objects or visits per week at once"
            )
    required_total = 0
    group_meta: list[tuple[VitalObject, int]] = []

    say("weekly model")
    for o in objects:
        k = o.visits_per_week
        if k <= 0:
            continue
        allowed = [i for i, d in enumerate(dates) if WEEKDAYS[d.weekday()] in o.days and i >= from_day
                   and (not o.pasaran or pasaran_of(d) in o.pasaran)]
        k_plan = max(1, round(k * scenario.days / 7)) if scenario.days != 7 else k
        k_plan = max(0, k_plan - done_visits.get(o.id, 0))
        if k_plan == 0:
            continue
        pinned_days = {p.minute // 1440 for p in pins if p.obj.id == o.id}
        if len([d for d in allowed if d not in pinned_days]) >= k_plan:
            allowed = [d for d in allowed if d not in pinned_days]  # keep visits on other days than the pins
        required_total += k_plan
        if not allowed:
            for j in range(k_plan):
                unserved.append(Unserved(o.id, "no_allowed_day",
                                         f"{o.id}: none of its days {list(o.days)}"
                                         + (f" on pasaran {list(o.pasaran)}" if o.pasaran else "") + " is in the plan",
                                         o.name, j + 1))
            continue
        loc = loc_of[o.node]
        reachable = any(
            np.any(model.durations[profile[kd]][v_loc[v_prof == profile[kd]], loc] < UNREACHABLE)
            and np.any(model.durations[profile[kd]][loc, v_loc[v_prof == profile[kd]]] < UNREACHABLE)
            for kd in kinds
        )
        service = o.dwell_minutes * 60
        windows = o.windows or ((0, 1440),)
        slices = _split_days(allowed, k_plan)
        for j, part in enumerate(slices):
            # several visits on one day: each takes its own share of the day's windows, in order
            same = [i for i, p in enumerate(slices) if p == part]
            share = (same.index(j), len(same)) if len(same) > 1 else None
            if not reachable:
                unserved.append(Unserved(o.id, "unreachable", f"{o.id}: no unit's roads connect it with a depot", o.name, j + 1))
                continue
            g = model.add_group(required=False)
            group_meta.append((o, j + 1))
            n_stops = 0
            for day in part:
                avoid = avoid_hours.get((o.id, dates[day].weekday()), set())
                for (ws, length) in _avoid_windows(windows, avoid, o.dwell_minutes):
                    if share is not None:
                        r, m = share
                        ws, length = ws + r * length // m, length // m
                    early = (day * 1440 + ws) * 60
                    late = max(early, (day * 1440 + ws + length) * 60 - service)
                    if not feasible_vehicles(loc, early, late, service).any():
                        continue
                    model.add_stop(Stop(loc, early, late, service, REQUIRED_PRIZE.get(o.priority, 1_000_000), group=g, name=o.id))
                    candidates.append(_Candidate("vital_object", o, j + 1, day, (early // 60, late // 60 + o.dwell_minutes)))
                    n_stops += 1
            check_stop_count()
            if n_stops == 0:
                group_meta[g] = (None, 0)  # an empty group: its reason is the window, not full shifts
                days_txt = ", ".join(dates[d].isoformat() for d in part)
                unserved.append(Unserved(
                    o.id, "time_window",
                    f"{o.id}: visit {j + 1} has no shift on {days_txt} that can reach it inside its window and return",
                    o.name, j + 1))
    pin_groups = []
    for j, p in enumerate(pins):
        required_total += 1
        g = model.add_group(required=False)
        group_meta.append((p.obj, 0))
        pin_groups.append(g)
        service = p.obj.dwell_minutes * 60
        model.add_stop(Stop(n + j, p.minute * 60, p.minute * 60, service, PIN_PRIZE, group=g, name=p.obj.id))
        candidates.append(_Candidate("vital_object", p.obj, 0, p.minute // 1440, (p.minute, p.minute + p.obj.dwell_minutes)))

    # --- breaks: one per shift that has one, at the unit's depot, inside the break window
    for j, (vi, a, b, minutes) in enumerate(breaks):
        model.add_stop(Stop(n + len(pins) + j, a * 60, (b - minutes) * 60, minutes * 60, PIN_PRIZE, name="break"))
        candidates.append(_Candidate("break", None, 0, vspecs[vi][1], (a, b)))

    # --- hotspots: optional stops inside active hours, at most a few per hotspot and day, each in a
    # different shift so that presence recurs through the day. Dosage follows risk with diminishing
    # returns: a hotspot's weekly target (minutes, in proportion to risk) sets how many stops carry
    # the full prize; further stops are worth a quarter, and a day's second stop half. Which stops
    # carry the full prize is drawn at random per week, so that presence is not predictable.
    hvalue = scenario.hotspot_value_minutes * 60
    hservice = scenario.hotspot_dwell_minutes * 60
    shift_spans = sorted({(sh.start, sh.length) for sh in scenario.shifts.values()})
    week_share = (scenario.days - from_day) / 7
    for h in hotspots:
        loc = loc_of[h.node]
        slots = []  # (day, rank within the day, a, b)
        for day in range(from_day, scenario.days):
            parts = []
            for (s0, slen) in shift_spans:
                for (ws, we) in (h.active_hours or ((0, 1440),)):
                    wlen = (we - ws) % 1440 or 1440
                    for shift_day in (-1, 0, 1):  # the active window may start the day before
                        a = max(day * 1440 + ws + shift_day * 1440, day * 1440 + s0)
                        b = min(day * 1440 + ws + shift_day * 1440 + wlen, day * 1440 + s0 + slen)
                        if b - a >= scenario.hotspot_dwell_minutes and (a, b) not in parts:
                            parts.append((a, b))
            order = rng.permutation(len(parts)) if parts else []
            for rank, pi in enumerate(order[: scenario.hotspot_max_stops_per_day]):
                a, b = parts[int(pi)]
                if b * 60 - hservice >= a * 60 and feasible_vehicles(loc, a * 60, b * 60 - hservice, hservice).any():
                    slots.append((day, rank, a, b))
        target_stops = int(np.ceil(h.risk * scenario.hotspot_target_minutes_per_week * week_share
                                   / max(scenario.hotspot_dwell_minutes, 1)))
        full = set(rng.permutation(len(slots))[:target_stops].tolist()) if slots else set()
        for k, (day, rank, a, b) in enumerate(slots):
            g = model.add_group(required=False)
            group_meta.append((None, 0))
            prize = int(round(h.risk * hvalue * (1.0 if k in full else 0.25) * (0.5 ** rank)))
            model.add_stop(Stop(loc, a * 60, b * 60 - hservice, hservice, prize, group=g, name=h.id))
            candidates.append(_Candidate("hotspot", h, 0, day, (a, b)))
        check_stop_count()

    check_stop_count()
    log.info("weekly model: %d vehicles, %d candidate stops, %d groups", len(model.vehicles), len(model.stops), len(model.groups))
    say(f"optimizing ({len(model.stops)} stops, {len(model.vehicles)} shifts)")
    import time as _time

    deadline = _time.monotonic() + time_limit
    result = model.solve(time_limit=time_limit, seed=seed, max_iterations=max_iterations)
    # minimum gaps between visits of one object cannot be stated to PyVRP directly: where the search
    # placed two visits too close, the later visit's windows are moved past the gap and the model is
    # solved again (a few rounds); what still violates a gap is reported in the solver figures
    gap_violations: list[str] = []
    gaps = {o.id: o.min_gap_hours * 3600 for o in objects if o.min_gap_hours > 0}
    for _round in range(3 if gaps else 0):
        gap_violations = _push_gaps(model, candidates, result, gaps)
        if not gap_violations:
            break
        say(f"re-optimizing for minimum gaps ({len(gap_violations)} too close)")
        # re-solves share what is left of the time limit, so --time-limit bounds the whole search
        result = model.solve(time_limit=max(1.0, deadline - _time.monotonic()), seed=seed,
                             max_iterations=max_iterations)
    gap_violations = _push_gaps(model, candidates, result, gaps, dry_run=True) if gaps else []
    say("building routes")

    # --- required visits the search could not fit
    served_groups = {model.stops[i].group for i in result.served}
    group_members: dict[int, list[int]] = {}
    for i, st in enumerate(model.stops):
        if st.group is not None:
            group_members.setdefault(st.group, []).append(i)
    for g, (o, j) in enumerate(group_meta):
        if o is None or g in served_groups:
            continue
        if gaps and all(model.stops[i].prize == 0 for i in group_members.get(g, [])) and group_members.get(g):
            unserved.append(Unserved(o.id, "min_gap", f"{o.id}: visit {j} does not fit {o.min_gap_hours:g} h after the "
                                     "visit before it inside its days and windows", o.name, j))
            continue
        if g in pin_groups:
            p = pins[pin_groups.index(g)]
            unserved.append(Unserved(o.id, "pin_conflict",
                                     f"{o.id}: the visit pinned to {p.unit} at {p.label} cannot be kept (travel or shift times conflict)",
                                     o.name, 0))
            continue
        loc = loc_of[o.node]
        need = o.dwell_minutes + min(
            (model.durations[p][dl, loc] + model.durations[p][loc, dl]) / 60 for p, dl in zip(v_prof, v_loc)
        )
        unserved.append(Unserved(
            o.id, "shifts_full",
            f"{o.id}: visit {j} does not fit; the shifts that could serve it are full (short by about {need:.0f} min)",
            o.name, j))

    # --- routes
    off = _offset(scenario.utc_offset)
    t0 = dt.datetime.combine(scenario.start_date, dt.time(0, 0), tzinfo=off)
    routes: list[Route] = []
    for rr in result.routes:
        u, day, sh, dep = vmeta[rr.vehicle]
        mat = mats[u.kind]
        prof = model.vehicles[rr.vehicle].profile
        stops: list[Visit] = []
        seq_locs = [model.vehicles[rr.vehicle].start]
        brks: list[tuple[dt.datetime, dt.datetime]] = []
        for (si, s_start, s_end) in rr.visits:
            st = model.stops[si]
            cand = candidates[si]
            ref = cand.ref
            seq_locs.append(st.location)
            if cand.kind == "break":
                brks.append((t0 + dt.timedelta(seconds=int(s_start)), t0 + dt.timedelta(seconds=int(s_end))))
                continue
            is_obj = cand.kind == "vital_object"
            stops.append(Visit(
                id=ref.id, kind=cand.kind, name=ref.name, category=ref.category if is_obj else "hotspot",
                arrival=t0 + dt.timedelta(seconds=int(s_start)), departure=t0 + dt.timedelta(seconds=int(s_end)),
                lon=ref.lon, lat=ref.lat, dwell_minutes=(s_end - s_start) // 60,
                window=_fmt_window(cand.window, t0), desa=getattr(ref, "desa", ""),
                risk=None if is_obj else ref.risk, node=ref.node,
            ))
        if not stops:
            continue  # a shift with only its break: no patrol to brief
        seq_locs.append(model.vehicles[rr.vehicle].end)
        legs = [float(model.durations[prof][a, b]) for a, b in zip(seq_locs, seq_locs[1:])]
        dist = float(sum(model.distances[prof][a, b] for a, b in zip(seq_locs, seq_locs[1:])))
        all_nodes = loc_nodes + [loc_nodes[src] for _, src in extras]  # copies sit at their source's node
        path = _route_path(G, mat, [all_nodes[i] for i in seq_locs], u.kind, loc_nodes)
        routes.append(Route(
            unit=u.id, unit_kind=u.kind, crew=u.crew, day=dates[day], shift=sh.name, depot=dep.id,
            depot_name=dep.name, start=t0 + dt.timedelta(seconds=int(rr.start)),
            end=t0 + dt.timedelta(seconds=int(rr.end)), stops=stops, distance_m=dist, drive_s=sum(legs),
            path=path, legs_s=legs, breaks=brks,
        ))
    order = {u.id: i for i, u in enumerate(scenario.units)}
    shift_order = {s: i for i, s in enumerate(scenario.shifts)}
    routes.sort(key=lambda r: (r.day, shift_order[r.shift], order[r.unit]))
    unserved.sort(key=lambda x: (x.id, x.visit or 0))
    served_required = sum(1 for r in routes for s in r.stops if s.kind == "vital_object")
    return Plan(
        scenario=scenario.name, start_date=scenario.start_date, days=scenario.days, seed=seed, routes=routes,
        unserved=unserved, required_visits=required_total, served_required=served_required,
        solver={"engine": "pyvrp", "time_limit_s": time_limit, "iterations": result.iterations,
                "runtime_s": round(result.runtime, 2), "feasible": result.feasible,
                "candidate_stops": len(model.stops), "shifts": len(model.vehicles),
                "min_gap_violations": gap_violations},
        utc_offset=scenario.utc_offset, scenario_file=str(Path(scenario.path).resolve()),
        language=scenario.language, depots=list(scenario.depots.values()), units=list(scenario.units),
    )


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


def _route_path(G: Any, mat: TravelMatrix, seq_nodes: list[int], kind: str, loc_nodes: list[int]) -> list[tuple[float, float]]:
    """Longitude/latitude points along the roads of a route (edge geometry where osmnx kept it)."""
    pos = {n: i for i, n in enumerate(mat.nodes)}
    weight = f"travel_time_{kind}"
    coords: list[tuple[float, float]] = []
    for a, b in zip(seq_nodes, seq_nodes[1:]):
        nodes = mat.path(pos[a], pos[b])
        if not coords:
            coords.append((G.nodes[nodes[0]]["x"], G.nodes[nodes[0]]["y"]))
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
    return coords
