"""Progress: the optimizer reports each iteration to an observer, and the CLI draws a tqdm bar from it.

The bar follows the real search (iterations or time, whichever ends first), only on a terminal; stage lines
with elapsed time stay, ``--quiet`` prints nothing, and observing the search does not change the plan.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from test_bad_input import world

from routeplan.cli import main
from routeplan.optimize.routing import RoutingModel, Stop, Vehicle


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _model() -> RoutingModel:
    xs = np.array([0, 7, 13, 21, 30, 34, 45, 52], dtype=float)
    m = RoutingModel([np.abs(xs[:, None] - xs[None, :]) * 10])
    m.add_vehicle(Vehicle(0, 0, 0, 10_000))
    m.add_vehicle(Vehicle(0, 0, 0, 10_000))
    for loc in range(1, len(xs)):
        m.add_stop(Stop(loc, 0, 10_000, service=30, prize=500 + 37 * loc))
    return m


def test_solve_reports_every_iteration_and_only_observes() -> None:
    seen: list[tuple[int, float]] = []
    with_cb = _model().solve(time_limit=60, seed=3, max_iterations=150,
                             progress=lambda it, secs: seen.append((it, secs)))
    without = _model().solve(time_limit=60, seed=3, max_iterations=150)
    assert [it for it, _ in seen] == list(range(len(seen)))  # asked before each iteration and at the end
    assert seen[-1][0] == with_cb.iterations == 150
    assert all(b >= a >= 0 for (_, a), (_, b) in zip(seen, seen[1:]))
    assert (with_cb.cost, with_cb.prizes, with_cb.served, with_cb.iterations) == \
           (without.cost, without.prizes, without.served, without.iterations)
    assert [r.visits for r in with_cb.routes] == [r.visits for r in without.routes]


def _plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stderr: io.StringIO, *extra: str) -> tuple[int, str]:
    sc = world(tmp_path / "w")
    monkeypatch.setattr(sys, "stderr", stderr)
    rc = main(["plan", str(sc), "--out", str(tmp_path / "out"), "--iterations", "200", "--time-limit", "60", *extra])
    return rc, stderr.getvalue()


def test_bar_follows_iterations_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rc, err = _plan(tmp_path, monkeypatch, FakeTerminal())
    assert rc == 0, err
    assert re.search(r"^\[\s*\d+\.\ds\] optimizing", err, re.M)  # stage lines with elapsed time stay
    assert re.search(r"^\[\s*\d+\.\ds\] writing outputs", err, re.M)
    assert "\r" in err  # a bar redrawn in place
    assert "200/200 it" in err and "100%" in err  # it ended with the iteration budget


def test_no_bar_when_stderr_is_not_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rc, err = _plan(tmp_path, monkeypatch, io.StringIO())
    assert rc == 0, err
    assert "optimizing" in err and "\r" not in err and "/200 it" not in err


def test_quiet_prints_no_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rc, err = _plan(tmp_path, monkeypatch, FakeTerminal(), "--quiet")
    assert rc == 0 and err == ""


def test_bar_ends_full_when_the_search_ends_before_its_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    from routeplan.cli._progress import Progress

    term = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", term)
    prog = Progress()
    prog.bar(60.0, 1000)
    for it in range(5):  # a search that stops early (e.g. nothing left to improve) reports 5 of 1000 iterations
        prog.iteration(it, 0.01 * it)
    assert "100%" not in term.getvalue()
    prog("building routes")  # the next stage: the search is over
    err = term.getvalue()
    assert err.rstrip().endswith("building routes")
    bar_text = err.split("building routes")[0]
    assert re.findall(r"(\d+)%", bar_text)[-1] == "100"
    assert "4/1000 it" in bar_text  # the figures stay the real ones
