"""``routeplan plan``, ``replan``, ``demo`` and ``brief``: plan a scenario and write its folder."""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import routeplan.settings as settings
from routeplan._checks import check_output_path
from routeplan._io import output_target, prepare_output_dir
from routeplan.cli._args import MAX_WEEKS, add_plan_options, whole
from routeplan.cli._progress import Progress, progress_for
from routeplan.errors import InputError
from routeplan.load.scenario import load_scenario

if TYPE_CHECKING:
    from routeplan.model.plan import Plan
    from routeplan.prepare.context import PlanContext

# The stages (roads, solver, maps, PDFs) load inside the commands that use them, so that ``routeplan --help`` and a
# one-line error on bad input come back at once.


def _plan_and_write(scenario_path: Path, args: argparse.Namespace, prog: Progress) -> int:
    from routeplan.actual.carry import last_week_card, read_carry_over  # lazy: the stages load per command
    from routeplan.pipeline import plan, plan_weeks  # lazy: as above
    from routeplan.render.write import scenario_inputs, write_plan, write_weeks  # lazy: as above
    from routeplan.report.scorecard import predictability  # lazy: as above

    check_output_path(args.out)
    sc = load_scenario(scenario_path)
    if args.lang:
        sc.language = args.lang
    carry = read_carry_over(args.carry_over) if getattr(args, "carry_over", None) else None
    if carry is not None and getattr(args, "weeks", 1) > 1:
        raise InputError("--carry-over plans the next week only; leave out --weeks")
    # refuse a bad --out before the long search
    prepare_output_dir(args.out, scenario_inputs(sc) + ([Path(args.carry_over)] if carry else []))

    def stage(label: str) -> None:
        prog(label)
        if label.startswith("optimizing"):
            prog.bar(args.time_limit, args.iterations)

    weeks = getattr(args, "weeks", 1)
    if weeks > 1:
        plans, ctx = plan_weeks(sc, weeks, seed=args.seed, time_limit=args.time_limit,
                                max_iterations=args.iterations, progress=stage, solver_progress=prog.iteration)
        prog("writing outputs")
        write_weeks(plans, ctx, args.out, lang=sc.language)
        prog.done()
        for i, week in enumerate(plans, start=1):
            _summary(week, f"{args.out}/week-{i}", ctx if i == 1 else None)
        pred = predictability(plans)
        print(f"predictability over {weeks} weeks: mean hour entropy {pred['mean_hour_entropy_bits']} bits, "
              f"{100 * (pred['mean_repeat_share'] or 0):.0f} % of visits at the same weekday and hour as the week before")
        print_paths_to_open([Path(args.out) / f"week-{i}" for i in range(1, weeks + 1)])
        return 0
    result, ctx = plan(sc, seed=args.seed, time_limit=args.time_limit, max_iterations=args.iterations,
                       progress=stage, solver_progress=prog.iteration,
                       carry_over=list(carry.missed) if carry else ())
    prog("writing outputs")
    card = last_week_card(carry, result) if carry else None
    write_plan(result, ctx, args.out, lang=sc.language, extra_card=card)
    prog.done()
    _summary(result, args.out, ctx)
    if card:
        items = card["last_week"]["carried_over"]
        print(f"carried over from {args.carry_over}: {len(items)} objects with missed required visits"
              + "".join(f"\n  {c['id']}: missed {c['missed_last_week']}, planned {c['visits_this_week']} this week"
                        for c in items))
    print_paths_to_open([Path(args.out)])
    return 0


#: What a planner opens in a plan folder, in this order, with the label printed before it.
TO_OPEN = (("map", "map.html"), ("scorecard", "scorecard.html"), ("briefings", "briefings/index.html"),
           ("spreadsheet", "plan.xlsx"))


def print_paths_to_open(folders: list[Path]) -> None:
    """Print the pages and files of plan folders to open (those that exist), one per line."""
    print("open:")
    for folder in folders:
        for label, name in TO_OPEN:
            if (folder / name).is_file():
                print(f"  {label + ':':13s}{folder / name}")


