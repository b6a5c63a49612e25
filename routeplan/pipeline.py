"""The data flow in one place: load -> prepare (snap, matrices) -> optimize, for one week, several weeks and
a re-plan. Report and render/export then take the :class:`~routeplan.model.plan.Plan` and its context
(:func:`routeplan.report.scorecard.score_plan`, :func:`routeplan.render.write.write_plan`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
from collections.abc import Callable, Collection
from pathlib import Path

from routeplan._inputs import INPUTS, saved_inputs
from routeplan.errors import InputError
from routeplan.load.scenario import check_operation_dates, load_scenario
from routeplan.model.plan import Plan
from routeplan.model.planfile import read_plan
from routeplan.model.scenario import Scenario
from routeplan.optimize.candidates import CARRY_OVER_PRIORITY
from routeplan.optimize.weekly import plan_week
from routeplan.optimize.weeks import plan_consecutive_weeks, replan_rest
from routeplan.prepare.context import PlanContext, plan_matrices, prepare

log = logging.getLogger(__name__)

#: Called with a short label before each stage (the CLI shows it).
Progress = Callable[[str], None]


def _scenario(scenario: Scenario | str | Path) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else load_scenario(scenario)


def plan(
    scenario: Scenario | str | Path,
    *,
    seed: int = 0,
    time_limit: float = 30.0,
    max_iterations: int | None = None,
    progress: Progress | None = None,
    solver_progress: Callable[[int, float], None] | None = None,
    ctx: PlanContext | None = None,
    carry_over: Collection[str] = (),
) -> tuple[Plan, PlanContext]:
    """Plan one week (the scenario's days) end to end, without writing anything.

    Parameters
    ----------
    scenario
        A :class:`~routeplan.model.scenario.Scenario` or the path of a scenario TOML file.
    seed
        Random seed; the same inputs and seed give the same plan when ``max_iterations`` ends the search.
    time_limit
        Seconds for the optimizer.
    max_iterations
        Optional iteration cap of the search.
    progress
        Called with a short label before each stage.
    solver_progress
        Observer of the search, called with (iterations done, seconds) as it runs (see
        :meth:`routeplan.optimize.routing.RoutingModel.solve`); it does not change the plan.
    ctx
        A prepared context of this scenario to reuse (:func:`routeplan.prepare.context.prepare`).
    carry_over
        Ids of the vital objects whose required visits were missed last week
        (:func:`routeplan.actual.carry.read_carry_over`): they get the carry-over priority, above every
        priority of the layer (:data:`routeplan.optimize.candidates.CARRY_OVER_PRIORITY`).

    Returns
    -------
    (Plan, PlanContext)
        Vital objects that could not be snapped to the roads are among the plan's unserved visits.
    """
    scenario = _scenario(scenario)
    check_operation_dates(scenario, scenario.days)
    ctx = ctx or prepare(scenario, progress)
    matrices = plan_matrices(ctx, progress)
    carried = set(carry_over)
    run_ctx = ctx if not carried else dataclasses.replace(ctx, objects=[
        dataclasses.replace(o, priority=CARRY_OVER_PRIORITY) if o.id in carried else o for o in ctx.objects])
    result = plan_week(scenario, run_ctx, matrices, seed=seed, time_limit=time_limit, max_iterations=max_iterations,
                       progress=progress, solver_progress=solver_progress)
    return result, ctx


def plan_weeks(
    scenario: Scenario | str | Path,
    weeks: int,
    *,
    seed: int = 0,
    time_limit: float = 30.0,
    max_iterations: int | None = None,
    progress: Progress | None = None,
    solver_progress: Callable[[int, float], None] | None = None,
    ctx: PlanContext | None = None,
) -> tuple[list[Plan], PlanContext]:
    """Plan ``weeks`` consecutive weeks that keep coverage but vary the hour and order of visits.

    Each week is searched with its own seed (derived from ``seed``), and a visit's candidate windows
    leave out the hour at which the same object was visited on the same weekday the week before, where
    the window is wide enough (:func:`routeplan.optimize.weeks.plan_consecutive_weeks`).

    Parameters
    ----------
    scenario
        Scenario or its path; ``start_date`` is the first week's start.
    weeks
        Number of consecutive weeks (1-12).
    seed, time_limit, max_iterations, progress, solver_progress
        As in :func:`plan`, per week.
    ctx
        A prepared context to reuse (roads and layers are loaded once).

    Returns
    -------
    (list of Plan, PlanContext)
    """
    if not 1 <= weeks <= 12:
        raise InputError(f"--weeks must be from 1 to 12, got {weeks}")
    scenario = _scenario(scenario)
    check_operation_dates(scenario, weeks * scenario.days)
    ctx = ctx or prepare(scenario, progress)
    matrices = plan_matrices(ctx, progress)
    plans = plan_consecutive_weeks(ctx, matrices, weeks, seed=seed, time_limit=time_limit,
                                   max_iterations=max_iterations, progress=progress,
                                   solver_progress=solver_progress)
    return plans, ctx


def load_saved_scenario(plan_dir: str | Path) -> tuple[Scenario, list[str]] | None:
    """The scenario of a plan folder from the copies in its ``inputs/``, and the originals changed since.

    ``None`` for a plan folder without saved inputs (an earlier version); see :func:`routeplan._inputs.saved_inputs`.
    """
    found = saved_inputs(Path(plan_dir))
    if found is None:
        return None
    saved, changed = found
    sc = load_scenario(saved["scenario"])
    sc.area = dataclasses.replace(sc.area, osm_file=saved.get("osm_file", sc.area.osm_file),
                                  boundary=saved.get("boundary", sc.area.boundary))
    sc.vital_objects = saved.get("vital_objects", sc.vital_objects)
    sc.hotspots = saved.get("hotspots", sc.hotspots)
    sc.desa = saved.get("desa", sc.desa)
    # an operation layer's copy, found by the original path its relative name had beside the original scenario
    origin = saved["scenario_original"].parent
    sc.operations = [dataclasses.replace(op, layers=tuple(
        saved.get(f"operation_layer:{os.path.abspath(origin / os.path.relpath(p, saved['scenario'].parent))}", p)
        for p in op.layers)) for op in sc.operations]
    return sc, changed


def replan(
    plan_dir: str | Path,
    from_date: dt.date,
    *,
    units_off: set[str] | frozenset[str] = frozenset(),
    seed: int = 0,
    time_limit: float = 30.0,
    max_iterations: int | None = None,
    progress: Progress | None = None,
    solver_progress: Callable[[int, float], None] | None = None,
) -> tuple[Plan, PlanContext]:
    """Keep what is already done and re-plan the rest of the week, e.g. when a unit is called away.

    Routes of days before ``from_date`` are kept unchanged; visits they made count against each
    object's visits per week; the days from ``from_date`` on are planned again without ``units_off``.

    Parameters
    ----------
    plan_dir
        A folder written by ``routeplan plan``. The scenario and layers come from the copies saved in its
        ``inputs/`` (:mod:`routeplan._inputs`); a plan folder without them (an earlier version) uses the
        scenario file its ``plan.json`` names, as it is now.
    from_date
        First day to plan again.
    units_off
        Unit ids not available from ``from_date`` on.
    seed, time_limit, max_iterations, progress, solver_progress
        As in :func:`plan`.

    Returns
    -------
    (Plan, PlanContext)
        The context's ``warnings`` start with one line naming the originals that changed since the plan was
        made, if any.

    Raises
    ------
    InputError
        A damaged plan folder (also a saved input that was edited), an unknown unit or a date outside the plan.
    """
    plan_dir = Path(plan_dir)
    old = read_plan(plan_dir)  # checked: a damaged or hand-edited plan folder is an InputError
    saved = load_saved_scenario(plan_dir)
    changed: list[str] = []
    if saved is not None:
        scenario, changed = saved
    elif not old.scenario_file:
        raise InputError(f"{plan_dir}/plan.json: damaged or from an older version (no scenario_file); plan again")
    else:  # a plan folder of an earlier version, without inputs/: the scenario file as it is now
        scenario = load_scenario(old.scenario_file)
    scenario.start_date = old.start_date
    scenario.days = old.days
    unknown = sorted(set(units_off) - {u.id for u in scenario.units})
    if unknown:
        raise InputError(f"--unit-off {unknown[0]!r}: no such unit in {old.scenario_file}")
    if not 0 <= (from_date - scenario.start_date).days < scenario.days:
        raise InputError(
            f"--from {from_date.isoformat()} is outside the plan ({scenario.start_date.isoformat()} .. "
            f"{scenario.dates[-1].isoformat()})")
    ctx = prepare(scenario, progress)
    if changed:
        note = (f"changed since the plan was made: {', '.join(changed)}; re-planned from the copies in "
                f"{plan_dir / INPUTS} (plan the scenario again to use the changes)")
        log.warning(note)
        ctx.warnings.insert(0, note)
    matrices = plan_matrices(ctx, progress)
    new = replan_rest(old, scenario, ctx, matrices, from_date, units_off=units_off, seed=seed,
                      time_limit=time_limit, max_iterations=max_iterations, progress=progress,
                      solver_progress=solver_progress)
    return new, ctx
