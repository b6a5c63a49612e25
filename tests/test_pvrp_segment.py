"""Segment swaps and route emptying for the PVRP combination LNS (``benchmarks/pvrp_segment.py``, issue #12,
``--pvrp-method segment`` and ``segment-local``), on the tiny five-customer instance of test_pvrp_pool.py."""

from __future__ import annotations

import pytest
from conftest import load_benchmark
from pvrp_tiny import tiny_instance

pytest.importorskip("pyvrp")
pytest.importorskip("highspy")


@pytest.fixture(scope="module")
def oq():
    return load_benchmark("optimizer_quality")


@pytest.fixture(scope="module")
def ps(oq):
    return load_benchmark("pvrp_segment")


def _solver(oq, cls="PvrpSegLocalSolver"):
    s = getattr(oq, cls)(tiny_instance(oq, m=2), seed=0)
    s.search = oq.PVRP_SEARCH["fast-penalty"]
    return s


def _plan(s):
    """A feasible plan of the tiny instance: customers 1 and 2 on days 0 and 1, the others on their first day."""
    combo = {1: (0, 1), 2: (0, 1)}
    days = [[[1, 2], [3]], [[1, 2]], [[4], [5]]]
    return days, combo


def _visits(days):
    out: dict[int, list[int]] = {}
    for d, rs in enumerate(days):
        for r in rs:
            for v in r:
                out.setdefault(v, []).append(d)
    return out


def test_segment_runs_share_a_combination(oq, ps):
    s = _solver(oq)
    days, combo = _plan(s)
    runs = ps.segment_runs(s, days, combo)
    assert (0, 0, 0, 2) in runs and (1, 0, 0, 2) in runs
    for d, k, a, b in runs:
        assert len({combo[v] for v in days[d][k][a:b]}) == 1


def test_swap_moves_visits_to_the_new_combination(oq, ps):
    s = _solver(oq)
    days, combo = _plan(s)
    ps.apply_swap(s, days, combo, [1], (0, 1), (0, 2), [])
    assert combo[1] == (0, 2) and sorted(_visits(days)[1]) == [0, 2]
    assert sorted(_visits(days)[2]) == [0, 1]


def test_route_empty_leaves_the_day(oq, ps):
    s = _solver(oq)
    days, combo = _plan(s)
    out = None
    for _ in range(20):  # a random route of a random day: some are not emptiable (customer 4 only fits day 2)
        out = ps.route_empty(s, days, combo, set())
        if out is not None:
            break
    assert out is not None
    new_days, new_combo = out
    vis = _visits(new_days)
    assert sorted(vis) == [1, 2, 3, 4, 5]
    for i in (1, 2):
        assert tuple(sorted(vis[i])) == new_combo[i] and new_combo[i] in s.inst.combos[i]


def test_strip_gives_allowed_visits(oq, ps):
    s = _solver(oq)
    days, combo = _plan(s)
    seen: set = set()
    outs = [ps.route_empty(s, days, combo, seen, samples=1, strip=True) for _ in range(30)]
    outs = [o for o in outs if o is not None]
    assert outs
    for new_days, new_combo in outs:
        vis = _visits(new_days)
        assert sorted(vis) == [1, 2, 3, 4, 5]
        for i in (3, 4, 5):
            assert len(vis[i]) == 1 and (vis[i][0],) in s.inst.combos[i]
        for i in (1, 2):
            assert tuple(sorted(vis[i])) == new_combo[i] and new_combo[i] in s.inst.combos[i]


def test_local_resolve_keeps_the_customers(oq, ps):
    s = _solver(oq)
    days, _ = _plan(s)
    new = ps.local_resolve(s, days[0], 0, 0, 1.0, seed=0, no_improvement=50)
    assert new is not None and sorted(v for r in new for v in r) == [1, 2, 3]


@pytest.mark.parametrize("cls", ["PvrpSegmentSolver", "PvrpSegLocalSolver", "PvrpSegStripSolver", "PvrpStripDiveSolver"])
def test_segment_solvers_return_a_verified_plan(oq, ps, cls):
    s = _solver(oq, cls)
    res = s.solve(6.0)
    assert res["feasible"]
    ok, cost, why = oq.verify_pvrp(s.inst, res["routes"])
    assert ok, why
    assert cost == pytest.approx(res["value"], abs=0.01)


def test_best_unseen_takes_the_lowest_estimate_not_tried_before(oq):
    best_unseen = oq.PvrpLnsSolver.best_unseen
    seen = {"b"}
    proposals = [(5.0, "days a", "combo a", "a"), None, (1.0, "days b", "combo b", "b"), (3.0, "days c", "combo c", "c")]
    assert best_unseen(iter(proposals), seen) == ("days c", "combo c")  # b is lower but was tried
    assert seen == {"b", "c"}
    assert best_unseen(iter(proposals), seen) == ("days a", "combo a")
    assert best_unseen(iter(proposals), seen) is None
    assert best_unseen(iter([None]), seen) is None


