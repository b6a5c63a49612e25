"""CI smoke run of benchmarks/optimizer_quality.py: a few small published instances, loose bounds.

Each returned solution is re-checked here, independently of the benchmark module's own checks,
in floating point. Skipped when the shared benchmark data (``<repo>/../shared/data``) is absent.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest
from conftest import load_benchmark

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
    return load_benchmark("optimizer_quality")


def _read_top(path: Path):
    lines = [ln.split() for ln in path.read_text().splitlines() if ln.strip()]
    m, tmax = int(lines[1][1]), float(lines[2][1])
    nodes = [tuple(float(v) for v in ln[:3]) for ln in lines[3:]]
    return m, tmax, nodes


# p4.3.b: Tmax admits only a few customers, where too low a penalty cap leaves every route over the limit
@pytest.mark.parametrize("name", ["p1.2.k", "p4.2.f", "p4.3.b"])
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


PVRP = BENCH / "pvrp_cordeau"
needs_pvrp = pytest.mark.skipif(not PVRP.is_dir(), reason="no PVRP data")


def _check_pvrp(inst, res) -> float:
    """Independent check of a PVRP result's day structure, limits and cost; returns the cost."""
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
    assert total == pytest.approx(res["value"], abs=0.01)
    return total


@needs_pvrp
@pytest.mark.parametrize("name, method, seconds", [("p01", "PvrpSolver", 5.0), ("p14", "PvrpLnsSolver", 3.0),
                                                   ("p14", "PvrpDaySolver", 3.0), ("p14", "PvrpRelaxedSolver", 3.0),
                                                   ("p14", "PvrpQuickStartSolver", 3.0),
                                                   ("p14", "PvrpTravelSolver", 3.0),
                                                   ("p14", "PvrpPoolSolver", 3.0), ("p14", "PvrpPoolEndSolver", 3.0),
                                                   ("p14", "PvrpStripKickSolver", 3.0), ("p14", "PvrpEduSolver", 3.0),
                                                   ("p01", "PvrpEduSolver", 5.0)])
def test_pvrp_smoke(oq, name, method, seconds):
    # p01: frequency-1 customers only (day choice inside the solver); p14: 8 customers with a
    # choice between two day combinations, so the combination search runs. All three reach the
    # best known value on these small instances; 2 % is room for noise, not for a broken search.
    inst = oq.read_pvrp(PVRP / "instances" / name)
    res = getattr(oq, method)(inst, seed=0).solve(time_limit=seconds)
    assert res["feasible"]
    total = _check_pvrp(inst, res)
    assert total <= 1.02 * oq.pvrp_best_known(BENCH)[name]
    assert res.get("lns_failure") is None


@needs_pvrp
def test_pvrp_relaxed_placement_gives_allowed_combinations_and_a_clean_warm_start(oq):
    # p10: 60 customers with a choice of 3 combinations (frequency 2 and 3), so the relaxed model
    # places visits of one customer on days that form no allowed combination, or twice on one day
    inst = oq.read_pvrp(PVRP / "instances" / "p10")
    solver = oq.PvrpRelaxedSolver(inst, seed=0)
    solver.time_limit = 2.0  # the relaxed solve gets relax_share of it
    combo = solver.initial_combos()
    assert set(combo) == set(solver.choice_needed)
    for i, c in combo.items():
        assert c in inst.combos[i]
    warm = solver.initial_warm
    assert warm is not None and len(warm) == inst.t
    for d, routes in enumerate(warm):
        on_day = [v for r in routes for v in r]
        assert len(on_day) == len(set(on_day)), f"day {d}: a customer twice in the warm start"
        assert all(d in combo[v] for v in on_day if v in combo)
        assert len(routes) <= inst.m
    # the warm start is usable: the exact model's stops for it exist and are all distinct
    _, stop_of, _ = solver.build(combo)
    stops = [stop_of[(v, d)] for d, routes in enumerate(warm) for r in routes for v in r]
    assert len(stops) == len(set(stops))


