"""The optimizer: a small explicit routing model over PyVRP, and the weekly patrol model built on it.

:class:`RoutingModel` is the general layer (locations, per-profile matrices, vehicles with time
windows, stops with time windows, dwell, prizes and mutually exclusive groups). The weekly patrol
plan (:func:`plan_week`) and the published benchmarks in ``benchmarks/`` both go through it, so the
benchmark figures measure the code that plans patrols.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyvrp
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.search import PerturbationParams
from pyvrp.stop import MaxIterations, MultipleCriteria, NoImprovement, StoppingCriterion

from routeplan.optimize.neighbours import merged_profiles
from routeplan.optimize.neighbours import search as pyvrp_search

log = logging.getLogger(__name__)

#: Stand-in for "no road": large enough to never be chosen, small enough not to overflow int64 sums.
UNREACHABLE = 10**9


@dataclass
class Vehicle:
    """One route to build: a unit on a day and shift (or a benchmark vehicle)."""

    start: int  # location index
    end: int
    tw_early: int
    tw_late: int
    profile: int = 0
    capacity: int = 0
    max_distance: int | None = None
    max_duration: int | None = None
    unit_distance_cost: int = 0
    unit_duration_cost: int = 1
    name: str = ""
    #: Identical copies of this vehicle (one PyVRP vehicle type); routes report this vehicle's index.
    num_available: int = 1


@dataclass
class Stop:
    """A possible visit at a location: served at most once, inside its window, for ``service`` seconds."""

    location: int
    tw_early: int
    tw_late: int
    service: int = 0
    prize: int = 0
    required: bool = False
    group: int | None = None
    demand: int = 0
    name: str = ""


@dataclass(frozen=True)
class SearchParams:
    """How PyVRP's iterated local search explores a model (PyVRP's defaults where ``None``).

    A model whose prizes are much larger than its costs (e.g. the team orienteering problem, where one point of
    score outweighs any total distance) needs penalties on the scale of its prizes: with PyVRP's default bounds the
    search either never leaves the feasible space or never comes back. And long routes need larger
    perturbations to move from one region of customers to another.

    Attributes
    ----------
    penalty
        ``(min, max)`` penalty per unit of violation (excess distance, duration, load, time warp); the search
        starts at the midpoint and adapts inside these bounds.
    penalty_updates
        Candidate solutions between two penalty adjustments (PyVRP: 500); fewer adapt the penalties faster,
        which wide ``penalty`` bounds need.
    perturbations
        ``(min, max)`` number of stops the search perturbs (removes or inserts) per iteration.
    """

    penalty: tuple[float, float] | None = None
    penalty_updates: int | None = None
    perturbations: tuple[int, int] | None = None

    def pyvrp_params(self) -> pyvrp.SolveParams:
        """These settings as PyVRP's ``SolveParams`` (defaults elsewhere)."""
        base = pyvrp.PenaltyParams()
        low, high = self.penalty if self.penalty is not None else (base.min_penalty, base.max_penalty)
        updates = base.solutions_between_updates if self.penalty_updates is None else self.penalty_updates
        penalty = pyvrp.PenaltyParams(solutions_between_updates=updates, min_penalty=low, max_penalty=high)
        perturbation = PerturbationParams() if self.perturbations is None else PerturbationParams(
            min_perturbations=self.perturbations[0], max_perturbations=self.perturbations[1])
        return pyvrp.SolveParams(penalty=penalty, perturbation=perturbation)


@dataclass
class RouteResult:
    """A solved route: the vehicle, and (stop index, service start, service end) in visiting order."""

    vehicle: int
    start: int
    end: int
    visits: list[tuple[int, int, int]]
    distance: int
    duration: int


@dataclass
class RoutingResult:
    """Solved routes, the total cost as PyVRP counts it, collected prizes and solver statistics."""

    routes: list[RouteResult]
    cost: int
    prizes: int
    distance: int
    feasible: bool
    iterations: int
    runtime: float
    served: set[int] = field(default_factory=set)


