"""benchmarks/pvrp_published_combinations.py: a published solution file is read as written, and our routing with
its visit days fixed keeps exactly those days (issue #12's PVRP diagnosis)."""

from __future__ import annotations

import pytest
from conftest import load_benchmark
from pvrp_tiny import tiny_instance

pytest.importorskip("pyvrp")


@pytest.fixture(scope="module")
def oq():
    return load_benchmark("optimizer_quality")


@pytest.fixture(scope="module")
def pc(oq):
    return load_benchmark("pvrp_published_combinations")


def test_a_res_file_is_read_day_by_day(pc, tmp_path):
    f = tmp_path / "x.res"
    f.write_text("123.45\n1   1   10.0   60   0 1 2 0 \n3   1   20.0   30   0 5 0 \n1   2   5.0   30   0 3 0 \n\n")
    stated, routes = pc.read_solution(f, 3)
    assert stated == 123.45
    assert routes == [[[1, 2], [3]], [], [[5]]]


@pytest.mark.parametrize("m", [2, 3])
def test_the_fixed_solve_keeps_the_files_days_and_is_no_longer(oq, pc, m):
    inst = tiny_instance(oq, m=m)
    given = [[[1, 2]], [[1], [3]], [[2, 5], [4]]]  # a feasible plan with poor day choices
    ok, cost, why = oq.verify_pvrp(inst, given)
    assert ok, why
    out = pc.fixed_solve(inst, given, 2.0)
    assert out["feasible"]
    assert out["value"] <= round(cost, 2) + 1e-9
    # the solve may reorder routes but not move a visit to another day: the same days as the file
    for i in range(1, 6):
        want = tuple(d for d in range(3) if any(i in r for r in given[d]))
        assert tuple(d for d in range(3) if any(i in r for r in out["routes"][d])) == want