def test_round_perturbations_only_for_the_lns_rounds(oq):
    """``round_perturbations`` changes the PyVRP perturbations of the warm-started LNS rounds; the first solve and
    the final polish keep the solver's search, and the search is restored after each round."""
    s = oq.PvrpSegStripSolver(tiny_instance(oq, m=2), seed=0, round_perturbations=[1, 4])
    s.search = oq.PVRP_SEARCH["fast-penalty"]
    seen = []
    real = s.solve_round

    def recording(combo, warm, time_limit, seed, no_improvement=None):
        seen.append((warm is not None, s.search.perturbations))
        return real(combo, warm, time_limit, seed, no_improvement)

    s.solve_round = recording
    out = s.solve(3.0)
    assert out["feasible"]
    assert seen[0] == (False, None)  # the first solve from scratch: PyVRP's perturbations
    assert (True, (1, 4)) in seen  # an LNS round
    assert s.search == oq.PVRP_SEARCH["fast-penalty"]
    default = oq.PvrpSegStripSolver(tiny_instance(oq, m=2), seed=0)
    assert default.round_perturbations is None


def test_a_kick_applies_several_proposals_to_the_best_solution(oq):
    """``_kick`` starts from the best solution (not the current one), applies ``kick_moves`` ruin-and-recreate
    proposals one after the other, each with its own set of seen proposals, and counts itself."""
    s = oq.PvrpSegStripSolver(tiny_instance(oq, m=2), seed=0, kick_after=5, kick_moves=3)
    calls = []

    def proposal(days, combo, seen):
        calls.append((len(calls), seen))
        days = [[list(r) for r in rs] for rs in days]
        days[2].append([len(calls) + 10])  # marks each step so the chain is visible
        return days, combo

    s.ruin_recreate = proposal
    best_days, combo = _plan(s)
    kinds: dict = {}
    days, out_combo, kind = s._kick((99.0, best_days, combo), kinds)
    assert kind == "kick" and kinds == {"kick": 1}
    assert [c[0] for c in calls] == [0, 1, 2]
    assert all(c[1] == set() for c in calls) and len({id(c[1]) for c in calls}) == 3
    assert days[2][-3:] == [[11], [12], [13]]  # three steps, each from the one before
    assert best_days[2] == [[4], [5]] and out_combo == combo  # the best solution itself is not edited


def test_kicked_rounds_become_current_whatever_their_cost(oq, ps):
    """With acceptance that rejects every LNS round, only the first solve is accepted, unless ``kick_after`` is
    set: then every feasible kicked round replaces the current solution."""
    def run(**kw):
        s = oq.PvrpSegStripSolver(tiny_instance(oq, m=2), seed=0, **kw)
        s.search = oq.PVRP_SEARCH["fast-penalty"]
        s._accept = lambda *a: False
        return s.solve(3.0)

    plain = run()
    assert plain["lns_failure"] is None and plain["rounds"] > 3
    assert plain["feasible"] and plain["accepted"] == 1 and "kick" not in plain["moves"]
    kicked = run(kick_after=2)
    assert kicked["lns_failure"] is None
    assert kicked["feasible"] and kicked["moves"]["kick"] >= 1
    assert kicked["accepted"] > 1


def test_a_relink_takes_the_other_solutions_combinations_in_one_sector(oq):
    """``_relink`` gives the best solution the other solution's combinations for the choice customers of one angular
    sector around the depot: every changed customer has the other's combination and visits, the rest keep the
    best's, the best itself is not edited, and over several draws the sector moves round the depot."""
    s = oq.PvrpSegStripSolver(tiny_instance(oq, m=2), seed=0, kick_after=5, kick_relink=True)
    best_days, combo = _plan(s)
    best = (99.0, best_days, combo)
    other_combo = {1: (1, 2), 2: (0, 2)}
    other = (120.0, [[[2], [3]], [[1]], [[1, 2], [4], [5]]], other_combo)
    changed_sets = set()
    for _ in range(30):
        out = s._relink(best, other)
        assert out is not None
        days, new = out
        changed = frozenset(i for i in (1, 2) if new[i] != combo[i])
        assert changed and all(new[i] == other_combo[i] for i in changed)
        visits = _visits(days)
        for i in (1, 2):
            assert sorted(visits[i]) == sorted(new[i])
        assert (visits[3], visits[4], visits[5]) == ([0], [2], [2])  # the single-day customers stay
        changed_sets.add(changed)
    assert best_days == _plan(s)[0] and combo == {1: (0, 1), 2: (0, 1)}
    assert frozenset({1}) in changed_sets and frozenset({2}) in changed_sets
    assert s._relink(best, best) is None  # nothing differs: no relink


