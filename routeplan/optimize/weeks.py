"""Plans over several weeks that stay unpredictable, and re-planning the rest of a week."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Callable

from routeplan.errors import InputError
from routeplan.pipeline import PlanContext, prepare
from routeplan.load.scenario import load_scenario
from routeplan.model.plan import Plan, Unserved
from routeplan.model.planfile import read_plan
from routeplan.model.scenario import Scenario
from routeplan.optimize.weekly import plan_week

log = logging.getLogger(__name__)


def _visited_hours(plan: Plan) -> dict[tuple[str, int], set[int]]:
    out: dict[tuple[str, int], set[int]] = defaultdict(set)
    for r in plan.routes:
        for s in r.stops:
            if s.kind == "vital_object":
                out[(s.id, s.arrival.weekday())].add(s.arrival.hour)
    return out


def plan_weeks(
    scenario: Scenario | str | Path,
    weeks: int,
    *,
    seed: int = 0,
    time_limit: float = 30.0,
    max_iterations: int | None = None,
    progress: Callable[[str], None] | None = None,
    ctx: PlanContext | None = None,
) -> tuple[list[Plan], PlanContext]:
    """Plan ``weeks`` consecutive weeks that keep coverage but vary the hour and order of visits.

    Each week is searched with its own seed (derived from ``seed``), and a visit's candidate windows
    leave out the hour at which the same object was visited on the same weekday the week before, where
    the window is wide enough; so a watcher cannot learn when the patrol comes.

    Parameters
    ----------
    scenario
        Scenario or its path; ``start_date`` is the first week's start.
    weeks
        Number of consecutive weeks (1-12).
    seed, time_limit, max_iterations, progress
        As in :func:`routeplan.pipeline.plan_scenario`, per week.
    ctx
        A prepared context to reuse (roads and layers are loaded once).

    Returns
    -------
    (list of Plan, PlanContext)
    """
    if not 1 <= weeks <= 12:
        raise InputError(f"--weeks must be from 1 to 12, got {weeks}")
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    ctx = ctx or prepare(scenario, progress)
    plans: list[Plan] = []
    avoid: dict[tuple[str, int], set[int]] = {}
    for w in range(weeks):
        sc_w = dataclasses.replace(scenario, start_date=scenario.start_date + dt.timedelta(days=w * scenario.days))
        if progress:
            progress(f"week {w + 1}/{weeks}")
        # the optimizer's seed is 32-bit: wrap, so that the largest --seed plans several weeks too
        plan = plan_week(sc_w, ctx.graph, ctx.objects, ctx.hotspots, seed=(seed + 7919 * w) % 2 ** 32,
                         time_limit=time_limit,
                         max_iterations=max_iterations, progress=progress, avoid_hours=avoid)
        _add_snap_problems(plan, ctx)
        plans.append(plan)
        avoid = _visited_hours(plan)
    return plans, ctx


def _add_snap_problems(plan: Plan, ctx: PlanContext) -> None:
    for p in ctx.problems:
        if p.layer == "vital_object":
            plan.unserved.append(Unserved(p.id, p.reason, p.detail))


def replan(
    plan_dir: str | Path,
    from_date: dt.date,
    *,
    units_off: set[str] | frozenset[str] = frozenset(),
    seed: int = 0,
    time_limit: float = 30.0,
    max_iterations: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[Plan, PlanContext]:
    """Keep what is already done and re-plan the rest of the week, e.g. when a unit is called away.

    Routes of days before ``from_date`` are kept unchanged; visits they made count against each
    object's visits per week; the days from ``from_date`` on are planned again without ``units_off``.

    Parameters
    ----------
    plan_dir
        A folder written by ``routeplan plan`` (its ``plan.json`` names the scenario file).
    from_date
        First day to plan again.
    units_off
        Unit ids not available from ``from_date`` on.
    seed, time_limit, max_iterations, progress
        As in :func:`routeplan.pipeline.plan_scenario`.

    Returns
    -------
    (Plan, PlanContext)
    """
    plan_dir = Path(plan_dir)
    old = read_plan(plan_dir)  # checked: a damaged or hand-edited plan folder is an InputError
    sc_file = old.scenario_file
    if not sc_file:
        raise InputError(f"{plan_dir}/plan.json: damaged or from an older version (no scenario_file); plan again")
    scenario = load_scenario(sc_file)
    scenario.start_date = old.start_date
    scenario.days = old.days
    unknown = sorted(set(units_off) - {u.id for u in scenario.units})
    if unknown:
        raise InputError(f"--unit-off {unknown[0]!r}: no such unit in {sc_file}")
    from_day = (from_date - scenario.start_date).days
    if not 0 <= from_day < scenario.days:
        raise InputError(
            f"--from {from_date.isoformat()} is outside the plan ({scenario.start_date.isoformat()} .. "
            f"{scenario.dates[-1].isoformat()})")
    ctx = prepare(scenario, progress)
    kept = [r for r in old.routes if r.day < from_date]
    done = Counter(s.id for r in kept for s in r.stops if s.kind == "vital_object")
    new = plan_week(scenario, ctx.graph, ctx.objects, ctx.hotspots, seed=seed, time_limit=time_limit,
                    max_iterations=max_iterations, progress=progress, from_day=from_day, done_visits=dict(done),
                    units_off=set(units_off))
    _add_snap_problems(new, ctx)
    new.routes = kept + new.routes
    new.required_visits += sum(done.values())
    new.served_required += sum(done.values())
    new.scenario_file = sc_file
    new.replanned = old.replanned + [{"from": from_date.isoformat(), "units_off": sorted(units_off)}]
    return new, ctx
