"""PyVRP's search with its granular neighbourhood computed once per distinct travel profile.

PyVRP computes, before every search, each client's nearest clients (Vidal et al.'s proximity) once per distinct
``(unit distance cost, unit duration cost, profile)`` of the vehicle types, over every pair of clients. The weekly
model gives the vehicles with a break, reserve or pin profiles of their own (a copy of their unit kind's matrices
plus the locations only they reach: a profile per shift until session 16, now per unit on duty in 12 hours,
:mod:`routeplan.optimize.fleet`), so the sample's week of ~4 000 candidate stops and 67 profiles spent about 9 s
of a 20 s plan in that one computation, whatever the iteration budget.

Those profiles agree wherever two of them both reach a pair of locations: they are copies of one matrix. Their
entry-wise minimum is then exactly what PyVRP's minimum over the profiles sees for every pair of clients (a pair
only one profile reaches keeps that profile's value; a pair none reaches stays unreachable), so the neighbourhood
computed over the merged profiles is PyVRP's own, computed once per unit kind instead of once per vehicle.
:func:`search` is PyVRP's ``solve`` with that neighbourhood; everything else (random stream, operators,
penalties, initial solution) is as in ``pyvrp.solve`` (0.14).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyvrp
from pyvrp import IteratedLocalSearch, PenaltyManager, RandomNumberGenerator
from pyvrp.search import LocalSearch, PerturbationManager, compute_neighbours
from pyvrp.stop import StoppingCriterion

__all__ = ["merged_profiles", "search"]


def merged_profiles(durations: Sequence[np.ndarray], distances: Sequence[np.ndarray],
                    keys: Sequence[tuple[int, int, int]],
                    unreachable: int) -> tuple[list[np.ndarray], list[np.ndarray], dict[int, int]] | None:
    """Profiles that are copies of one another merged into one, for the neighbourhood.

    Parameters
    ----------
    durations, distances
        The model's integer matrices per profile; ``unreachable`` marks a pair of locations a profile does not
        connect.
    keys
        ``(unit distance cost, unit duration cost, profile)`` of each vehicle type.
    unreachable
        The value of an unreachable entry.

    Returns
    -------
    tuple or None
        The merged durations and distances and the merged profile of each profile used; None when no two
        profiles (of vehicles with the same unit costs) can be merged.
    """
    merged_d: list[np.ndarray] = []
    merged_l: list[np.ndarray] = []
    cost_of: list[tuple[int, int]] = []
    into: dict[tuple[int, int, int], int] = {}
    for key in sorted(set(keys)):
        costs, p = key[:2], key[2]
        dur, dist = durations[p], distances[p]
        for g in range(len(merged_d)):
            if cost_of[g] == costs and _agree(merged_d[g], dur, unreachable) and _agree(merged_l[g], dist, unreachable):
                merged_d[g] = np.minimum(merged_d[g], dur)
                merged_l[g] = np.minimum(merged_l[g], dist)
                into[key] = g
                break
        else:
            into[key] = len(merged_d)
            merged_d.append(dur)
            merged_l.append(dist)
            cost_of.append(costs)
    if len(merged_d) == len(into):
        return None
    return merged_d, merged_l, {k[2]: g for k, g in into.items()}


def _agree(a: np.ndarray, b: np.ndarray, unreachable: int) -> bool:
    """Whether two matrices hold the same value wherever both connect the pair (and the same diagonal)."""
    both = (a < unreachable) & (b < unreachable)
    return bool(np.array_equal(a[both], b[both]))


def search(data: pyvrp.ProblemData, stop: StoppingCriterion, *, seed: int, params: pyvrp.SolveParams,
           initial_solution: pyvrp.Solution | None = None,
           neighbourhood_data: pyvrp.ProblemData | None = None) -> Any:
    """``pyvrp.solve`` (0.14) without statistics, its neighbourhood computed on ``neighbourhood_data`` (the same
    clients and groups over merged profiles) when given, else on ``data``.

    Returns
    -------
    pyvrp.Result
    """
    rng = RandomNumberGenerator(seed=seed)
    neighbours = compute_neighbours(neighbourhood_data if neighbourhood_data is not None else data,
                                    params.neighbourhood)
    perturbation = PerturbationManager(params.perturbation)
    ls = LocalSearch(data, rng, neighbours, perturbation)
    for op in params.operators:
        if op.supports(data):
            ls.add_operator(op(data))
    pm = PenaltyManager(params.penalty.midpoint_penalties(data), params.penalty)
    init = initial_solution
    if init is None:
        # as PyVRP: a random solution improved once, so that the search does not start from an empty one
        init = ls(pyvrp.Solution.make_random(data, rng), pm.max_cost_evaluator(), exhaustive=True)
    algo = IteratedLocalSearch(data, pm, ls, init, params.ils)
    return algo.run(stop, False, False, params.display_interval)