@needs_pvrp
def test_pvrp_check_rejects_broken_solutions(oq):
    # the independent check above must be able to fail: a dropped visit, a visit moved to a day
    # outside the customer's combinations, and an overloaded route are each caught
    inst = oq.read_pvrp(PVRP / "instances" / "p14")
    res = oq.PvrpDaySolver(inst, seed=0).solve(time_limit=1.0)
    _check_pvrp(inst, res)
    dropped = {**res, "routes": [[list(r) for r in day] for day in res["routes"]]}
    dropped["routes"][0][0].pop()
    with pytest.raises(AssertionError):
        _check_pvrp(inst, dropped)
    moved = {**res, "routes": [[list(r) for r in day] for day in res["routes"]]}
    every_day = next(v for r in moved["routes"][0] for v in r if inst.combos[v] == [tuple(range(inst.t))])
    for r in moved["routes"][0]:
        if every_day in r:
            r.remove(every_day)
    moved["routes"][1][0].append(every_day)  # now twice on day 1, never on day 0
    with pytest.raises(AssertionError):
        _check_pvrp(inst, moved)
    heavy = {**res, "routes": [[[v for r in day for v in r]] for day in res["routes"]]}
    with pytest.raises(AssertionError):
        _check_pvrp(inst, heavy)


@needs_pvrp
def test_pvrp_day_solver_solves_one_day(oq):
    # one day as its own model: the same customers come back, on at most m feasible routes, and
    # the reported scaled distance is the routes' distance
    inst = oq.read_pvrp(PVRP / "instances" / "p14")
    solver = oq.PvrpDaySolver(inst, seed=0)
    custs = list(range(1, 11))
    routes, dist, ok = solver.solve_day(0, [custs], 0.3, seed=0, no_improvement=200)
    assert ok and sorted(v for r in routes for v in r) == custs and len(routes) <= inst.m
    assert dist == solver.day_cost(routes)
    assert all(sum(inst.demand[v] for v in r) <= inst.capacity[0] for r in routes)
    assert solver.solve_day(0, [], 0.3, seed=0, no_improvement=10) == ([], 0, True)


def test_time_limits_are_cpu_seconds_unless_wall(oq):
    # the budget clock is process CPU time by default (a loaded machine does not shorten the
    # search), wall-clock time with --wall; every result records both
    inst = oq.read_top(BENCH / "top_chao" / "instances" / "p1.2.k.txt")
    try:
        res = oq.solve_top(inst, time_limit=0.5, seed=0)
        assert res["cpu_s"] >= 0.5 and res["wall_s"] >= res["cpu_s"] - 0.05
        assert oq.Budget(0.0)() and not oq.Budget(60.0)()
        oq.use_wall_clock(True)
        assert oq.now() == pytest.approx(time.perf_counter(), abs=1.0)
        res = oq.solve_top(inst, time_limit=0.3, seed=0)
        assert 0.3 <= res["wall_s"] < 5
    finally:
        oq.use_wall_clock(False)
    assert oq.now() == pytest.approx(time.process_time(), abs=0.5)


def _res_route_durations(path: Path) -> list[float]:
    """Route durations (third column) of a Cordeau solution file."""
    return [float(ln.split()[2]) for ln in path.read_text().splitlines()[1:] if len(ln.split()) > 4]


def _spread_over_routes(inst, combo):
    """Every customer on its days (fixed, chosen or first allowed), dealt round-robin over the ``m`` routes."""
    days = [[[] for _ in range(inst.m)] for _ in range(inst.t)]
    for i in range(1, len(inst.demand)):
        for d in combo.get(i, inst.combos[i][0]):
            min(days[d], key=len).append(i)
    return [[r for r in day if r] for day in days]


