"""Route-segment combination swaps for the PVRP LNS of ``optimizer_quality.py`` (``--pvrp-method segment``).

A *segment* is a run of consecutive customers of one route that have a combination choice and share their current
combination ``c1`` (on a route of ray-shaped instances: the inner or the outer part of a ray). A *segment swap*
moves a segment ``S`` to another combination ``c2`` allowed for all its customers and, optionally, a segment ``T``
of combination ``c2`` on a nearby route the other way (to ``c1``), so the days' loads stay about where they were.
Removal and insertion (cheapest position, route overload priced as in the LNS's estimates) give the estimated change
of the touched days' routes; the best of a sample is the LNS round's proposal, re-solved and judged like any other.

*Route stripping* (:func:`route_empty` with ``strip``, ``--pvrp-method segment-strip``): every customer of a route
that may leave its day does so (cheapest estimated combination or day without it); with a second, nearby route
stripped too when both keep customers fixed to the day, the two remainders can merge in the re-solve. This is what
reaches unbalanced plans (a day with one route fewer), which single-customer moves never do.
"""

from __future__ import annotations

import math
import warnings

import numpy as np


def day_cost(solver, routes: list[list[int]], d: int) -> float:
    """Scaled length of a day's routes plus the LNS's prices of route overload and duration excess."""
    inst, D = solver.inst, solver.dist
    limit = math.floor(inst.duration[d] * solver.scale + 1e-6) if inst.duration[d] > 0 else None
    total = 0.0
    for r in routes:
        path = [0] + r + [0]
        length = sum(D[a, b] for a, b in zip(path, path[1:]))
        total += length + solver.lam * max(0, sum(inst.demand[v] for v in r) - inst.capacity[d])
        if limit is not None:
            total += solver.mu * max(0.0, length + sum(solver.svc[v] for v in r) - limit)
    return total


def segment_runs(solver, days, combo) -> list[tuple[int, int, int, int]]:
    """Maximal runs (day, route index, start, end) of choice customers with one combination in a route."""
    choice = solver._choice_set
    out = []
    for d, routes in enumerate(days):
        for ri, r in enumerate(routes):
            p = 0
            while p < len(r):
                if r[p] not in choice:
                    p += 1
                    continue
                q = p + 1
                while q < len(r) and r[q] in choice and combo[r[q]] == combo[r[p]]:
                    q += 1
                out.append((d, ri, p, q))
                p = q
    return out


def _sub(rng, start: int, end: int, longest: int) -> tuple[int, int]:
    k = int(rng.integers(1, min(longest, end - start) + 1))
    a = int(rng.integers(start, end - k + 1))
    return a, a + k


def apply_swap(solver, days, combo, s: list[int], c1, c2, t: list[int]) -> float:
    """Move ``s`` from ``c1`` to ``c2`` and ``t`` from ``c2`` to ``c1`` in place; returns the estimated change."""
    touched = sorted(set(c1) | set(c2))
    before = sum(day_cost(solver, days[d], d) for d in touched)
    for i in s:
        solver._remove(days, i, [d for d in c1 if d not in c2])
    for i in t:
        solver._remove(days, i, [d for d in c2 if d not in c1])
    for i in s:
        for d in c2:
            if d not in c1:
                solver._insert(days, d, i)
        combo[i] = c2
    for i in t:
        for d in c1:
            if d not in c2:
                solver._insert(days, d, i)
        combo[i] = c1
    return sum(day_cost(solver, days[d], d) for d in touched) - before


def _partners(solver, days, combo, runs, s: list[int], c1, c2, per_s: int) -> list[list[int]]:
    """Segments of combination ``c2`` that may take ``c1``, on routes near ``s``: sub-runs, sampled."""
    near = set()
    for i in s:
        near.update(solver._near[i])
    out: list[list[int]] = [[]]
    for d, ri, a, b in runs:
        r = days[d][ri]
        if combo[r[a]] != c2 or not near.intersection(r[a:b]):
            continue
        if any(c1 not in solver.inst.combos[v] for v in r[a:b]):
            continue
        for _ in range(2):
            x, y = _sub(solver.rng, a, b, len(s) + 2)
            out.append(r[x:y])
    if len(out) > per_s:
        keep = solver.rng.choice(len(out) - 1, size=per_s - 1, replace=False)
        out = [out[0]] + [out[1 + int(k)] for k in keep]
    return out


def segment_swap(solver, days, combo, seen: set, samples: int = 12, per_s: int = 12, longest: int = 6):
    """The best estimated segment swap of ``samples`` random segments, as (days, combo), or None."""
    runs = segment_runs(solver, days, combo)
    if not runs:
        return None
    return solver.best_unseen(_segment_proposals(solver, days, combo, runs, samples, per_s, longest), seen)


