"""Write a plan folder atomically: exports, scorecard and the map."""

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path

from routeplan._inputs import INPUTS, save_inputs
from routeplan._io import atomic_output_dir, output_target, write_json_atomic, write_marker, write_text_atomic
from routeplan.model.plan import Plan
from routeplan.model.scenario import Scenario
from routeplan.prepare.context import PlanContext
from routeplan.render.briefing import write_briefings
from routeplan.render.export import write_exports
from routeplan.render.maps import render_plan_map
from routeplan.render.scorecard_page import render_scorecard_page
from routeplan.render.sketch import road_lines, roads_from_graph
from routeplan.report.scorecard import predictability, score_plan, scorecard_panel_html

log = logging.getLogger(__name__)


def scenario_inputs(scenario: Scenario | None) -> list[Path]:
    """The files a scenario reads: the scenario itself, its OSM file or boundary and its layers.

    An output folder must not hold any of them (:func:`routeplan._io.check_output_dir`).
    """
    if scenario is None:
        return []
    area = getattr(scenario, "area", None)
    paths = [getattr(scenario, "path", None), getattr(area, "osm_file", None), getattr(area, "boundary", None),
             getattr(scenario, "vital_objects", None), getattr(scenario, "hotspots", None),
             getattr(scenario, "desa", None)]
    paths += [p for op in getattr(scenario, "operations", []) for p in op.layers]
    return [Path(p) for p in paths if p is not None]


def _outside_inputs(ctx: PlanContext, out: str | Path) -> list[Path]:
    """The scenario's inputs, less the saved copies in ``out/inputs`` itself: a re-plan that replaces its plan
    folder reads them in full (and copies them into the new folder) before the folder is swapped."""
    saved = output_target(out) / INPUTS
    return [p for p in scenario_inputs(getattr(ctx, "scenario", None))
            if not Path(os.path.abspath(p)).is_relative_to(saved)]


def write_plan(plan: Plan, ctx: PlanContext, out: str | Path, lang: str | None = None,
               extra_card: dict | None = None) -> Path:
    """Write every output of a plan into ``out``; a failure leaves a previous ``out`` untouched.

    Parameters
    ----------
    plan
        The weekly plan.
    ctx
        The :class:`routeplan.prepare.context.PlanContext`.
    out
        Output folder; replaced as a whole on success. It must be missing, empty or written by routeplan,
        and must not hold an input of the scenario (:func:`routeplan._io.check_output_dir`).
    lang
        Language of maps and briefings; defaults to the scenario's.
    extra_card
        Sections added to the scorecard (e.g. ``last_week`` of a carry-over).

    Returns
    -------
    pathlib.Path
        The output folder.
    """
    lang = lang or ctx.scenario.language
    out = Path(out)
    with atomic_output_dir(out, kind="plan", inputs=_outside_inputs(ctx, out)) as stage:
        write_plan_files(plan, ctx, stage, lang, extra_card)
    log.info("plan written to %s", out)
    return out


def write_plan_files(plan: Plan, ctx: PlanContext, folder: Path, lang: str, extra_card: dict | None = None,
                     inputs_as: Path | None = None) -> dict:
    """Write exports, ``scorecard.json``, ``scorecard.html``, ``map.html`` (with the scorecard panel) and briefings into ``folder``.

    Copies the scenario and its layers into ``folder/inputs`` (:func:`routeplan._inputs.save_inputs`; hard
    links to the copies in ``inputs_as`` where it holds them).
    Returns the scorecard.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    card = score_plan(plan, ctx)
    if extra_card:
        card.update(extra_card)
    write_exports(plan, ctx, folder, lang)
    write_json_atomic(folder / "scorecard.json", card)
    page = render_plan_map(plan, ctx, lang)
    # the panel is plain HTML placed before </body>; all its text is escaped by scorecard_panel_html
    page = page.replace("</body>", scorecard_panel_html(card, lang) + "\n</body>", 1) if "</body>" in page else page + scorecard_panel_html(card, lang)
    write_text_atomic(folder / "map.html", page)
    write_text_atomic(folder / "scorecard.html", render_scorecard_page(card, plan, ctx, lang))
    graph = getattr(ctx, "graph", None)
    if graph is not None:  # the roads of the briefing sketches, kept so that `routeplan brief` draws the same
        write_json_atomic(folder / "roads.geojson", road_lines(graph))
    write_briefings(plan, folder / "briefings", lang=lang, roads=roads_from_graph(graph))  # the plan in memory
    if getattr(ctx, "scenario", None) is not None:
        save_inputs(ctx.scenario, folder, same_as=inputs_as)  # for routeplan replan, with checksums
    return card


def write_weeks(plans: list[Plan], ctx: PlanContext, out: str | Path, lang: str | None = None) -> Path:
    """Write consecutive weekly plans as ``week-1/``, ``week-2/``, ... and ``predictability.json``, atomically.

    Parameters
    ----------
    plans
        Plans from :func:`routeplan.pipeline.plan_weeks`.
    ctx
        Their context.
    out
        Output folder; replaced as a whole on success.
    lang
        Language; defaults to the scenario's.

    Returns
    -------
    pathlib.Path
    """
    lang = lang or ctx.scenario.language
    out = Path(out)
    pred = predictability(plans)
    summary = {k: v for k, v in pred.items() if k != "per_object"}
    with atomic_output_dir(out, kind="weeks", inputs=_outside_inputs(ctx, out)) as stage:
        for i, plan in enumerate(plans, start=1):
            # each week is scored and drawn on its own dates (readiness hours, map days), not the first week's
            week_ctx = dataclasses.replace(ctx, scenario=dataclasses.replace(ctx.scenario, start_date=plan.start_date))
            write_plan_files(plan, week_ctx, stage / f"week-{i}", lang, extra_card={"predictability": summary},
                             inputs_as=stage / "week-1" if i > 1 else None)
            write_marker(stage / f"week-{i}", "plan")  # a week folder can be replanned in place
        write_json_atomic(stage / "predictability.json", pred)
    return out
