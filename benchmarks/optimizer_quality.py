"""Optimizer quality against published benchmark results, run through ``routeplan.RoutingModel``.

Three problem families, each solved by the same :class:`~routeplan.RoutingModel` that plans
patrols (no separate solver script) — except that the PVRP default (``edu``, since session 25) spends
most of its budget in a compiled PVRP local search of this folder (``pvrp_education.py``) and uses the
RoutingModel to polish its best; ``--pvrp-method strip-kick`` is the RoutingModel-only search:

* ``top``     Team Orienteering Problem, Chao, Golden & Wasil (1996) sets 1-6: optional stops with
              scores, ``m`` vehicles from a start to an end depot, route length <= Tmax.
* ``solomon`` Solomon (1987) VRPTW, CVRPLIB/DIMACS convention (minimise distance only; distances and
              travel times truncated to one decimal).
* ``pvrp``    Cordeau, Gendreau & Laporte (1997) periodic VRP p01-p32: the default ``--pvrp-method edu``
              (:class:`PvrpEduSolver`, session 25) spends 90 % of the budget in the compiled education of
              ``pvrp_education.py`` (an iterated local search whose route search also changes a customer's
              day combination), then continues the LNS below from its best; the LNS puts all days in one
              model and makes the day-combination choice by a large-neighbourhood search (combination local
              search and ruin-and-recreate, each step checked by a warm-started re-solve of all days);
              ``--pvrp-method days`` (:class:`PvrpDaySolver`) re-solves only the days a step changed,
              each as its own model, so it tries many more combination changes;
              ``--pvrp-method rounds`` runs the earlier, simpler round scheme;
              ``--pvrp-method relaxed`` (:class:`PvrpRelaxedSolver`) starts the combination LNS
              from a placement in which PyVRP chooses every visit's day;
              ``--pvrp-method quick-start`` (:class:`PvrpQuickStartSolver`) gives the LNS rounds more
              of the budget and ``--pvrp-method travel`` (:class:`PvrpTravelSolver`) also accepts
              rounds near the best cost (record-to-record travel); ``--pvrp-method pool``
              (:class:`PvrpPoolSolver`) adds a set-partitioning step over a pool of the day routes found
              (``--pvrp-method pool-end``: once, before the final polish); ``--pvrp-method cg``
              (:class:`PvrpCgSolver`) twice enriches that pool by column generation priced by the step's LP
              duals and proposes the combinations an LP dive fixes (relax and fix) as an LNS round
              (``--pvrp-method cg-sp``: column generation, then the integer step, before the polish).

Time limits are budgets of *process CPU seconds* (``time.process_time()``, a PyVRP stopping
criterion), because the machine is shared; ``--wall`` measures them in wall-clock seconds instead.
Every result row records both (``cpu_s``, ``wall_s``).

Every reported solution is re-checked independently (floating point, outside PyVRP) before its
gap is reported. Run ``python benchmarks/optimizer_quality.py --help``.

Data live outside the repo in ``<repo>/../shared/data/benchmarks`` (override with ``--data``).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import json
import logging
import math
import os
import platform
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import coo_matrix

from routeplan import RoutingModel, SearchParams, Stop, Vehicle

# The segment moves live in a sibling module; put this folder on the path so they import both when the file runs
# as a script and when tests load it by location (tests/conftest.py::load_benchmark), whatever loaded first.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pvrp_education import PvrpIls, warm_up  # noqa: E402
from pvrp_segment import local_phase, route_empty, segment_swap  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "benchmarks"
RESULTS = REPO / "benchmarks" / "results" / "optimizer_quality.json"

#: Representative subsets (the default `--instances`; BENCHMARKS.md reports wider runs).
TOP_SUBSET = ["p1.2.k", "p1.3.n", "p1.4.p", "p2.2.f", "p2.3.h", "p2.4.k", "p3.2.l", "p3.3.p", "p3.4.t",
              "p4.2.f", "p4.2.t", "p4.3.h", "p4.3.l", "p4.4.r", "p5.2.m", "p5.2.z", "p5.3.s", "p5.4.y",
              "p6.2.j", "p6.3.m", "p6.4.n"]
SOLOMON_SUBSET = ["C101", "C105", "C201", "C205", "R101", "R105", "R201", "R205",
                  "RC101", "RC105", "RC201", "RC205"]
PVRP_SUBSET = ["p01", "p02", "p03", "p04", "p05"]
QUICK = {"top": ["p1.2.k", "p4.2.f"], "solomon": ["C101"], "pvrp": ["p01"]}
DEFAULT_TIME = {"top": 10.0, "solomon": 30.0, "pvrp": 60.0}

EPS = 1e-9

logger = logging.getLogger("optimizer_quality")


class LnsError(RuntimeError):
    """The PVRP combination search could not go on (recorded in the result, never silently dropped)."""


def euclid(xy: np.ndarray) -> np.ndarray:
    d = xy[:, None, :] - xy[None, :, :]
    return np.sqrt((d ** 2).sum(-1))


def gap(value: float, best: float, maximise: bool) -> float:
    """Relative gap in percent (positive = worse than best known)."""
    if best == 0:
        return 0.0 if (value >= best if maximise else value <= best) else 100.0
    return 100.0 * ((best - value) if maximise else (value - best)) / abs(best)


# --------------------------------------------------------------------------------------------------
# Budget clock: process CPU seconds (default) or wall-clock seconds (--wall)
# --------------------------------------------------------------------------------------------------

#: The clock every time limit in this module is measured on. The machine these benchmarks run on is
#: shared (2 cores, several jobs), so wall-clock limits would measure the load as much as the solver:
#: by default a limit is a budget of *process CPU seconds* (``time.process_time()``); ``--wall``
#: (:func:`use_wall_clock`) switches to wall-clock seconds.
_CLOCK: dict = {"now": time.process_time, "wall": False}


def use_wall_clock(wall: bool) -> None:
    """Measure time limits in wall-clock seconds (``True``) or process CPU seconds (``False``)."""
    _CLOCK.update(now=time.perf_counter if wall else time.process_time, wall=bool(wall))


def now() -> float:
    """Seconds on the budget clock (CPU or wall, see :func:`use_wall_clock`)."""
    return _CLOCK["now"]()


class Budget:
    """PyVRP stopping criterion (``stop(best_cost) -> bool``): true once ``seconds`` have passed on the budget clock."""

    def __init__(self, seconds: float):
        self.end = now() + max(0.0, seconds)

    def __call__(self, best_cost: float = 0.0) -> bool:
        return now() >= self.end


def solve_model(model: RoutingModel, seconds: float, **kwargs):
    """``model.solve`` with a limit of ``seconds`` on the budget clock."""
    if _CLOCK["wall"]:
        return model.solve(time_limit=seconds, **kwargs)
    return model.solve(time_limit=1e9, stop=Budget(seconds), **kwargs)


def _timer() -> tuple[float, float, float]:
    return now(), time.perf_counter(), time.process_time()


def _spent(t: tuple[float, float, float]) -> dict:
    """Time since ``t = _timer()``: ``runtime`` on the budget clock, plus wall and CPU seconds."""
    return {"runtime": now() - t[0], "wall_s": round(time.perf_counter() - t[1], 3),
            "cpu_s": round(time.process_time() - t[2], 3)}


# --------------------------------------------------------------------------------------------------
# Team Orienteering Problem
# --------------------------------------------------------------------------------------------------

@dataclass
class TopInstance:
    name: str
    m: int
    tmax: float
    xy: np.ndarray
    score: np.ndarray  # per node; node 0 = start depot, node n-1 = end depot


def read_top(path: Path) -> TopInstance:
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    head = {ln[0]: ln[1] for ln in lines[:3]}
    rows = np.array([[float(v) for v in ln[:3]] for ln in lines[3:]])
    n = int(head["n"])
    assert rows.shape[0] == n, (path, rows.shape, n)
    return TopInstance(path.name.removesuffix(".txt"), int(head["m"]), float(head["tmax"]), rows[:, :2], rows[:, 2])


def top_best_known(data: Path) -> dict[str, float]:
    out = {}
    for ln in (data / "top_chao" / "best_known_scores.txt").read_text().splitlines():
        if ln.strip():
            name, val = ln.split()
            out[name.removesuffix(".txt")] = float(val)
    return out


def verify_top(inst: TopInstance, routes: list[list[int]]) -> tuple[bool, float, list[float], str]:
    """Check a TOP solution (routes = node lists without depots) in floating point."""
    n = len(inst.score)
    seen: set[int] = set()
    lengths = []
    if len(routes) > inst.m:
        return False, 0.0, [], f"{len(routes)} routes > m={inst.m}"
    for r in routes:
        path = [0] + list(r) + [n - 1]
        length = sum(math.dist(inst.xy[a], inst.xy[b]) for a, b in zip(path, path[1:]))
        lengths.append(length)
        if length > inst.tmax + EPS:
            return False, 0.0, lengths, f"route length {length:.6f} > Tmax {inst.tmax}"
        for v in r:
            if v in seen or not 0 < v < n - 1:
                return False, 0.0, lengths, f"node {v} repeated or a depot"
            seen.add(v)
    return True, float(sum(inst.score[v] for v in seen)), lengths, ""


def top_search(inst: TopInstance, prize_unit: int, limit: int, low_cap: bool = False) -> SearchParams:
    """Search settings for a TOP model whose prizes are ``score * prize_unit`` and whose length limit is ``limit``.

    PyVRP's default penalty bounds (0.1 to 10^5 per unit of excess length, adjusted every 500 candidates) are
    tiny against prizes of about 10^7 per customer, and adapt slowly from their midpoint: the search stays
    feasible almost always (99 % of candidates on p4.2.i) and sits in the first region of customers it fills.
    Here the bounds run from 1 to the sum of all prizes (so an excess of one unit can always be made to cost more
    than anything it gains, and the search comes back to feasible routes even where Tmax admits only a
    few customers) and are adjusted every 50 candidates, so the penalty soon settles where about 65 % of the
    candidates are feasible; and larger perturbations (up to 40 stops on 100 customers) let two long routes move
    to another region. Full runs at 10 CPU-s, seed 0 (BENCHMARKS.md, session 6): p4.2.h-k 3.1/6.0/7.3/4.7 % with
    PyVRP's settings, 2.8/5.7/3.5/1.2 % with these; set 4 mean 0.84 -> 0.49 %.
    """
    customers = len(inst.score) - 2
    total_prize = float(inst.score.sum()) * prize_unit
    perturbations = (min(5, max(1, customers // 10)), max(25, min(40, round(0.4 * customers))))
    cap = 2.0 * total_prize / max(1, customers) if low_cap else total_prize
    return SearchParams(penalty=(1.0, max(10.0, cap)), penalty_updates=50, perturbations=perturbations)


#: Share of a TOP instance's time budget given to :class:`TopPacker` after PyVRP (0 = PyVRP only).
TOP_PACK_SHARE = 0.1
#: How PyVRP's part of a TOP budget is spent (the best feasible solution of the runs is kept).
TOP_MODES = {
    "single": "one run with top_search() (session 6)",
    "low2": "two runs of half the time with a low penalty cap (seeds s, s+1); the second with top_search() "
            "instead when the first found no feasible solution",
    "low": "one run with a low penalty cap; top_search() for 30 % of the time only if it found nothing feasible",
    "split": "half with a low penalty cap, half with top_search() (seed s+1)",
    "split-warm": "as split, the second half warm-started from the first's best",
}
TOP_MODE = "low2"


def solve_top(inst: TopInstance, time_limit: float, seed: int = 0, scale: int = 1000, tuned: bool = True,
              pack_share: float | None = None, mode: str | None = None) -> dict:
    """Solve a TOP instance with RoutingModel.

    Distances are ``ceil(euclid * scale)`` and the length limit ``floor(Tmax * scale)``, so an integer
    feasible route is feasible in real terms (sum of ceilings >= real length). Prizes are
    ``score * P`` with ``P`` larger than any possible total distance, so score dominates and
    distance only breaks ties (shorter routes leave room for more stops).

    ``mode`` (:data:`TOP_MODES`, default :data:`TOP_MODE`) says how PyVRP's part of the budget is spent;
    the last ``pack_share`` of it (default :data:`TOP_PACK_SHARE`) goes to :class:`TopPacker` on the best
    feasible solution, on exact Euclidean lengths. The default ``low2`` runs two searches of half the time
    with a low penalty cap (twice the mean prize per unit of excess length): that cap lets the search cross
    infeasible space between regions of customers (p4.2.i: 866 on every seed with top_search(), 905 with
    it), and the second run replaces the first with top_search() when the first has no feasible solution
    (near-empty instances such as p4.3.b, where a low cap can leave every route over Tmax).
    """
    n = len(inst.score)
    dist = np.ceil(euclid(inst.xy) * scale)
    limit = int(math.floor(inst.tmax * scale + 1e-7))
    prize_unit = inst.m * limit + 1
    model = RoutingModel([dist], [dist])
    model.add_vehicle(Vehicle(start=0, end=n - 1, tw_early=0, tw_late=10**12, max_distance=limit,
                              unit_distance_cost=1, unit_duration_cost=0, num_available=inst.m))
    nodes = []
    for v in range(1, n - 1):
        model.add_stop(Stop(location=v, tw_early=0, tw_late=10**12, prize=int(inst.score[v]) * prize_unit))
        nodes.append(v)
    share = TOP_PACK_SHARE if pack_share is None else pack_share
    mode = TOP_MODE if mode is None else mode
    t0 = _timer()
    if not tuned:
        mode = "single"
    phases = [(top_search(inst, prize_unit, limit, low_cap=True), 0.5), (top_search(inst, prize_unit, limit), 0.5)] \
        if mode in ("split", "split-warm") else [(top_search(inst, prize_unit, limit, low_cap=True), 0.7),
                                                 (top_search(inst, prize_unit, limit), 0.3)] \
        if mode == "low" else [(top_search(inst, prize_unit, limit, low_cap=True), 0.5),
                               (top_search(inst, prize_unit, limit, low_cap=True), 0.5)] \
        if mode == "low2" else [(top_search(inst, prize_unit, limit) if tuned else None, 1.0)]
    best: tuple[tuple[float, float], list[list[int]]] | None = None
    iterations = 0
    feasible_any = False
    for k, (search, part) in enumerate(phases):
        if mode == "low" and k == 1 and best is not None:
            part = 0.0  # the low-cap run found a feasible solution: skip the fallback, its time goes to the packer
            continue
        if mode == "low2" and k == 1 and best is None:
            search = top_search(inst, prize_unit, limit)  # no feasible solution with the low cap: the safe settings
        init = None
        if mode == "split-warm" and best is not None:
            init = [(0, [v - 1 for v in r]) for r in best[1]]
        res = solve_model(model, time_limit * (1.0 - share) * part, seed=seed + k, search=search, initial_routes=init)
        iterations += res.iterations
        routes = [[nodes[s] for s, _, _ in r.visits] for r in res.routes]
        ok_k, val_k, lens_k, _ = verify_top(inst, routes)
        if res.feasible and ok_k:
            feasible_any = True
            key = (val_k, -sum(lens_k))
            if best is None or key > best[0]:
                best = (key, routes)
    routes = best[1] if best is not None else routes
    pyvrp_value = verify_top(inst, routes)[1]
    if share > 0 and feasible_any:
        # exact Euclidean lengths (a hair under Tmax): the packer may use the room the model's ceilings leave
        packer = TopPacker(euclid(inst.xy), inst.score, inst.tmax - 1e-7, 0, n - 1, seed=seed)
        packed = [r for r in packer.run(routes, t0[0] + time_limit) if r]
        if verify_top(inst, packed)[:2] >= verify_top(inst, routes)[:2]:
            routes = packed
    spent = _spent(t0)
    ok, score, lengths, why = verify_top(inst, routes)
    return {"instance": inst.name, "value": score, "feasible": ok and feasible_any, "why": why,
            "routes": routes, "route_lengths": lengths, **spent, "iterations": iterations,
            "pyvrp_value": pyvrp_value, "pack_share": share, "mode": mode}


class TopPacker:
    """Route-packing local search on TOP routes, run after PyVRP inside the same time budget.

    Works on the model's integer distances ``dist`` (ceil of the scaled Euclidean lengths) and length limit
    ``limit``, so every route it keeps is feasible in the model and hence in real terms. Objective as the
    model's: total prize first, total length second. Moves: 2-opt and or-opt inside a route, relocation of a
    stop to another route when it shortens the total, insertion of unvisited stops by best prize / extra
    length, and replacement of one visited stop by one unvisited stop of higher prize (or equal prize and
    shorter route). Around this local search an iterated perturbation (Vansteenwegen et al., 2009: remove
    a run of ``S`` consecutive stops from each route, ``S`` growing while nothing improves) uses the rest
    of the budget; the result is never worse than the start.
    """

    def __init__(self, dist: np.ndarray, prize: np.ndarray, limit: int, start: int, end: int, seed: int = 0):
        self.d = np.asarray(dist, dtype=float)
        self.p = np.asarray(prize, dtype=float)
        self.limit = float(limit)
        self.s, self.e = start, end
        self.rng = np.random.default_rng(seed)
        self.customers = [v for v in range(len(self.p)) if v not in (start, end)]
        self.noise = 0.0

    # ---- evaluation -------------------------------------------------------------------------------
    def length(self, r: list[int]) -> float:
        path = [self.s, *r, self.e]
        return float(self.d[path[:-1], path[1:]].sum())

    def key(self, routes: list[list[int]]) -> tuple[float, float]:
        """Lexicographic objective (higher is better): (total prize, -total length)."""
        return (float(sum(self.p[v] for r in routes for v in r)), -sum(self.length(r) for r in routes))

    def feasible(self, routes: list[list[int]]) -> bool:
        flat = [v for r in routes for v in r]
        return len(flat) == len(set(flat)) and all(self.length(r) <= self.limit for r in routes)

    # ---- moves inside one route --------------------------------------------------------------------
    def two_opt(self, r: list[int]) -> list[int]:
        d = self.d
        path = [self.s, *r, self.e]
        improved = True
        while improved:
            improved = False
            P = np.array(path)
            for i in range(len(path) - 3):
                j = np.arange(i + 2, len(path) - 1)
                delta = d[P[i], P[j]] + d[P[i + 1], P[j + 1]] - d[P[i], P[i + 1]] - d[P[j], P[j + 1]]
                k = int(np.argmin(delta))
                if delta[k] < -1e-9:
                    jj = int(j[k])
                    path[i + 1:jj + 1] = path[i + 1:jj + 1][::-1]
                    improved = True
                    break
        return path[1:-1]

    def or_opt(self, r: list[int]) -> list[int]:
        d = self.d
        improved = True
        while improved:
            improved = False
            path = [self.s, *r, self.e]
            for seg in (1, 2, 3):
                for i in range(1, len(path) - seg):
                    a, b = path[i - 1], path[i + seg]
                    segment = path[i:i + seg]
                    gain = d[a, segment[0]] + d[segment[-1], b] - d[a, b]
                    rest = path[:i] + path[i + seg:]
                    R = np.array(rest)
                    base = d[R[:-1], R[1:]]
                    fwd = d[R[:-1], segment[0]] + d[segment[-1], R[1:]] - base
                    rev = d[R[:-1], segment[-1]] + d[segment[0], R[1:]] - base
                    k, kr = int(np.argmin(fwd)), int(np.argmin(rev))
                    best, seg_ins = (fwd[k], segment) if fwd[k] <= rev[kr] else (rev[kr], segment[::-1])
                    pos = k if fwd[k] <= rev[kr] else kr
                    if best < gain - 1e-9:
                        path = rest[:pos + 1] + seg_ins + rest[pos + 1:]
                        r = path[1:-1]
                        improved = True
                        break
                if improved:
                    break
        return r

    # ---- moves between routes and with unvisited stops ---------------------------------------------
    def _insert_costs(self, r: list[int], cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cheapest insertion (extra length, position) of each candidate into route ``r``."""
        P = np.array([self.s, *r, self.e])
        m = self.d[P[:-1]][:, cand] + self.d[cand][:, P[1:]].T - self.d[P[:-1], P[1:]][:, None]
        pos = np.argmin(m, axis=0)
        return m[pos, np.arange(len(cand))], pos

    def insert(self, routes: list[list[int]]) -> bool:
        """Insert unvisited stops, best prize / extra length first, while some route has room."""
        changed = False
        while True:
            visited = {v for r in routes for v in r}
            cand = np.array([v for v in self.customers if v not in visited and self.p[v] > 0])
            if not len(cand):
                return changed
            best = None
            for ri, r in enumerate(routes):
                cost, pos = self._insert_costs(r, cand)
                ok = self.length(r) + cost <= self.limit + 1e-9
                if not ok.any():
                    continue
                ratio = np.where(ok, self.p[cand] / (np.maximum(cost, 0.0) + 1e-6), -1.0)
                if self.noise:
                    ratio = ratio * self.rng.uniform(1.0 - self.noise, 1.0 + self.noise, len(cand))
                k = int(np.argmax(ratio))
                if best is None or ratio[k] > best[0]:
                    best = (ratio[k], ri, int(pos[k]), int(cand[k]))
            if best is None:
                return changed
            _, ri, pos_k, v = best
            routes[ri].insert(pos_k, v)
            changed = True

    def replace(self, routes: list[list[int]]) -> bool:
        """Swap one visited stop for one unvisited of higher prize (or equal prize, shorter route)."""
        visited = {v for r in routes for v in r}
        cand = np.array([v for v in self.customers if v not in visited and self.p[v] > 0])
        if not len(cand):
            return False
        for ri, r in enumerate(routes):
            old_len = self.length(r)
            for i, v in enumerate(r):
                rest = r[:i] + r[i + 1:]
                rest_len = self.length(rest)
                cost, pos = self._insert_costs(rest, cand)
                new_len = rest_len + cost
                better = (self.p[cand] > self.p[v]) | ((self.p[cand] == self.p[v]) & (new_len < old_len - 1e-9))
                ok = better & (new_len <= self.limit + 1e-9)
                if ok.any():
                    score = np.where(ok, self.p[cand] * 1e9 - new_len, -np.inf)
                    k = int(np.argmax(score))
                    rest.insert(int(pos[k]), int(cand[k]))
                    routes[ri] = rest
                    return True
        return False

    def relocate(self, routes: list[list[int]]) -> bool:
        """Move one stop to another route where that shortens the total length."""
        for a, ra in enumerate(routes):
            for i, v in enumerate(ra):
                rest = ra[:i] + ra[i + 1:]
                gain = self.length(ra) - self.length(rest)
                for b, rb in enumerate(routes):
                    if b == a:
                        continue
                    cost, pos = self._insert_costs(rb, np.array([v]))
                    if cost[0] < gain - 1e-9 and self.length(rb) + cost[0] <= self.limit + 1e-9:
                        rb.insert(int(pos[0]), v)
                        routes[a] = rest
                        return True
        return False

    def local_search(self, routes: list[list[int]], deadline: float) -> list[list[int]]:
        routes = [list(r) for r in routes]
        while now() < deadline:
            routes = [self.or_opt(self.two_opt(r)) for r in routes]
            if self.insert(routes) or self.relocate(routes) or self.replace(routes):
                continue
            break
        return routes

    def shake(self, routes: list[list[int]], size: int, start: int) -> list[list[int]]:
        out = []
        for r in routes:
            if not r:
                out.append([])
                continue
            s = start % len(r)
            out.append(r[:s] + r[s + size:] if s + size <= len(r) else r[(s + size) - len(r):s])
        return out

    def run(self, routes: list[list[int]], deadline: float) -> list[list[int]]:
        """Best routes found from ``routes`` before ``deadline`` (budget clock); never worse than ``routes``."""
        start = [list(r) for r in routes]
        best = self.local_search(start, deadline)
        if not self.feasible(best) or self.key(best) < self.key(start):
            best = start
        cur = best
        size, pos, stall = 1, 0, 0
        max_size = max(1, len(self.customers) // (3 * max(1, len(routes))))
        while now() < deadline:
            self.noise = 0.3
            cand = self.shake(cur, size, pos)
            self.insert(cand)
            self.noise = 0.0
            cand = self.local_search(cand, deadline)
            if not self.feasible(cand):
                break
            if self.key(cand) > self.key(best):
                best, size, stall = cand, 1, 0
            else:
                size += 1
                stall += 1
            cur = cand if self.key(cand) >= self.key(cur) or stall % 10 else best
            shortest = min((len(r) for r in cur if r), default=1)
            pos = (pos + size) % max(1, shortest)
            if size > max_size:
                size = 1
        return best


# --------------------------------------------------------------------------------------------------
# Solomon VRPTW
# --------------------------------------------------------------------------------------------------

@dataclass
class SolomonInstance:
    name: str
    num_vehicles: int
    capacity: int
    xy: np.ndarray
    demand: np.ndarray
    ready: np.ndarray
    due: np.ndarray
    service: np.ndarray


def read_solomon(path: Path) -> SolomonInstance:
    lines = path.read_text().splitlines()
    nums = [ln.split() for ln in lines]
    veh = next(i for i, ln in enumerate(lines) if ln.strip().startswith("NUMBER"))
    k, cap = (int(v) for v in nums[veh + 1][:2])
    rows = [list(map(float, ln)) for ln in nums[veh + 2:] if len(ln) == 7 and ln[0].isdigit()]
    a = np.array(rows)
    assert (a[:, 0] == np.arange(len(a))).all()
    return SolomonInstance(path.stem, k, cap, a[:, 1:3], a[:, 3].astype(int), a[:, 4], a[:, 5], a[:, 6])


def solomon_best_known(data: Path) -> dict[str, float]:
    out = {}
    for ln in (data / "solomon_vrptw" / "bks_summary.csv").read_text().splitlines()[1:]:
        if ln.strip():
            name, _, cost = ln.split(",")
            out[name] = float(cost)
    return out


def dimacs(xy: np.ndarray) -> np.ndarray:
    """Distances truncated to one decimal, in tenths (integers): floor(10 * euclid)."""
    return np.floor(euclid(xy) * 10 + 1e-9)


def verify_solomon(inst: SolomonInstance, routes: list[list[int]], real_time: bool = False
                   ) -> tuple[bool, float, str]:
    """Check a VRPTW solution independently. Returns (feasible, distance, reason).

    ``real_time=False`` uses the benchmark convention (travel time = distance truncated to one
    decimal); ``True`` uses exact Euclidean travel times. The distance returned is always in the
    convention (truncated to one decimal per edge), comparable to the best-known values.
    """
    n = len(inst.demand)
    seen: set[int] = set()
    total = 0.0
    if len(routes) > inst.num_vehicles:
        return False, 0.0, "too many routes"
    for r in routes:
        path = [0] + list(r) + [0]
        if sum(inst.demand[v] for v in r) > inst.capacity:
            return False, 0.0, "capacity"
        t = inst.ready[0]
        for a, b in zip(path, path[1:]):
            d_real = math.dist(inst.xy[a], inst.xy[b])
            d_conv = math.floor(d_real * 10 + 1e-9) / 10
            total += d_conv
            t = t + inst.service[a] + (d_real if real_time else d_conv)
            t = max(t, inst.ready[b])
            if t > inst.due[b] + 1e-6:
                return False, 0.0, f"late at {b}: {t:.3f} > {inst.due[b]}"
        for v in r:
            if v in seen or v == 0:
                return False, 0.0, f"customer {v} repeated"
            seen.add(v)
    if len(seen) != n - 1:
        return False, 0.0, f"{n - 1 - len(seen)} customers unserved"
    return True, round(total, 1), ""


def solve_solomon(inst: SolomonInstance, time_limit: float, seed: int = 0) -> dict:
    """Solve a Solomon instance: times and distances in tenths (DIMACS truncation), distance only."""
    n = len(inst.demand)
    dist = dimacs(inst.xy)
    model = RoutingModel([dist], [dist])
    model.add_vehicle(Vehicle(start=0, end=0, tw_early=int(round(inst.ready[0] * 10)),
                              tw_late=int(round(inst.due[0] * 10)), capacity=inst.capacity,
                              unit_distance_cost=1, unit_duration_cost=0, num_available=inst.num_vehicles))
    for v in range(1, n):
        model.add_stop(Stop(location=v, tw_early=int(round(inst.ready[v] * 10)), tw_late=int(round(inst.due[v] * 10)),
                            service=int(round(inst.service[v] * 10)), required=True, demand=int(inst.demand[v])))
    t0 = _timer()
    res = solve_model(model, time_limit, seed=seed)
    spent = _spent(t0)
    routes = [[s + 1 for s, _, _ in r.visits] for r in res.routes]
    ok, value, why = verify_solomon(inst, routes)
    ok_real, _, _ = verify_solomon(inst, routes, real_time=True)
    return {"instance": inst.name, "value": value, "feasible": ok and res.feasible, "why": why,
            "feasible_real_euclid_times": ok_real, "num_routes": len(routes), "routes": routes,
            **spent, "iterations": res.iterations}


# --------------------------------------------------------------------------------------------------
# Periodic VRP (Cordeau)
# --------------------------------------------------------------------------------------------------

@dataclass
class PvrpInstance:
    name: str
    m: int  # vehicles per day
    t: int  # days
    duration: list[float]  # per day, 0 = no limit
    capacity: list[int]
    xy: np.ndarray  # node 0 = depot
    service: np.ndarray
    demand: np.ndarray
    freq: np.ndarray
    combos: list[list[tuple[int, ...]]]  # per node: allowed day-sets


def read_pvrp(path: Path) -> PvrpInstance:
    toks = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    typ, m, n, t = (int(v) for v in toks[0][:4])
    assert typ == 1, "not a PVRP instance"
    dq = [(float(a[0]), int(float(a[1]))) for a in toks[1:1 + t]]
    xy, svc, dem, freq, combos = [], [], [], [], []
    for row in toks[1 + t:1 + t + n + 1]:
        v = [float(x) for x in row]
        xy.append(v[1:3])
        svc.append(v[3])
        dem.append(int(v[4]))
        f, a = int(v[5]), int(v[6])
        freq.append(f)
        # combination coded as the decimal value of the day bit string (first day = leftmost bit)
        combos.append([tuple(d for d in range(t) if (int(c) >> (t - 1 - d)) & 1) for c in v[7:7 + a]])
    return PvrpInstance(path.name, m, t, [d for d, _ in dq], [q for _, q in dq], np.array(xy),
                        np.array(svc), np.array(dem), np.array(freq), combos)


def pvrp_best_known(data: Path) -> dict[str, float]:
    out = {}
    for ln in (data / "pvrp_cordeau" / "best_known.csv").read_text().splitlines()[1:]:
        if ln.strip():
            name, cost = ln.split(",")
            out[name] = float(cost)
    return out


def verify_pvrp(inst: PvrpInstance, days: list[list[list[int]]]) -> tuple[bool, float, str]:
    """Check a PVRP solution (``days[d]`` = routes of day ``d`` as customer lists) in floating point."""
    n = len(inst.demand)
    visited: dict[int, list[int]] = {i: [] for i in range(1, n)}
    total = 0.0
    for d, routes in enumerate(days):
        if len(routes) > inst.m:
            return False, 0.0, f"day {d}: {len(routes)} routes > {inst.m}"
        for r in routes:
            path = [0] + list(r) + [0]
            length = sum(math.dist(inst.xy[a], inst.xy[b]) for a, b in zip(path, path[1:]))
            total += length
            if sum(inst.demand[v] for v in r) > inst.capacity[d]:
                return False, 0.0, f"day {d}: capacity"
            dur = length + sum(inst.service[v] for v in r)
            if inst.duration[d] > 0 and dur > inst.duration[d] + 1e-6:
                return False, 0.0, f"day {d}: duration {dur:.3f} > {inst.duration[d]}"
            for v in r:
                if v == 0 or d in visited[v]:
                    return False, 0.0, f"customer {v} twice on day {d}"
                visited[v].append(d)
    for i in range(1, n):
        if tuple(sorted(visited[i])) not in inst.combos[i]:
            return False, 0.0, f"customer {i} visited on days {visited[i]}: not an allowed combination"
    return True, total, ""


class PvrpSolver:
    """Periodic VRP on top of RoutingModel.

    * All ``t`` days form one RoutingModel: day ``d`` has its own vehicle type (``m`` copies,
      capacity and duration limit of the day) whose time window is ``[d*H, d*H + H/2]``; a visit
      of a customer on day ``d`` is a stop with the same window, so it can only go on a day-``d``
      vehicle (the half-day gap makes other days' stops unreachable).
    * Customers whose allowed combinations are all single days (frequency 1) are placed by the
      solver: if the allowed days are contiguous, one required stop whose time window spans those
      days (any of those days' vehicles can serve it, so ordinary relocate/exchange moves change its
      day); otherwise one stop per allowed day in a *required group* (exactly one served).
    * Customers with one allowed combination get required stops on those days.
    * For customers with several multi-day combinations the combination is fixed per round:
      a constructive choice first (cheapest nearest-neighbour proximity to customers already on
      that day, load-balanced), then a combination local search on the current routes (remove the
      customer from the days it leaves, cheapest feasible insertion on the days it joins; accept
      improving moves) followed by a warm-started re-solve of the joint model. Repeat until the
      time is used; the best verified solution is kept.
    * Distances are ``ceil(euclid * scale)``; demands and capacities are multiplied by
      ``load_scale`` (default: chosen per instance, see ``__init__``) so that PyVRP's capped load
      penalty can outweigh the distance saved by overloading a route.
    """

    def __init__(self, inst: PvrpInstance, scale: int = 1000, seed: int = 0, load_scale: int | None = None):
        self.inst = inst
        self.scale = scale
        self.seed = seed
        n = len(inst.demand)
        self.n = n
        self.real = euclid(inst.xy)
        # ceil: integer duration limits then imply the real limits
        self.dist = np.ceil(self.real * scale)
        self.svc = np.round(inst.service * scale).astype(np.int64)
        horizon = self.dist.max() * (n + 2) + self.svc.sum() + max(inst.duration) * scale + 1
        self.H = int(2 * horizon)
        if load_scale is None:
            # PyVRP's load penalty per unit of excess load is capped (PenaltyParams.max_penalty,
            # 1e5). When one unit of demand is "worth" far more distance than that (p14-p32: demands
            # of 1-5, distances up to 3000, times ``scale``), overloaded routes stay attractive and
            # the search struggles to become feasible (p30 had no feasible solution at 60 s).
            # Demands and capacities are therefore multiplied by an integer factor so that the cap
            # is about 20 depot distances per average unit of demand (1 for p01-p13).
            per_unit = scale * float(self.real[0, 1:].mean()) / max(float(inst.demand[1:].mean()), 1.0)
            load_scale = max(1, math.ceil(20 * per_unit / 100_000))
        self.load_scale = int(load_scale)
        self.rng = np.random.default_rng(seed)
        self.single = [i for i in range(1, n) if all(len(c) == 1 for c in inst.combos[i]) and len(inst.combos[i]) > 1]
        self.choice_needed = [i for i in range(1, n) if len(inst.combos[i]) > 1 and i not in set(self.single)]

    #: search settings of every solve (None: PyVRP's defaults)
    search: SearchParams | None = None

    # -- model -------------------------------------------------------------------------------
    def build(self, combo: dict[int, tuple[int, ...]]):
        inst, H = self.inst, self.H
        model = RoutingModel([self.dist], [self.dist])
        for d in range(inst.t):
            dur = int(math.floor(inst.duration[d] * self.scale + 1e-6)) if inst.duration[d] > 0 else None
            model.add_vehicle(Vehicle(start=0, end=0, tw_early=d * H, tw_late=d * H + H // 2,
                                      capacity=inst.capacity[d] * self.load_scale, max_duration=dur, unit_distance_cost=1,
                                      unit_duration_cost=0, num_available=inst.m, name=f"day{d}"))
        stop_of: dict[tuple[int, int], int] = {}
        owner: list[tuple[int, int]] = []
        single = set(self.single)
        for i in range(1, self.n):
            if i in single:
                days = sorted(c[0] for c in inst.combos[i])
                if days == list(range(days[0], days[-1] + 1)):
                    # contiguous allowed days: one stop whose window spans them; any of those
                    # days' vehicles can serve it (plain relocate moves change its day)
                    k = model.add_stop(Stop(location=i, tw_early=days[0] * H, tw_late=days[-1] * H + H // 2,
                                            service=int(self.svc[i]), required=True,
                                            demand=int(inst.demand[i]) * self.load_scale))
                    for d in days:
                        stop_of[(i, d)] = k
                    owner.append((i, -1))
                    continue
                g = model.add_group(required=True)
            else:
                g = None
                days = list(combo[i]) if i in combo else list(inst.combos[i][0])
            for d in days:
                stop_of[(i, d)] = model.add_stop(Stop(location=i, tw_early=d * H, tw_late=d * H + H // 2,
                                                      service=int(self.svc[i]), required=g is None,
                                                      group=g, demand=int(inst.demand[i]) * self.load_scale))
                owner.append((i, d))
        return model, stop_of, owner

    def solve_round(self, combo, warm: list[list[list[int]]] | None, time_limit: float, seed: int,
                    no_improvement: int | None = None):
        model, stop_of, owner = self.build(combo)
        init = None
        if warm is not None:
            init = [(d, [stop_of[(i, d)] for i in r if (i, d) in stop_of]) for d, routes in enumerate(warm) for r in routes]
        with warnings.catch_warnings():
            # the day windows make cross-day insertions hugely time-warped, so PyVRP's time-warp
            # penalty saturates by design; its PenaltyBoundWarning is expected here
            warnings.filterwarnings("ignore", message="(?s).*penalty parameter has reached its maximum.*")
            res = solve_model(model, time_limit, seed=seed, initial_routes=init, no_improvement=no_improvement,
                              search=self.search)
        self.iterations = getattr(self, "iterations", 0) + res.iterations
        days: list[list[list[int]]] = [[] for _ in range(self.inst.t)]
        for r in res.routes:
            days[r.vehicle].append([owner[s][0] for s, _, _ in r.visits])
        return days, res.feasible

    # -- combination choice ----------------------------------------------------------------
    def initial_combos(self) -> dict[int, tuple[int, ...]]:
        inst = self.inst
        on_day: list[list[int]] = [[0] for _ in range(inst.t)]
        load = np.zeros(inst.t)
        fixed = [i for i in range(1, self.n) if len(inst.combos[i]) == 1]
        for i in fixed:
            for d in inst.combos[i][0]:
                on_day[d].append(i)
                load[d] += inst.demand[i]
        # f=1 customers: expected load spread evenly over their allowed days
        for i in self.single:
            for c in inst.combos[i]:
                load[c[0]] += inst.demand[i] / len(inst.combos[i])
        cap = np.array([inst.capacity[d] * inst.m for d in range(inst.t)], dtype=float)
        combo = {}
        order = sorted(self.choice_needed, key=lambda i: -inst.demand[i] * inst.freq[i])
        for i in order:
            best, best_c = None, None
            for c in inst.combos[i]:
                prox = sum(self.real[i, on_day[d]].min() for d in c)
                bal = sum(max(0.0, (load[d] + inst.demand[i]) / cap[d] - 0.9) for d in c)
                val = prox + 1000 * bal + 1e-3 * sum(load[d] for d in c) / cap.mean()
                if best is None or val < best:
                    best, best_c = val, c
            combo[i] = best_c
            for d in best_c:
                on_day[d].append(i)
                load[d] += inst.demand[i]
        return combo

    def _route_ok_duration(self, r: list[int], d: int) -> bool:
        path = [0] + r + [0]
        dur = sum(self.dist[a, b] for a, b in zip(path, path[1:])) + sum(self.svc[v] for v in r)
        return dur <= math.floor(self.inst.duration[d] * self.scale + 1e-6)

    def _route_ok(self, r: list[int], d: int) -> bool:
        inst = self.inst
        if sum(inst.demand[v] for v in r) > inst.capacity[d]:
            return False
        if inst.duration[d] > 0:
            path = [0] + r + [0]
            dur = sum(self.dist[a, b] for a, b in zip(path, path[1:])) + sum(self.svc[v] for v in r)
            return dur <= math.floor(inst.duration[d] * self.scale + 1e-6)
        return True

    def _best_insert(self, days, d: int, i: int, relax: bool = False):
        """Cheapest feasible insertion of ``i`` on day ``d``: (cost, route index, position).

        With ``relax`` the route capacity is not checked, only the day's total load against the
        day's fleet capacity (the re-solve redistributes the day's customers over its routes).
        """
        best = (math.inf, -1, -1)
        D = self.dist
        inst = self.inst
        if relax:
            day_load = sum(inst.demand[v] for r in days[d] for v in r)
            if day_load + inst.demand[i] > inst.m * inst.capacity[d]:
                return best
        for ri, r in enumerate(days[d]):
            path = [0] + r + [0]
            for p in range(len(path) - 1):
                delta = D[path[p], i] + D[i, path[p + 1]] - D[path[p], path[p + 1]]
                if delta >= best[0]:
                    continue
                cand = r[:p] + [i] + r[p:]
                if relax:
                    ok = inst.duration[d] <= 0 or self._route_ok_duration(cand, d)
                else:
                    ok = self._route_ok(cand, d)
                if ok:
                    best = (delta, ri, p)
        if len(days[d]) < self.inst.m:
            delta = 2 * D[0, i]
            if delta < best[0] and self._route_ok([i], d):
                best = (delta, len(days[d]), 0)
        return best

    def combo_local_search(self, days, combo, deadline: float) -> int:
        """Improve combinations on the current routes; returns the number of accepted moves."""
        D = self.dist
        moves = 0
        improved = True
        while improved and now() < deadline:
            improved = False
            order = list(self.choice_needed)
            self.rng.shuffle(order)
            for i in order:
                if now() > deadline:
                    break
                cur = combo[i]
                # removal savings on current days
                where = {}
                for d in cur:
                    for ri, r in enumerate(days[d]):
                        if i in r:
                            p = r.index(i)
                            path = [0] + r + [0]
                            saving = D[path[p], i] + D[i, path[p + 2]] - D[path[p], path[p + 2]]
                            where[d] = (ri, p, saving)
                if len(where) != len(cur):
                    continue
                best_val, best_move = -1e-6, None
                for c in self.inst.combos[i]:
                    if c == cur:
                        continue
                    leave = [d for d in cur if d not in c]
                    join = [d for d in c if d not in cur]
                    val = -sum(where[d][2] for d in leave)
                    ins = []
                    for d in join:
                        cost, ri, p = self._best_insert(days, d, i, relax=True)
                        val += cost
                        ins.append((d, ri, p))
                    if val < best_val:
                        best_val, best_move = val, (c, leave, ins)
                if best_move is not None:
                    c, leave, ins = best_move
                    for d in leave:
                        ri, p, _ = where[d]
                        del days[d][ri][p]
                    for d, ri, p in ins:
                        if ri == len(days[d]):
                            days[d].append([i])
                        else:
                            days[d][ri].insert(p, i)
                    for d in leave:
                        days[d] = [r for r in days[d] if r]
                    combo[i] = c
                    moves += 1
                    improved = True
        return moves

    def solve(self, time_limit: float) -> dict:
        t0 = now()
        deadline = t0 + time_limit
        combo = self.initial_combos()
        best = None
        warm = None
        rounds = 0
        first = 0.4 * time_limit if self.choice_needed else time_limit
        slice_ = first
        history = []
        while True:
            left = deadline - now()
            if left < 0.5:
                break
            days, feas = self.solve_round(combo, warm, min(slice_, left), seed=self.seed + rounds)
            rounds += 1
            ok, cost, why = verify_pvrp(self.inst, days)
            history.append(round(cost, 2) if ok else None)
            if ok and (best is None or cost < best[0] - 1e-9):
                best = (cost, [[list(r) for r in rs] for rs in days], dict(combo))
            if not self.choice_needed:
                break
            # continue from this round's solution if feasible and within 2 % of the best, else the best
            if best and not (ok and cost <= 1.02 * best[0]):
                days = [[list(r) for r in rs] for rs in best[1]]
                combo = dict(best[2])
            # f=1 customers may have moved day inside the solver: fine, they are in a group
            moves = self.combo_local_search(days, combo, deadline - 1.0)
            if moves == 0:
                # perturb: random combination changes for a few customers, then re-solve
                k = max(1, len(self.choice_needed) // 10)
                for i in self.rng.choice(self.choice_needed, size=min(k, len(self.choice_needed)), replace=False):
                    i = int(i)
                    c = self.inst.combos[i][self.rng.integers(len(self.inst.combos[i]))]
                    for d in combo[i]:
                        days[d] = [[v for v in r if v != i] for r in days[d]]
                        days[d] = [r for r in days[d] if r]
                    for d in c:
                        _, ri, p = self._best_insert(days, d, i)
                        if ri < 0:
                            ri = 0 if days[d] else 0
                            days[d].append([i]) if not days[d] else days[d][0].append(i)
                        elif ri == len(days[d]):
                            days[d].append([i])
                        else:
                            days[d][ri].insert(p, i)
                    combo[i] = c
            warm = days
            slice_ = max(0.15 * time_limit, 2.0)
        runtime = now() - t0
        if best is None:
            return {"instance": self.inst.name, "value": None, "feasible": False, "why": "no feasible solution",
                    "runtime": runtime, "rounds": rounds}
        return {"instance": self.inst.name, "value": round(best[0], 2), "feasible": True, "why": "",
                "routes": best[1], "runtime": runtime, "rounds": rounds, "round_costs": history}


class PvrpLnsSolver(PvrpSolver):
    """PVRP with a large-neighbourhood search over day combinations, each step checked by a re-solve.

    Same joint model as :class:`PvrpSolver` (days as time-window-separated vehicle types,
    frequency-1 customers placed by the solver); only the outer search over combinations differs:

    * The first solve, from the constructive combinations, gets ``first_share`` of the time; the
      last ``polish_share`` is one longer warm-started re-solve of the best combination set.
    * Every round in between starts from a copy of the *current* solution (the best accepted so
      far), changes some combinations, and re-solves the joint model warm-started from the edited
      routes, for at most ``round_share`` of the time and stopping early after ``no_improvement``
      ILS iterations without a better solution (a feasible warm start is never lost).
    * The change is the combination local search of :class:`PvrpSolver` (all improving moves by
      the insertion estimate) as long as its proposal from the current solution has not just been
      rejected; otherwise a *ruin-and-recreate* step: a random customer with a combination choice
      and up to ``max_ruin - 1`` of its nearest such customers leave all their days and are
      reinserted one by one with the combination of cheapest insertion (route overload priced at
      ``lam`` per unit and route duration over the day's limit at ``mu`` per unit, so days whose
      routes are all full still rank; the seed customer must change; 10 % noise), best of ``rr_samples``
      samples by estimate, never the same combination set twice from one current solution.
      (``move_mode="pen"`` instead applies the ``batch`` best untried single moves ranked with
      the overload-priced estimate; it did worse on p02 and is not used for the reported figures.)
    * A round is accepted when its verified cost beats the current solution's.
    * With ``kick_after`` set, after that many rounds without a better best solution the next round is a
      *kick* (:meth:`_kick`): ``kick_moves`` ruin-and-recreate proposals applied one after the other to the best
      solution, re-solved and taken as the current solution whatever its cost (off by default). With
      ``kick_relink``, a kick whose current solution differs from the best is a *relink* instead
      (:meth:`_relink`): the best solution takes the current one's combinations in an angular sector around
      the depot. With ``kick_grow``, every kick after one that found no better best moves twice as many groups
      (``kick_moves`` × 1, 2, 4, at most 4), back to ``kick_moves`` once the best improves.
    * A step that fails (an exception in the combination search) stops the search: it is logged and
      recorded as ``lns_failure`` in the result (``None`` when the search ran to its time limit).
    """

    def __init__(self, inst: PvrpInstance, scale: int = 1000, seed: int = 0, first_share: float = 0.35,
                 round_share: float = 0.1, polish_share: float = 0.15, no_improvement: int = 2500,
                 max_ruin: int = 4, rr_samples: int = 5, batch: int = 2, move_mode: str = "ls",
                 load_scale: int | None = None, mu: float = 10.0,
                 round_perturbations: tuple[int, int] | list[int] | None = None, kick_after: int | None = None,
                 kick_moves: int = 3, kick_relink: bool = False, kick_grow: bool = False):
        super().__init__(inst, scale=scale, seed=seed, load_scale=load_scale)
        self.kick_relink = kick_relink
        self.kick_grow = kick_grow
        self._kicks_since_best = 0  # kicks since the best solution last improved (:meth:`_kick`, ``kick_grow``)
        self._relinked = False  # the last kick was a relink (:meth:`_kick`)
        self.round_perturbations = None if round_perturbations is None else tuple(round_perturbations)
        self.kick_after = kick_after
        self.kick_moves = kick_moves
        self.first_share = first_share
        self.polish_share = polish_share
        self.round_share = round_share
        self.no_improvement = no_improvement
        self.max_ruin = max_ruin
        self.rr_samples = rr_samples
        self.batch = batch
        self.move_mode = move_mode
        self.iterations = 0
        n = self.n
        # price of one unit of route overload in the estimates: an average depot round trip per
        # average demand
        dem = np.maximum(inst.demand[1:], 1)
        self.lam = float(2 * self.dist[0, 1:].mean() / dem.mean()) if n > 1 else 1.0
        # price of one unit of route duration over the day's limit in the estimates (distance and
        # duration share the scaled unit): well above the distance an insertion adds
        self.mu = mu

    #: warm start of the first solve (set by :class:`PvrpRelaxedSolver`'s ``initial_combos``)
    initial_warm: list[list[list[int]]] | None = None

    def _accept(self, cost: float, current: float, best: float, progress: float) -> bool:
        """Whether a round's verified ``cost`` replaces the current solution: only when better."""
        return cost < current - 1e-6

    @staticmethod
    def _copy(days):
        return [[list(r) for r in rs] for rs in days]

    def _pen_insert(self, days, d: int, i: int) -> tuple[float, int, int]:
        """Cheapest insertion of ``i`` on day ``d``: (estimate, route index, position).

        Route overload is priced at ``lam`` per unit of demand and route duration beyond the day's
        limit at ``mu`` per unit, so a day whose routes are all full (the ``m`` routes in use and
        every insertion over the duration limit) still gets a finite, ranked estimate: the
        re-solve repairs the overrun. Infinite only when the day has no route and no vehicle.
        """
        D, inst, Q, lam, mu = self.dist, self.inst, self.inst.capacity[d], self.lam, self.mu
        q = inst.demand[i]
        limit = math.floor(inst.duration[d] * self.scale + 1e-6) if inst.duration[d] > 0 else None
        best = (math.inf, -1, -1)
        for ri, r in enumerate(days[d]):
            load = sum(inst.demand[v] for v in r)
            pen = lam * (max(0, load + q - Q) - max(0, load - Q))
            if pen >= best[0]:
                continue
            path = [0] + r + [0]
            if limit is not None:
                dur = sum(D[a, b] for a, b in zip(path, path[1:])) + sum(self.svc[v] for v in r)
                over = max(0.0, dur - limit)
            for p in range(len(path) - 1):
                add = D[path[p], i] + D[i, path[p + 1]] - D[path[p], path[p + 1]]
                delta = add + pen
                if limit is not None:
                    delta += mu * (max(0.0, dur + add + self.svc[i] - limit) - over)
                if delta < best[0]:
                    best = (delta, ri, p)
        if len(days[d]) < inst.m:
            delta = 2 * D[0, i] + lam * max(0, q - Q)
            if limit is not None:
                delta += mu * max(0.0, 2 * D[0, i] + self.svc[i] - limit)
            if delta < best[0]:
                best = (delta, len(days[d]), 0)
        return best

    def _insert(self, days, d: int, i: int) -> float:
        cost, ri, p = self._pen_insert(days, d, i)
        if ri < 0:
            raise LnsError(f"{self.inst.name}: customer {i} has no route or vehicle on day {d}")
        if ri == len(days[d]):
            days[d].append([i])
        else:
            days[d][ri].insert(p, i)
        return cost

    def _remove(self, days, i: int, which) -> None:
        for d in which:
            days[d] = [[v for v in r if v != i] for r in days[d]]
            days[d] = [r for r in days[d] if r]

    def _removal_saving(self, days, d: int, i: int) -> float:
        D, inst, Q, lam = self.dist, self.inst, self.inst.capacity[d], self.lam
        for r in days[d]:
            if i in r:
                p = r.index(i)
                path = [0] + r + [0]
                load = sum(inst.demand[v] for v in r)
                return (D[path[p], i] + D[i, path[p + 2]] - D[path[p], path[p + 2]]
                        + lam * (max(0, load - Q) - max(0, load - inst.demand[i] - Q)))
        return 0.0

    def _moves(self, days, combo, tried) -> list[tuple[float, int, tuple[int, ...]]]:
        out = []
        for i in self.choice_needed:
            cur = combo[i]
            save = {d: self._removal_saving(days, d, i) for d in cur}
            for c in self.inst.combos[i]:
                if c == cur or (i, c) in tried:
                    continue
                val = -sum(save[d] for d in cur if d not in c)
                for d in c:
                    if d not in cur:
                        val += self._pen_insert(days, d, i)[0]
                out.append((val, i, c))
        out.sort()
        return out

    def _apply(self, days, combo, i: int, c: tuple[int, ...]) -> None:
        self._remove(days, i, [d for d in combo[i] if d not in c])
        for d in c:
            if d not in combo[i]:
                self._insert(days, d, i)
        combo[i] = c

    def _ruin_recreate_once(self, days, combo) -> float:
        inst = self.inst
        cn = self.choice_needed
        k = int(self.rng.integers(1, min(self.max_ruin, len(cn)) + 1))
        seed_i = int(cn[self.rng.integers(len(cn))])
        others = sorted((i for i in cn if i != seed_i), key=lambda i: self.real[seed_i, i])
        chosen = [seed_i] + others[: k - 1]
        for i in chosen:
            self._remove(days, i, combo[i])
        order = list(chosen)
        self.rng.shuffle(order)
        total = 0.0
        for i in order:
            best_val, best_c = math.inf, None
            for c in inst.combos[i]:
                if i == seed_i and c == combo[i]:
                    continue
                val = sum(self._pen_insert(days, d, i)[0] for d in c) * (1.0 + 0.1 * self.rng.random())
                if val < best_val:
                    best_val, best_c = val, c
            if best_c is None:
                raise LnsError(f"{self.inst.name}: ruin-and-recreate found no combination for customer {i} "
                               f"(allowed {inst.combos[i]}, current {combo[i]})")
            combo[i] = best_c
            for d in best_c:
                total += self._insert(days, d, i)
        return total

    @staticmethod
    def best_unseen(proposals, seen: set):
        """The proposal of lowest estimate among ``proposals`` whose key is not in ``seen``, as (days, combo), or
        None (every sampler of the LNS: ruin and recreate here, segment swaps and route stripping in
        ``pvrp_segment.py``).

        ``proposals`` yields (estimate, days, combo, key) or None (a sample that gave nothing); the chosen key is
        added to ``seen``, so a round never proposes what an earlier round from the same solution already tried.
        """
        best = None
        for p in proposals:
            if p is None or p[3] in seen:
                continue
            if best is None or p[0] < best[0]:
                best = p
        if best is None:
            return None
        seen.add(best[3])
        return best[1], best[2]

    def ruin_recreate(self, days, combo, seen: set) -> tuple[list, dict]:
        out = self.best_unseen((self._ruin_recreate_sample(days, combo) for _ in range(self.rr_samples)), seen)
        return (days, combo) if out is None else out

    def _ruin_recreate_sample(self, days, combo) -> tuple[float, list, dict, frozenset]:
        d2, c2 = self._copy(days), dict(combo)
        est = self._ruin_recreate_once(d2, c2)
        return est, d2, c2, frozenset(c2.items())

    def _propose(self, cur, ls_blocked: bool, tried: set, seen: set, kinds: dict, deadline: float):
        """One LNS step from the current solution ``cur``: (edited routes, combinations, kind).

        Raises
        ------
        LnsError
            When the step cannot produce a combination set (the caller records it).
        """
        days, combo = self._copy(cur[1]), dict(cur[2])
        if self.move_mode == "ls":
            moves = [] if ls_blocked else self.combo_local_search(days, combo, deadline - 0.5)
            if moves and combo == cur[2]:
                moves = 0  # the moves cancelled out
            if not moves:
                days, combo = self._copy(cur[1]), dict(cur[2])
            kind = "move" if moves else "rr"
            moves = []
        else:
            moves = [m for m in self._moves(days, combo, tried) if m[0] < -1e-6]
            kind = "move" if moves else "rr"
        if self.move_mode == "ls" and kind == "move":
            kinds["move"] += 1
        elif moves:
            done = set()
            for _, i, c in moves:
                if i in done:
                    continue
                self._apply(days, combo, i, c)
                tried.add((i, c))
                done.add(i)
                if len(done) >= self.batch:
                    break
            kinds["move"] += 1
        else:
            days, combo = self.ruin_recreate(days, combo, seen)
            kinds["rr"] += 1
        return days, combo, kind

    def solve(self, time_limit: float) -> dict:
        if not self.choice_needed:
            return super().solve(time_limit) | {"lns_failure": None}
        t0 = now()
        deadline = t0 + time_limit
        combo = self.initial_combos()
        history = []
        rounds = accepted = 0
        cur = best = None
        warm = None
        slice_ = self.first_share * time_limit
        tried: set = set()  # (customer, combination) moves tried from ``cur``
        seen: set = set()  # combination sets produced by ruin-and-recreate from ``cur``
        kinds = {"move": 0, "rr": 0}
        ls_blocked = False
        kind = "first"
        best_round = 0  # the round that found the best solution (kicks count from it)
        warm = self.initial_warm  # routes of the relaxed placement (PvrpRelaxedSolver), else None
        polish = self.polish_share * time_limit
        polished = False
        failure = None
        while True:
            left = deadline - now()
            if left < 0.5:
                break
            if cur is not None and left <= polish + 0.5 and not polished:
                # final polish: a longer warm-started re-solve of the best combination set
                polished = True
                assert best is not None
                res_days, _ = self.solve_round(best[2], best[1], left, seed=self.seed + rounds)
                rounds += 1
                ok, cost, _ = verify_pvrp(self.inst, res_days)
                history.append(round(cost, 2) if ok else None)
                if ok and cost < best[0] - 1e-6:
                    cur = best = (cost, self._copy(res_days), dict(best[2]))
                    accepted += 1
                continue
            kicked = cur is not None and self.kick_after is not None and rounds - best_round >= self.kick_after
            if cur is not None:
                try:
                    if kicked:
                        days, combo, kind = self._kick(best, kinds, cur)
                        best_round = rounds  # the next kick after as many rounds again without a better best
                    else:
                        days, combo, kind = self._propose(cur, ls_blocked, tried, seen, kinds, deadline)
                except Exception as exc:  # noqa: BLE001 - any failure of the search step is reported
                    failure = f"round {rounds}: {type(exc).__name__}: {exc}"
                    logger.error("%s: PVRP combination LNS failed at %s; the search stops here and the "
                                 "result records the failure", self.inst.name, failure, exc_info=True)
                    break
                warm = days
            if cur is not None:
                # a round ends where the polish starts (its share plus the loop's 0.5 s floor): a round
                # that ended at ``polish`` left less than the floor on a busy machine and no polish ran
                left = max(0.5, left - polish - 0.5)
            res_days = self._round(cur is not None, combo, warm, min(slice_, left), seed=self.seed + rounds,
                                   no_improvement=None if cur is None else self.no_improvement)
            rounds += 1
            ok, cost, _ = verify_pvrp(self.inst, res_days)
            history.append(round(cost, 2) if ok else None)
            if ok and (cur is None or best is None or kicked
                       or self._accept(cost, cur[0], best[0], (now() - t0) / time_limit)):
                cur = (cost, self._copy(res_days), dict(combo))
                tried, seen = set(), set()
                ls_blocked = False
                accepted += 1
                if best is None or cost < best[0] - 1e-6:
                    best, best_round = cur, rounds
                    self._kicks_since_best = 0
            elif cur is not None and kind == "move":
                ls_blocked = True
            if cur is None:  # no feasible solution yet: keep solving from the last result
                warm = res_days
                slice_ = max(self.round_share * time_limit, 2.0)
                continue
            slice_ = max(self.round_share * time_limit, 1.0)
        runtime = now() - t0
        if best is None:
            return {"instance": self.inst.name, "value": None, "feasible": False, "why": "no feasible solution",
                    "runtime": runtime, "rounds": rounds, "lns_failure": failure}
        return {"instance": self.inst.name, "value": round(best[0], 2), "feasible": True, "why": "",
                "routes": best[1], "runtime": runtime, "rounds": rounds, "accepted": accepted,
                "moves": kinds, "iterations": self.iterations, "round_costs": history,
                "combos": {int(i): list(c) for i, c in best[2].items()}, "lns_failure": failure}

    def _kick(self, best, kinds: dict, cur=None) -> tuple[list, dict, str]:
        """A diversifying step from the *best* solution: ``kick_moves`` ruin-and-recreate proposals applied one
        after the other, whose re-solve becomes the current solution whatever its cost.

        Strict or threshold acceptance ends in a basin the small steps cannot leave: in the session-19 runs p02 kept
        3.75 % from round 10 to round 105 (1.05 % with another seed) and p10 3.69 % from round 16 to 87. After
        ``kick_after`` rounds without a better best, a kick moves several route groups at once, and the search
        descends from there; the best solution is kept apart.
        """
        # relinks alternate with random kicks: after a relink the search descends near the best, and a relink
        # of that with the best again would explore little
        if self.kick_relink and cur is not None and cur[2] != best[2] and not self._relinked:
            out = self._relink(best, cur)
            if out is not None:
                kinds["relink"] = kinds.get("relink", 0) + 1
                self._relinked = True
                return out[0], out[1], "kick"
        self._relinked = False
        days, combo = self._copy(best[1]), dict(best[2])
        # kick_grow: a basin that one kick did not leave is left with a larger one (the session-21 p02 basins differ
        # from better solutions in half of the choice customers, more than 6 ruin-and-recreate steps move)
        moves = self.kick_moves * (2 ** min(self._kicks_since_best, 2) if self.kick_grow else 1)
        self._kicks_since_best += 1
        for _ in range(moves):
            days, combo = self.ruin_recreate(days, combo, set())
        kinds["kick"] = kinds.get("kick", 0) + 1
        return days, combo, "kick"

    def _relink(self, best, other) -> tuple[list, dict] | None:
        """A crossover of two local optima: the *best* solution's routes with the combinations of ``other`` for
        the choice customers in an angular sector around the depot (a random start angle, 30-70 % of those
        customers), or None when the sector holds no customer whose combination differs.

        Why: two basins of one run differ in half of the combinations (p02: 13 of 26 between a 1.6 % and a 3.6 %
        solution), mostly as whole day groups relabelled; a random kick rarely moves such a group, while a sector
        of the other solution brings its day structure for one part of the plane and keeps the best elsewhere.
        """
        cn = list(self.choice_needed)
        if not cn:
            return None
        xy = self.inst.xy
        ang = {i: math.atan2(xy[i][1] - xy[0][1], xy[i][0] - xy[0][0]) for i in cn}
        start = float(self.rng.uniform(-math.pi, math.pi))
        order = sorted(cn, key=lambda i: (ang[i] - start) % (2 * math.pi))
        k = max(1, int(round(len(order) * float(self.rng.uniform(0.3, 0.7)))))
        sector = [i for i in order[:k] if other[2][i] != best[2][i]]
        if not sector:
            return None
        days, combo = self._copy(best[1]), dict(best[2])
        try:
            for i in sector:
                self._apply(days, combo, i, other[2][i])
        except LnsError:  # a day without room for an insertion: no relink
            return None
        return days, combo

    def _round(self, lns: bool, combo, warm, time_limit: float, seed: int, no_improvement: int | None):
        """One re-solve (:meth:`solve_round`); an LNS round (``lns``, warm-started from the current solution with
        a few customers moved) perturbs ``round_perturbations`` stops per PyVRP iteration when that is set.

        The first solve and the polish keep :attr:`search`: a solve from scratch needs PyVRP's larger
        perturbations to leave its first basin (with 1-4 everywhere p03, a single 60 s solve, went from 0 to
        3.1 %), while a round's warm start is good away from what moved, and small perturbations let it converge
        in a fraction of the slice, so the run makes many more rounds (BENCHMARKS.md, session 19)."""
        search = self.search
        if lns and self.round_perturbations is not None:
            base = search or SearchParams()
            self.search = dataclasses.replace(base, perturbations=self.round_perturbations)
        try:
            return self.solve_round(combo, warm, time_limit, seed=seed, no_improvement=no_improvement)[0]
        finally:
            self.search = search


class PvrpDaySolver(PvrpLnsSolver):
    """PVRP with an LNS over day choices whose every step re-solves only the days it changed.

    Once every customer's combination (and every frequency-1 customer's day) is fixed, the days
    are independent capacitated VRPs. This solver uses that:

    1. A first joint solve of all days (the model of :class:`PvrpSolver`, ``first_share`` of the
       budget) from the load-balanced constructive combinations places the frequency-1 customers.
    2. LNS steps until ``polish_share`` of the budget is left. Every *flexible* customer (several
       allowed combinations, frequency-1 customers with several allowed days included) can change.
       A step destroys a few of them (one of four operators: a random customer and its nearest
       flexible neighbours, which must change; random customers; a random route's flexible
       customers; the customers whose visits cost most, by removal saving) and reinserts each with
       the combination of cheapest route insertion, overload and overtime priced (see
       :meth:`PvrpLnsSolver._pen_insert`), 10 % noise. Only the days whose customer set changed
       are re-solved, each as its own small PyVRP model warm-started from the edited routes and
       stopped after ``day_no_improvement`` iterations without improvement. The step's cost is
       therefore the cost of real routes, not an estimate. Acceptance: a threshold (record-to-record)
       rule, the threshold falling linearly from ``threshold`` (relative) to 0; the best is kept.
    3. Intensification on the best combinations: every day re-solved from its best routes with
       an equal share of the remaining budget; a day's result replaces its routes only if shorter.

    Every time limit is on the module's budget clock (process CPU seconds unless ``--wall``).
    """

    OPERATORS = ("related", "random", "route", "worst", "swap")
    #: chance that a step is the combination local search of :class:`PvrpSolver` (every improving
    #: single-customer change by the insertion estimate, all applied) instead of the descent
    ls_share = 0.15

    def __init__(self, inst: PvrpInstance, scale: int = 1000, seed: int = 0, first_share: float = 0.2,
                 polish_share: float = 0.1, day_no_improvement: int = 100, max_ruin: int = 8,
                 threshold: float = 0.003, samples: int = 30, load_scale: int | None = None, mu: float = 10.0):
        super().__init__(inst, scale=scale, seed=seed, first_share=first_share, polish_share=polish_share,
                         max_ruin=max_ruin, load_scale=load_scale, mu=mu)
        self.flexible = [i for i in range(1, self.n) if len(inst.combos[i]) > 1]
        self.day_no_improvement = day_no_improvement
        self.threshold = threshold
        self.samples = samples
        self.day_solves = 0
        self.day_iterations = 0
        nearest = np.argsort(self.real[np.ix_(self.flexible, self.flexible)], axis=1) if self.flexible else None
        self._near = {i: [self.flexible[k] for k in nearest[a]] for a, i in enumerate(self.flexible)} \
            if nearest is not None else {}

    # -- one day as its own model ----------------------------------------------------------------
    def day_cost(self, routes: list[list[int]]) -> int:
        """Total scaled distance of one day's routes."""
        D = self.dist
        return int(sum(D[0, r[0]] + sum(D[a, b] for a, b in zip(r, r[1:])) + D[r[-1], 0] for r in routes if r))

    def solve_day(self, d: int, routes: list[list[int]], seconds: float, seed: int,
                  no_improvement: int | None) -> tuple[list[list[int]], int, bool]:
        """Re-solve day ``d`` (a CVRP with the day's capacity and duration limit) from ``routes``.

        Returns the routes, their scaled distance and whether PyVRP found them feasible.
        """
        inst = self.inst
        custs = sorted({v for r in routes for v in r})
        if not custs:
            return [], 0, True
        idx = [0] + custs
        pos = {c: k for k, c in enumerate(custs)}
        sub = self.dist[np.ix_(idx, idx)]
        model = RoutingModel([sub], [sub])
        dur = int(math.floor(inst.duration[d] * self.scale + 1e-6)) if inst.duration[d] > 0 else None
        model.add_vehicle(Vehicle(start=0, end=0, tw_early=0, tw_late=self.H, capacity=inst.capacity[d] * self.load_scale,
                                  max_duration=dur, unit_distance_cost=1, unit_duration_cost=0,
                                  num_available=inst.m, name=f"day{d}"))
        for c in custs:
            model.add_stop(Stop(location=pos[c] + 1, tw_early=0, tw_late=self.H, service=int(self.svc[c]),
                                required=True, demand=int(inst.demand[c]) * self.load_scale))
        init = [(0, [pos[v] for v in r]) for r in routes if r]
        if len(init) > inst.m:  # cannot happen with _pen_insert; merge the surplus to stay valid
            init = init[: inst.m - 1] + [(0, [s for _, r in init[inst.m - 1:] for s in r])]
        res = solve_model(model, seconds, seed=seed, initial_routes=init, no_improvement=no_improvement,
                          search=self.search)
        self.day_solves += 1
        self.day_iterations += res.iterations
        out = [[custs[s] for s, _, _ in r.visits] for r in res.routes]
        return out, int(res.distance), bool(res.feasible)

    # -- destroy and repair ------------------------------------------------------------------------
    def _combos_of(self, days) -> dict[int, tuple[int, ...]]:
        on: dict[int, list[int]] = {i: [] for i in range(1, self.n)}
        for d, routes in enumerate(days):
            for r in routes:
                for v in r:
                    on[v].append(d)
        return {i: tuple(sorted(ds)) for i, ds in on.items()}

    def _pick(self, days, combo, op: str) -> tuple[list[int], int | None]:
        """Customers to take out for operator ``op``, and the one that must change (or None)."""
        rng, flex = self.rng, self.flexible
        k = int(rng.integers(1, min(self.max_ruin, len(flex)) + 1))
        if op == "related":
            seed_i = int(flex[rng.integers(len(flex))])
            return self._near[seed_i][:k], seed_i
        if op == "random":
            return [int(v) for v in rng.choice(flex, size=k, replace=False)], None
        if op == "route":
            d = int(rng.integers(self.inst.t))
            if not days[d]:
                return [], None
            r = days[d][int(rng.integers(len(days[d])))]
            cand = [v for v in r if v in self._flex_set]
            if not cand:
                return [], None
            start = int(rng.integers(len(cand)))
            return (cand[start:] + cand[:start])[:k], None
        # worst: flexible customers by removal saving over their days, randomised
        saving = np.array([sum(self._removal_saving(days, d, i) for d in combo[i]) for i in flex])
        order = np.argsort(-saving * rng.random(len(flex)) ** 2)
        return [int(flex[j]) for j in order[:k]], None

    def destroy_repair(self, days, combo, op: str) -> tuple[list[int], float]:
        """Apply one destroy-and-repair step in place; returns the customers moved and the estimated change.

        The estimate is the overload- and overtime-priced insertion cost of the reinserted visits minus
        the removal savings of the visits taken out (on the routes as they were).
        """
        if op == "swap":
            return self._swap(days, combo)
        if op == "ls":
            before = dict(combo)
            self.combo_local_search(days, combo, now() + 0.5)
            return [i for i in self.choice_needed if combo[i] != before[i]], -1.0
        chosen, must_change = self._pick(days, combo, op)
        est = -sum(self._removal_saving(days, d, i) for i in chosen for d in combo[i])
        for i in chosen:
            self._remove(days, i, combo[i])
        order = list(chosen)
        self.rng.shuffle(order)
        for i in order:
            best_val, best_c = math.inf, None
            for c in self.inst.combos[i]:
                if i == must_change and c == combo[i]:
                    continue
                val = sum(self._pen_insert(days, d, i)[0] for d in c) * (1.0 + 0.1 * self.rng.random())
                if val < best_val:
                    best_val, best_c = val, c
            if best_c is None:
                raise LnsError(f"{self.inst.name}: no combination for customer {i} "
                               f"(allowed {self.inst.combos[i]}, current {combo[i]})")
            combo[i] = best_c
            for d in best_c:
                est += self._insert(days, d, i)
        return chosen, est

    def _swap(self, days, combo) -> tuple[list[int], float]:
        """Two flexible customers exchange combinations (each allowed the other's): loads stay balanced."""
        rng, flex = self.rng, self.flexible
        i = int(flex[rng.integers(len(flex))])
        cands = [j for j in self._near[i][1:] if combo[j] != combo[i] and combo[j] in self.inst.combos[i]
                 and combo[i] in self.inst.combos[j]]
        if not cands:
            return [], 0.0
        j = cands[min(int(rng.geometric(0.15)) - 1, len(cands) - 1)]
        ci, cj = combo[i], combo[j]
        est = -sum(self._removal_saving(days, d, i) for d in ci) - sum(self._removal_saving(days, d, j) for d in cj)
        self._remove(days, i, ci)
        self._remove(days, j, cj)
        combo[i], combo[j] = cj, ci
        for v, c in ((i, cj), (j, ci)) if rng.random() < 0.5 else ((j, ci), (i, cj)):
            for d in c:
                est += self._insert(days, d, v)
        return [i, j], est

    # -- the search --------------------------------------------------------------------------------
    def _screened(self, days, combo):
        """A short descent on the routes themselves, from the current solution.

        ``samples`` destroy-and-repair proposals are tried on the concrete routes (no solver); each
        whose estimated change (see :meth:`destroy_repair`) is negative is kept, the others dropped.
        When none is kept, the best-estimated proposal is returned anyway, so the search always moves.
        Returns the routes, combinations, the customers moved and the last operator.
        """
        if self.choice_needed and self.rng.random() < self.ls_share:
            d2, c2 = self._copy(days), dict(combo)
            m, _ = self.destroy_repair(d2, c2, "ls")
            if m:
                return d2, c2, m, "ls"
        cur_d, cur_c = days, combo
        moved: set[int] = set()
        best = None
        op = "none"
        for _ in range(self.samples):
            d2, c2 = self._copy(cur_d), dict(cur_c)
            op = self.OPERATORS[int(self.rng.integers(len(self.OPERATORS)))]
            m, est = self.destroy_repair(d2, c2, op)
            if not m:
                continue
            if est < -1e-6:
                cur_d, cur_c = d2, c2
                moved.update(m)
            elif not moved and (best is None or est < best[0]):
                best = (est, d2, c2, m, op)
        if not moved and best is not None:
            return best[1], best[2], best[3], best[4]
        return cur_d, cur_c, sorted(moved), op

    def _first(self, deadline: float):
        """Joint solves (all days in one model) until one is feasible: (routes, scaled day costs)."""
        combo = self.initial_combos()
        warm = None
        share = self.first_share * self.time_limit
        rounds = 0
        while True:
            left = deadline - now()
            if left < 0.2:
                return None, rounds
            days, _ = self.solve_round(combo, warm, min(share, left), seed=self.seed + rounds)
            rounds += 1
            ok, _, _ = verify_pvrp(self.inst, days)
            if ok:
                return days, rounds
            warm, share = days, max(0.1 * self.time_limit, 2.0)

    def solve(self, time_limit: float) -> dict:  # long: the search loop and its bookkeeping read best in one place
        t0 = now()
        self.time_limit = time_limit
        deadline = t0 + time_limit
        self._flex_set = set(self.flexible)
        days, rounds = self._first(deadline)
        base = {"instance": self.inst.name, "lns_failure": None}
        if days is None:
            return base | {"value": None, "feasible": False, "why": "no feasible solution", "runtime": now() - t0,
                           "rounds": rounds}
        cost = [self.day_cost(r) for r in days]
        combo = self._combos_of(days)
        best = (sum(cost), self._copy(days))
        trace = [(round(now() - t0, 2), round(sum(cost) / self.scale, 2))]
        lns_end = deadline - self.polish_share * time_limit
        lns_start = now()
        steps = accepted = improved = 0
        used = {op: 0 for op in self.OPERATORS + ("ls",)}
        wins = {op: 0 for op in self.OPERATORS + ("ls",)}
        failure = None
        while self.flexible and now() < lns_end - 0.05:
            try:
                d2, c2, moved, op = self._screened(days, combo)
            except LnsError as exc:
                failure = f"step {steps}: {type(exc).__name__}: {exc}"
                logger.error("%s: PVRP day LNS failed at %s; the search stops here and the result records the "
                             "failure", self.inst.name, failure, exc_info=True)
                break
            touched = [d for d in range(self.inst.t) if d2[d] != days[d]]
            if not touched:
                continue
            steps += 1
            used[op] += 1
            new_cost = list(cost)
            feasible = True
            for d in touched:
                left = lns_end - now()
                d2[d], new_cost[d], ok = self.solve_day(d, d2[d], max(left, 0.01), seed=self.seed + steps,
                                                        no_improvement=self.day_no_improvement)
                feasible = feasible and ok
                if not feasible:
                    break
            if not feasible:
                continue
            total, cur_total = sum(new_cost), sum(cost)
            frac = min(1.0, (now() - lns_start) / max(lns_end - lns_start, 1e-9))
            if total < cur_total - 0.5 or total <= cur_total * (1 + self.threshold * (1 - frac)):
                accepted += 1
                days, combo, cost = d2, c2, new_cost
                if total < best[0] - 0.5:
                    best = (total, self._copy(days))
                    trace.append((round(now() - t0, 2), round(total / self.scale, 2)))
                    improved += 1
                    wins[op] += 1
        # intensification: every day of the best solution re-solved longer
        days = self._copy(best[1])
        for d in range(self.inst.t):
            left = deadline - now()
            if left < 0.05:
                break
            share = left / (self.inst.t - d)
            routes, c, ok = self.solve_day(d, days[d], share, seed=self.seed + 7919 + d, no_improvement=None)
            if ok and c < self.day_cost(days[d]):
                days[d] = routes
        ok, total, why = verify_pvrp(self.inst, days)
        if not ok:  # never report an unverified solution: fall back to the best verified one
            days = best[1]
            ok, total, why = verify_pvrp(self.inst, days)
        return base | {"value": round(total, 2) if ok else None, "feasible": ok, "why": why, "routes": days,
                       "runtime": now() - t0, "rounds": rounds, "steps": steps, "accepted": accepted,
                       "improved": improved, "operators": used, "operator_wins": wins,
                       "trace": trace, "day_solves": self.day_solves, "day_iterations": self.day_iterations,
                       "iterations": self.iterations + self.day_iterations, "lns_failure": failure,
                       "combos": {int(i): list(c) for i, c in self._combos_of(days).items()
                                  if len(self.inst.combos[i]) > 1}}


# --------------------------------------------------------------------------------------------------
# Runner
# --------------------------------------------------------------------------------------------------

class PvrpRelaxedSolver(PvrpLnsSolver):
    """The combination LNS of :class:`PvrpLnsSolver`, started from a *relaxed placement*.

    The constructive combinations of :class:`PvrpSolver` pick each customer's days one customer at
    a time by proximity and load; the routing then has to live with them. Here PyVRP places the
    visits first: a customer with ``f`` visits and several allowed combinations gets ``f`` visits,
    the ``k``-th of which may go on any day that is the ``k``-th day of some allowed combination
    (one stop whose window spans the days when they are contiguous, else a required group of one
    stop per day), so the joint routing model chooses every visit's day together with the routes,
    capacity and route count of all days (``relax_share`` of the budget). The visits' days need not
    form an allowed combination; each customer then gets the allowed combination nearest to its
    placed days (fewest days differing, then the smallest day shift; kept as placed where they
    form one), and the placed routes, without the visits outside that combination, warm-start the
    first exact solve, which inserts the missing visits. From there the search is the combination
    LNS. (Reinserting the customers whose days form no allowed combination by cheapest insertion
    instead was worse on p10 and p22 in single runs: 9.2 % and 4.7 % against 7.7 % and 2.4 %.)
    """

    def __init__(self, inst: PvrpInstance, scale: int = 1000, seed: int = 0, relax_share: float = 0.15,
                 **kwargs):
        super().__init__(inst, scale=scale, seed=seed, **kwargs)
        self.relax_share = relax_share
        self.time_limit = 0.0
        #: how many choice customers' placed days already formed an allowed combination
        self.relaxed_kept: int | None = None

    def solve(self, time_limit: float) -> dict:
        self.time_limit = time_limit
        out = super().solve(time_limit)
        if self.relaxed_kept is not None:
            out["relaxed_kept"] = self.relaxed_kept
        return out

    def build_relaxed(self):
        """Joint model in which every visit of a customer with a choice picks its own day."""
        inst, H = self.inst, self.H
        combos_needed = set(self.choice_needed)
        model, stop_of, owner = self.build({i: inst.combos[i][0] for i in self.choice_needed})
        # rebuild without the choice customers' fixed visits: keep vehicles and the other stops
        relaxed = RoutingModel([self.dist], [self.dist])
        for v in model.vehicles:
            relaxed.add_vehicle(v)
        keep = [k for k, (i, _) in enumerate(owner) if i not in combos_needed]
        new_owner: list[tuple[int, int]] = []
        groups: dict[int, int] = {}
        for k in keep:
            st = model.stops[k]
            if st.group is not None:
                if st.group not in groups:
                    groups[st.group] = relaxed.add_group(required=True)
                st = dataclasses.replace(st, group=groups[st.group])
            relaxed.add_stop(st)
            new_owner.append(owner[k])
        for i in self.choice_needed:
            f = len(inst.combos[i][0])
            q, svc = int(inst.demand[i]) * self.load_scale, int(self.svc[i])
            for k in range(f):
                days = sorted({c[k] for c in inst.combos[i]})
                if days == list(range(days[0], days[-1] + 1)):
                    relaxed.add_stop(Stop(location=i, tw_early=days[0] * H, tw_late=days[-1] * H + H // 2,
                                          service=svc, required=True, demand=q))
                    new_owner.append((i, -1))
                    continue
                g = relaxed.add_group(required=True)
                for d in days:
                    relaxed.add_stop(Stop(location=i, tw_early=d * H, tw_late=d * H + H // 2, service=svc,
                                          required=False, group=g, demand=q))
                    new_owner.append((i, d))
        return relaxed, new_owner

    def initial_combos(self) -> dict[int, tuple[int, ...]]:
        if not self.choice_needed or self.time_limit <= 0:
            return super().initial_combos()
        model, owner = self.build_relaxed()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="(?s).*penalty parameter has reached its maximum.*")
            res = solve_model(model, self.relax_share * self.time_limit, seed=self.seed, search=self.search)
        self.iterations += res.iterations
        days: list[list[list[int]]] = [[] for _ in range(self.inst.t)]
        placed: dict[int, list[int]] = {}
        for r in res.routes:
            route = [owner[s][0] for s, _, _ in r.visits]
            days[r.vehicle].append(route)
            for i in route:
                placed.setdefault(i, []).append(r.vehicle)
        fallback = super().initial_combos()
        combo: dict[int, tuple[int, ...]] = {}
        kept = 0
        for i in self.choice_needed:
            obs = sorted(placed.get(i, []))
            if not obs:
                combo[i] = fallback[i]
                continue
            kept += tuple(obs) in self.inst.combos[i]
            combo[i] = min(self.inst.combos[i],
                           key=lambda c: (len(set(c) ^ set(obs)),
                                          sum(min(abs(d - o) for o in obs) for d in c), c != fallback[i]))
        self.relaxed_kept = kept
        # the warm start of the exact model: each choice customer kept only on its combination's
        # days, once a day; the exact solve inserts the visits that are missing
        warm: list[list[list[int]]] = []
        for d, rs in enumerate(days):
            seen: set[int] = set()
            keep = []
            for r in rs:
                r2 = []
                for i in r:
                    if (i not in combo or d in combo[i]) and i not in seen:
                        r2.append(i)
                        seen.add(i)
                if r2:
                    keep.append(r2)
            warm.append(keep)
        self.initial_warm = warm
        return combo


class PvrpQuickStartSolver(PvrpLnsSolver):
    """The combination LNS of :class:`PvrpLnsSolver` with a shorter first solve and polish.

    In the session-6 runs the first solve (35 % of the budget) ended within about 0.3 % of where a
    solve of a third of that length ends (p10, p22, p23, p28), and the final polish (15 %) rarely
    improved the best; the LNS rounds, each a brief warm-started re-solve, are where the cost went
    down. Here the first solve gets ``first_share`` = 12 % and the polish ``polish_share`` = 5 %,
    so the rounds get 83 % of the budget instead of 50 %.
    """

    def __init__(self, inst: PvrpInstance, scale: int = 1000, seed: int = 0, first_share: float = 0.12,
                 polish_share: float = 0.05, **kwargs):
        super().__init__(inst, scale=scale, seed=seed, first_share=first_share, polish_share=polish_share,
                         **kwargs)


class PvrpTravelSolver(PvrpQuickStartSolver):
    """:class:`PvrpQuickStartSolver` with record-to-record acceptance of the LNS rounds.

    With strict improvement the combination LNS stops moving once no proposal beats the current
    solution; on p10 and p23 the session-6 run and a run with 66 % more LNS time ended at the same
    cost to the cent. Here a round's solution becomes the current one when its verified cost is
    within ``threshold`` (relative, falling linearly to 0 at the end of the budget) of the *best*
    solution found, so the search can walk across plateaus and small rises; the best solution is
    kept apart and is what the final polish re-solves and the result reports.
    """

    def __init__(self, inst: PvrpInstance, scale: int = 1000, seed: int = 0, threshold: float = 0.01, **kwargs):
        super().__init__(inst, scale=scale, seed=seed, **kwargs)
        self.threshold = threshold

    def _accept(self, cost: float, current: float, best: float, progress: float) -> bool:
        if cost < current - 1e-6:
            return True
        return cost <= best * (1.0 + self.threshold * max(0.0, 1.0 - progress)) and abs(cost - current) > 1e-6


class PvrpRoutePool:
    """Distinct day routes found by the search, for the set-partitioning step of :class:`PvrpPoolSolver`.

    A route is kept once per customer set, with the shortest order seen (``length`` is its real,
    floating-point length, the cost :func:`verify_pvrp` counts) and the days on which it is feasible:
    every day whose capacity and duration limit it meets (checked by ``route_ok(order, day)``, the
    solver's scaled check, which implies the real one), not only the day it was found on, so a route
    found on Monday can be chosen for Thursday.
    """

    def __init__(self, inst: PvrpInstance, real: np.ndarray, route_ok):
        self.inst = inst
        self.real = real
        self.route_ok = route_ok
        #: customer set -> (length, order, feasible days)
        self.routes: dict[frozenset[int], tuple[float, tuple[int, ...], tuple[int, ...]]] = {}
        self.added = 0  # new sets or shorter orders, ever

    def length(self, order) -> float:
        path = [0, *order, 0]
        return float(sum(self.real[a, b] for a, b in zip(path, path[1:])))

    def add(self, order) -> bool:
        """Add one route (a customer order); True when its set is new or the order shorter."""
        if not order:
            return False
        key = frozenset(order)
        length = self.length(order)
        old = self.routes.get(key)
        if old is not None and old[0] <= length + 1e-9:
            return False
        days = tuple(d for d in range(self.inst.t) if self.route_ok(list(order), d))
        if not days:
            return False
        self.routes[key] = (length, tuple(order), days)
        self.added += 1
        return True

    def add_solution(self, days: list[list[list[int]]], variants: int = 0) -> int:
        """Add every route of ``days``; with ``variants`` > 0 also, for each route new to the pool, the
        route without each one of its customers and the route with each of its ``variants`` nearest
        outside customers inserted at the cheapest place (where a day's limits allow it)."""
        added = 0
        for rs in days:
            for r in rs:
                if self.add(r):
                    added += 1
                    if variants:
                        added += self._add_variants(r, variants)
        return added

    def _add_variants(self, order: list[int], k: int) -> int:
        added = 0
        if len(order) > 1:
            for p in range(len(order)):
                added += self.add(order[:p] + order[p + 1:])
        path = np.array([0, *order, 0])
        inside = set(order)
        near = self.real[np.ix_(path[1:-1], np.arange(len(self.real)))].min(axis=0)
        near[0] = np.inf
        near[list(inside)] = np.inf
        for i in np.argsort(near)[:k]:
            if not np.isfinite(near[i]):
                break
            delta = self.real[path[:-1], i] + self.real[i, path[1:]] - self.real[path[:-1], path[1:]]
            p = int(np.argmin(delta))
            added += self.add(order[:p] + [int(i)] + order[p:])
        return added

    def prune(self, cap: int, keep: list[list[list[int]]], per_customer: int) -> None:
        """Shrink the pool to about ``cap`` sets: the ``per_customer`` cheapest routes per customer
        (by length per customer served) and the routes of ``keep`` (the incumbent) stay."""
        if len(self.routes) <= cap:
            return
        by_customer: dict[int, list[tuple[float, frozenset[int]]]] = {}
        for key, (length, _, _) in self.routes.items():
            for i in key:
                by_customer.setdefault(i, []).append((length / len(key), key))
        stay = {frozenset(r) for rs in keep for r in rs if r}
        for lst in by_customer.values():
            lst.sort(key=lambda v: v[0])
            stay.update(k for _, k in lst[:per_customer])
        self.routes = {k: v for k, v in self.routes.items() if k in stay}


def _sp_lp(inst: PvrpInstance, columns: list[tuple[int, tuple[int, ...], float]], integer: bool):
    """The set-partitioning model of :func:`pvrp_set_partition` as a ``highspy.HighsLp``.

    Rows: ``n - 1`` rows ``sum_c y_ic = 1`` (row ``i - 1``), then one covering row per (customer, day) of its
    combinations (``cover[(i, d)]`` is its index), then ``t`` vehicle rows from ``base``. Columns: ``x`` per
    column of ``columns``, then ``y`` per ``ycols`` entry. Returns (lp, ycols, cover, base).
    """
    n, t = len(inst.demand), inst.t
    ycols = [(i, c) for i in range(1, n) for c in inst.combos[i]]
    nx_, ny = len(columns), len(ycols)
    rows, cols, vals = [], [], []
    lo, hi = [], []
    # one combination per customer
    for k, (i, _) in enumerate(ycols):
        rows.append(i - 1)
        cols.append(nx_ + k)
        vals.append(1.0)
    lo += [1.0] * (n - 1)
    hi += [1.0] * (n - 1)
    # cover (i, d) on every day its chosen combination names
    cover: dict[tuple[int, int], int] = {}
    for k, (i, c) in enumerate(ycols):
        for d in c:
            if (i, d) not in cover:
                cover[(i, d)] = len(lo)
                lo.append(0.0)
                hi.append(math.inf)
            rows.append(cover[(i, d)])
            cols.append(nx_ + k)
            vals.append(-1.0)
    for j, (d, order, _) in enumerate(columns):
        for i in order:
            if (i, d) in cover:
                rows.append(cover[(i, d)])
                cols.append(j)
                vals.append(1.0)
    # vehicles per day
    base = len(lo)
    lo += [0.0] * t
    hi += [float(inst.m)] * t
    for j, (d, _, _) in enumerate(columns):
        rows.append(base + d)
        cols.append(j)
        vals.append(1.0)
    a = coo_matrix((vals, (rows, cols)), shape=(len(lo), nx_ + ny)).tocsc()
    import highspy  # lazy: only the pool methods need HiGHS (the bench extra); TOP, Solomon and travel run without

    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = nx_ + ny, len(lo)
    lp.col_cost_ = np.concatenate([np.array([c[2] for c in columns], dtype=float), np.zeros(ny)])
    lp.col_lower_, lp.col_upper_ = np.zeros(nx_ + ny), np.ones(nx_ + ny)
    lp.row_lower_, lp.row_upper_ = np.array(lo), np.array(hi)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = a.indptr, a.indices, a.data
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * (nx_ + ny)
    return lp, ycols, cover, base


def pvrp_set_partition(inst: PvrpInstance, columns: list[tuple[int, tuple[int, ...], float]], time_limit: float,
                       warm: list[list[list[int]]] | None = None
                       ) -> tuple[list[list[list[int]]], dict[int, tuple[int, ...]], float] | None:
    """The set-partitioning step: choose day routes from ``columns`` and one combination per customer.

    ``columns`` are ``(day, order, length)``. Binary ``x_r`` per column, binary ``y_ic`` per customer ``i``
    and allowed combination ``c``; ``sum_c y_ic = 1``; for each customer ``i`` and day ``d`` of one of its
    combinations ``sum(x_r: r on d, i in r) >= sum(y_ic: d in c)`` (covering: a customer may be on more
    routes than it needs, :func:`pvrp_routes_from_cover` removes the extra visits); at most ``m`` routes a
    day; minimise the summed length. Solved by HiGHS (``highspy``, one thread) within ``time_limit``
    wall-clock seconds, warm-started from ``warm`` (a solution whose every route is a column) when given.

    Returns
    -------
    (days, combination per customer, objective) or None
        ``days`` are the chosen routes as the columns give them (extra visits not yet removed); None when
        no integer solution was found in time.
    """
    t = inst.t
    lp, ycols, _, _ = _sp_lp(inst, columns, integer=True)
    nx_ = len(columns)
    import highspy  # lazy: only the pool methods need HiGHS (the bench extra); TOP, Solomon and travel run without

    h = highspy.Highs()
    for key, val in (("output_flag", False), ("threads", 1), ("time_limit", max(0.1, time_limit)),
                     ("mip_rel_gap", 1e-7), ("random_seed", 0)):
        h.setOptionValue(key, val)
    h.passModel(lp)
    if warm is not None:
        sol = highspy.HighsSolution()
        sol.col_value = list(_sp_point(columns, ycols, warm))
        h.setSolution(sol)
    h.run()
    if h.getInfo().primal_solution_status != 2:  # 2: a feasible point
        return None
    x = np.asarray(h.getSolution().col_value)
    days: list[list[list[int]]] = [[] for _ in range(t)]
    for j, (d, order, _) in enumerate(columns):
        if x[j] > 0.5:
            days[d].append(list(order))
    combo = {i: c for k, (i, c) in enumerate(ycols) if x[nx_ + k] > 0.5}
    return days, combo, float(h.getInfo().objective_function_value)


def _sp_point(columns, ycols, days: list[list[list[int]]]) -> np.ndarray:
    """The SP variables of a solution whose routes are all columns (the warm start)."""
    index = {(d, frozenset(order)): j for j, (d, order, _) in enumerate(columns)}
    x = np.zeros(len(columns) + len(ycols))
    on: dict[int, list[int]] = {}
    for d, routes in enumerate(days):
        for r in routes:
            x[index[(d, frozenset(r))]] = 1.0
            for i in r:
                on.setdefault(i, []).append(d)
    for k, (i, c) in enumerate(ycols):
        x[len(columns) + k] = float(tuple(sorted(on.get(i, []))) == c)
    return x


def _removal_saving(real: np.ndarray, route: list[int], i: int) -> float:
    """Length saved by removing customer ``i`` from ``route`` (never negative under the triangle inequality)."""
    p = route.index(i)
    a, b = (route[p - 1] if p else 0), (route[p + 1] if p + 1 < len(route) else 0)
    return float(real[a, i] + real[i, b] - real[a, b])


def pvrp_routes_from_cover(real: np.ndarray, days: list[list[list[int]]], combo: dict[int, tuple[int, ...]]
                           ) -> list[list[list[int]]]:
    """Remove the extra visits of a covering solution: each customer stays on exactly the days of its
    ``combo``, once a day, in the route where its removal would save least (removing a visit never
    lengthens a route when distances obey the triangle inequality, as Euclidean ones do); empty routes go."""
    out = [[list(r) for r in rs] for rs in days]
    for d, routes in enumerate(out):
        for r in routes:
            r[:] = [i for i in r if d in combo.get(i, ())]
        where: dict[int, list[int]] = {}
        for k, r in enumerate(routes):
            for i in r:
                where.setdefault(i, []).append(k)
        for i, ks in where.items():
            while len(ks) > 1:
                drop = max(ks, key=lambda k: _removal_saving(real, routes[k], i))
                routes[drop].remove(i)
                ks.remove(drop)
        out[d] = [r for r in routes if r]
    return out


class PvrpPoolSolver(PvrpTravelSolver):
    """:class:`PvrpTravelSolver` with a set-partitioning step over a pool of the day routes found.

    Every joint re-solve of the LNS (accepted or not) yields day routes for one combination set; the
    routes of different rounds are never combined by the LNS itself. Here every route of every re-solve
    goes into a :class:`PvrpRoutePool` (deduplicated by customer set, valid on each day it fits), and
    every ``sp_rounds`` rounds once the pool has grown by ``sp_new`` routes, and once before the final
    polish, :func:`pvrp_set_partition` picks the cheapest combination of pooled routes with one allowed
    combination per customer (the incumbent's routes are in the pool, so the optimum is never worse).
    When that plan (extra visits removed, :func:`pvrp_routes_from_cover`) beats the current solution, it
    is the next round's proposal: re-solved warm-started like every LNS step and accepted by the same rule.
    The step's time limit is ``sp_share`` of the budget (HiGHS runs in this process, so its CPU time is
    counted). The pool is cut to ``pool_cap`` sets (the ``per_customer`` cheapest routes per customer).
    """

    def __init__(self, inst: PvrpInstance, scale: int = 1000, seed: int = 0, sp_rounds: int | None = 4, sp_new: int = 20,
                 sp_share: float = 0.04, pool_cap: int = 4000, per_customer: int = 40, variants: int = 0, **kwargs):
        super().__init__(inst, scale=scale, seed=seed, **kwargs)
        self.pool = PvrpRoutePool(inst, self.real, self._route_ok)
        self.sp_rounds = sp_rounds
        self.sp_new = sp_new
        self.sp_share = sp_share
        self.pool_cap = pool_cap
        self.per_customer = per_customer
        self.variants = variants
        self._rounds_since = 0
        self._added_at = 0
        self._final_done = False
        self._time_limit = 0.0
        self.sp_stats: dict = {"calls": 0, "improved": 0, "gains": [], "cpu_s": 0.0, "pool": [], "columns": []}

    #: share of the budget for column generation before the final set-partitioning step (:class:`PvrpCgSolver`)
    cg_share = 0.0

    def solve_round(self, combo, warm, time_limit: float, seed: int, no_improvement: int | None = None):
        days, feasible = super().solve_round(combo, warm, time_limit, seed, no_improvement=no_improvement)
        self.pool.add_solution(days, self.variants)
        self._rounds_since += 1
        return days, feasible

    def solve(self, time_limit: float) -> dict:
        self._time_limit = time_limit
        res = super().solve(time_limit)
        st = self.sp_stats
        res["sp"] = {"calls": st["calls"], "improved": st["improved"],
                     "gains": [round(g, 2) for g in st["gains"]], "cpu_s": round(st["cpu_s"], 2),
                     "pool_max": max(st["pool"], default=0), "columns_max": max(st["columns"], default=0)}
        return res

    def _sp_due(self, deadline: float) -> bool:
        left = deadline - now()
        final_at = (self.polish_share + self.round_share + self.sp_share + self.cg_share) * self._time_limit + 1.0
        if not self._final_done and left <= final_at:
            self._final_done = True
            return left > self.polish_share * self._time_limit + 1.0
        return (self.sp_rounds is not None and self._rounds_since >= self.sp_rounds
                and self.pool.added - self._added_at >= self.sp_new and left > final_at)

    def _sp_step(self, cur):
        """One set-partitioning step from the current solution ``cur``: (days, combo) or None."""
        t0 = time.process_time()
        self._rounds_since, self._added_at = 0, self.pool.added
        self.pool.prune(self.pool_cap, cur[1], self.per_customer)
        columns = [(d, order, length) for length, order, ds in self.pool.routes.values() for d in ds]
        st = self.sp_stats
        st["calls"] += 1
        st["pool"].append(len(self.pool.routes))
        st["columns"].append(len(columns))
        out = pvrp_set_partition(self.inst, columns, self.sp_share * self._time_limit, warm=cur[1])
        st["cpu_s"] += time.process_time() - t0
        if out is None:
            return None
        days = pvrp_routes_from_cover(self.real, out[0], out[1])
        ok, cost, why = verify_pvrp(self.inst, days)
        if not ok:
            logger.warning("%s: set-partitioning plan rejected: %s", self.inst.name, why)
            return None
        if cost >= cur[0] - 0.005:  # the same plan up to rounding
            return None
        st["improved"] += 1
        st["gains"].append(cur[0] - cost)
        combo = {i: out[1][i] for i in self.choice_needed}
        return days, combo

    def _propose(self, cur, ls_blocked: bool, tried: set, seen: set, kinds: dict, deadline: float):
        if self._sp_due(deadline):
            step = self._sp_step(cur)
            if step is not None:
                kinds["sp"] = kinds.get("sp", 0) + 1
                return step[0], step[1], "sp"
        return super()._propose(cur, ls_blocked, tried, seen, kinds, deadline)


class PvrpPoolEndSolver(PvrpPoolSolver):
    """:class:`PvrpPoolSolver` with one set-partitioning step only, before the final polish.

    The LNS runs as in :class:`PvrpTravelSolver` (no SP proposal changes its path); the pool of every route
    it found is combined once at the end.
    """

    def __init__(self, inst: PvrpInstance, scale: int = 1000, seed: int = 0, **kwargs):
        super().__init__(inst, scale=scale, seed=seed, sp_rounds=None, **kwargs)


def pvrp_sp_duals(inst: PvrpInstance, columns: list[tuple[int, tuple[int, ...], float]], interior: bool = False
                  ) -> dict | None:
    """The LP relaxation of :func:`pvrp_set_partition` over ``columns`` and its duals.

    Returns None when HiGHS finds no optimum (the LP is infeasible when no columns cover a customer), else a dict:
    ``objective`` (a lower bound on every plan made of these columns), ``x`` (column values, then the ``y``
    values in ``ycols`` order), ``ycols``, ``pi`` (per customer ``i`` at ``pi[i]``, dual of ``sum_c y_ic = 1``),
    ``rho`` (per (customer, day) cover row, >= 0), ``mu`` (per day, dual of the vehicle row, <= 0). The reduced
    cost of a route on day ``d`` is ``length - sum(rho[(i, d)] for i in route) - mu[d]`` (:func:`pvrp_reduced_cost`).
    With ``interior`` the LP is solved by HiGHS's interior-point method without crossover: duals near the centre
    of the optimal dual face instead of a vertex of it (the SP's LP is highly degenerate, and vertex duals price
    columns that then enter the basis at zero without moving the bound).
    """
    import highspy

    lp, ycols, cover, base = _sp_lp(inst, columns, integer=False)
    h = highspy.Highs()
    opts: tuple = (("output_flag", False), ("threads", 1), ("random_seed", 0))
    if interior:
        opts += (("solver", "ipm"), ("run_crossover", "off"))
    for key, val in opts:
        h.setOptionValue(key, val)
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    sol = h.getSolution()
    dual = np.asarray(sol.row_dual)
    if interior:  # the interior point's duals are feasible only up to its tolerance: clip to the signs
        dual[len(inst.demand) - 1: base] = np.maximum(dual[len(inst.demand) - 1: base], 0.0)
        dual[base: base + inst.t] = np.minimum(dual[base: base + inst.t], 0.0)
    n = len(inst.demand)
    return {"objective": float(h.getInfo().objective_function_value), "x": np.asarray(sol.col_value),
            "ycols": ycols, "pi": np.concatenate([[0.0], dual[: n - 1]]),
            "rho": {key: float(dual[k]) for key, k in cover.items()},
            "mu": [float(v) for v in dual[base: base + inst.t]]}


def pvrp_reduced_cost(duals: dict, d: int, order, length: float) -> float:
    """Reduced cost in the SP's LP (``duals`` from :func:`pvrp_sp_duals`) of a route of ``length`` on day ``d``."""
    rho = duals["rho"]
    return length - sum(rho.get((i, d), 0.0) for i in order) - duals["mu"][d]


def pvrp_lp_dive(inst: PvrpInstance, columns: list[tuple[int, tuple[int, ...], float]], deadline: float
                 ) -> tuple[list[list[list[int]]] | None, dict[int, tuple[int, ...]]] | None:
    """An integer plan from the SP's LP relaxation by diving (HiGHS's dual simplex, warm-started each time).

    First the combinations: the largest fractional ``y_ic`` is fixed to 1 (to 0 instead when that makes the LP
    infeasible), together with every other fractional one at >= 0.7 (all undone but the largest when that makes
    the LP infeasible), re-solving in between, until each customer has one combination.
    Then the route columns the same way. Returns ``(days, combination)`` as :func:`pvrp_set_partition` does
    (extra visits not removed), ``(None, combination)`` when the route dive ends infeasible or at ``deadline``
    (budget clock) after the combinations were fixed, or None before that.
    """
    import highspy

    lp, ycols, _, _ = _sp_lp(inst, columns, integer=False)
    h = highspy.Highs()
    for key, val in (("output_flag", False), ("threads", 1), ("random_seed", 0)):
        h.setOptionValue(key, val)
    h.passModel(lp)
    nx_, ncol = len(columns), len(columns) + len(ycols)
    fixed = np.zeros(ncol, dtype=bool)
    combo: dict[int, tuple[int, ...]] | None = None
    h.run()
    while now() < deadline and h.getModelStatus() == highspy.HighsModelStatus.kOptimal:
        x = np.asarray(h.getSolution().col_value)
        frac = np.where(~fixed & (x > 1e-6) & (x < 1 - 1e-6))[0]
        ys = frac[frac >= nx_]
        if combo is None and not len(ys):
            combo = {i: c for k, (i, c) in enumerate(ycols) if x[nx_ + k] > 0.5}
        if not len(frac):
            days: list[list[list[int]]] = [[] for _ in range(inst.t)]
            for j, (d, order, _) in enumerate(columns):
                if x[j] > 0.5:
                    days[d].append(list(order))
            return days, combo if combo is not None else {}
        # combinations first: the LP re-balances routes around each fixed choice
        pick = ys if len(ys) else frac
        j = int(pick[np.argmax(x[pick])])
        # with the largest, every combination the LP already takes at >= 0.7 (one re-solve for many customers)
        batch = [j] + [int(k) for k in ys if k != j and x[k] >= 0.7] if len(ys) else [j]
        for k in batch:
            h.changeColBounds(k, 1.0, 1.0)
        h.run()
        if len(batch) > 1 and h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            for k in batch[1:]:
                h.changeColBounds(k, 0.0, 1.0)
            h.run()
            batch = [j]
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            h.changeColBounds(j, 0.0, 0.0)
            h.run()
        fixed[batch] = True
    return None if combo is None else (None, combo)


class PvrpCgSolver(PvrpPoolEndSolver):
    """The ``travel`` LNS with column generation priced by the set-partitioning LP's duals, and relax-and-fix.

    A *CG step* runs at the shares ``cg_at`` of the budget (and, with ``cg_at=()``, once before the polish, as
    :class:`PvrpPoolEndSolver`'s SP step). For ``cg_share`` of the budget it solves the SP's LP relaxation over
    the pool of routes found (:func:`pvrp_sp_duals`, interior-point duals) and prices each day ``d`` by a
    prize-collecting VRP (:meth:`price_day`): the customers with a positive cover dual ``rho_id`` are optional
    stops whose prize is that dual, a route pays ``-mu_d`` (the vehicle row's dual) on leaving the depot, and the
    day's limits hold. Each route of its answer with a negative reduced cost is a new column (into the pool, so
    on every day it fits); repeat until no day yields one or the time is up. Combination changes need no
    pricing: every ``y_ic`` is in the LP.

    Then, with ``dive`` (relax and fix), :func:`pvrp_lp_dive` fixes the combinations one by one in the LP
    (at most ``dive_share`` of the budget), and those combinations, applied to the current routes
    (:meth:`_apply`), are the next LNS round's proposal: re-solved warm-started and accepted like any round.
    Without ``dive``: the integer SP over the enriched pool (warm start: the current solution), as in
    :class:`PvrpPoolEndSolver`.
    """

    def __init__(self, inst: PvrpInstance, scale: int = 1000, seed: int = 0, cg_share: float = 0.12,
                 price_seconds: float = 0.5, price_iters: int = 100, interior: bool = True,
                 cg_at: tuple[float, ...] = (0.3, 0.6), dive: bool = True, dive_share: float = 0.05,
                 dive_routes: bool = False, **kwargs):
        super().__init__(inst, scale=scale, seed=seed, **kwargs)
        self.cg_share = cg_share
        self.interior = interior
        self.price_seconds = price_seconds
        self.price_iters = price_iters
        self.cg_at = cg_at
        self.dive = dive
        self.dive_share = dive_share
        self.dive_routes = dive_routes
        self._steps = 0
        self._dive_from: float | None = None
        self.cg_stats: dict = {"iterations": 0, "columns": 0, "lp": [], "cpu_s": 0.0, "converged": False, "min_rc": [],
                               "dives": []}

    def solve(self, time_limit: float) -> dict:
        res = super().solve(time_limit)
        st = self.cg_stats
        res["cg"] = {"iterations": st["iterations"], "columns": st["columns"], "cpu_s": round(st["cpu_s"], 2),
                     "lp": [round(v, 2) for v in st["lp"]], "converged": st["converged"], "dives": st["dives"]}
        return res

    def _sp_due(self, deadline: float) -> bool:
        if not self.cg_at:
            return super()._sp_due(deadline)
        left, total = deadline - now(), self._time_limit
        if self._steps >= len(self.cg_at) or total - left < self.cg_at[self._steps] * total:
            return False
        self._steps += 1
        return left > (self.polish_share + self.round_share + self.cg_share + self.dive_share) * total + 1.0

    def _sp_step(self, cur):
        self.pool.prune(self.pool_cap, cur[1], self.per_customer)
        self.column_generation(cur, now() + self.cg_share * self._time_limit)
        if self.dive:
            return self._dive_step(cur)
        # the CG columns stay: pruning again could drop the ones the LP just asked for
        cap, self.pool_cap = self.pool_cap, 10 ** 9
        try:
            return super()._sp_step(cur)
        finally:
            self.pool_cap = cap

    def _dive_step(self, cur):
        """Relax and fix: the LP dive's combinations applied to the current routes (with ``dive_routes``, the
        dive's own routes when it ended with them), or None."""
        columns = [(d, order, length) for length, order, ds in self.pool.routes.values() for d in ds]
        t0 = time.process_time()
        out = pvrp_lp_dive(self.inst, columns, now() + self.dive_share * self._time_limit)
        row: dict = {"from": round(cur[0], 2), "cpu_s": round(time.process_time() - t0, 2), "changed": 0}
        self.cg_stats["dives"].append(row)
        if out is None:
            return None
        if self.dive_routes and out[0] is not None:
            # the dive ended with whole routes: the LP's own routes for its combinations, a better warm start
            # than the current routes with the changed customers moved by cheapest insertion
            days = pvrp_routes_from_cover(self.real, out[0], out[1])
            ok, cost, _ = verify_pvrp(self.inst, days)
            row["routes"] = round(cost, 2) if ok else None
            combo = {i: out[1][i] for i in self.choice_needed}
            row["changed"] = sum(combo[i] != cur[2][i] for i in self.choice_needed)
            if ok and (row["changed"] or cost < cur[0] - 0.005):
                self._dive_from = cur[0]
                return days, combo
        days, combo = self._copy(cur[1]), dict(cur[2])
        try:
            for i in self.choice_needed:
                if out[1].get(i, combo[i]) != combo[i]:
                    self._apply(days, combo, i, out[1][i])
                    row["changed"] += 1
        except LnsError:  # a day without room for an insertion: no proposal
            return None
        if not row["changed"]:
            return None
        self._dive_from = cur[0]
        return days, combo

    def solve_round(self, combo, warm, time_limit: float, seed: int, no_improvement: int | None = None):
        days, feasible = super().solve_round(combo, warm, time_limit, seed, no_improvement=no_improvement)
        if self._dive_from is not None:  # the re-solve of a dive's proposal: record what it gave
            ok, cost, _ = verify_pvrp(self.inst, days)
            self.cg_stats["dives"][-1]["to"] = round(cost, 2) if ok else None
            self._dive_from = None
        return days, feasible

    def price_day(self, d: int, duals: dict, warm: list[list[int]], seconds: float, seed: int) -> list[list[int]]:
        """Routes of day ``d`` with a negative reduced cost, by a short prize-collecting PyVRP solve from ``warm``."""
        inst = self.inst
        custs = sorted(i for (i, dd), v in duals["rho"].items() if dd == d and v > 1e-9)
        if not custs:
            return []
        idx = [0] + custs
        pos = {c: k for k, c in enumerate(custs)}
        dur = self.dist[np.ix_(idx, idx)]
        cost = dur.copy()
        # the vehicle row's dual is a fixed price per route: charged on leaving the depot
        cost[0, 1:] += max(0.0, math.ceil(-duals["mu"][d] * self.scale))
        model = RoutingModel([dur], [cost])
        limit = int(math.floor(inst.duration[d] * self.scale + 1e-6)) if inst.duration[d] > 0 else None
        model.add_vehicle(Vehicle(start=0, end=0, tw_early=0, tw_late=self.H, capacity=inst.capacity[d] * self.load_scale,
                                  max_duration=limit, unit_distance_cost=1, unit_duration_cost=0,
                                  num_available=inst.m, name=f"day{d}"))
        for c in custs:
            model.add_stop(Stop(location=pos[c] + 1, tw_early=0, tw_late=self.H, service=int(self.svc[c]),
                                prize=int(duals["rho"][(c, d)] * self.scale), required=False,
                                demand=int(inst.demand[c]) * self.load_scale))
        init = [(0, [pos[v] for v in r if v in pos]) for r in warm]
        init = [r for r in init if r[1]][: inst.m]
        res = solve_model(model, seconds, seed=seed, initial_routes=init or None, no_improvement=self.price_iters,
                          search=self.search)
        out = []
        for r in res.routes:
            order = [custs[s] for s, _, _ in r.visits]
            if order and self._route_ok(order, d) and \
                    pvrp_reduced_cost(duals, d, order, self.pool.length(order)) < -1e-6:
                out.append(order)
        return out

    def column_generation(self, cur, deadline: float) -> None:
        """Add priced columns to the pool until none is found or ``deadline`` (budget clock) passes."""
        st = self.cg_stats
        t0 = time.process_time()
        while now() < deadline - 0.2:
            columns = [(d, order, length) for length, order, ds in self.pool.routes.values() for d in ds]
            duals = pvrp_sp_duals(self.inst, columns, interior=self.interior)
            if duals is None:
                break
            st["lp"].append(duals["objective"])
            st["iterations"] += 1
            new, rc = 0, 0.0
            for d in range(self.inst.t):
                left = deadline - now()
                if left < 0.1:
                    break
                found = self.price_day(d, duals, cur[1][d], min(self.price_seconds, left),
                                       seed=self.seed + st["iterations"] * self.inst.t + d)
                new += sum(self.pool.add(order) for order in found)
                rc += min((pvrp_reduced_cost(duals, d, o, self.pool.length(o)) for o in found), default=0.0)
            st["min_rc"].append(rc)
            st["columns"] += new
            if new == 0:
                st["converged"] = now() < deadline - 0.2
                break
        st["cpu_s"] += time.process_time() - t0



class PvrpCgSpSolver(PvrpCgSolver):
    """:class:`PvrpCgSolver` as first measured in session 10: one CG step before the polish, then the integer SP."""

    def __init__(self, inst: PvrpInstance, scale: int = 1000, seed: int = 0, **kwargs):
        super().__init__(inst, scale=scale, seed=seed, **({"cg_at": (), "dive": False, "cg_share": 0.15} | kwargs))


class PvrpSegmentSolver(PvrpCgSolver):
    """:class:`PvrpCgSolver` whose ruin-and-recreate step is, with probability ``seg_prob``, a segment swap.

    See ``pvrp_segment.py``: a run of consecutive customers of one route sharing a combination moves to another
    combination, optionally exchanged with such a run of a nearby route (``near`` nearest choice customers),
    the best estimate of a sample being the round's proposal.
    """

    def __init__(self, inst: PvrpInstance, scale: int = 1000, seed: int = 0, seg_prob: float = 0.5, near: int = 10,
                 local_share: float = 0.0, empty_prob: float = 0.5, strip_prob: float = 0.0,
                 strip_pair: float = 0.5, **kwargs):
        super().__init__(inst, scale=scale, seed=seed, **kwargs)
        self.seg_prob = seg_prob
        self.strip_prob = strip_prob
        self.strip_pair = strip_pair
        self.local_share = local_share
        self.empty_prob = empty_prob
        self._choice_set = set(self.choice_needed)
        self._single_set = set(self.single)
        cn = np.array(self.choice_needed, dtype=int)
        self._near = {int(i): [int(v) for v in cn[np.argsort(self.real[i, cn])[:near + 1]]] for i in cn}
        self.seg_stats = {"proposed": 0}

    def ruin_recreate(self, days, combo, seen: set) -> tuple[list, dict]:
        u = self.rng.random()
        if u < self.strip_prob:
            out = route_empty(self, days, combo, seen, samples=8, strip=True, pair=self.strip_pair)
            if out is not None:
                self.seg_stats["strip"] = self.seg_stats.get("strip", 0) + 1
                return out
        elif u < self.strip_prob + self.seg_prob:
            if self.local_share > 0:
                before = self.seg_stats.get("improved", 0)
                d2, c2 = local_phase(self, days, combo, self.local_share * self._time_limit, now, self.seg_stats)
                if self.seg_stats.get("improved", 0) > before:
                    self.seg_stats["local"] = self.seg_stats.get("local", 0) + 1
                    return d2, c2
            out = segment_swap(self, days, combo, seen)
            if out is not None:
                self.seg_stats["proposed"] += 1
                return out
        return super().ruin_recreate(days, combo, seen)

    #: probability that a round skips the combination local search and goes to :meth:`ruin_recreate` directly
    skip_ls = 0.0

    def _propose(self, cur, ls_blocked: bool, tried: set, seen: set, kinds: dict, deadline: float):
        skip = self.skip_ls > 0 and self.rng.random() < self.skip_ls
        return super()._propose(cur, ls_blocked or skip, tried, seen, kinds, deadline)

    def solve(self, time_limit: float) -> dict:
        return super().solve(time_limit) | {"segment": dict(self.seg_stats)}


class PvrpSegStripSolver(PvrpSegmentSolver):
    """:class:`PvrpCgSolver` with *route stripping* as its ruin-and-recreate step (``--pvrp-method segment-strip``).

    ``pvrp_segment.route_empty(strip=True)``: on a random day, a random route and (with probability ``strip_pair``)
    the route nearest to it lose every customer that may leave that day (choice customers to their cheapest estimated combination without
    the day, frequency-1 customers to their cheapest other day); what stays of the two routes (customers fixed
    to the day) may then merge into one route in the joint re-solve, and the days that receive the customers
    are rebuilt by it. Best estimate of 8 samples. A round skips the combination local search with probability
    ``skip_ls`` (so stripping is proposed about every other round, not only when the local search is blocked).
    """

    def __init__(self, inst: PvrpInstance, scale: int = 1000, seed: int = 0, skip_ls: float = 0.5, **kwargs):
        super().__init__(inst, scale=scale, seed=seed,
                         **({"strip_prob": 1.0, "seg_prob": 0.0, "strip_pair": 1.0} | kwargs))
        self.skip_ls = skip_ls


class PvrpStripDiveSolver(PvrpSegStripSolver):
    """:class:`PvrpSegStripSolver` whose relax-and-fix step, when its dive ends with whole routes (every route column
    integral before the deadline), proposes those routes (extra visits removed) instead of the current routes with
    the changed customers moved by cheapest insertion (``--pvrp-method strip-dive``)."""

    def __init__(self, inst: PvrpInstance, scale: int = 1000, seed: int = 0, **kwargs):
        super().__init__(inst, scale=scale, seed=seed, **({"dive_routes": True} | kwargs))


class PvrpStripKickSolver(PvrpSegStripSolver):
    """:class:`PvrpSegStripSolver` with small perturbations in the LNS rounds and kicks (``--pvrp-method strip-kick``,
    the default since session 21): ``round_perturbations`` (1, 4), a kick of 6 ruin-and-recreate steps from the
    best solution after 20 rounds without a better best, and rounds that stop after 1000 PyVRP iterations without a
    better solution (``no_improvement``; 2500 before session 22). The best measured combination over full runs
    (sessions 19-22, BENCHMARKS.md); each can be overridden with ``--pvrp-options``.

    Why 1000: with perturbations of 1-4 stops a round's warm start converges long before 2500 idle iterations, and
    the rounds are the only place combinations change; at 1000 a run makes about three times as many rounds (p02
    348 instead of 115, p10 216 instead of 67) and the trial gaps fell on all four seeds (session 22)."""

    def __init__(self, inst: PvrpInstance, scale: int = 1000, seed: int = 0, **kwargs):
        super().__init__(inst, scale=scale, seed=seed,
                         **({"round_perturbations": (1, 4), "kick_after": 20, "kick_moves": 6,
                             "no_improvement": 1000} | kwargs))


class PvrpEduSolver(PvrpStripKickSolver):
    """:class:`PvrpStripKickSolver` started from the compiled PVRP education (``--pvrp-method edu``, the default since
    session 25).

    ``pvrp_education.PvrpIls`` (an iterated local search whose education changes patterns inside the route search,
    thousands of combination sets per run) runs for ``edu_share`` of the budget; its best solution and combinations
    are the warm start of the first PyVRP solve (``first_share`` 0.1), and the strip-kick LNS would continue from
    there. With the defaults (0.9 and 0.1) that first solve takes the rest of the budget, so in practice the method is
    the education followed by one warm-started PyVRP polish; a larger budget or a smaller ``edu_share`` leaves rounds
    to the LNS. Why: the LNS judges about 100 combination sets per run by joint PyVRP re-solves and ends in one of
    many similar basins (sessions 13-24); the education judges each set in milliseconds. The result is the better
    of the education's best and the PyVRP rounds'.
    """

    def __init__(self, inst: PvrpInstance, scale: int = 1000, seed: int = 0, edu_share: float = 0.9,
                 edu_neighbours: int = 20, edu_threshold: float = 0.01, **kwargs):
        super().__init__(inst, scale=scale, seed=seed, **({"first_share": 0.1} | kwargs))
        self.edu_share = edu_share
        self.edu_neighbours = edu_neighbours
        self.edu_threshold = edu_threshold
        self.edu_stats: dict = {}
        self._edu_seconds = 0.0
        warm_up()  # numba compilation (cached on disk) outside the timed solve

    def solve(self, time_limit: float) -> dict:
        self._edu_seconds = self.edu_share * time_limit
        if not self.choice_needed:
            return self._solve_without_choice(time_limit) | {"education": dict(self.edu_stats)}
        res = super().solve(time_limit)
        edu = self.initial_warm
        if edu is not None and (not res["feasible"] or res["value"] > self.edu_stats["cost"]):
            # the LNS keeps only what its PyVRP rounds return: when none ran (a budget the education used up) or
            # none came back below the education's best, that best is the result
            ok, cost, _ = verify_pvrp(self.inst, edu)
            if ok:
                res |= {"value": round(cost, 2), "feasible": True, "why": "", "routes": edu}
        return res | {"education": dict(self.edu_stats)}

    def _solve_without_choice(self, time_limit: float) -> dict:
        """Instances whose customers have one combination or a choice of single days (p01, p03, ...): the LNS has
        nothing to choose, so the education's best is polished by one warm-started PyVRP solve; the better stays."""
        t0 = now()
        self.initial_combos()
        best = None
        if self.initial_warm is not None:
            ok, cost, _ = verify_pvrp(self.inst, self.initial_warm)
            if ok:
                best = (cost, self.initial_warm)
        left = time_limit - (now() - t0)
        if left > 0.5:
            days, _ = self.solve_round({}, self.initial_warm, left, seed=self.seed)
            ok, cost, _ = verify_pvrp(self.inst, days)
            if ok and (best is None or cost < best[0] - 1e-9):
                best = (cost, days)
        runtime = now() - t0
        if best is None:
            return {"instance": self.inst.name, "value": None, "feasible": False, "why": "no feasible solution",
                    "runtime": runtime, "rounds": 1, "lns_failure": None}
        return {"instance": self.inst.name, "value": round(best[0], 2), "feasible": True, "why": "",
                "routes": best[1], "runtime": runtime, "rounds": 1, "lns_failure": None}

    def initial_combos(self) -> dict[int, tuple[int, ...]]:
        ils = PvrpIls(self.inst, seed=self.seed, neighbours=self.edu_neighbours, threshold=self.edu_threshold)
        out = ils.run(self._edu_seconds, clock=now)
        self.edu_stats = dict(ils.stats)
        if out is None:  # no feasible education: the constructive start of the LNS
            return super().initial_combos()
        self.edu_stats["cost"] = round(out[0], 2)
        self.initial_warm = out[1]
        return {i: out[2][i] for i in self.choice_needed}


class PvrpSegLocalSolver(PvrpSegmentSolver):
    """:class:`PvrpSegmentSolver` whose segment step first runs ``pvrp_segment.local_phase`` (segment swaps and route
    emptying judged by re-solving the touched routes) for ``local_share`` of the budget."""

    def __init__(self, inst: PvrpInstance, scale: int = 1000, seed: int = 0, **kwargs):
        super().__init__(inst, scale=scale, seed=seed, **({"local_share": 0.06} | kwargs))


#: PyVRP search settings of the PVRP solvers' every solve (``--pvrp-search``). The joint model's day windows make
#: cross-day moves hugely time-warped and its loads are scaled, so PyVRP's penalties sit far from where about 65 %
#: of candidates are feasible; adjusting them every 50 candidates instead of 500 gets them there in a short solve.
#: ``small-perturbation`` (session 19) also perturbs 1-4 stops per iteration instead of PyVRP's 1-25, in every solve:
#: the LNS rounds converge sooner (25-141 rounds in 60 s instead of 8-10), but a solve from scratch stays in its first
#: basin (p03 0 -> 3.13 %); the solvers' ``round_perturbations`` keeps 1-25 there and is the variant measured on all
#: 32 (BENCHMARKS.md, "Optimizer quality, session 19").
PVRP_SEARCH: dict[str, SearchParams | None] = {
    "default": None, "fast-penalty": SearchParams(penalty_updates=50),
    "small-perturbation": SearchParams(penalty_updates=50, perturbations=(1, 4))}

PVRP_METHODS = {"days": "PvrpDaySolver", "lns": "PvrpLnsSolver",
                "quick-start": "PvrpQuickStartSolver", "relaxed": "PvrpRelaxedSolver",
                "travel": "PvrpTravelSolver", "pool": "PvrpPoolSolver", "pool-end": "PvrpPoolEndSolver",
                "cg": "PvrpCgSolver", "cg-sp": "PvrpCgSpSolver", "segment": "PvrpSegmentSolver",
                "segment-local": "PvrpSegLocalSolver", "segment-strip": "PvrpSegStripSolver",
                "strip-dive": "PvrpStripDiveSolver", "strip-kick": "PvrpStripKickSolver", "edu": "PvrpEduSolver",
                "rounds": "PvrpSolver"}

#: the default ``--pvrp-method`` (session 25; ``strip-kick`` from session 21 to 24, ``travel`` from session 7 to 20)
PVRP_METHOD = "edu"

EPILOG = """\
TOP on every instance of sets 1-6 at 10 s (issue #12's goal: mean gap <= 0.2 %, worst <= 2 %):

  python benchmarks/optimizer_quality.py --set top --instances every --time-limit 10 \\
      --out benchmarks/results/optimizer_quality_top_all.json

  'every' takes each instance of best_known_scores.txt: sets 1-6, 327 instances in the shared data
  (32 with a best-known score of 0; set 7 has none). About 55 CPU-minutes. Split it over processes
  with --part 0/2 and --part 1/2 (--reverse runs the larger sets 6, 5, 4 first), then merge the parts
  with benchmarks/merge_quality_parts.py. Rows are appended to <out>.rows.jsonl as they finish, so a
  stopped run keeps its results.

Limits are process CPU seconds unless --wall.

PVRP: --set pvrp --instances every runs p01-p32 with --pvrp-method edu (the default; issue #12's goal:
mean gap <= 1 %, worst <= 3 % at 60 s; about 33 CPU-minutes; --pvrp-method relaxed: the relaxed-placement start). A failure of the combination LNS is logged, recorded as
'lns_failure' in the instance's JSON row and 'lns_failed' in the summary, and makes the exit status 1.
"""


def run_set(which: str, names: list[str], time_limit: float, data: Path, seed: int = 0, log=print,
            pvrp_method: str = PVRP_METHOD, on_row=None, top_settings: str = "tuned", pvrp_search: str = "fast-penalty",
            top_mode: str | None = None, top_pack_share: float | None = None, pvrp_options: dict | None = None
            ) -> list[dict]:
    """Solve ``names`` of one set; ``on_row(row)`` is called after each instance (partial results).
    ``pvrp_options``: keyword arguments of the PVRP method's solver (trials of its parameters)."""
    rows: list[dict] = _RowList(on_row)
    if which == "top":
        bks = top_best_known(data)
        for name in names:
            inst = read_top(data / "top_chao" / "instances" / f"{name}.txt")
            r = solve_top(inst, time_limit, seed, tuned=top_settings == "tuned", mode=top_mode, pack_share=top_pack_share)
            r["best_known"] = bks[name]
            r["gap_pct"] = gap(r["value"], bks[name], maximise=True) if r["feasible"] else None
            rows.append(r)
            log(f"  {name}: score {r['value']:.0f} / {bks[name]:.0f}  gap {r['gap_pct']}%  feasible={r['feasible']}  {r['runtime']:.1f}s")
    elif which == "solomon":
        bks = solomon_best_known(data)
        for name in names:
            inst = read_solomon(data / "solomon_vrptw" / f"{name}.txt")
            r = solve_solomon(inst, time_limit, seed)
            r["best_known"] = bks[name]
            r["gap_pct"] = gap(r["value"], bks[name], maximise=False) if r["feasible"] else None
            rows.append(r)
            log(f"  {name}: dist {r['value']} / {bks[name]}  gap {r['gap_pct']}%  routes {r['num_routes']}  feasible={r['feasible']}  {r['runtime']:.1f}s")
    elif which == "pvrp":
        bks = pvrp_best_known(data)
        for name in names:
            inst = read_pvrp(data / "pvrp_cordeau" / "instances" / name)
            t0 = _timer()
            solver = globals()[PVRP_METHODS[pvrp_method]](inst, seed=seed, **(pvrp_options or {}))
            solver.search = PVRP_SEARCH[pvrp_search]
            r = solver.solve(time_limit)
            r |= {k: v for k, v in _spent(t0).items() if k != "runtime"}
            r["method"] = pvrp_method
            if pvrp_options:
                r["options"] = dict(pvrp_options)
            r["best_known"] = bks[name]
            r["gap_pct"] = gap(r["value"], bks[name], maximise=False) if r["feasible"] else None
            rows.append(r)
            log(f"  {name}: cost {r['value']} / {bks[name]}  gap {r['gap_pct']}%  feasible={r['feasible']}  {r['runtime']:.1f}s  rounds {r.get('rounds')}")
            if r.get("lns_failure"):
                log(f"  {name}: LNS FAILED ({r['lns_failure']}); the cost above is the best found before the failure")
    else:
        raise ValueError(which)
    return rows


class _RowList(list):
    """A list that tells ``on_row`` about every appended row (so a long run's partial results survive)."""

    def __init__(self, on_row=None):
        super().__init__()
        self.on_row = on_row

    def append(self, row) -> None:
        super().append(row)
        if self.on_row is not None:
            self.on_row(row)


def summarise(rows: list[dict]) -> dict:
    gaps = [r["gap_pct"] for r in rows if r["gap_pct"] is not None]
    failed = [r["instance"] for r in rows if r.get("lns_failure")]
    return {"instances": len(rows), "feasible": sum(bool(r["feasible"]) for r in rows),
            **({"lns_failed": failed} if failed else {}),
            "mean_gap_pct": round(float(np.mean(gaps)), 3) if gaps else None,
            "worst_gap_pct": round(float(np.max(gaps)), 3) if gaps else None,
            **{f"above_{k}pct": [r["instance"] for r in rows if r["gap_pct"] is not None and r["gap_pct"] > k + 1e-9]
               for k in (1, 2, 3)}}


def markdown(which: str, rows: list[dict], time_limit: float) -> str:
    label = {"top": "score (higher is better)", "solomon": "distance", "pvrp": "cost"}[which]
    out = [f"### {which} — {label}, {time_limit:g} s per instance", "",
           "| instance | ours | best known | gap % | feasible (verified) | time s |",
           "|---|---:|---:|---:|:---:|---:|"]
    for r in rows:
        v = "—" if r["value"] is None else (f"{r['value']:.0f}" if which == "top" else f"{r['value']:.2f}")
        g = "—" if r["gap_pct"] is None else f"{r['gap_pct']:.2f}"
        ok = ("yes" if r["feasible"] else "NO") + (" (LNS FAILED)" if r.get("lns_failure") else "")
        out.append(f"| {r['instance']} | {v} | {r['best_known']:g} | {g} | {ok} | {r['runtime']:.1f} |")
    s = summarise(rows)
    out += ["", f"mean gap {s['mean_gap_pct']} %, worst gap {s['worst_gap_pct']} %, "
                f"{s['feasible']}/{s['instances']} feasible"
                + (f", LNS failed on {', '.join(s['lns_failed'])}" if s.get("lns_failed") else ""), ""]
    return "\n".join(out)


def resolve_names(which: str, spec: str | None, quick: bool, data: Path) -> list[str]:
    subset = {"top": TOP_SUBSET, "solomon": SOLOMON_SUBSET, "pvrp": PVRP_SUBSET}[which]
    if quick and not spec:
        return QUICK[which]
    if not spec:
        return subset
    if spec.isdigit():
        return subset[: int(spec)]
    if spec == "every":
        if which == "top":
            return sorted(top_best_known(data))
        if which == "solomon":
            return sorted(solomon_best_known(data))
        return sorted(pvrp_best_known(data))
    names = [s.strip() for s in spec.split(",") if s.strip()]
    known = {"top": top_best_known, "solomon": solomon_best_known, "pvrp": pvrp_best_known}[which](data)
    return [n for n in names if n in known]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=EPILOG,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", default="all", choices=["top", "solomon", "pvrp", "all"])
    ap.add_argument("--time-limit", type=float, default=None,
                    help="seconds per instance, process CPU seconds unless --wall (default: top 10, solomon 30, pvrp 60; --quick: 2/5/10)")
    ap.add_argument("--instances", default=None,
                    help="N (first N of the representative subset), comma-separated names, or 'every' "
                         "(every instance with a best-known value: TOP sets 1-6, Solomon 56, PVRP p01-p32)")
    ap.add_argument("--part", default=None, metavar="K/N",
                    help="only every N-th of the chosen instances, starting at the K-th (0-based): split a long "
                         "run over N processes, e.g. --part 0/2 and --part 1/2")
    ap.add_argument("--reverse", action="store_true",
                    help="run the chosen instances in reverse name order (TOP: the larger sets 6, 5, 4 first)")
    ap.add_argument("--quick", action="store_true", help="a couple of instances at short time limits")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pvrp-method", default=PVRP_METHOD, choices=sorted(PVRP_METHODS),
                    help="PVRP outer search: edu (PvrpEduSolver: the compiled education of pvrp_education.py, an "
                         "iterated local search with pattern moves inside the route search, for 90 %% of the budget, "
                         "then strip-kick from its best; default since session 25), strip-kick (PvrpStripKickSolver: "
                         "segment-strip with small perturbations "
                         "in the LNS rounds, shorter rounds and kicks; default from session 21 to 24), travel (PvrpTravelSolver: quick-start "
                         "with record-to-record acceptance; default from session 7 to 20), pool (PvrpPoolSolver: travel plus a set-partitioning step over the day routes "
                         "found, session 9), pool-end (PvrpPoolEndSolver: one such step, before the polish), cg (PvrpCgSolver: column generation "
                         "priced by the step's LP duals and the combinations of an LP dive as LNS proposals, session 10), "
                         "cg-sp (PvrpCgSpSolver: column generation, then pool-end's step), lns (PvrpLnsSolver, the default of sessions 3-6), relaxed "
                         "(PvrpRelaxedSolver: the LNS from a relaxed placement of the visits), quick-start "
                         "(PvrpQuickStartSolver: shorter first solve and polish), days (PvrpDaySolver) or rounds "
                         "(PvrpSolver, the earlier method); segment, segment-local, segment-strip (route stripping, session 14), "
                         "strip-dive (segment-strip proposing the LP dive's own routes, session 15)")
    ap.add_argument("--pvrp-options", type=json.loads, default={}, metavar="JSON",
                    help='PVRP: keyword arguments of the method\'s solver, e.g. \'{"round_share": 0.05}\' (trials)')
    ap.add_argument("--pvrp-search", default="fast-penalty", choices=sorted(PVRP_SEARCH),
                    help="PVRP: search settings of every PyVRP solve: fast-penalty (default since session 6: penalties "
                         "adjusted every 50 candidates instead of 500), small-perturbation (that, and 1-4 stops perturbed "
                         "per iteration instead of 1-25; for the LNS rounds only use --pvrp-options "
                         "'{\"round_perturbations\": [1, 4]}') or default (PyVRP's own)")
    ap.add_argument("--top-search", default="tuned", choices=["tuned", "default"],
                    help="TOP search settings: tuned (penalty bounds and perturbations scaled to the instance, "
                         "top_search(); default) or default (PyVRP's own, the sessions 3-5 figures)")
    ap.add_argument("--top-mode", default=TOP_MODE, choices=sorted(TOP_MODES),
                    help=f"TOP: how PyVRP's part of the budget is spent (default {TOP_MODE}; see TOP_MODES)")
    ap.add_argument("--top-pack-share", type=float, default=TOP_PACK_SHARE,
                    help=f"TOP: share of the budget for the route-packing post-step TopPacker (default {TOP_PACK_SHARE}; 0 = none)")
    ap.add_argument("--wall", action="store_true",
                    help="time limits in wall-clock seconds (default: process CPU seconds, time.process_time(); "
                         "on a shared machine wall-clock limits measure the load as much as the solver)")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=RESULTS, help="JSON results (merged per set)")
    args = ap.parse_args(argv)
    use_wall_clock(args.wall)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not args.data.is_dir():
        print(f"benchmark data not found at {args.data}", file=sys.stderr)
        return 2
    sets = ["top", "solomon", "pvrp"] if args.set == "all" else [args.set]
    quick_time = {"top": 2.0, "solomon": 5.0, "pvrp": 10.0}
    started = _dt.datetime.now().isoformat(timespec="seconds")
    load0 = os.getloadavg()
    partial = args.out.with_suffix(".rows.jsonl")
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_text("")

    def on_row(row: dict) -> None:
        with partial.open("a") as fh:
            fh.write(json.dumps({k: v for k, v in row.items() if k != "routes"}, default=float) + "\n")

    report = {}
    md = []
    for which in sets:
        tl = args.time_limit if args.time_limit is not None else (quick_time if args.quick else DEFAULT_TIME)[which]
        names = resolve_names(which, args.instances, args.quick, args.data)
        if args.reverse:
            names = names[::-1]
        if args.part:
            k, parts = (int(v) for v in args.part.split("/"))
            names = names[k::parts]
        print(f"== {which}: {len(names)} instances at {tl:g} s", flush=True)
        rows = run_set(which, names, tl, args.data, args.seed, log=lambda s: print(s, flush=True),
                       pvrp_method=args.pvrp_method, on_row=on_row, top_settings=args.top_search,
                       pvrp_search=args.pvrp_search, top_mode=args.top_mode, top_pack_share=args.top_pack_share,
                       pvrp_options=args.pvrp_options)
        table = markdown(which, rows, tl)
        md.append(table)
        print(table, flush=True)
        report[which] = {"time_limit_s": tl, "summary": summarise(rows),
                         **({"method": args.pvrp_method} if which == "pvrp" else {}),
                         **({"search": args.top_search, "mode": args.top_mode, "pack_share": args.top_pack_share}
                            if which == "top" else {}),
                         **({"search": args.pvrp_search, "options": args.pvrp_options} if which == "pvrp" else {}),
                         "rows": [{k: v for k, v in r.items() if k != "routes"} | {"routes": r.get("routes")} for r in rows]}
    meta = {"date": _dt.datetime.now().isoformat(timespec="seconds"), "started": started,
            "command": " ".join([Path(sys.argv[0]).name] + (argv if argv is not None else sys.argv[1:])),
            "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                        "python": platform.python_version(), "cpus": os.cpu_count()},
            "seed": args.seed, "clock": "wall-clock seconds" if args.wall else "process CPU seconds",
            "load_average_at_start": load0, "load_average_at_end": os.getloadavg()}
    try:
        from importlib.metadata import version
        meta["pyvrp"] = version("pyvrp")
    except Exception:  # pragma: no cover
        pass
    args.out.parent.mkdir(parents=True, exist_ok=True)
    merged = {}
    if args.out.exists():
        try:
            merged = json.loads(args.out.read_text())
        except json.JSONDecodeError:
            merged = {}
    merged.setdefault("sets", {})
    for which, val in report.items():
        merged["sets"][which] = val | {"meta": meta}
    merged["last_run"] = meta
    args.out.write_text(json.dumps(merged, indent=1, default=float))
    partial.unlink(missing_ok=True)
    print(f"wrote {args.out}")
    failed = [name for val in report.values() for name in val["summary"].get("lns_failed", [])]
    if failed:
        print(f"PVRP combination LNS failed on {', '.join(failed)} (see the log above and 'lns_failure' "
              f"in {args.out})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
