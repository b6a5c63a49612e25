"""A compiled PVRP education step: local search that changes visit patterns inside the route search.

Why (issue #12, sessions 13-24): the PVRP gap that remains is the choice of day combinations. The LNS of
``optimizer_quality.py`` judges every candidate combination set by one joint PyVRP re-solve (0.2-0.4 CPU-s, about
100 per run), and PyVRP cannot change a pattern inside its own route search (it has no linked visits across days).
This module does what Vidal's HGS and Cordeau's tabu search do instead: one local search over all days in which a
*pattern move* (a customer leaves the days of its combination and joins the days of another, at the cheapest
positions) sits beside the route moves (relocate, swap, 2-opt, 2-opt*, each on the customer's granular neighbours).
Compiled with numba, one education takes milliseconds, so an iterated local search (cluster ruin-and-recreate across
all days, then education) judges thousands of combination sets per run. Its best solution is the warm start of a
PyVRP polish (``PvrpEduSolver`` in ``optimizer_quality.py``).

Capacity and duration excesses are penalised (``pc``, ``pd`` per unit), adapted towards 20-40 % feasible educations
as in HGS; an infeasible result is repaired by educating again with ten, then a hundred times the penalties.

Hot loops are written out inside one function per customer and day: numba reference-counts every array passed to a
function, and helpers taking the state's tuples, called per position, cost about 250 ns each (BENCHMARKS.md,
session 25).
Distances are the real (floating-point) Euclidean distances the PVRP benchmark is scored in.
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit

EPS = 1e-7


# -- route bookkeeping ---------------------------------------------------------------------------------------------
@njit(cache=True)
def _pen(dist, load, svc, cap, dur, pc, pd):
    c = dist
    if load > cap:
        c += pc * (load - cap)
    if dur > 0.0:
        t = dist + svc
        if t > dur:
            c += pd * (t - dur)
    return c


@njit(cache=True)
def _recompute(S, P, d, r):
    rt, rlen, wr, wp, rs, cum = S[0], S[1], S[2], S[3], S[4], S[5]
    D, dem, svc = P[0], P[1], P[2]
    n = rlen[d, r]
    prev = 0
    dist = 0.0
    load = 0.0
    sv = 0.0
    for p in range(n):
        v = rt[d, r, p]
        dist += D[prev, v]
        load += dem[v]
        sv += svc[v]
        cum[d, r, p, 0] = dist
        cum[d, r, p, 1] = load
        cum[d, r, p, 2] = sv
        wr[d, v] = r
        wp[d, v] = p
        prev = v
    dist += D[prev, 0]
    rs[d, r, 0] = dist
    rs[d, r, 1] = load
    rs[d, r, 2] = sv
    # a new version of the route: cached insertion costs into it are stale
    S[7][d, r] = S[8][0]
    S[8][0] += 1


@njit(cache=True)
def _set_route(S, P, d, r, seq, n):
    rt, rlen = S[0], S[1]
    for p in range(n):
        rt[d, r, p] = seq[p]
    rlen[d, r] = n
    _recompute(S, P, d, r)


@njit(cache=True)
def _at(S, d, r, p):
    """Customer at position ``p`` of route ``r`` on day ``d``, the depot (0) outside the route."""
    if p < 0 or p >= S[1][d, r]:
        return 0
    return S[0][d, r, p]


@njit(cache=True)
def _nb(rt, rlen, d, r, p):
    """:func:`_at` on the route arrays alone."""
    if p < 0 or p >= rlen[d, r]:
        return 0
    return rt[d, r, p]


@njit(cache=True)
def _rpen(S, P, d, r, pc, pd):
    rs = S[4]
    return _pen(rs[d, r, 0], rs[d, r, 1], rs[d, r, 2], P[3][d], P[4][d], pc, pd)


@njit(cache=True)
def _seq_dist(D, seq, n):
    prev = 0
    dist = 0.0
    for p in range(n):
        dist += D[prev, seq[p]]
        prev = seq[p]
    return dist + D[prev, 0]


@njit(cache=True)
def _rm_delta(S, P, d, u, pc, pd):
    """Penalised cost change of route ``wr[d, u]`` when ``u`` leaves it."""
    wr, wp, rs = S[2], S[3], S[4]
    D, dem, svc = P[0], P[1], P[2]
    r, p = wr[d, u], wp[d, u]
    a, b = _at(S, d, r, p - 1), _at(S, d, r, p + 1)
    nd = rs[d, r, 0] - D[a, u] - D[u, b] + D[a, b]
    return _pen(nd, rs[d, r, 1] - dem[u], rs[d, r, 2] - svc[u], P[3][d], P[4][d], pc, pd) - _rpen(S, P, d, r, pc, pd)


@njit(cache=True)
def _route_best_ins(rt, n, D, dist, load, svc, cap, dur, pc, pd, d, r, u, du, su):
    """Cheapest penalised insertion of ``u`` into one route: (delta, position). The arithmetic is written out:
    numba's reference counting makes a call per position (passing the state's arrays) cost ~20 times the work."""
    old = dist
    if load > cap:
        old += pc * (load - cap)
    if dur > 0.0 and dist + svc > dur:
        old += pd * (dist + svc - dur)
    base = 0.0
    nl = load + du
    if nl > cap:
        base += pc * (nl - cap)
    ns = svc + su
    best, bq = np.inf, -1
    x = 0
    for p in range(n + 1):
        y = rt[d, r, p] if p < n else 0
        nd = dist + D[x, u] + D[u, y] - D[x, y]
        c = nd + base
        if dur > 0.0 and nd + ns > dur:
            c += pd * (nd + ns - dur)
        if c < best:
            best, bq = c, p
        x = y
    return best - old, bq


@njit(cache=True)
def _cache(S):
    """An empty insertion cache (cost, position, route version per customer, day and route). Valid while the
    penalties stay fixed (one education, one construction, one ruin-and-recreate): route versions only grow."""
    T, M, N = S[0].shape[0], S[0].shape[1], S[0].shape[2]
    return np.empty((N, T, M)), np.empty((N, T, M), np.int64), np.full((N, T, M), -1, np.int64)


@njit(cache=True)
def _best_ins(S, P, d, u, pc, pd, C):
    """Cheapest penalised insertion of ``u`` on day ``d`` (u not on it): (delta, route, position), with the cheapest
    insertion into each route cached until the route changes (``C``, see :func:`_cache`).
    Why: the pattern move asks for the same insertions pass after pass, and most routes do not change between."""
    rlen, rver = S[1], S[7]
    cc, cp, cv = C
    M = rlen.shape[1]
    best, br, bp = np.inf, -1, -1
    empty_seen = False
    for r in range(M):
        n = rlen[d, r]
        if n == 0:
            if empty_seen:
                continue
            empty_seen = True
        if n > 0 and cv[u, d, r] == rver[d, r]:
            dl, q = cc[u, d, r], cp[u, d, r]
        else:
            dl, q = _route_best_ins(S[0], n, P[0], S[4][d, r, 0], S[4][d, r, 1], S[4][d, r, 2], P[3][d], P[4][d],
                                    pc, pd, d, r, u, P[1][u], P[2][u])
            cc[u, d, r], cp[u, d, r], cv[u, d, r] = dl, q, rver[d, r]
        if dl < best:
            best, br, bp = dl, r, q
    return best, br, bp


@njit(cache=True)
def _remove(S, P, d, u, buf):
    rt, rlen, wr, wp = S[0], S[1], S[2], S[3]
    r, p = wr[d, u], wp[d, u]
    n = rlen[d, r]
    k = 0
    for q in range(n):
        if q != p:
            buf[k] = rt[d, r, q]
            k += 1
    _set_route(S, P, d, r, buf, k)
    wr[d, u] = -1
    wp[d, u] = -1


@njit(cache=True)
def _insert(S, P, d, u, r, p, buf):
    rt, rlen = S[0], S[1]
    n = rlen[d, r]
    k = 0
    for q in range(n + 1):
        if q == p:
            buf[k] = u
            k += 1
        if q < n:
            buf[k] = rt[d, r, q]
            k += 1
    _set_route(S, P, d, r, buf, k)


# -- route moves of one day ----------------------------------------------------------------------------------------
@njit(cache=True)
def _intra_relocate(rt, rlen, rs, D, cu, cv, d, r, u, v, after, pc, pd, buf):
    """Delta of moving ``u`` next to ``v`` (after or before) inside their common route ``r``; ``buf`` gets the new
    order."""
    n = rlen[d, r]
    k = 0
    for q in range(n):
        w = rt[d, r, q]
        if w == u:
            continue
        if w == v and not after:
            buf[k] = u
            k += 1
        buf[k] = w
        k += 1
        if w == v and after:
            buf[k] = u
            k += 1
    nd = _seq_dist(D, buf, n)
    return (_pen(nd, rs[d, r, 1], rs[d, r, 2], cu, cv, pc, pd)
            - _pen(rs[d, r, 0], rs[d, r, 1], rs[d, r, 2], cu, cv, pc, pd))


@njit(cache=True)
def _try_node(S, P, d, u, pc, pd, b1, b2):
    """Route moves of ``u`` with each granular neighbour ``v`` on day ``d``, first improvement; True when one
    was applied. One call per customer and day: the loop over neighbours stays inside (see ``_route_best_ins``)."""
    rt, rlen, wr, wp, rs, cum = S[0], S[1], S[2], S[3], S[4], S[5]
    D, dem, svc, cap, dur = P[0], P[1], P[2], P[3], P[4]
    nbu = P[7]
    moved = False
    for k in range(nbu.shape[1]):
        v = nbu[u, k]
        if wr[d, v] < 0:
            continue
        ru, pu, rv, pv = wr[d, u], wp[d, u], wr[d, v], wp[d, v]
        cu, cv = cap[d], dur[d]
        if ru != rv:
            # written out with the state's arrays (numba's reference counting makes calls passing S and P costly)
            ou = _pen(rs[d, ru, 0], rs[d, ru, 1], rs[d, ru, 2], cu, cv, pc, pd)
            ov = _pen(rs[d, rv, 0], rs[d, rv, 1], rs[d, rv, 2], cu, cv, pc, pd)
            a, b = _nb(rt, rlen, d, ru, pu - 1), _nb(rt, rlen, d, ru, pu + 1)
            rm = _pen(rs[d, ru, 0] - D[a, u] - D[u, b] + D[a, b], rs[d, ru, 1] - dem[u], rs[d, ru, 2] - svc[u],
                      cu, cv, pc, pd) - ou
            # relocate u after v, then before v
            done = False
            for side in range(2):
                if side == 0:
                    x, y, q = v, _nb(rt, rlen, d, rv, pv + 1), pv + 1
                else:
                    x, y, q = _nb(rt, rlen, d, rv, pv - 1), v, pv
                ins = _pen(rs[d, rv, 0] + D[x, u] + D[u, y] - D[x, y], rs[d, rv, 1] + dem[u], rs[d, rv, 2] + svc[u],
                           cu, cv, pc, pd) - ov
                if rm + ins < -EPS:
                    _remove(S, P, d, u, b1)
                    _insert(S, P, d, u, rv, q, b1)
                    done = True
                    break
            if done:
                moved = True
                continue
            # swap u and v
            a, b = _nb(rt, rlen, d, ru, pu - 1), _nb(rt, rlen, d, ru, pu + 1)
            c, e = _nb(rt, rlen, d, rv, pv - 1), _nb(rt, rlen, d, rv, pv + 1)
            du = rs[d, ru, 0] - D[a, u] - D[u, b] + D[a, v] + D[v, b]
            dv = rs[d, rv, 0] - D[c, v] - D[v, e] + D[c, u] + D[u, e]
            nu = _pen(du, rs[d, ru, 1] - dem[u] + dem[v], rs[d, ru, 2] - svc[u] + svc[v], cu, cv, pc, pd)
            nv = _pen(dv, rs[d, rv, 1] - dem[v] + dem[u], rs[d, rv, 2] - svc[v] + svc[u], cu, cv, pc, pd)
            if nu + nv - ou - ov < -EPS:
                rt[d, ru, pu] = v
                rt[d, rv, pv] = u
                _recompute(S, P, d, ru)
                _recompute(S, P, d, rv)
                moved = True
                continue
            # 2-opt*: (a) A[..pu] + B[pv+1..] and B[..pv] + A[pu+1..]; (b) A[..pu] + rev(B[..pv]) and rev(A[pu+1..]) + B[pv+1..]
            na, nb = rlen[d, ru], rlen[d, rv]
            ta = rs[d, ru, 0] - cum[d, ru, pu + 1, 0] if pu + 1 < na else 0.0  # A[pu+1] .. depot
            tb = rs[d, rv, 0] - cum[d, rv, pv + 1, 0] if pv + 1 < nb else 0.0
            a1 = _nb(rt, rlen, d, ru, pu + 1)
            b1_ = _nb(rt, rlen, d, rv, pv + 1)
            la, lb = cum[d, ru, pu, 1], cum[d, rv, pv, 1]
            sa, sb = cum[d, ru, pu, 2], cum[d, rv, pv, 2]
            ra, rb = rs[d, ru, 1] - la, rs[d, rv, 1] - lb  # loads of the tails
            qa, qb = rs[d, ru, 2] - sa, rs[d, rv, 2] - sb
            # (a)
            da = cum[d, ru, pu, 0] + D[u, b1_] + tb
            db = cum[d, rv, pv, 0] + D[v, a1] + ta
            if _pen(da, la + rb, sa + qb, cu, cv, pc, pd) + _pen(db, lb + ra, sb + qa, cu, cv, pc, pd) - ou - ov < -EPS:
                k1 = 0
                for q in range(pu + 1):
                    b1[k1] = rt[d, ru, q]
                    k1 += 1
                for q in range(pv + 1, nb):
                    b1[k1] = rt[d, rv, q]
                    k1 += 1
                k2 = 0
                for q in range(pv + 1):
                    b2[k2] = rt[d, rv, q]
                    k2 += 1
                for q in range(pu + 1, na):
                    b2[k2] = rt[d, ru, q]
                    k2 += 1
                _set_route(S, P, d, ru, b1, k1)
                _set_route(S, P, d, rv, b2, k2)
                moved = True
                continue
            # (b)
            da = cum[d, ru, pu, 0] + D[u, v] + cum[d, rv, pv, 0]
            if pu + 1 < na and pv + 1 < nb:
                db = ta + D[a1, b1_] + tb
            elif pu + 1 < na:
                db = ta + D[a1, 0]
            elif pv + 1 < nb:
                db = D[0, b1_] + tb
            else:
                db = 0.0
            if _pen(da, la + lb, sa + sb, cu, cv, pc, pd) + _pen(db, ra + rb, qa + qb, cu, cv, pc, pd) - ou - ov < -EPS:
                k1 = 0
                for q in range(pu + 1):
                    b1[k1] = rt[d, ru, q]
                    k1 += 1
                for q in range(pv, -1, -1):
                    b1[k1] = rt[d, rv, q]
                    k1 += 1
                k2 = 0
                for q in range(na - 1, pu, -1):
                    b2[k2] = rt[d, ru, q]
                    k2 += 1
                for q in range(pv + 1, nb):
                    b2[k2] = rt[d, rv, q]
                    k2 += 1
                _set_route(S, P, d, ru, b1, k1)
                _set_route(S, P, d, rv, b2, k2)
                moved = True
                continue
            continue
        # same route: relocate after / before, swap, 2-opt
        r = ru
        n = rlen[d, r]
        o = _pen(rs[d, r, 0], rs[d, r, 1], rs[d, r, 2], cu, cv, pc, pd)
        done = False
        for side in range(2):
            if (side == 0 and pv + 1 == pu) or (side == 1 and pu + 1 == pv):
                continue
            if _intra_relocate(rt, rlen, rs, D, cu, cv, d, r, u, v, side == 0, pc, pd, b1) < -EPS:
                _set_route(S, P, d, r, b1, n)
                done = True
                break
        if done:
            moved = True
            continue
        for q in range(n):
            b1[q] = rt[d, r, q]
        b1[pu], b1[pv] = v, u
        if _pen(_seq_dist(D, b1, n), rs[d, r, 1], rs[d, r, 2], cu, cv, pc, pd) - o < -EPS:
            _set_route(S, P, d, r, b1, n)
            moved = True
            continue
        if pu < pv - 1:
            i, j = pu + 1, pv  # reverse i..j: u next to v
            w = _nb(rt, rlen, d, r, j + 1)
            delta = D[u, v] + D[rt[d, r, i], w] - D[u, rt[d, r, i]] - D[v, w]
        elif pv < pu - 1:
            i, j = pv, pu - 1  # reverse i..j: v next to u
            w = _nb(rt, rlen, d, r, i - 1)
            delta = D[w, rt[d, r, j]] + D[v, u] - D[w, v] - D[rt[d, r, j], u]
        else:
            continue
        nd = rs[d, r, 0] + delta
        if _pen(nd, rs[d, r, 1], rs[d, r, 2], cu, cv, pc, pd) - o < -EPS:
            for q in range(n):
                b1[q] = rt[d, r, q]
            for q in range(j - i + 1):
                b1[i + q] = rt[d, r, j - q]
            _set_route(S, P, d, r, b1, n)
            moved = True
    return moved


@njit(cache=True)
def _try_empty(S, P, d, u, pc, pd, buf):
    """Move ``u`` to an empty route of its day when that is cheaper (it relieves an overloaded route)."""
    rlen = S[1]
    M = rlen.shape[1]
    ru = S[2][d, u]
    if rlen[d, ru] <= 1:
        return False
    for r in range(M):
        if rlen[d, r] == 0:
            D, dem, svc = P[0], P[1], P[2]
            new = _pen(2.0 * D[0, u], dem[u], svc[u], P[3][d], P[4][d], pc, pd)
            if _rm_delta(S, P, d, u, pc, pd) + new < -EPS:
                _remove(S, P, d, u, buf)
                _insert(S, P, d, u, r, 0, buf)
                return True
            return False
    return False


# -- the pattern move ----------------------------------------------------------------------------------------------
@njit(cache=True)
def _try_pattern(S, P, u, pc, pd, buf, C):
    """Best improving change of ``u``'s combination: leave the days it drops (exact saving), join the days it gains
    (cheapest penalised insertion). Applied, True, when one improves."""
    wr, cmb = S[2], S[6]
    masks, nc = P[5], P[6]
    T = wr.shape[0]
    cur = masks[u, cmb[u]]
    rm = np.zeros(T)
    for d in range(T):
        if (cur >> d) & 1:
            rm[d] = _rm_delta(S, P, d, u, pc, pd)
    ins_r = np.full(T, -1, np.int64)
    ins_p = np.full(T, -1, np.int64)
    best, bc = -EPS, -1
    br = np.full(T, -1, np.int64)
    bp = np.full(T, -1, np.int64)
    for c in range(nc[u]):
        if c == cmb[u]:
            continue
        m = masks[u, c]
        tot = 0.0
        for d in range(T):
            if (cur >> d) & 1 and not (m >> d) & 1:
                tot += rm[d]
        for d in range(T):
            if (m >> d) & 1 and not (cur >> d) & 1:
                dl, r, p = _best_ins(S, P, d, u, pc, pd, C)
                tot += dl
                ins_r[d], ins_p[d] = r, p
                if tot >= best:
                    break
        if tot < best:
            best, bc = tot, c
            for d in range(T):
                br[d], bp[d] = ins_r[d], ins_p[d]
    if bc < 0:
        return False
    _apply_pattern(S, P, u, bc, br, bp, buf)
    return True


@njit(cache=True)
def _apply_pattern(S, P, u, c, br, bp, buf):
    wr, cmb = S[2], S[6]
    masks = P[5]
    T = wr.shape[0]
    cur = masks[u, cmb[u]] if cmb[u] >= 0 else 0
    m = masks[u, c]
    for d in range(T):
        if (cur >> d) & 1 and not (m >> d) & 1:
            _remove(S, P, d, u, buf)
    for d in range(T):
        if (m >> d) & 1 and not (cur >> d) & 1:
            _insert(S, P, d, u, br[d], bp[d], buf)
    cmb[u] = c


@njit(cache=True)
def _insert_best_combo(S, P, u, pc, pd, noise, buf, C):
    """Insert an unplaced ``u`` with the combination of cheapest total insertion (times 1 + noise * U(0, 1))."""
    masks, nc = P[5], P[6]
    T = S[2].shape[0]
    best, bc = np.inf, -1
    br = np.full(T, -1, np.int64)
    bp = np.full(T, -1, np.int64)
    ins_r = np.full(T, -1, np.int64)
    ins_p = np.full(T, -1, np.int64)
    for c in range(nc[u]):
        m = masks[u, c]
        tot = 0.0
        for d in range(T):
            if (m >> d) & 1:
                dl, r, p = _best_ins(S, P, d, u, pc, pd, C)
                tot += dl
                ins_r[d], ins_p[d] = r, p
        if noise > 0.0:
            tot *= 1.0 + noise * np.random.random()  # noqa: NPY002 - numba compiles the legacy API only
        if tot < best:
            best, bc = tot, c
            for d in range(T):
                br[d], bp[d] = ins_r[d], ins_p[d]
    S[6][u] = -1
    _apply_pattern(S, P, u, bc, br, bp, buf)


@njit(cache=True)
def _unplace(S, P, u, buf):
    wr = S[2]
    for d in range(wr.shape[0]):
        if wr[d, u] >= 0:
            _remove(S, P, d, u, buf)
    S[6][u] = -1


# -- education, perturbation, cost ---------------------------------------------------------------------------------
@njit(cache=True)
def educate(S, P, pc, pd, max_passes):
    """Local search to a local optimum of the penalised cost: route moves on every day with the granular
    neighbours, the empty-route move and the pattern move; customers in random order, first improvement."""
    wr = S[2]
    nc = P[6]
    T, N = wr.shape[0], wr.shape[1]
    b1 = np.empty(N, np.int64)
    b2 = np.empty(N, np.int64)
    C = _cache(S)
    order = np.arange(1, N)
    passes = 0
    improved = True
    while improved and passes < max_passes:
        improved = False
        passes += 1
        np.random.shuffle(order)  # noqa: NPY002 - numba compiles the legacy API only
        for u in order:
            for d in range(T):
                if wr[d, u] < 0:
                    continue
                if _try_node(S, P, d, u, pc, pd, b1, b2):
                    improved = True
                if _try_empty(S, P, d, u, pc, pd, b1):
                    improved = True
            if nc[u] > 1 and _try_pattern(S, P, u, pc, pd, b1, C):
                improved = True
    return passes


@njit(cache=True)
def cost(S, P):
    """(distance, capacity excess, duration excess) summed over all routes."""
    rlen, rs = S[1], S[4]
    cap, dur = P[3], P[4]
    T, M = rlen.shape[0], rlen.shape[1]
    dist = 0.0
    ex_l = 0.0
    ex_t = 0.0
    for d in range(T):
        for r in range(M):
            if rlen[d, r] == 0:
                continue
            dist += rs[d, r, 0]
            if rs[d, r, 1] > cap[d]:
                ex_l += rs[d, r, 1] - cap[d]
            if dur[d] > 0.0 and rs[d, r, 0] + rs[d, r, 2] > dur[d]:
                ex_t += rs[d, r, 0] + rs[d, r, 2] - dur[d]
    return dist, ex_l, ex_t


@njit(cache=True)
def construct(S, P, pc, pd, noise):
    """Every customer placed by cheapest combination insertion, in random order."""
    N = S[2].shape[1]
    buf = np.empty(N, np.int64)
    C = _cache(S)
    order = np.arange(1, N)
    np.random.shuffle(order)  # noqa: NPY002 - numba compiles the legacy API only
    for u in order:
        _insert_best_combo(S, P, u, pc, pd, noise, buf, C)


@njit(cache=True)
def ruin_recreate(S, P, size, pc, pd, noise):
    """Remove a random customer and its ``size - 1`` nearest neighbours from every day, reinsert them in random
    order with the cheapest (noisy) combination: the step that moves a cluster's days jointly."""
    nb = P[7]
    N = S[2].shape[1]
    buf = np.empty(N, np.int64)
    s = np.random.randint(1, N)  # noqa: NPY002 - numba compiles the legacy API only
    size = min(size, nb.shape[1] + 1)
    out = np.empty(size, np.int64)
    out[0] = s
    for k in range(1, size):
        out[k] = nb[s, k - 1]
    for u in out:
        _unplace(S, P, u, buf)
    np.random.shuffle(out)  # noqa: NPY002 - numba compiles the legacy API only
    C = _cache(S)
    for u in out:
        _insert_best_combo(S, P, u, pc, pd, noise, buf, C)


