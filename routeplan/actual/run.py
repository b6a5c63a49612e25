"""``routeplan actual``: compare a plan folder with GPS tracks and check-ins, and write the result folder.

:func:`compare_actual` reads and checks every input, matches the tracks to the roads, detects stays and
classifies every planned visit (nothing is written); :func:`write_actual` writes ``actual.json``,
``actual.csv`` and ``actual.html`` atomically; :func:`run_actual` does both.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from routeplan._io import atomic_output_dir, write_json_atomic, write_text_atomic
from routeplan.actual.checkins import CheckIn, flag_checkins, read_checkins
from routeplan.actual.compare import classify, iso, summary, unplanned_stops, visit_record
from routeplan.actual.dwell import Stay, detect_stays
from routeplan.actual.figures import hotspot_figures, route_tracks, unit_figures
from routeplan.actual.matching import RoadMatcher
from routeplan.actual.page import actual_page
from routeplan.actual.result import Actual
from routeplan.actual.tracks import Track, gpx_files, merge_tracks, read_gpx, read_unit_mapping, unit_of
from routeplan.errors import InputError
from routeplan.load.scenario import load_scenario
from routeplan.model.geo import hotspot_area
from routeplan.model.plan import Plan
from routeplan.model.planfile import read_plan
from routeplan.pipeline import load_saved_scenario
from routeplan.prepare.context import PlanContext, prepare
from routeplan.render.export import neutralise

log = logging.getLogger(__name__)

#: The version of the actual.json format.
SCHEMA_VERSION = 1
CSV_COLUMNS = ["unit", "day", "shift", "id", "kind", "name", "status", "evidence", "planned_arrival",
               "planned_departure", "planned_minutes", "actual_arrival", "actual_departure", "actual_minutes",
               "delay_minutes", "checkin_row"]


def plan_context(plan_dir: Path) -> tuple[Plan, PlanContext]:
    """The plan of a folder and its prepared scenario (roads and layers), as ``routeplan replan`` reads them:
    from the copies of the inputs saved in the folder, else from the scenario file it names."""
    plan = read_plan(plan_dir)
    saved = load_saved_scenario(plan_dir)
    if saved is not None:  # the copies of the inputs the plan was made from
        scenario = saved[0]
    elif not plan.scenario_file:
        raise InputError(f"{plan_dir}/plan.json: damaged or from an older version (no scenario_file); plan again")
    else:  # a plan folder of an earlier version, without inputs/: the scenario file as it is now
        scenario = load_scenario(plan.scenario_file)
    scenario.start_date, scenario.days = plan.start_date, plan.days
    ctx = prepare(scenario)
    if not plan.depots:
        plan.depots = list(scenario.depots.values())
    return plan, ctx


def _period(plan: Plan) -> tuple[dt.datetime, dt.datetime]:
    tz = plan.routes[0].start.tzinfo if plan.routes else dt.UTC
    first = dt.datetime.combine(plan.start_date, dt.time(0), tz)
    last = max([first + dt.timedelta(days=plan.days)] + [r.end for r in plan.routes])
    return first - dt.timedelta(hours=2), last + dt.timedelta(hours=2)


def read_tracks(paths: Sequence[str | Path], plan: Plan, ctx: PlanContext, mapping: str | Path | None = None) -> dict[str, Track]:
    """Read, check and assign every GPX file, one merged :class:`Track` per unit."""
    units = {r.unit for r in plan.routes} | {u.id for u in ctx.scenario.units}
    names = read_unit_mapping(mapping) if mapping else None
    xs = [d["x"] for _, d in ctx.graph.nodes(data=True)]
    ys = [d["y"] for _, d in ctx.graph.nodes(data=True)]
    bbox = (min(xs), min(ys), max(xs), max(ys))
    period = _period(plan)
    tracks = [read_gpx(f, unit_of(f, units, names), period, bbox) for f in gpx_files(paths)]
    return merge_tracks(tracks)


def compare_actual(plan: Plan, ctx: PlanContext, tracks: dict[str, Track], checkins: list[CheckIn],
                   lang: str = "id", progress: Callable[[float, str], None] | None = None) -> Actual:
    """Classify every planned visit, and the figures per unit and hotspot (see :mod:`routeplan.actual.compare`).

    ``progress``, when given, is called with the share done (0..1) and a label before each step.
    """
    step = progress or (lambda _share, _label: None)
    step(0.0, "finding the stays in the tracks")
    matcher = RoadMatcher(ctx.graph)
    stays: dict[str, list[Stay]] = {u: detect_stays(u, tr.t, tr.lon, tr.lat, matcher.frame) for u, tr in tracks.items()}
    objects = {s.id: (s.lon, s.lat) for r in plan.routes for s in r.stops}  # vital objects and hotspots
    flag_checkins(checkins, {r.unit for r in plan.routes}, objects, _period(plan))
    step(0.2, "classifying the visits")
    results = classify(plan, stays, checkins)
    tz = plan.routes[0].start.tzinfo if plan.routes else None
    step(0.3, "matching the tracks to the roads")
    routes, units = unit_figures(plan, results, route_tracks(plan, tracks), matcher, stays)
    step(0.8, "presence at the hotspots")
    hs = {h.id: h for h in ctx.hotspots}
    areas = {h.id: hotspot_area(h.lon, h.lat, h.geometry_wkt, matcher.frame) for h in ctx.hotspots}
    for r in plan.routes:  # a planned hotspot that is no longer in the layer: a circle at its planned place
        for s in r.stops:
            if s.kind == "hotspot" and s.id not in areas:
                areas[s.id] = hotspot_area(s.lon, s.lat, "", matcher.frame)
    places = {o.id: (o.lon, o.lat) for o in ctx.objects} | {h.id: (h.lon, h.lat) for h in ctx.hotspots}
    data = {
        "schema_version": SCHEMA_VERSION,
        "plan": {"scenario": plan.scenario, "start_date": plan.start_date.isoformat(), "days": plan.days},
        "summary": summary(results),
        "visits": [visit_record(v) for v in results],
        "missed_required": sorted({v.visit.id for v in results
                                   if v.visit.kind == "vital_object" and v.status == "missed"}),
        "units": units,
        "routes": routes,
        "hotspots": hotspot_figures(plan, results, tracks, areas,
                                    {k: h.active_hours for k, h in hs.items()}, matcher.frame),
        "unplanned_stops": unplanned_stops(stays, results, plan, places, tz),
        "tracks": [{"unit": u, "files": tr.files, "points": len(tr), "first": iso(float(tr.t[0]), tz) if len(tr) else None,
                    "last": iso(float(tr.t[-1]), tz) if len(tr) else None, "stays": len(stays[u])}
                   for u, tr in sorted(tracks.items())],
        "checkins": [{"row": c.row, "unit": c.unit, "object_id": c.object_id, "time": c.time.isoformat(),
                      "flag": c.flag, "distance_m": c.distance_m} for c in checkins],
    }
    return Actual(plan, data, tracks, lang, ctx.graph)


def actual_csv(actual: Actual) -> str:
    """``actual.csv``: one row per planned visit; formula-like text neutralised for spreadsheets."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for row in actual.data["visits"]:
        w.writerow({k: neutralise(v) for k, v in row.items()})
    return buf.getvalue()