@needs_pvrp
def test_pvrp_lns_ruin_recreate_on_full_days(oq):
    # The cause of "TypeError: 'NoneType' object is not iterable at 'for d in best_c'": on a day
    # with a duration limit whose m routes are all in use and all too long, the insertion estimate
    # was infinite, so no combination was ever chosen. Here every day has m routes and a duration
    # limit no route meets: each ruined customer must still get an allowed combination (the seed a
    # new one) and be on exactly its days.
    inst = oq.read_pvrp(PVRP / "instances" / "p14")
    inst.duration = [1.0] * inst.t
    solver = oq.PvrpLnsSolver(inst, seed=3, max_ruin=4)
    combo = solver.initial_combos()
    base = _spread_over_routes(inst, combo)
    assert all(len(day) == inst.m for day in base)
    for _ in range(20):
        days, new = solver._copy(base), dict(combo)
        est = solver._ruin_recreate_once(days, new)
        assert math.isfinite(est)
        assert new != combo
        for i, c in new.items():
            assert c in inst.combos[i]
            on = sorted(d for d, day in enumerate(days) for r in day if i in r)
            assert on == sorted(c), (i, c, on)


@needs_pvrp
def test_pvrp_lns_smoke_duration_limited(oq):
    # p14 with each day's route duration limited to the longest route of Cordeau's own solution
    # (solutions/p14.res): the limit binds, so the LNS works on days whose routes are full. It
    # must end with a verified feasible solution from its own search, and no LNS failure.
    inst = oq.read_pvrp(PVRP / "instances" / "p14")
    limit = max(_res_route_durations(PVRP / "solutions" / "p14.res"))
    inst.duration = [limit] * inst.t
    res = oq.PvrpLnsSolver(inst, seed=0).solve(time_limit=6.0)
    assert res["lns_failure"] is None
    # at least one ruin-and-recreate step ran on the full days (the step that crashed)
    assert res["feasible"] and res["rounds"] >= 3 and res["moves"]["rr"] >= 1, res
    _check_pvrp(inst, res)
    for i, c in res["combos"].items():
        assert tuple(c) in inst.combos[i]


@needs_pvrp
def test_pvrp_lns_failure_is_recorded(oq, caplog, monkeypatch, tmp_path, capsys):
    # a failure inside the combination search is logged, recorded in the result JSON and the
    # summary, and makes the run's exit status 1: never a silent fallback
    def boom(self, *args, **kwargs):
        raise oq.LnsError("no combination")

    monkeypatch.setattr(oq.PvrpLnsSolver, "_propose", boom)
    out = tmp_path / "results.json"
    with caplog.at_level("ERROR", logger="optimizer_quality"):
        status = oq.main(["--set", "pvrp", "--pvrp-method", "lns", "--instances", "p14", "--time-limit", "3",
                          "--data", str(BENCH),
                          "--out", str(out)])
    assert status == 1
    assert "PVRP combination LNS failed" in caplog.text and "p14" in caplog.text
    report = json.loads(out.read_text())["sets"]["pvrp"]
    assert report["rows"][0]["lns_failure"] == "round 1: LnsError: no combination"
    assert report["summary"]["lns_failed"] == ["p14"]
    printed = capsys.readouterr()
    assert "LNS FAILED" in printed.out and "LNS failed on p14" in printed.err


@needs_pvrp
def test_pvrp_default_method_is_edu(oq, tmp_path):
    # the command without --pvrp-method runs the method the goals table reports (the compiled education, then
    # segment-strip with small perturbations in the rounds and kicks), not session 21's strip-kick alone
    out = tmp_path / "results.json"
    status = oq.main(["--set", "pvrp", "--instances", "p14", "--time-limit", "3", "--data", str(BENCH), "--out", str(out)])
    assert status == 0
    report = json.loads(out.read_text())["sets"]["pvrp"]
    row = report["rows"][0]
    assert row["method"] == "edu" and row["feasible"] and row["lns_failure"] is None
    assert row["education"]["iterations"] > 0
    assert row["gap_pct"] <= 2.0


