"""The vehicles of the weekly model: one per unit, day and shift, with its pinned visits, its break and the
travel matrices it sees.

A pinned visit, a break and a reserve each get a location of their own (a copy of the object's or the depot's
location) that only the one vehicle they belong to can serve. The copy is reachable in one matrix profile, shared
by the vehicles of a unit kind whose shifts lie at least ``settings.profile_gap_minutes`` apart (:func:`shift_colours`):
their stops' time windows lie inside their own shift, so no other vehicle of that profile can serve them. The profiles
then number the units on duty in any such stretch per kind, not the shifts of the week.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from routeplan import settings
from routeplan._io import format_bytes
from routeplan.errors import InputError
from routeplan.load.scenario import parse_pin
from routeplan.model.layers import VitalObject, road_node
from routeplan.model.scenario import Depot, PatrolUnit, Scenario, Shift
from routeplan.optimize.routing import UNREACHABLE, RoutingModel, Vehicle
from routeplan.prepare.matrix import LocationMatrices

#: A pinned visit outweighs every other visit: it is an order, not a preference.
PIN_PRIZE = 10_000_000


class VehicleSpec(NamedTuple):
    """A unit on a day and shift: one vehicle of the model."""

    unit: PatrolUnit
    day: int  # plan-day index the shift starts on
    shift: Shift
    depot: Depot
    loc: int  # location index of the depot
    start: int  # minutes from the plan start
    end: int


@dataclass
class Pin:
    """A visit fixed in the input: this object, by this unit, at this minute of the plan."""

    obj: VitalObject
    unit: str
    vehicle: int  # index into the plan's vehicles
    minute: int  # minutes from the plan start
    label: str


#: (vehicle, earliest start, latest end, minutes) of a shift's break, in minutes from the plan start.
Break = tuple[int, int, int, int]


@dataclass
class Fleet:
    """The vehicles of a week's model, with the model they were added to.

    Attributes
    ----------
    specs
        One :class:`VehicleSpec` per vehicle of ``model``, in order.
    pins, breaks
        The pinned visits and the breaks.
    reserves
        (vehicle, minutes) of the reserve of each vehicle whose patrol target leaves one: a stay at the depot
        (110 calls, guard duty, reporting), in parts worth more than presence, so that the patrol takes no more
        than its planned minutes unless a required visit needs a part of the reserve.
    depot_copy
        Location of each vehicle's own copy of its depot, where its break and reserve are taken. The pins'
        copies come first after the ``n_locations`` plan locations, then the depot copies.
    area_copy
        Location of each area patrol's entry copy (after the depot copies), reached only by its unit kind.
    extra_src
        The plan location each copy after the ``n_locations`` plan locations stands for, in order.
    model
        The routing model, with its matrix profiles and vehicles (stops are added later).
    n_locations
        Number of plan locations (:attr:`LocationMatrices.nodes`).
    profile
        Matrix profile of each unit kind (vehicles with a pin, break or reserve use a profile that also reaches
        their copies, see :func:`shift_colours`).
    """

    specs: list[VehicleSpec]
    pins: list[Pin]
    breaks: list[Break]
    model: RoutingModel
    n_locations: int
    profile: dict[str, int]
    reserves: list[tuple[int, int]] = field(default_factory=list)
    depot_copy: dict[int, int] = field(default_factory=dict)
    area_copy: list[int] = field(default_factory=list)
    extra_src: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        v = self.model.vehicles
        self.v_start = np.array([x.tw_early for x in v])
        self.v_end = np.array([x.tw_late for x in v])
        self.v_loc = np.array([x.start for x in v])
        self.v_prof = np.array([x.profile for x in v])
        # seconds from each vehicle's depot to every location and back, in its own profile: the feasibility of
        # thousands of candidates is then one column each, not a loop over the vehicles
        dur, n = self.model.durations, self.model.num_locations
        self._go = np.array([dur[p][dl, :] for p, dl in zip(self.v_prof, self.v_loc)] or np.zeros((0, n)))
        self._back = np.array([dur[p][:, dl] for p, dl in zip(self.v_prof, self.v_loc)] or np.zeros((0, n)))

    def feasible(self, loc: int, early: int, late: int, service: int) -> np.ndarray:
        """Which vehicles can reach ``loc``, start service inside [early, late] (seconds) and return in time."""
        go, back = self._go[:, loc], self._back[:, loc]
        start = np.maximum(self.v_start + go, early)
        return (go < UNREACHABLE) & (back < UNREACHABLE) & (start <= late) & (start + service + back <= self.v_end)

    def feasible_for(self, vi: int, locs: np.ndarray, early: np.ndarray, late: np.ndarray,
                     service: np.ndarray) -> np.ndarray:
        """:meth:`feasible` of one vehicle for many stops (arrays of their location, window and service)."""
        go, back = self._go[vi, locs], self._back[vi, locs]
        start = np.maximum(self.v_start[vi] + go, early)
        return (go < UNREACHABLE) & (back < UNREACHABLE) & (start <= late) & (start + service + back <= self.v_end[vi])

    def round_trip(self, loc: int) -> np.ndarray:
        """Seconds from each vehicle's depot to ``loc`` and back (``UNREACHABLE`` or more where it cannot)."""
        return self._go[:, loc] + self._back[:, loc]

    def reachable(self, loc: int) -> bool:
        """Whether some vehicle's roads lead from its depot to ``loc`` and back."""
        return bool(((self._go[:, loc] < UNREACHABLE) & (self._back[:, loc] < UNREACHABLE)).any())