@njit(cache=True)
def seed_rng(seed):
    np.random.seed(seed)  # noqa: NPY002 - numba compiles the legacy API only


# -- Python driver ---------------------------------------------------------------------------------------------------
def _arrays(inst, neighbours: int):
    n = len(inst.demand)
    xy = np.asarray(inst.xy, dtype=float)
    D = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    cmax = max(len(c) for c in inst.combos[1:])
    masks = np.zeros((n, cmax), np.int64)
    nc = np.zeros(n, np.int64)
    for i in range(1, n):
        nc[i] = len(inst.combos[i])
        for k, c in enumerate(inst.combos[i]):
            masks[i, k] = sum(1 << d for d in c)
    K = min(neighbours, n - 2)
    cust = D[1:, 1:].copy()
    np.fill_diagonal(cust, np.inf)
    nb = (np.argsort(cust, axis=1, kind="stable")[:, :K] + 1).astype(np.int64)
    nb = np.vstack([np.zeros((1, K), np.int64), nb])
    cap = np.array(inst.capacity, dtype=float)
    dur = np.array(inst.duration, dtype=float)
    return (D, np.asarray(inst.demand, dtype=float), np.asarray(inst.service, dtype=float), cap, dur, masks, nc, nb)


def _empty_state(inst):
    n, T, M = len(inst.demand), inst.t, inst.m
    return (np.zeros((T, M, n), np.int64), np.zeros((T, M), np.int64), np.full((T, n), -1, np.int64),
            np.full((T, n), -1, np.int64), np.zeros((T, M, 3)), np.zeros((T, M, n, 3)), np.full(n, -1, np.int64),
            np.zeros((T, M), np.int64), np.zeros(1, np.int64))