def test_kicks_alternate_relinks_and_random_kicks(oq):
    """With ``kick_relink`` a kick whose current solution differs from the best is a relink, the next one a random
    kick (so the search does not only relink near the best); without it every kick is random."""
    s = oq.PvrpSegStripSolver(tiny_instance(oq, m=2), seed=0, kick_after=5, kick_relink=True)
    s.ruin_recreate = lambda days, combo, seen: (days, combo)
    best_days, combo = _plan(s)
    best = (99.0, best_days, combo)
    cur = (120.0, [[[2], [3]], [[1]], [[1, 2], [4], [5]]], {1: (1, 2), 2: (0, 2)})
    kinds: dict = {}
    for _ in range(4):
        s._kick(best, kinds, cur)
    assert kinds == {"kick": 2, "relink": 2}
    s.kick_relink = False
    kinds = {}
    s._kick(best, kinds, cur)
    assert kinds == {"kick": 1}


def test_strip_kick_rounds_stop_after_1000_idle_iterations(oq):
    """The default method's warm-started LNS rounds reach PyVRP with ``no_improvement`` 1000; the first solve and
    the final polish run without it (to their time limit)."""
    s = oq.PvrpStripKickSolver(tiny_instance(oq, m=2), seed=0)
    s.search = oq.PVRP_SEARCH["fast-penalty"]
    seen = []
    real = s.solve_round

    def recording(combo, warm, time_limit, seed, no_improvement=None):
        seen.append(no_improvement)
        return real(combo, warm, time_limit, seed, no_improvement)

    s.solve_round = recording
    out = s.solve(3.0)
    assert out["feasible"] and out["lns_failure"] is None
    assert seen[0] is None and seen[-1] is None  # the first solve and the polish
    assert 1000 in seen[1:-1] and set(seen[1:-1]) <= {1000, None}


def test_growing_kicks_double_their_steps_until_the_best_improves(oq):
    """With ``kick_grow`` each kick that follows one without a better best applies twice as many ruin-and-recreate
    steps (``kick_moves`` x 1, 2, 4, then 4 again); a better best resets the count. Without it every kick applies
    ``kick_moves`` steps."""
    s = oq.PvrpSegStripSolver(tiny_instance(oq, m=2), seed=0, kick_after=5, kick_moves=3, kick_grow=True)
    steps = []
    s.ruin_recreate = lambda days, combo, seen: (steps.append(1), (days, combo))[1]
    best_days, combo = _plan(s)
    best = (99.0, best_days, combo)
    per_kick = []
    for _ in range(4):
        before = len(steps)
        s._kick(best, {})
        per_kick.append(len(steps) - before)
    assert per_kick == [3, 6, 12, 12]
    s._kicks_since_best = 0  # what solve() does when a round finds a better best
    before = len(steps)
    s._kick(best, {})
    assert len(steps) - before == 3
    plain = oq.PvrpSegStripSolver(tiny_instance(oq, m=2), seed=0, kick_after=5, kick_moves=3)
    plain.ruin_recreate = s.ruin_recreate
    for _ in range(3):
        before = len(steps)
        plain._kick(best, {})
        assert len(steps) - before == 3


def test_a_better_best_resets_the_growing_kicks(oq):
    """In a run, ``solve`` sets the kick count back to 0 when a round finds a better best solution: a stale count
    from before the first solve does not make the first kick larger."""
    s = oq.PvrpSegStripSolver(tiny_instance(oq, m=2), seed=0, kick_after=1, kick_moves=1, kick_grow=True)
    s.search = oq.PVRP_SEARCH["fast-penalty"]
    s._kicks_since_best = 7
    seen = []
    kick = s._kick

    def recording(*args, **kw):
        seen.append(s._kicks_since_best)
        return kick(*args, **kw)

    s._kick = recording
    out = s.solve(3.0)
    assert out["feasible"] and out["lns_failure"] is None
    assert seen and seen[0] == 0
    assert s._kicks_since_best <= len(seen)


def test_strip_kick_has_the_measured_settings_and_takes_overrides(oq):
    """``--pvrp-method strip-kick`` (the default of sessions 21-24, the LNS that ``edu`` continues with) is segment-strip with perturbations 1-4 in the rounds, rounds that
    stop after 1000 iterations without improvement and kicks of 6 steps after 20 rounds; ``--pvrp-options`` still
    overrides each."""
    s = oq.PvrpStripKickSolver(tiny_instance(oq, m=2), seed=0)
    assert (s.round_perturbations, s.kick_after, s.kick_moves, s.no_improvement) == ((1, 4), 20, 6, 1000)
    assert s.strip_prob == 1.0 and s.skip_ls == 0.5
    assert oq.PvrpSegStripSolver(tiny_instance(oq, m=2), seed=0).no_improvement == 2500
    t = oq.PvrpStripKickSolver(tiny_instance(oq, m=2), seed=0, kick_after=None, round_perturbations=[2, 5],
                               no_improvement=400)
    assert (t.round_perturbations, t.kick_after, t.no_improvement) == ((2, 5), None, 400)
    assert issubclass(getattr(oq, oq.PVRP_METHODS[oq.PVRP_METHOD]), oq.PvrpStripKickSolver)