def vehicle_specs(scenario: Scenario, depot_locs: dict[str, int], from_day: int = 0,
                  units_off: set[str] | frozenset[str] = frozenset()) -> list[VehicleSpec]:
    """One :class:`VehicleSpec` per unit, working day from ``from_day`` on and shift, in the scenario's order.

    A unit-shift on standby (:meth:`~routeplan.model.scenario.Scenario.patrol_target` None) gets no vehicle.
    """
    out = []
    for u in scenario.units:
        if u.id in units_off:
            continue
        dep = scenario.depots[u.depot]
        for day in (d for d in scenario.working_days(u) if d >= from_day):
            for sname in u.shifts:
                sh = scenario.shifts[sname]
                if scenario.patrol_target(u, sh) is None:
                    continue
                s0, s1 = sh.absolute(day)
                out.append(VehicleSpec(u, day, sh, dep, depot_locs[dep.id], s0, s1))
    return out


def resolve_pins(scenario: Scenario, objects: list[VitalObject], vspecs: list[VehicleSpec],
                 from_day: int = 0) -> list[Pin]:
    """Match the scenario's ``[[pins]]`` (object, unit, date, time) to vehicles.

    The pins' fields, dates and objects are checked when the scenario and its layers are read
    (:func:`routeplan.load.scenario.parse_pin`); here a pin of another week of a several-week plan, or of the
    past of a re-plan, is left out, and a pin raises InputError when its object could not be snapped to the
    roads or its unit works no shift at that time.
    """
    objs = {o.id: o for o in objects}
    units = {u.id for u in scenario.units}
    out: list[Pin] = []
    for i, raw in enumerate(scenario.pins):
        where = f"{scenario.path} pins[{i}]"
        oid, uid, date, clock = parse_pin(raw, where, units)
        day = (date - scenario.start_date).days
        if not from_day <= day < scenario.days:
            continue  # another week of a several-week plan, or already in the past of a re-plan
        if oid not in objs:
            raise InputError(f"{where}: object {oid!r} is not among the usable vital objects")
        minute = day * 1440 + clock
        match = [vi for vi, (u, _d, _sh, _dep, _dl, s0, s1) in enumerate(vspecs) if u.id == uid and s0 <= minute < s1]
        if not match:
            raise InputError(f"{where}: unit {uid!r} works no shift at {date} {raw['time']}")
        out.append(Pin(objs[oid], uid, match[0], minute, f"{date} {raw['time']}"))
    return out


def shift_breaks(vspecs: list[VehicleSpec]) -> list[Break]:
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


def shift_reserves(scenario: Scenario, vspecs: list[VehicleSpec]) -> list[tuple[int, int]]:
    """(vehicle, minutes) of the reserve of every vehicle: its shift less its break and its patrol target."""
    out = []
    for vi, s in enumerate(vspecs):
        target = scenario.patrol_target(s.unit, s.shift)
        reserve = s.shift.length - s.shift.break_minutes - (target or 0)
        if reserve > 0:
            out.append((vi, reserve))
    return out