@needs_pvrp
def test_pvrp_day_lns_failure_is_recorded(oq, caplog, monkeypatch, tmp_path):
    def boom(self, *args, **kwargs):
        raise oq.LnsError("no combination")

    monkeypatch.setattr(oq.PvrpDaySolver, "destroy_repair", boom)
    out = tmp_path / "results.json"
    with caplog.at_level("ERROR", logger="optimizer_quality"):
        status = oq.main(["--set", "pvrp", "--pvrp-method", "days", "--instances", "p14", "--time-limit", "2",
                          "--data", str(BENCH), "--out", str(out)])
    assert status == 1
    assert "PVRP day LNS failed" in caplog.text
    report = json.loads(out.read_text())
    row = report["sets"]["pvrp"]["rows"][0]
    assert row["lns_failure"] == "step 0: LnsError: no combination" and row["feasible"]  # the first solve stands
    assert report["sets"]["pvrp"]["summary"]["lns_failed"] == ["p14"]
    assert report["last_run"]["clock"] == "process CPU seconds"
    assert not out.with_suffix(".rows.jsonl").exists()


@needs_pvrp
def test_pvrp_options_reach_the_solver_and_the_report(oq, monkeypatch, tmp_path):
    seen = []
    init = oq.PvrpLnsSolver.__init__

    def spy(self, *args, **kwargs):
        init(self, *args, **kwargs)
        seen.append(self.no_improvement)

    monkeypatch.setattr(oq.PvrpLnsSolver, "__init__", spy)
    out = tmp_path / "results.json"
    status = oq.main(["--set", "pvrp", "--pvrp-method", "lns", "--instances", "p14", "--time-limit", "2",
                      "--pvrp-options", '{"no_improvement": 123}', "--data", str(BENCH), "--out", str(out)])
    assert status == 0
    assert seen == [123]
    report = json.loads(out.read_text())["sets"]["pvrp"]
    assert report["options"] == {"no_improvement": 123}
    assert report["rows"][0]["options"] == {"no_improvement": 123}


def test_merge_quality_parts_continues_an_earlier_merge(tmp_path):
    # a run continued on the instances an earlier (merged) run had not reached: the earlier merged
    # file and the new part's per-instance rows (a part stopped before its end) merge into one set
    merge = load_benchmark("merge_quality_parts")
    earlier = tmp_path / "earlier.json"
    earlier.write_text(json.dumps({"set": "top", "summary": {}, "parts": [{"file": "a.json"}],
                                   "rows": [{"instance": "p6.4.k", "feasible": True, "gap_pct": 3.0}]}))
    part = tmp_path / "rest_part0.json"
    part.with_suffix(".rows.jsonl").write_text(
        json.dumps({"instance": "p1.2.a", "feasible": True, "gap_pct": 0.0}) + "\n"
        + json.dumps({"instance": "p6.4.k", "feasible": True, "gap_pct": 1.0}) + "\n")
    out = tmp_path / "merged.json"
    assert merge.main(["--set", "top", "--out", str(out), str(earlier), str(part)]) == 0
    merged = json.loads(out.read_text())
    assert [r["instance"] for r in merged["rows"]] == ["p1.2.a", "p6.4.k"]
    assert merged["rows"][1]["gap_pct"] == 3.0 and merged["repeated_runs"][0]["gap_pct"] == 1.0
    assert merged["summary"]["mean_gap_pct"] == 1.5 and merged["summary"]["above_2pct"] == ["p6.4.k"]
    assert merged["parts"][0]["meta"] == {"merged_parts": [{"file": "a.json"}]}
    assert merged["parts"][1]["complete"] is False


