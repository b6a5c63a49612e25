"""TOP route packing of benchmarks/optimizer_quality.py (:class:`TopPacker`), on small constructed instances.

No benchmark data needed: the instances are built here, and every result is re-checked here in floating point.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from conftest import load_benchmark

pytest.importorskip("pyvrp")



@pytest.fixture(scope="module")
def oq():
    return load_benchmark("optimizer_quality")


def _length(xy, r):
    path = [0, *r, len(xy) - 1]
    return sum(math.dist(xy[a], xy[b]) for a, b in zip(path, path[1:]))


def _check(xy, prize, tmax, routes):
    """Independent check: lengths <= Tmax, no repeats, no depots; returns the total prize."""
    flat = [v for r in routes for v in r]
    assert len(flat) == len(set(flat))
    assert all(0 < v < len(xy) - 1 for v in flat)
    for r in routes:
        assert _length(xy, r) <= tmax + 1e-9, (r, _length(xy, r), tmax)
    return sum(prize[v] for v in flat)


def test_packer_resequences_then_inserts(oq):
    # start (0,0) -> end (10,0); four low-prize stops zig-zag along the way, a valuable one just off the line
    xy = np.array([(0, 0), (2, 1), (4, -1), (6, 1), (8, -1), (5, 2.5), (10, 0)], dtype=float)
    prize = np.array([0, 1, 1, 1, 1, 10, 0], dtype=float)
    good = min(_length(xy, list(p)) for p in itertools.permutations([1, 2, 3, 4, 5]))
    tmax = good + 0.01
    # a badly ordered but feasible route of the four cheap stops: the longest such order
    start = [max((list(p) for p in itertools.permutations([1, 2, 3, 4]) if _length(xy, list(p)) <= tmax),
                 key=lambda r: _length(xy, r))]
    assert start[0] != [1, 2, 3, 4]
    # stop 5 fits in no position of the route as given: the packer must re-sequence first
    assert all(_length(xy, start[0][:i] + [5] + start[0][i:]) > tmax for i in range(5))
    packer = oq.TopPacker(oq.euclid(xy), prize, tmax, 0, len(xy) - 1, seed=0)
    out = packer.run(start, oq.now() + 0.5)
    assert _check(xy, prize, tmax, out) == 14  # every stop, the valuable one included


def test_packer_never_worse_nor_infeasible(oq):
    rng = np.random.default_rng(7)
    for trial in range(5):
        n = 32
        xy = rng.uniform(0, 20, (n, 2))
        xy[-1] = xy[0]
        prize = np.r_[0, rng.integers(1, 10, n - 2), 0].astype(float)
        tmax = 30.0
        # a feasible start: greedy nearest-neighbour routes, cut where Tmax would be exceeded
        routes, free = [], list(range(1, n - 1))
        for _ in range(2):
            r: list[int] = []
            for v in sorted(free, key=lambda v: math.dist(xy[0], xy[v])):
                if _length(xy, r + [v]) <= tmax:
                    r.append(v)
            free = [v for v in free if v not in r]
            routes.append(r)
        before = _check(xy, prize, tmax, routes)
        packer = oq.TopPacker(oq.euclid(xy), prize, tmax, 0, n - 1, seed=trial)
        out = packer.run(routes, oq.now() + 0.2)
        after = _check(xy, prize, tmax, out)
        assert len(out) <= 2
        assert after >= before