def _segment_proposals(solver, days, combo, runs, samples: int, per_s: int, longest: int):
    rng = solver.rng
    for _ in range(samples):
        d, ri, a, b = runs[int(rng.integers(len(runs)))]
        x, y = _sub(rng, a, b, longest)
        s = days[d][ri][x:y]
        c1 = combo[s[0]]
        allowed = [c for c in solver.inst.combos[s[0]] if c != c1 and all(c in solver.inst.combos[v] for v in s)]
        if not allowed:
            continue
        c2 = allowed[int(rng.integers(len(allowed)))]
        for t in _partners(solver, days, combo, runs, s, c1, c2, per_s):
            d2, k2 = solver._copy(days), dict(combo)
            est = apply_swap(solver, d2, k2, s, c1, c2, t)
            yield est, d2, k2, frozenset(k2.items())


def _length(solver, days) -> float:
    real = solver.real
    return sum(sum(real[a, b] for a, b in zip([0] + r, r + [0])) for rs in days for r in rs)


def local_resolve(solver, routes: list[list[int]], d: int, spare: int, seconds: float, seed: int,
                  no_improvement: int) -> list[list[int]] | None:
    """``routes`` of day ``d`` re-solved alone (with ``spare`` more vehicles) by PyVRP; None when not feasible."""
    from optimizer_quality import RoutingModel, Stop, Vehicle, solve_model

    inst, ls = solver.inst, solver.load_scale
    custs = [v for r in routes for v in r]
    if not custs:
        return []
    loc = [0] + custs
    sub = solver.dist[np.ix_(loc, loc)]
    model = RoutingModel([sub], [sub])
    limit = int(math.floor(inst.duration[d] * solver.scale + 1e-6)) if inst.duration[d] > 0 else None
    model.add_vehicle(Vehicle(start=0, end=0, tw_early=0, tw_late=solver.H, capacity=inst.capacity[d] * ls,
                              max_duration=limit, unit_distance_cost=1, unit_duration_cost=0,
                              num_available=len(routes) + spare, name=f"day{d}"))
    for j, c in enumerate(custs):
        model.add_stop(Stop(location=j + 1, tw_early=0, tw_late=solver.H, service=int(solver.svc[c]), required=True,
                            demand=int(inst.demand[c]) * ls))
    pos = {c: j for j, c in enumerate(custs)}
    init = [(0, [pos[v] for v in r]) for r in routes if r]
    with warnings.catch_warnings():  # a warm start far over capacity saturates the load penalty: expected
        warnings.filterwarnings("ignore", message="(?s).*penalty parameter has reached its maximum.*")
        res = solve_model(model, seconds, seed=seed, initial_routes=init, no_improvement=no_improvement,
                          search=solver.search)
    new = [[custs[s] for s, _, _ in r.visits] for r in res.routes]
    if sum(len(r) for r in new) != len(custs) or not all(solver._route_ok(r, d) for r in new):
        return None
    return new


def _centroid(solver, r: list[int]) -> np.ndarray:
    return solver.inst.xy[r].mean(axis=0)


def reoptimise_touched(solver, before, after, seconds: float, seed: int, extra: int = 2,
                       no_improvement: int = 300):
    """Re-solve, day by day, the routes of ``after`` that differ from ``before`` and their ``extra`` nearest
    routes (by centroid); in place. False when a day's re-solve is not feasible."""
    for d in range(len(after)):
        old = {tuple(r) for r in before[d]}
        changed = [k for k, r in enumerate(after[d]) if tuple(r) not in old]
        gone = len(before[d]) - (len(after[d]) - len(changed))  # routes of ``before`` no longer there
        if not changed and gone == 0:
            continue
        sel = set(changed)
        rest = [k for k in range(len(after[d])) if k not in sel]
        for k in changed:
            if not rest:
                break
            c = _centroid(solver, after[d][k])
            rest.sort(key=lambda j: float(np.hypot(*(_centroid(solver, after[d][j]) - c))))
            for j in rest[:extra]:
                sel.add(j)
            rest = [j for j in rest if j not in sel]
        idx = sorted(sel)
        spare = solver.inst.m - len(after[d])
        new = local_resolve(solver, [after[d][k] for k in idx], d, max(0, spare), seconds, seed + d, no_improvement)
        if new is None:
            return False
        after[d] = [r for k, r in enumerate(after[d]) if k not in sel] + [r for r in new if r]
    return True