def shift_colours(vspecs: list[VehicleSpec], owners: set[int], touching: bool = False,
                  gap: int | None = None) -> dict[int, int]:
    """A colour for each vehicle in ``owners`` such that two shifts of one unit kind with the same colour are at least
    ``gap`` minutes apart (default ``settings.profile_gap_minutes``; with ``touching`` and no gap, a shift ending at
    the minute another starts counts as overlapping).

    A copy location owned by a vehicle is reachable in its colour's profile; every stop at it has a time window
    inside the owner's shift (a pin at a minute of it, a break in its window, a reserve anywhere in it), so a
    vehicle of the same colour, off duty then, cannot serve it. A stop with a service time cannot be served by a
    shift that ends when its window opens, so touching shifts could share a colour unless some pin has no dwell
    (``touching``). The gap keeps PyVRP's search as it was with a profile per shift: a move that serves another
    shift's copy is then late or early by hours and rejected at once, as an unreachable copy was; with touching
    shifts sharing, the search tried such moves at a small time warp and its plans lost 0.6-2.5 % of risk-weighted
    presence (BENCHMARKS, session 16). Greedy colouring in order of start (of intervals widened by the gap) is
    optimal: the colours per kind are the most shifts of that kind within one gap-widened shift.
    """
    gap = int(settings.profile_gap_minutes) if gap is None else gap
    colour: dict[int, int] = {}
    free_from: dict[str, list[int]] = {}  # per kind, the end of each colour's last shift
    for vi in sorted(owners, key=lambda v: (vspecs[v].start, vspecs[v].end, v)):
        ends = free_from.setdefault(vspecs[vi].unit.kind, [])
        start = vspecs[vi].start
        c = next((k for k, end in enumerate(ends) if end + gap < start or (end + gap == start and not touching)),
                 len(ends))
        if c == len(ends):
            ends.append(0)
        ends[c] = vspecs[vi].end
        colour[vi] = c
    return colour