class RoutingModel:
    """A routing model: locations with per-profile matrices, vehicles, stops and stop groups.

    Parameters
    ----------
    durations
        One square integer matrix (seconds) per profile, over all locations.
    distances
        Matching distance matrices (metres); default the durations.
    """

    def __init__(self, durations: Sequence[np.ndarray], distances: Sequence[np.ndarray] | None = None):
        self.durations = [self._clean(m) for m in durations]
        self.distances = [self._clean(m) for m in (distances if distances is not None else durations)]
        n = self.durations[0].shape[0]
        if any(m.shape != (n, n) for m in self.durations + self.distances):
            raise ValueError("all matrices must be square and of one size")
        self.num_locations = n
        self.vehicles: list[Vehicle] = []
        self.stops: list[Stop] = []
        self.groups: list[tuple[list[int], bool]] = []

    def for_vehicles(self, vehicles: Sequence[int]) -> RoutingModel:
        """An empty model over the same locations with the given vehicles of this one (in that order) and only
        their profiles' matrices, for a search of a few routes alone.

        The weekly model has a profile per vehicle with a break or reserve (its copy of the depot only it
        reaches); a search of one or two routes that carried them all spent more time copying matrices than
        searching. The matrices are shared, not copied (they are clean already).
        """
        profiles = sorted({self.vehicles[v].profile for v in vehicles})
        renumber = {p: k for k, p in enumerate(profiles)}
        sub = RoutingModel.__new__(RoutingModel)
        sub.durations = [self.durations[p] for p in profiles]
        sub.distances = [self.distances[p] for p in profiles]
        sub.num_locations = self.num_locations
        sub.vehicles = [dataclasses.replace(self.vehicles[v], profile=renumber[self.vehicles[v].profile])
                        for v in vehicles]
        sub.stops, sub.groups = [], []
        return sub

    @staticmethod
    def _clean(m: np.ndarray) -> np.ndarray:
        m = np.asarray(m, dtype=float)
        out = np.where(np.isfinite(m), np.round(m), UNREACHABLE).astype(np.int64)
        np.fill_diagonal(out, 0)
        return out

    def add_vehicle(self, vehicle: Vehicle) -> int:
        """Add a vehicle; returns its index."""
        self.vehicles.append(vehicle)
        return len(self.vehicles) - 1

    def add_group(self, required: bool = False) -> int:
        """Add a group of mutually exclusive stops (at most one is served; exactly one if required)."""
        self.groups.append(([], required))
        return len(self.groups) - 1

    def add_stop(self, stop: Stop) -> int:
        """Add a stop; returns its index. A stop in a group joins that group."""
        if stop.group is not None:
            self.groups[stop.group][0].append(len(self.stops))
        self.stops.append(stop)
        return len(self.stops) - 1

    def _problem_data(self, merged: tuple[list[np.ndarray], list[np.ndarray], dict[int, int]] | None = None
                      ) -> pyvrp.ProblemData:
        """PyVRP's data of this model; with ``merged`` (:func:`~routeplan.optimize.neighbours.merged_profiles`)
        the same clients over the merged profiles, for the neighbourhood only."""
        durations, distances, profile_of = merged if merged is not None else (self.durations, self.distances, None)
        # PyVRP needs every depot to be a location; mark vehicle start/end locations as depots
        depot_locs = sorted({v.start for v in self.vehicles} | {v.end for v in self.vehicles})
        depot_idx = {loc: i for i, loc in enumerate(depot_locs)}
        # location order in PyVRP: whatever we give; reuse ours directly
        locations = [pyvrp.Location(0, 0) for _ in range(self.num_locations)]
        depots = [pyvrp.Depot(location=loc) for loc in depot_locs]
        with_load = any(s.demand for s in self.stops) or any(v.capacity for v in self.vehicles)
        # PyVRP rejects empty groups: renumber the groups that have members
        gmap = {g: i for i, g in enumerate(g for g, (members, _) in enumerate(self.groups) if members)}
        clients = []
        for s in self.stops:
            clients.append(pyvrp.Client(
                location=s.location, delivery=[s.demand] if with_load else [], service_duration=s.service,
                tw_early=s.tw_early, tw_late=s.tw_late, prize=s.prize,
                required=s.required and s.group is None, group=None if s.group is None else gmap[s.group],
            ))
        big = np.iinfo(np.int64).max
        vtypes = []
        for v in self.vehicles:
            vtypes.append(pyvrp.VehicleType(
                num_available=v.num_available, capacity=[v.capacity] if with_load else [],
                start_depot=depot_idx[v.start], end_depot=depot_idx[v.end], tw_early=v.tw_early,
                tw_late=v.tw_late, shift_duration=v.max_duration if v.max_duration is not None else big,
                max_distance=v.max_distance if v.max_distance is not None else big,
                unit_distance_cost=v.unit_distance_cost, unit_duration_cost=v.unit_duration_cost,
                profile=v.profile if profile_of is None else profile_of[v.profile], name=v.name,
            ))
        groups = [pyvrp.ClientGroup(members, required=req) for members, req in self.groups if members]
        # pyvrp's stub types a matrix as np.ndarray[int] (int as the shape type), which no real matrix type matches
        return pyvrp.ProblemData(locations, clients, depots, vtypes,
                                 distances, durations, groups)  # type: ignore[arg-type]

    def _neighbourhood_data(self) -> pyvrp.ProblemData | None:
        """The model over merged profiles when profiles copy one another (:mod:`routeplan.optimize.neighbours`)."""
        keys = [(v.unit_distance_cost, v.unit_duration_cost, v.profile) for v in self.vehicles]
        merged = merged_profiles(self.durations, self.distances, keys, UNREACHABLE)
        return None if merged is None else self._problem_data(merged)

    def solve(self, time_limit: float = 10.0, seed: int = 0, max_iterations: int | None = None,
              no_improvement: int | None = None,
              initial_routes: Sequence[tuple[int, Sequence[int]]] | None = None,
              progress: Callable[[int, float], None] | None = None,
              stop: StoppingCriterion | None = None, search: SearchParams | None = None) -> RoutingResult:
        """Solve with PyVRP's iterated local search.

        Parameters
        ----------
        time_limit
            Wall-clock limit in seconds.
        seed
            Random seed. With ``max_iterations`` (or ``no_improvement``) reached before the time limit,
            the same seed gives the same result.
        max_iterations, no_improvement
            Optional extra stopping criteria; the first one met stops the search.
        initial_routes
            Optional warm start: ``(vehicle index, [stop indices in order])`` per route. It may be
            infeasible; the search starts from it instead of a random solution.
        progress
            Optional observer, called each time the search checks whether to stop, with the number of
            iterations done so far (0, 1, ...) and the seconds since the search started. It only observes: the
            search and its result are the same with or without it.
        stop
            Optional extra stopping criterion: any callable ``stop(best_cost) -> bool`` (PyVRP's
            ``StoppingCriterion`` protocol), called once per iteration, e.g. a budget in process CPU
            seconds. The search stops at the first criterion met.
        search
            Optional tuning of the search (penalty bounds, perturbation sizes); PyVRP's defaults otherwise.

        Returns
        -------
        RoutingResult
        """
        # the clock starts now: building the problem data, the neighbourhoods and the local search comes out of
        # the time limit too (PyVRP's MaxRuntime counts from its first call, after all that)
        end = time.perf_counter() + time_limit
        if not self.stops:
            return RoutingResult([], 0, 0, 0, True, 0, 0.0)
        data = self._problem_data()
        crit: list[StoppingCriterion] = [_Deadline(end)]
        if max_iterations is not None:
            crit.append(MaxIterations(max_iterations))
        if no_improvement is not None:
            crit.append(NoImprovement(no_improvement))
        if stop is not None:
            crit.append(stop)
        criterion: StoppingCriterion = crit[0] if len(crit) == 1 else MultipleCriteria(crit)
        if progress is not None:
            criterion = _Observed(criterion, progress)
        init = None
        if initial_routes is not None:
            init = pyvrp.Solution(data, [pyvrp.Route(data, list(visits), veh)
                                         for veh, visits in initial_routes if len(visits)])
        params = (search or SearchParams()).pyvrp_params()
        with warnings.catch_warnings():
            # the penalty bounds are the caller's choice (SearchParams); PyVRP warns when a penalty sits at its
            # bound, which with prize-dominated models is the normal case, not a sign of an infeasible instance
            if search is not None and search.penalty is not None:
                warnings.simplefilter("ignore", PenaltyBoundWarning)
            res = pyvrp_search(data, criterion, seed=seed, params=params, initial_solution=init,
                               neighbourhood_data=self._neighbourhood_data())
        best = res.best
        routes = []
        served: set[int] = set()
        for r in best.routes():
            visits = []
            for act in r.schedule():
                if act.is_client():
                    visits.append((act.idx, act.start_time, act.end_time))
                    served.add(act.idx)
            routes.append(RouteResult(r.vehicle_type(), r.start_time(), r.end_time(), visits, r.distance(), r.duration()))
        cost = best.distance_cost() + best.duration_cost() + best.uncollected_prizes()
        return RoutingResult(routes, int(cost), int(best.prizes()), int(best.distance()), best.is_feasible(),
                             int(res.num_iterations), float(res.runtime), served)


class _Deadline:
    """A PyVRP stopping criterion met at a moment of ``time.perf_counter``, whenever the search began."""

    def __init__(self, end: float) -> None:
        self._end = end

    def __call__(self, best_cost: int) -> bool:
        return time.perf_counter() >= self._end


class _Observed:
    """A PyVRP stopping criterion that also tells an observer how far the search is.

    PyVRP calls its stopping criterion once per iteration (with the best cost so far); this one passes the
    call on unchanged and reports the iteration count and the elapsed seconds to ``observer``.
    """

    def __init__(self, stop: StoppingCriterion, observer: Callable[[int, float], None]) -> None:
        self._stop = stop
        self._observer = observer
        self._calls = 0
        self._start = time.perf_counter()

    def __call__(self, best_cost: int) -> bool:
        done = self._stop(best_cost)
        self._observer(self._calls, time.perf_counter() - self._start)
        self._calls += 1
        return done