def write_actual(actual: Actual, out: str | Path, inputs: Sequence[str | Path] = ()) -> Path:
    """Write ``actual.json``, ``actual.csv`` and ``actual.html`` into ``out`` (staged and swapped in whole)."""
    out = Path(out)
    with atomic_output_dir(out, kind="actual", inputs=inputs) as stage:
        write_json_atomic(stage / "actual.json", actual.data)
        write_text_atomic(stage / "actual.csv", actual_csv(actual))
        write_text_atomic(stage / "actual.html", actual_page(actual))
    return out


def run_actual(plan_dir: str | Path, out: str | Path, tracks: Sequence[str | Path] = (),
               checkins: str | Path | None = None, track_units: str | Path | None = None,
               lang: str | None = None) -> Actual:
    """Compare a plan folder with tracks and check-ins and write the result folder (see :func:`compare_actual`)."""
    if not tracks and checkins is None:
        raise InputError("give --tracks, --checkins or both: there is nothing to compare the plan with")
    plan, ctx = plan_context(Path(plan_dir))
    trs = read_tracks(tracks, plan, ctx, track_units) if tracks else {}
    tz = (plan.routes[0].start.tzinfo if plan.routes else None) or dt.UTC
    cks = read_checkins(checkins, tz) if checkins is not None else []
    result = compare_actual(plan, ctx, trs, cks, lang or plan.language or ctx.scenario.language)
    inputs = [Path(plan_dir), *map(Path, tracks)] + [Path(p) for p in (checkins, track_units) if p]
    write_actual(result, out, inputs)
    return result
