"""CI smoke run of benchmarks/optimizer_quality.py: a few small published instances, loose bounds.

Each returned solution is re-checked here, independently of the benchmark module's own checks,
in floating point. Skipped when the shared benchmark data (``<repo>/../shared/data``) is absent.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

pytest.importorskip("pyvrp")

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
BENCH = DATA / "benchmarks"

pytestmark = pytest.mark.skipif(
    not (BENCH / "top_chao").is_dir() or not (BENCH / "solomon_vrptw").is_dir(),
    reason=f"shared benchmark data not found at {BENCH} (TOP/Solomon/PVRP sets live outside the repo)",
)


@pytest.fixture(scope="module")
def oq():
    spec = importlib.util.spec_from_file_location("optimizer_quality", REPO / "benchmarks" / "optimizer_quality.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up here
    spec.loader.exec_module(mod)
    return mod


def _read_top(path: Path):
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    m, tmax = int(lines[1][1]), float(lines[2][1])
    nodes = [tuple(float(v) for v in ln[:3]) for ln in lines[3:]]
    return m, tmax, nodes


@pytest.mark.parametrize("name", ["p1.2.k", "p4.2.f"])
def test_top_smoke(oq, name):
    path = BENCH / "top_chao" / "instances" / f"{name}.txt"
    res = oq.solve_top(oq.read_top(path), time_limit=2.0, seed=0)
    m, tmax, nodes = _read_top(path)
    n = len(nodes)
    # independent float check: <= m routes, start/end depots, lengths <= Tmax, no repeats
    assert len(res["routes"]) <= m
    seen = set()
    score = 0.0
    for r in res["routes"]:
        path_ = [0] + r + [n - 1]
        length = sum(math.dist(nodes[a][:2], nodes[b][:2]) for a, b in zip(path_, path_[1:]))
        assert length <= tmax + 1e-9, (r, length, tmax)
        for v in r:
            assert 0 < v < n - 1 and v not in seen
            seen.add(v)
            score += nodes[v][2]
    assert score == res["value"]
    best = oq.top_best_known(BENCH)[name]
    assert score >= 0.95 * best, f"{name}: score {score} vs best known {best}"


def test_solomon_smoke(oq):
    inst = oq.read_solomon(BENCH / "solomon_vrptw" / "C101.txt")
    res = oq.solve_solomon(inst, time_limit=5.0, seed=0)
    # independent check: every customer once, capacity, time windows with the benchmark's travel
    # times (Euclidean truncated to one decimal); distance summed the same way
    rows = {}
    lines = (BENCH / "solomon_vrptw" / "C101.txt").read_text().splitlines()
    for ln in lines:
        p = ln.split()
        if len(p) == 7 and p[0].isdigit():
            rows[int(p[0])] = [float(v) for v in p[1:]]
    served = [v for r in res["routes"] for v in r]
    assert sorted(served) == sorted(k for k in rows if k)
    total = 0.0
    for r in res["routes"]:
        assert sum(rows[v][2] for v in r) <= inst.capacity
        t = rows[0][3]
        path_ = [0] + r + [0]
        for a, b in zip(path_, path_[1:]):
            d = math.floor(10 * math.dist(rows[a][:2], rows[b][:2])) / 10
            total += d
            t = max(t + rows[a][5] + d, rows[b][3])
            assert t <= rows[b][4] + 1e-9, f"late at {b}"
    best = oq.solomon_best_known(BENCH)["C101"]
    assert total == pytest.approx(res["value"], abs=0.05)
    assert total <= 1.05 * best, f"C101: {total} vs best known {best}"


@pytest.mark.skipif(not (BENCH / "pvrp_cordeau").is_dir(), reason="no PVRP data")
@pytest.mark.parametrize("name, method, seconds", [("p01", "PvrpSolver", 8.0), ("p14", "PvrpLnsSolver", 4.0)])
def test_pvrp_smoke(oq, name, method, seconds):
    # p01: frequency-1 customers only (day choice inside the solver); p14: 8 customers with a
    # choice between two day combinations, so the combination search of the LNS runs
    inst = oq.read_pvrp(BENCH / "pvrp_cordeau" / "instances" / name)
    res = getattr(oq, method)(inst, seed=0).solve(time_limit=seconds)
    assert res["feasible"]
    # independent check of the day structure and cost
    visits = {i: [] for i in range(1, len(inst.demand))}
    total = 0.0
    for d, routes in enumerate(res["routes"]):
        assert len(routes) <= inst.m
        for r in routes:
            assert sum(inst.demand[v] for v in r) <= inst.capacity[d]
            path_ = [0] + r + [0]
            length = sum(math.dist(inst.xy[a], inst.xy[b]) for a, b in zip(path_, path_[1:]))
            if inst.duration[d] > 0:
                assert length + sum(inst.service[v] for v in r) <= inst.duration[d] + 1e-6
            total += length
            for v in r:
                visits[v].append(d)
    for i, days in visits.items():
        assert tuple(sorted(days)) in inst.combos[i]
    best = oq.pvrp_best_known(BENCH)[name]
    assert total == pytest.approx(res["value"], abs=0.01)
    assert total <= 1.05 * best
