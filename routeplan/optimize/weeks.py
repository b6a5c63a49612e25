"""Plans over several weeks that stay unpredictable, and re-planning the rest of a week."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Callable

from routeplan.model.plan import Plan
from routeplan.model.scenario import Scenario
from routeplan.optimize.weekly import plan_week
from routeplan.prepare.context import PlanContext
from routeplan.prepare.matrix import LocationMatrices

log = logging.getLogger(__name__)


def _visited_hours(plan: Plan) -> dict[tuple[str, int], set[int]]:
    out: dict[tuple[str, int], set[int]] = defaultdict(set)
    for r in plan.routes:
        for s in r.stops:
            if s.kind == "vital_object":
                out[(s.id, s.arrival.weekday())].add(s.arrival.hour)
    return out


def plan_consecutive_weeks(ctx: PlanContext, matrices: LocationMatrices, weeks: int, *, seed: int = 0,
                           time_limit: float = 30.0, max_iterations: int | None = None,
                           progress: Callable[[str], None] | None = None,
                           solver_progress: Callable[[int, float], None] | None = None) -> list[Plan]:
    """Plan ``weeks`` consecutive weeks of ``ctx.scenario`` that keep coverage but vary the hour of visits.

    Each week is searched with its own seed (derived from ``seed``), and a visit's candidate windows
    leave out the hour at which the same object was visited on the same weekday the week before, where
    the window is wide enough; so a watcher cannot learn when the patrol comes.

    Parameters
    ----------
    ctx, matrices
        The prepared context and its travel matrices (the same roads and layers every week).
    weeks
        Number of consecutive weeks; the first starts at the scenario's ``start_date``.
    seed, time_limit, max_iterations, progress, solver_progress
        As in :func:`routeplan.optimize.weekly.plan_week`, per week.

    Returns
    -------
    list of Plan
    """
    scenario = ctx.scenario
    plans: list[Plan] = []
    avoid: dict[tuple[str, int], set[int]] = {}
    for w in range(weeks):
        sc_w = dataclasses.replace(scenario, start_date=scenario.start_date + dt.timedelta(days=w * scenario.days))
        if progress:
            progress(f"week {w + 1}/{weeks}")
        # the optimizer's seed is 32-bit: wrap, so that the largest --seed plans several weeks too
        plan = plan_week(sc_w, ctx, matrices, seed=(seed + 7919 * w) % 2 ** 32, time_limit=time_limit,
                         max_iterations=max_iterations, progress=progress, solver_progress=solver_progress,
                         avoid_hours=avoid)
        plans.append(plan)
        avoid = _visited_hours(plan)
    return plans


def replan_rest(old: Plan, scenario: Scenario, ctx: PlanContext, matrices: LocationMatrices, from_date: dt.date, *,
                units_off: set[str] | frozenset[str] = frozenset(), seed: int = 0, time_limit: float = 30.0,
                max_iterations: int | None = None, progress: Callable[[str], None] | None = None,
                solver_progress: Callable[[int, float], None] | None = None) -> Plan:
    """Keep the routes of ``old`` before ``from_date`` and plan the days from then on again.

    Visits the kept routes made count against each object's visits per week; the days from ``from_date``
    on are planned without ``units_off``.

    Parameters
    ----------
    old
        The plan to change.
    scenario
        Its scenario, with the plan's start date and days.
    ctx, matrices
        The prepared context of ``scenario`` and its travel matrices.
    from_date
        First day to plan again (inside the plan).
    units_off
        Unit ids not available from ``from_date`` on.
    seed, time_limit, max_iterations, progress, solver_progress
        As in :func:`routeplan.optimize.weekly.plan_week`.

    Returns
    -------
    Plan
        The kept routes followed by the new ones; ``replanned`` records this re-plan.
    """
    from_day = (from_date - scenario.start_date).days
    kept = [r for r in old.routes if r.day < from_date]
    done = Counter(s.id for r in kept for s in r.stops if s.kind == "vital_object")
    new = plan_week(scenario, ctx, matrices, seed=seed, time_limit=time_limit, max_iterations=max_iterations,
                    progress=progress, solver_progress=solver_progress, from_day=from_day, done_visits=dict(done),
                    units_off=set(units_off))
    new.routes = kept + new.routes
    new.patrol = [x for x in old.patrol if x.day < from_date] + new.patrol
    new.required_visits += sum(done.values())
    new.served_required += sum(done.values())
    new.scenario_file = old.scenario_file
    new.replanned = old.replanned + [{"from": from_date.isoformat(), "units_off": sorted(units_off)}]
    return new