def _summary(plan: Plan, out: str | Path, ctx: PlanContext | None = None) -> None:
    print(f"{len(plan.routes)} routes, {plan.served_required}/{plan.required_visits} required visits served, "
          f"{sum(1 for r in plan.routes for s in r.stops if s.kind == 'hotspot')} hotspot stops -> {out}")
    for w in (ctx.warnings if ctx is not None else []):
        print(f"  warning: {w}")
    for u in plan.unserved:
        print(f"  not served: {u.detail}")
    staffed = [x for x in plan.patrol if x.target_minutes is not None]
    if staffed:
        short = [x for x in staffed if x.reason]
        print(f"patrol: {len(staffed) - len(short)} of {len(staffed)} staffed unit-shifts use their patrol time, "
              f"{sum(x.patrol_minutes for x in staffed) / 60:.0f} h patrolled"
              + (f", {len(plan.patrol) - len(staffed)} on standby" if len(plan.patrol) > len(staffed) else ""))
        for x in short:
            print(f"  short patrol: {x.unit} {x.day.isoformat()} {x.shift}: {x.patrol_minutes:.0f}/{x.target_minutes} "
                  f"min ({x.reason}: {x.detail})")
    listed = {u.id for u in plan.unserved}
    for p in (ctx.problems if ctx is not None else []):
        if p.layer == "hotspot" and p.id not in listed:  # a plan's unserved lists its hotspots left out
            print(f"  hotspot skipped: {p.detail}")


def cmd_replan(args: argparse.Namespace) -> int:
    """``routeplan replan``: keep the days before ``--from``, plan the rest again and write the plan folder."""
    from routeplan.pipeline import replan  # lazy: the stages load per command
    from routeplan.render.write import write_plan  # lazy: as above

    prog = progress_for(args)
    try:
        from_date = dt.date.fromisoformat(args.from_date)
    except ValueError:
        raise InputError(f"--from {args.from_date!r} is not an ISO date (YYYY-MM-DD)") from None
    plan_dir = Path(args.plan_dir)
    if args.replace and args.out:
        raise InputError("--replace and --out: give one (--replace writes the new plan over PLAN_DIR)")
    out = args.plan_dir if args.replace else (args.out or str(replan_folder(plan_dir, from_date)))
    check_output_path(out)
    # writing back into the plan folder is allowed (it was written by routeplan, and is read in full before
    # the swap); any other --out must not be or hold it
    read = [] if output_target(out) == output_target(plan_dir) else [plan_dir / "plan.json", plan_dir / "routes.geojson", plan_dir / "inputs"]
    prepare_output_dir(out, read)

    def stage(label: str) -> None:
        prog(label)
        if label.startswith("optimizing"):
            prog.bar(args.time_limit, args.iterations)

    plan, ctx = replan(args.plan_dir, from_date, units_off=set(args.unit_off or []), seed=args.seed,
                       time_limit=args.time_limit, max_iterations=args.iterations, progress=stage,
                       solver_progress=prog.iteration)
    prog("writing outputs")
    write_plan(plan, ctx, out, lang=args.lang or ctx.scenario.language)
    prog.done()
    _summary(plan, out, ctx)
    print_paths_to_open([Path(out)])
    return 0


def replan_folder(plan_dir: Path, from_date: dt.date) -> Path:
    """The folder a re-plan writes without ``--out``: ``PLAN_DIR-replan-DATE`` beside the plan (``-2``, ``-3``
    ... when that exists and is not empty)."""
    stem = f"{plan_dir.resolve().name}-replan-{from_date.isoformat()}"
    parent = plan_dir.resolve().parent
    for n in range(1, 1000):
        cand = parent / (stem if n == 1 else f"{stem}-{n}")
        if not cand.exists() or (cand.is_dir() and not any(cand.iterdir())):
            return cand
    raise InputError(f"{parent}: too many re-plans of {plan_dir.name} from {from_date}; give --out")


def cmd_plan(args: argparse.Namespace) -> int:
    """``routeplan plan``: plan a scenario (one week, or ``--weeks`` weeks) and write the plan folder."""
    return _plan_and_write(Path(args.scenario), args, progress_for(args))