def local_phase(solver, days, combo, seconds: float, now, stats: dict, per_day: float = 0.3):
    """Segment swaps, each judged by re-solving the touched routes (:func:`reoptimise_touched`); improving
    ones are kept. Returns the routes and combinations reached (the LNS's next proposal)."""
    end = now() + seconds
    cur_days, cur_combo = solver._copy(days), dict(combo)
    cur = _length(solver, cur_days)
    seen: set = set()
    k = 0
    while now() < end - 0.05:
        empty = solver.rng.random() < solver.empty_prob
        out = (route_empty(solver, cur_days, cur_combo, seen) if empty
               else segment_swap(solver, cur_days, cur_combo, seen, samples=6, per_s=8))
        if out is None:
            continue
        new_days, new_combo = out
        k += 1
        if not reoptimise_touched(solver, cur_days, new_days, min(per_day, max(0.01, end - now())),
                                  seed=solver.seed + 7 * k):
            stats["infeasible"] = stats.get("infeasible", 0) + 1
            continue
        cost = _length(solver, new_days)
        stats["tried"] = stats.get("tried", 0) + 1
        if cost < cur - 1e-6:
            stats["improved"] = stats.get("improved", 0) + 1
            kind = "empty" if empty else "swap"
            stats[kind] = stats.get(kind, 0) + 1
            stats["gain"] = stats.get("gain", 0.0) + cur - cost
            cur_days, cur_combo, cur = new_days, new_combo, cost
            seen = set()
    return cur_days, cur_combo


def _nearest_route(solver, routes: list[list[int]], k: int) -> int | None:
    c = _centroid(solver, routes[k])
    rest = [j for j in range(len(routes)) if j != k]
    return min(rest, key=lambda j: float(np.hypot(*(_centroid(solver, routes[j]) - c)))) if rest else None


def _can_leave(solver, v: int, d: int) -> bool:
    """Whether customer ``v`` has an allowed combination (or day) without day ``d`` that the LNS may give it."""
    return (v in solver._single_set or v in solver._choice_set) and any(d not in c for c in solver.inst.combos[v])


def route_empty(solver, days, combo, seen: set, samples: int = 4, strip: bool = False, pair: float = 1.0):
    """Empty one route: every customer of a random route of a random day leaves that day for its cheapest
    (estimated) combination without it. Only routes whose customers can all leave the day are tried; the best
    estimate of ``samples`` routes, as (days, combo), or None.

    With ``strip`` the customers that cannot leave the day stay (the route keeps them), and (with probability
    ``pair``) the route nearest to it on that day is stripped as well when both keep such a customer, so what
    stays of the two may merge into one route in the re-solve.
    """
    return solver.best_unseen(_strip_proposals(solver, days, combo, samples, strip, pair), seen)


def _strip_proposals(solver, days, combo, samples: int, strip: bool, pair: float):
    inst, rng = solver.inst, solver.rng
    single = solver._single_set
    cands = [(d, k) for d in range(inst.t) for k in range(len(days[d]))]
    for _ in range(samples):
        d, k = cands[int(rng.integers(len(cands)))]
        ks = [k]
        if strip and rng.random() < pair:
            j = _nearest_route(solver, days[d], k)
            # a pair only when both routes keep a customer that cannot leave the day: the remainders may merge
            if j is not None and not all(_can_leave(solver, v, d) for v in days[d][k]) \
                    and not all(_can_leave(solver, v, d) for v in days[d][j]):
                ks.append(j)
        r = [v for q in ks for v in days[d][q] if _can_leave(solver, v, d)]
        if not r or (not strip and len(r) < len(days[d][k])):
            continue
        d2, k2 = solver._copy(days), dict(combo)
        touched = set(range(inst.t))
        before = sum(day_cost(solver, d2[x], x) for x in touched)
        gone = set(r)
        d2[d] = [q2 for q2 in ([v for v in q if v not in gone] for q in d2[d]) if q2]
        ok = True
        for v in r:
            cur = (d,) if v in single else k2[v]
            opts = [c for c in inst.combos[v] if d not in c]
            if not opts:
                ok = False
                break
            best_c, best_val = None, math.inf
            for c in opts:
                val = sum(solver._pen_insert(d2, x, v)[0] for x in c if x not in cur)
                if val < best_val:
                    best_c, best_val = c, val
            solver._remove(d2, v, [x for x in cur if x not in best_c and x != d])
            for x in best_c:
                if x not in cur:
                    solver._insert(d2, x, v)
            if v not in single:
                k2[v] = best_c
        if not ok:
            continue
        est = sum(day_cost(solver, d2[x], x) for x in touched) - before
        yield est, d2, k2, (frozenset(k2.items()), d, tuple(sorted(r)))
