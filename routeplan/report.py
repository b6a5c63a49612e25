"""Write a plan folder atomically: exports, scorecard and the map."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ._io import atomic_output_dir, write_text_atomic
from .export import write_exports
from .weekly import WeeklyPlan

log = logging.getLogger(__name__)


def write_plan(plan: WeeklyPlan, ctx: Any, out: str | Path, lang: str | None = None) -> Path:
    """Write every output of a plan into ``out``; a failure leaves a previous ``out`` untouched.

    Parameters
    ----------
    plan
        The weekly plan.
    ctx
        The :class:`routeplan.pipeline.PlanContext`.
    out
        Output folder; replaced as a whole on success.
    lang
        Language of maps and briefings; defaults to the scenario's.

    Returns
    -------
    pathlib.Path
        The output folder.
    """
    from .briefing import write_briefings
    from .maps import render_plan_map

    lang = lang or ctx.scenario.language
    out = Path(out)
    with atomic_output_dir(out) as stage:
        write_exports(plan, ctx, stage)
        write_text_atomic(stage / "map.html", render_plan_map(plan, ctx, lang))
        write_briefings(stage, stage / "briefings", lang=lang)
    log.info("plan written to %s", out)
    return out