def sample_scenario_path() -> Path:
    """The offline sample's scenario file.

    In a source checkout this is the committed ``data/sample`` beside the package. An installed package
    has no ``data/`` folder: the sample is generated (byte-identical to the committed one) into
    ``<cache folder>/sample``, where it stays for a later ``routeplan replan`` of the demo plan (its
    ``plan.json`` names the scenario file); only when the cache folder cannot be written is it generated
    into a new temporary folder.
    """
    from routeplan.sample import generate_sample  # lazy: only when the package has no data/ folder

    here = Path(__file__).resolve().parents[2] / "data" / "sample" / "scenario.toml"
    if here.exists():
        return here
    try:
        return Path(generate_sample(Path(settings.cache_folder) / "sample"))
    except OSError:
        return Path(generate_sample(Path(tempfile.mkdtemp(prefix="routeplan-sample-"))))


def cmd_demo(args: argparse.Namespace) -> int:
    """``routeplan demo``: plan the synthetic offline sample (:func:`sample_scenario_path`)."""
    prog = progress_for(args)
    prog("synthetic sample of Kecamatan Kunir (offline)")
    return _plan_and_write(sample_scenario_path(), args, prog)


def cmd_brief(args: argparse.Namespace) -> int:
    """``routeplan brief``: render the printable briefings of a plan folder."""
    from routeplan.render.briefing import brief  # lazy: the stages load per command

    check_output_path(args.out)
    out = brief(Path(args.plan_dir), Path(args.out), lang=args.lang)
    n = len(list(out.glob("*.html"))) - 2
    print(f"{n} briefings, index.html and all.html -> {out}")
    print("open:")
    print(f"  {'briefings:':13s}{out / 'index.html'}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``plan``, ``replan``, ``demo`` and ``brief`` to the subcommands."""
    p = sub.add_parser("plan", help="plan a week of patrols for a scenario")
    p.add_argument("scenario", help="scenario TOML file")
    add_plan_options(p)
    p.add_argument("--carry-over", metavar="ACTUAL_DIR",
                   help="folder written by 'routeplan actual' for last week: its missed required visits get priority")
    p.add_argument("--weeks", type=whole(1, MAX_WEEKS), default=1,
                   help=f"plan N (1..{MAX_WEEKS}) consecutive weeks that vary visit hours (writes week-1/ .. week-N/)")
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("replan", help="keep past days of a plan and re-plan the rest (e.g. a unit called away)")
    p.add_argument("plan_dir", help="plan folder written by 'routeplan plan'")
    p.add_argument("--from", dest="from_date", required=True, help="first day to plan again (YYYY-MM-DD)")
    p.add_argument("--unit-off", action="append", metavar="ID", help="unit not available from --from on (repeatable)")
    add_plan_options(p)
    p.set_defaults(func=cmd_replan)
    p.add_argument("--replace", action="store_true", help="write the new plan over PLAN_DIR (default: a new folder)")
    for a in p._actions:  # replan writes a new folder beside PLAN_DIR unless --out or --replace
        if a.dest == "out":
            a.required = False
            a.help = "output folder (default: PLAN_DIR-replan-DATE beside PLAN_DIR)"

    p = sub.add_parser("demo", help="plan the synthetic offline sample end to end")
    add_plan_options(p)
    # the presence model has about 3900 candidate stops on the sample: 10 000 iterations and the routes re-planned
    # alone and in pairs take about 75 s on two cores; the time limit leaves room, so that the iterations (and the
    # seed), not the machine's speed, decide the plan
    p.set_defaults(func=cmd_demo, time_limit=120.0, iterations=10000)

    p = sub.add_parser("brief", help="render printable patrol briefings from a plan folder")
    p.add_argument("plan_dir", help="plan folder written by 'routeplan plan' (plan.json, routes.geojson)")
    p.add_argument("--out", required=True, help="output folder (replaced as a whole on success)")
    p.add_argument("--lang", choices=["id", "en"], default=None, help="language (default: the plan's)")
    p.set_defaults(func=cmd_brief)