def _profile_matrices(matrices: LocationMatrices, vspecs: list[VehicleSpec], extras: list[tuple[int | str, int]],
                      profile: dict[str, int], colour: dict[int, int]) -> tuple[list[np.ndarray], list[np.ndarray], list[int]]:
    """Duration and distance matrices per profile, and the profile of each vehicle.

    ``extras`` are (owner, source location) of the extra locations after the plan's locations: a copy of the
    source that only its owner reaches: a vehicle (its index; it gets the profile of its kind and colour,
    :func:`shift_colours`, ``colour``) or every vehicle of a unit kind (its name; the kind's profile).
    """
    kinds = matrices.kinds
    n = len(matrices.nodes)
    durs = [matrices.by_kind[k].duration for k in kinds]
    dists = [matrices.by_kind[k].distance for k in kinds]
    vprofile = [profile[s.unit.kind] for s in vspecs]
    if not extras:
        return durs, dists, vprofile
    src = np.array([e[1] for e in extras])

    def widen(k: int, mine: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Profile ``k``'s matrices over all locations, the extras in ``mine`` reachable as their sources."""
        out = []
        for m in (durs[k], dists[k]):
            w = np.full((n + len(extras), n + len(extras)), np.inf)
            w[:n, :n] = m
            idx = np.array(mine, dtype=int)
            if len(idx):
                w[n + idx, :n] = m[src[idx], :]
                w[:n, n + idx] = m[:, src[idx]]
                w[np.ix_(n + idx, n + idx)] = m[np.ix_(src[idx], src[idx])]
            out.append(w)
        return out[0], out[1]

    base = [widen(k, [j for j, (owner, _s) in enumerate(extras) if owner == kind]) for k, kind in enumerate(kinds)]
    out_d, out_l = [b[0] for b in base], [b[1] for b in base]
    key = {vi: (vprofile[vi], c) for vi, c in colour.items()}
    for k, c in sorted(set(key.values())):
        mine = [j for j, (owner, _s) in enumerate(extras)
                if owner == kinds[k] or (isinstance(owner, int) and key.get(owner) == (k, c))]
        d, dist = widen(k, mine)
        out_d.append(d)
        out_l.append(dist)
        for vi in (v for v, kc in key.items() if kc == (k, c)):
            vprofile[vi] = len(out_d) - 1
    return out_d, out_l, vprofile


def _check_matrix_bytes(scenario: Scenario, profiles: int, size: int) -> None:
    """Refuse a model whose duration and distance matrices (``profiles`` of ``size`` x ``size``, float64) would
    exceed ``settings.max_model_matrix_bytes``, before they are allocated: a clear error instead of the
    machine running out of memory."""
    need = 2 * profiles * size * size * 8
    limit = int(settings.max_model_matrix_bytes)
    if need > limit:
        raise InputError(
            f"{scenario.path}: the weekly model would hold {format_bytes(need)} of travel matrices ({profiles} routing "
            f"profiles, one per unit kind and unit on duty in any {settings.profile_gap_minutes // 60} hours, of {size} x "
            f"{size} locations), above the limit of "
            f"{format_bytes(limit)} (routeplan.settings.max_model_matrix_bytes); plan fewer units or a smaller area "
            "at once (routeplan batch plans a Polres kecamatan by kecamatan)"
        )


def build_fleet(scenario: Scenario, objects: list[VitalObject], matrices: LocationMatrices,
                depot_nodes: dict[str, int], *, from_day: int = 0,
                units_off: set[str] | frozenset[str] = frozenset(),
                areas: Sequence[tuple[str, int]] = ()) -> Fleet:
    """The vehicles of the week (from ``from_day`` on, without ``units_off``), their pins and breaks.

    Parameters
    ----------
    scenario
        The scenario to plan.
    objects
        The usable vital objects (pins name them).
    matrices
        Travel matrices between the plan's locations (:func:`routeplan.prepare.context.plan_matrices`).
    depot_nodes
        Road node of each depot, as snapped by :func:`routeplan.prepare.context.prepare`.
    from_day, units_off
        As in :func:`routeplan.optimize.weekly.plan_week`.
    areas
        (unit kind, road node) of each area patrol's entry: a copy of it that only units of that kind reach
        (:attr:`Fleet.area_copy`), since the loop is timed for that kind.

    Returns
    -------
    Fleet

    Raises
    ------
    InputError
        A pin that cannot be matched to a shift, or no vehicle at all.
    """
    lay = _layout(scenario, objects, matrices, depot_nodes, from_day, units_off, areas)
    vspecs, extras, n = lay.vspecs, lay.extras, len(matrices.nodes)
    _check_matrix_bytes(scenario, lay.profiles, n + len(extras))
    durs, dists, vprofile = _profile_matrices(matrices, vspecs, extras, lay.profile, lay.colour)
    model = RoutingModel(durs, dists)
    for s, prof in zip(vspecs, vprofile):
        model.add_vehicle(Vehicle(s.loc, s.loc, s.start * 60, s.end * 60, prof, name=f"{s.unit.id}/{s.day}/{s.shift.name}"))
    if not model.vehicles:
        raise InputError(f"{scenario.path}: no unit works any shift on the days to plan")
    return Fleet(vspecs, lay.pins, lay.breaks, model, n, lay.profile, lay.reserves, lay.depot_copy, lay.area_copy,
                 [e[1] for e in extras])


class _Layout(NamedTuple):
    """What :func:`build_fleet` builds its matrices from (``benchmarks/bench_profiles.py`` counts with it)."""

    vspecs: list[VehicleSpec]
    pins: list[Pin]
    breaks: list[Break]
    reserves: list[tuple[int, int]]
    extras: list[tuple[int | str, int]]  # (owner, source location) of each copy after the plan's locations
    depot_copy: dict[int, int]
    area_copy: list[int]
    profile: dict[str, int]  # the kinds' own profiles
    colour: dict[int, int]  # of each vehicle owning a copy
    profiles: int  # the kinds' and the colours'


def _layout(scenario: Scenario, objects: list[VitalObject], matrices: LocationMatrices, depot_nodes: dict[str, int],
            from_day: int, units_off: set[str] | frozenset[str], areas: Sequence[tuple[str, int]]) -> _Layout:
    loc_of = matrices.index()
    vspecs = vehicle_specs(scenario, {d: loc_of[n] for d, n in depot_nodes.items()}, from_day, units_off)
    pins = resolve_pins(scenario, objects, vspecs, from_day)
    breaks = shift_breaks(vspecs)
    reserves = shift_reserves(scenario, vspecs)
    # extra locations: a copy per pin (at its object) and per vehicle with a break or reserve (at its depot),
    # each served only by the one vehicle it belongs to (reachable in its profile, inside its shift)
    at_depot = sorted({b[0] for b in breaks} | {r[0] for r in reserves})
    extras: list[tuple[int | str, int]] = [(p.vehicle, loc_of[road_node(p.obj)]) for p in pins]
    extras += [(vi, vspecs[vi].loc) for vi in at_depot]
    n = len(matrices.nodes)
    depot_copy = {vi: n + len(pins) + j for j, vi in enumerate(at_depot)}
    area_copy = [n + len(extras) + j for j in range(len(areas))]
    extras += [(kind, loc_of[node]) for kind, node in areas]
    profile = {k: i for i, k in enumerate(matrices.kinds)}
    # a pin without dwell at the minute its shift starts could be served by a shift ending then
    colour = shift_colours(vspecs, {o for o, _ in extras if isinstance(o, int)},
                           touching=any(p.obj.dwell_minutes <= 0 for p in pins))
    profiles = len(profile) + len({(vspecs[vi].unit.kind, c) for vi, c in colour.items()})
    return _Layout(vspecs, pins, breaks, reserves, extras, depot_copy, area_copy, profile, colour, profiles)