def _copy(S):
    return tuple(a.copy() for a in S)


def routes_of(S) -> list[list[list[int]]]:
    rt, rlen = S[0], S[1]
    return [[[int(v) for v in rt[d, r, :rlen[d, r]]] for r in range(rt.shape[1]) if rlen[d, r] > 0]
            for d in range(rt.shape[0])]


class PvrpIls:
    """Iterated local search with the compiled education: ruin-and-recreate of a customer cluster across all days,
    education, acceptance of a feasible result better than the current one or within a threshold of the best
    (shrinking to 0 over the run).

    Parameters
    ----------
    inst
        A ``PvrpInstance`` of ``optimizer_quality.py``.
    seed
        Seed of numba's generator (the same seed and instance give the same run for the same number of iterations).
    neighbours
        Granular neighbourhood size of the route moves.
    """

    def __init__(self, inst, seed: int = 0, neighbours: int = 20, ruin: tuple[int, int] = (5, 20),
                 threshold: float = 0.01, noise: float = 0.2):
        self.inst = inst
        self.P = _arrays(inst, neighbours)
        self.seed = seed
        self.ruin = ruin
        self.threshold = threshold
        self.noise = noise
        D, dem = self.P[0], self.P[1]
        # HGS's initial penalty: a unit of excess load costs about what one unit of demand "moves" in distance
        self.pc = max(0.1, min(1000.0, float(D.max()) / max(float(dem[1:].max()), 1.0)))
        self.pd = 1.0
        self.stats: dict = {"iterations": 0, "feasible": 0, "improved": 0}

    def _feasible(self, S) -> tuple[bool, float]:
        dist, el, et = cost(S, self.P)
        return el <= 1e-9 and et <= 1e-6, dist

    def _educate(self, S) -> tuple[bool, float]:
        educate(S, self.P, self.pc, self.pd, 1000)
        ok, dist = self._feasible(S)
        if not ok:  # repair: the same search with ten times the penalties
            educate(S, self.P, 10 * self.pc, 10 * self.pd, 1000)
            ok, dist = self._feasible(S)
            if not ok:
                educate(S, self.P, 100 * self.pc, 100 * self.pd, 1000)
                ok, dist = self._feasible(S)
        return ok, dist

    def run(self, seconds: float, clock=time.process_time) -> tuple[float, list[list[list[int]]], dict] | None:
        """Search for ``seconds`` of ``clock``; the best feasible (distance, routes per day, combination per
        customer) or None."""
        t0 = clock()
        seed_rng(self.seed)
        P = self.P
        S = _empty_state(self.inst)
        construct(S, P, self.pc, self.pd, 0.0)
        ok, dist = self._educate(S)
        best = cur = None
        if ok:
            best = cur = (dist, _copy(S))
        feas_window: list[bool] = []
        rng = np.random.default_rng(self.seed)
        it = 0
        while clock() - t0 < seconds:
            it += 1
            base = cur[1] if cur is not None else S
            S = _copy(base)
            ruin_recreate(S, P, int(rng.integers(self.ruin[0], self.ruin[1] + 1)), self.pc, self.pd, self.noise)
            educate(S, P, self.pc, self.pd, 1000)
            ok1, _ = self._feasible(S)
            feas_window.append(ok1)
            ok, dist = (ok1, cost(S, P)[0]) if ok1 else self._educate(S)
            if len(feas_window) == 50:  # HGS: aim at a share of feasible educations by adapting the penalties
                share = sum(feas_window) / 50
                f = 1.2 if share < 0.2 else (0.85 if share > 0.4 else 1.0)
                self.pc = min(1e5, max(0.01, self.pc * f))
                self.pd = min(1e5, max(0.01, self.pd * f))
                feas_window = []
            if not ok:
                continue
            self.stats["feasible"] += 1
            if best is None or dist < best[0] - 1e-9:
                best = (dist, _copy(S))
                self.stats["improved"] += 1
            progress = min(1.0, (clock() - t0) / max(seconds, 1e-9))
            thr = self.threshold * (1.0 - progress)
            if cur is None or dist < cur[0] - 1e-9 or dist <= best[0] * (1.0 + thr):
                cur = (dist, _copy(S))
        self.stats["iterations"] = it
        if best is None:
            return None
        S = best[1]
        combos = {int(u): tuple(d for d in range(self.inst.t) if (P[5][u, S[6][u]] >> d) & 1)
                  for u in range(1, len(self.inst.demand))}
        return best[0], routes_of(S), combos


def warm_up() -> None:
    """Compile the numba functions on a tiny instance (they are cached on disk after the first process)."""
    from types import SimpleNamespace
    xy = np.array([[0, 0], [1, 0], [0, 1], [1, 1], [2, 2]], float)
    inst = SimpleNamespace(demand=np.array([0, 1, 1, 1, 1]), xy=xy, service=np.zeros(5), t=2, m=2,
                           capacity=[3, 3], duration=[0.0, 0.0],
                           combos=[[]] + [[(0,), (1,)], [(0, 1)], [(0,), (1,)], [(0,), (1,)]])
    PvrpIls(inst, seed=0, neighbours=3).run(0.01)