@needs_pvrp
def test_pvrp_quick_start_gives_the_rounds_the_budget(oq, monkeypatch):
    # the first solve gets 12 % of the budget and the final polish 5 %, so the LNS rounds get the rest.
    # The budget clock reads as if every round took exactly its limit (what a busy machine adds to a
    # round is taken off again), so the split is tested, not the machine's load.
    inst = oq.read_pvrp(PVRP / "instances" / "p14")
    limits: list[float] = []
    real = oq.PvrpLnsSolver.solve_round
    real_clock = oq._CLOCK["now"]
    offset = [0.0]
    monkeypatch.setitem(oq._CLOCK, "now", lambda: real_clock() + offset[0])

    def spy(self, combo, warm, time_limit, seed, no_improvement=None):
        limits.append(time_limit)
        start = oq.now()
        out = real(self, combo, warm, time_limit, seed, no_improvement=no_improvement)
        offset[0] += start + time_limit - oq.now()
        return out

    monkeypatch.setattr(oq.PvrpLnsSolver, "solve_round", spy)
    res = oq.PvrpQuickStartSolver(inst, seed=0).solve(time_limit=5.0)
    assert res["feasible"] and res["lns_failure"] is None
    assert limits[0] == pytest.approx(0.6)
    assert sum(limits) == pytest.approx(5.0, abs=0.6)  # the budget is used, up to the loop's 0.5 s floor
    assert 0.25 <= limits[-1] <= 0.25 + 0.6  # the polish ran: what is left once 5 % (+ 0.5 s floor) remain
    assert len(limits) >= 4


@needs_pvrp
def test_pvrp_travel_accepts_worse_rounds_near_the_best_only(oq):
    inst = oq.read_pvrp(PVRP / "instances" / "p14")
    strict = oq.PvrpQuickStartSolver(inst, seed=0)
    travel = oq.PvrpTravelSolver(inst, seed=0, threshold=0.01)
    # better than the current solution: both accept
    assert strict._accept(99.0, 100.0, 100.0, 0.5) and travel._accept(99.0, 100.0, 100.0, 0.5)
    # 0.4 % worse than the best, early: only record-to-record accepts; late (threshold shrunk): neither
    assert not strict._accept(100.4, 100.0, 100.0, 0.2)
    assert travel._accept(100.4, 100.0, 100.0, 0.2)
    assert not travel._accept(100.4, 100.0, 100.0, 0.7)
    # measured against the best, not the current: a walk cannot drift away
    assert not travel._accept(101.5, 101.0, 100.0, 0.1)
    # the same cost again is no move
    assert not travel._accept(100.0, 100.0, 100.0, 0.1)


@needs_pvrp
def test_pvrp_travel_keeps_the_best_apart_from_the_current(oq, monkeypatch):
    # accept every round: the current solution wanders, the reported one is still the best verified
    inst = oq.read_pvrp(PVRP / "instances" / "p14")
    monkeypatch.setattr(oq.PvrpTravelSolver, "_accept", lambda self, cost, cur, best, progress: True)
    res = oq.PvrpTravelSolver(inst, seed=0).solve(time_limit=4.0)
    assert res["feasible"] and res["lns_failure"] is None
    costs = [c for c in res["round_costs"] if c is not None]
    assert res["value"] == pytest.approx(min(costs), abs=0.01)
    _check_pvrp(inst, res)


@needs_pvrp
def test_pvrp_relaxed_placement_uses_the_search_settings(oq, monkeypatch):
    # --pvrp-search reaches the relaxed placement's solve too (it used PyVRP's defaults)
    inst = oq.read_pvrp(PVRP / "instances" / "p14")
    solver = oq.PvrpRelaxedSolver(inst, seed=0)
    solver.time_limit = 1.0
    solver.search = oq.PVRP_SEARCH["fast-penalty"]
    seen = []
    original = oq.solve_model

    def spy(model, seconds, **kwargs):
        seen.append(kwargs.get("search"))
        return original(model, seconds, **kwargs)

    monkeypatch.setattr(oq, "solve_model", spy)
    solver.initial_combos()
    assert seen and all(s is solver.search for s in seen)
