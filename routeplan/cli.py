"""The ``routeplan`` command: a thin shell over the library API."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import math
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from tqdm import tqdm

import routeplan.settings as settings
from routeplan._checks import check_output_path
from routeplan._io import check_output_file, output_target, prepare_output_dir
from routeplan.errors import InputError, NetworkError
from routeplan.hotspots import run_hotspots
from routeplan.load.objects import derive_vital_objects, write_objects
from routeplan.load.scenario import load_scenario
from routeplan.model.plan import Plan
from routeplan.pipeline import plan, plan_weeks, replan
from routeplan.prepare.context import PlanContext
from routeplan.render.briefing import brief
from routeplan.render.write import scenario_inputs, write_plan, write_weeks
from routeplan.report.scorecard import predictability
from routeplan.sample import generate_sample

DEFAULT_TIME_LIMIT = 60.0
#: The search stops after this many iterations unless the time limit comes first, so that the same
#: inputs and --seed give the same plan on any machine that is not too slow to reach it.
DEFAULT_ITERATIONS = 10000
#: The optimizer (PyVRP) takes a 32-bit seed.
MAX_SEED = 2 ** 32 - 1
MAX_ITERATIONS = 1_000_000_000
#: ``routeplan.optimize.weeks.plan_weeks`` plans at most this many consecutive weeks.
MAX_WEEKS = 12


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (exit status 2), like every input error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"routeplan: error: {message} (see '{self.prog} --help')\n")


def _whole(lo: int, hi: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"{text} is outside {lo}..{hi}")
        return v
    return parse


def _seconds(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not (math.isfinite(v) and v > 0):
        raise argparse.ArgumentTypeError(f"{text} must be a finite number of seconds above 0")
    return v


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl+C: staging folders are removed and the previous output stays."""


def _on_sigterm(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the clean-up short
    raise Terminated()


class Progress:
    """Stage lines with elapsed time on stderr, and a tqdm bar while the optimizer runs.

    The bar follows the search itself (:meth:`iteration`, called by the optimizer): it fills with the
    iterations done or the time used, whichever is nearer its limit, so it is full when the search ends.
    It is drawn only when stderr is a terminal and not ``quiet``.
    """

    def __init__(self, quiet: bool = False):
        self.t0 = time.monotonic()
        self.quiet = quiet
        self._bar: tqdm | None = None
        self._limits = (1.0, 1)
        self._shown = 0

    def __call__(self, label: str) -> None:
        self._end_bar()
        if self.quiet:
            return
        print(f"[{time.monotonic() - self.t0:6.1f}s] {label}", file=sys.stderr, flush=True)

    def bar(self, seconds: float, iterations: int, label: str = "optimizing") -> None:
        """Start a bar for a search that stops after ``iterations`` or ``seconds`` (only on a terminal)."""
        self._end_bar()
        if self.quiet or not sys.stderr.isatty():
            return
        self._limits = (max(seconds, 1e-6), max(iterations, 1))
        self._shown = 0
        self._bar = tqdm(total=1000, desc=f"  {label}", file=sys.stderr, leave=True, mininterval=0.2,
                         bar_format="{desc} |{bar:30}| {percentage:3.0f}%{postfix}")

    def iteration(self, done: int, seconds: float) -> None:
        """Observer of the search: ``done`` iterations after ``seconds`` (see ``RoutingModel.solve``)."""
        if self._bar is None:
            return
        limit_s, limit_it = self._limits
        frac = min(1.0, max(done / limit_it, seconds / limit_s))
        step = int(frac * 1000)
        if step > self._shown or done >= limit_it:
            self._bar.set_postfix_str(f"{done}/{limit_it} it, {seconds:.1f}/{limit_s:.0f} s", refresh=False)
            self._bar.update(step - self._shown)
            self._shown = step

    def _end_bar(self) -> None:
        if self._bar is not None:
            self._bar.close()  # draws the final state and ends the line
            self._bar = None

    def done(self) -> None:
        self._end_bar()


def _progress_for(args: argparse.Namespace) -> Progress:
    return Progress(quiet=getattr(args, "quiet", False))


def _plan_and_write(scenario_path: Path, args: argparse.Namespace, prog: Progress) -> int:
    check_output_path(args.out)
    sc = load_scenario(scenario_path)
    if args.lang:
        sc.language = args.lang
    prepare_output_dir(args.out, scenario_inputs(sc))  # refuse a bad --out before the long search

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
        return 0
    result, ctx = plan(sc, seed=args.seed, time_limit=args.time_limit, max_iterations=args.iterations,
                       progress=stage, solver_progress=prog.iteration)
    prog("writing outputs")
    write_plan(result, ctx, args.out, lang=sc.language)
    prog.done()
    _summary(result, args.out, ctx)
    return 0


def _summary(plan: Plan, out: str | Path, ctx: PlanContext | None = None) -> None:
    print(f"{len(plan.routes)} routes, {plan.served_required}/{plan.required_visits} required visits served, "
          f"{sum(1 for r in plan.routes for s in r.stops if s.kind == 'hotspot')} hotspot stops -> {out}")
    for w in (ctx.warnings if ctx is not None else []):
        print(f"  warning: {w}")
    for u in plan.unserved:
        print(f"  not served: {u.detail}")
    listed = {u.id for u in plan.unserved}
    for p in (ctx.problems if ctx is not None else []):
        if p.layer == "hotspot" and p.id not in listed:  # a plan's unserved lists its hotspots left out
            print(f"  hotspot skipped: {p.detail}")


def cmd_replan(args: argparse.Namespace) -> int:
    """``routeplan replan``: keep the days before ``--from``, plan the rest again and write the plan folder."""
    prog = _progress_for(args)
    check_output_path(args.out or args.plan_dir)
    try:
        from_date = dt.date.fromisoformat(args.from_date)
    except ValueError:
        raise InputError(f"--from {args.from_date!r} is not an ISO date (YYYY-MM-DD)") from None
    plan_dir = Path(args.plan_dir)
    out = args.out or args.plan_dir
    # writing back into the plan folder is allowed (it was written by routeplan, and is read in full before
    # the swap); any other --out must not be or hold it
    read = [] if output_target(out) == output_target(plan_dir) else [plan_dir / "plan.json", plan_dir / "routes.geojson"]
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
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    """``routeplan plan``: plan a scenario (one week, or ``--weeks`` weeks) and write the plan folder."""
    return _plan_and_write(Path(args.scenario), args, _progress_for(args))


def sample_scenario_path() -> Path:
    """The offline sample's scenario file.

    In a source checkout this is the committed ``data/sample`` beside the package. An installed package
    has no ``data/`` folder: the sample is generated (byte-identical to the committed one) into
    ``<cache folder>/sample``, where it stays for a later ``routeplan replan`` of the demo plan (its
    ``plan.json`` names the scenario file); only when the cache folder cannot be written is it generated
    into a new temporary folder.
    """
    here = Path(__file__).resolve().parents[1] / "data" / "sample" / "scenario.toml"
    if here.exists():
        return here
    try:
        return Path(generate_sample(Path(settings.cache_folder) / "sample"))
    except OSError:
        return Path(generate_sample(Path(tempfile.mkdtemp(prefix="routeplan-sample-"))))


def cmd_demo(args: argparse.Namespace) -> int:
    """``routeplan demo``: plan the synthetic offline sample (:func:`sample_scenario_path`)."""
    prog = _progress_for(args)
    prog("synthetic sample of Kecamatan Kunir (offline)")
    return _plan_and_write(sample_scenario_path(), args, prog)


def cmd_objects(args: argparse.Namespace) -> int:
    """``routeplan objects``: write candidate vital objects derived from OSM tags to a GeoJSON file."""
    if Path(args.out).is_dir():
        raise InputError(f"--out {args.out}: is a folder; give the name of the GeoJSON file to write, "
                         "e.g. vital_objects.geojson")
    check_output_path(args.out)
    sc = load_scenario(args.scenario)
    check_output_file(args.out, [sc.path, sc.area.osm_file, sc.area.boundary], force=args.force)
    gdf = derive_vital_objects(sc)
    write_objects(gdf, Path(args.out))
    counts = gdf["category"].value_counts().to_dict() if len(gdf) else {}
    print(f"{len(gdf)} candidate vital objects -> {args.out}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0


def cmd_brief(args: argparse.Namespace) -> int:
    """``routeplan brief``: render the printable briefings of a plan folder."""
    check_output_path(args.out)
    out = brief(Path(args.plan_dir), Path(args.out), lang=args.lang)
    n = len(list(out.glob("*.html"))) - 2
    print(f"{n} briefings, index.html and all.html -> {out}")
    return 0


def _bandwidth_arg(value: str) -> str | float:
    if value.strip().lower() == "auto":
        return "auto"
    try:
        v = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of metres or 'auto'") from None
    if not (v > 0 and math.isfinite(v)):
        raise argparse.ArgumentTypeError(f"{value!r} must be a positive number of metres")
    return v


def _positive(value: str) -> float:
    try:
        v = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not (v > 0 and math.isfinite(v)):
        raise argparse.ArgumentTypeError(f"{value!r} must be positive")
    return v


def cmd_hotspots(args: argparse.Namespace) -> int:
    """``routeplan hotspots``: :func:`routeplan.hotspots.run_hotspots`, then a short summary on stdout."""
    check_output_path(args.out)
    summary = run_hotspots(
        args.incidents,
        args.out,
        cell_m=args.cell,
        bandwidth=args.bandwidth,
        by_type=args.by == "type",
        train_until=args.train_until,
        columns={"lat": args.lat, "lon": args.lon, "time": args.time, "type": args.type, "x": args.x, "y": args.y},
        type_map=args.type_map,
        crs=args.crs,
        area=args.area,
        area_crs=args.area_crs,
        top_share=args.top_share,
        floor_share=args.floor,
        method=args.method,
        lang=args.lang,
    )
    c = summary["counts"]
    bw = summary["bandwidth_m"]
    how = summary["bandwidth_selection"].get("how", "")
    print(f"{c['incidents']} incidents, {c['cells']} cells of {summary['cell_m']:g} m ({summary['crs']})")
    if bw is not None:
        print(f"bandwidth {bw:g} m ({how})")
    print(
        f"{c['hotspots']} hotspots on {summary['top_share']:.0%} of the area hold "
        f"{c['incidents_in_hotspots']} incidents; floor {summary['floor']['share']:.0%} of risk spread evenly"
    )
    ev = summary.get("evaluation")
    if ev:
        for r in ev["results"]:
            print(
                f"  area {r['share']:.0%}: KDE hit rate {r['kde']['hit_rate']:.2f} PAI {r['kde']['pai']:.2f} | "
                f"baseline hit rate {r['baseline']['hit_rate']:.2f} PAI {r['baseline']['pai']:.2f}"
            )
    print(f"written to {summary['out_dir']}")
    return 0


def _add_hotspots_parser(sub: argparse._SubParsersAction[_Parser]) -> None:
    """The ``hotspots`` subcommand: estimate, evaluate and map crime hotspots (:func:`cmd_hotspots`)."""
    p = sub.add_parser(
        "hotspots",
        help="crime hotspots from incident records (KDE, ranked, evaluated) with a map",
        description="Estimate crime hotspots from an incidents CSV/GeoJSON and write hotspots.geojson, "
        "hotspots.html and summary.json.",
    )
    p.add_argument("incidents", help="incidents CSV or GeoJSON")
    p.add_argument("--out", required=True, help="output folder (replaced atomically)")
    p.add_argument("--cell", type=_positive, default=200.0, metavar="METRES", help="grid cell size (default 200)")
    p.add_argument("--bandwidth", type=_bandwidth_arg, default="auto", metavar="METRES|auto",
                   help="KDE bandwidth; auto = likelihood cross-validation (default)")
    p.add_argument("--by", choices=["type"], default=None, help="also hotspots per incident category")
    p.add_argument("--train-until", default=None, metavar="DATE", help="evaluate: train before DATE, test from DATE")
    p.add_argument("--lat", default=None, metavar="COL")
    p.add_argument("--lon", default=None, metavar="COL")
    p.add_argument("--x", default=None, metavar="COL", help="projected x column (needs --crs)")
    p.add_argument("--y", default=None, metavar="COL", help="projected y column (needs --crs)")
    p.add_argument("--time", default=None, metavar="COL")
    p.add_argument("--type", default=None, metavar="COL")
    p.add_argument("--type-map", default=None, metavar="FILE.json", help='{"RAW TYPE": "curat", ...}')
    p.add_argument("--crs", default=None, metavar="EPSG", help="CRS of the incident coordinates (default 4326)")
    p.add_argument("--area", default=None, metavar="FILE", help="study area polygon (shapefile/GeoJSON)")
    p.add_argument("--area-crs", default=None, metavar="EPSG", help="CRS of --area when its .prj is missing/empty")
    p.add_argument("--top-share", type=float, default=0.05, help="share of area that is hotspot (default 0.05)")
    p.add_argument("--floor", type=float, default=0.1, help="share of risk spread evenly (default 0.1)")
    p.add_argument("--method", choices=["kde", "gistar"], default="kde")
    p.add_argument("--lang", choices=["id", "en"], default="id")
    p.set_defaults(func=cmd_hotspots)


def _add_plan_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="output folder (replaced as a whole on success)")
    p.add_argument("--seed", type=_whole(0, MAX_SEED), default=0, help=f"random seed, 0..{MAX_SEED} (default 0)")
    p.add_argument("--time-limit", type=_seconds, default=DEFAULT_TIME_LIMIT,
                   help=f"optimizer time in seconds (default {DEFAULT_TIME_LIMIT:.0f})")
    p.add_argument("--iterations", type=_whole(1, MAX_ITERATIONS), default=DEFAULT_ITERATIONS,
                   help=f"stop the search after this many iterations (default {DEFAULT_ITERATIONS}); "
                        "with the same --seed the plan is repeatable unless --time-limit ends the search first")
    p.add_argument("--lang", choices=["id", "en"], default=None, help="language of maps and briefings")
    p.add_argument("--quiet", action="store_true", help="no progress output")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``routeplan`` command."""
    parser = _Parser(prog="routeplan", description="Weekly police patrol plans on OpenStreetMap roads.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("plan", help="plan a week of patrols for a scenario")
    p.add_argument("scenario", help="scenario TOML file")
    _add_plan_options(p)
    p.add_argument("--weeks", type=_whole(1, MAX_WEEKS), default=1,
                   help=f"plan N (1..{MAX_WEEKS}) consecutive weeks that vary visit hours (writes week-1/ .. week-N/)")
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("replan", help="keep past days of a plan and re-plan the rest (e.g. a unit called away)")
    p.add_argument("plan_dir", help="plan folder written by 'routeplan plan'")
    p.add_argument("--from", dest="from_date", required=True, help="first day to plan again (YYYY-MM-DD)")
    p.add_argument("--unit-off", action="append", metavar="ID", help="unit not available from --from on (repeatable)")
    _add_plan_options(p)
    p.set_defaults(func=cmd_replan)
    for a in p._actions:  # --out defaults to the plan folder itself for replan
        if a.dest == "out":
            a.required = False
            a.help = "output folder (default: replace PLAN_DIR)"

    p = sub.add_parser("demo", help="plan the synthetic offline sample end to end")
    _add_plan_options(p)
    p.set_defaults(func=cmd_demo, time_limit=45.0, iterations=6000)

    p = sub.add_parser("brief", help="render printable patrol briefings from a plan folder")
    p.add_argument("plan_dir", help="plan folder written by 'routeplan plan' (plan.json, routes.geojson)")
    p.add_argument("--out", required=True, help="output folder (replaced as a whole on success)")
    p.add_argument("--lang", choices=["id", "en"], default=None, help="language (default: the plan's)")
    p.set_defaults(func=cmd_brief)

    p = sub.add_parser("objects", help="derive candidate vital objects from OSM tags for review")
    p.add_argument("scenario", help="scenario TOML file (its area is used)")
    p.add_argument("--out", required=True, help="GeoJSON file to write (an existing file only with --force)")
    p.add_argument("--force", action="store_true", help="replace an existing --out file (it may hold your edits)")
    p.set_defaults(func=cmd_objects)

    _add_hotspots_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 2 bad input, 3 network, 1 internal error)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0), or a bad option: one line is printed already (2)
        return exc.code if isinstance(exc.code, int) else 2
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if not args.debug:
        logging.getLogger("routeplan").setLevel(logging.ERROR)
    func: Callable[[argparse.Namespace], int] = args.func
    on_main_thread = threading.current_thread() is threading.main_thread()
    previous_sigterm = signal.signal(signal.SIGTERM, _on_sigterm) if on_main_thread else None
    try:
        return int(func(args) or 0)
    except InputError as exc:
        print(f"routeplan: error: {exc}", file=sys.stderr)
        return 2
    except NetworkError as exc:
        print(f"routeplan: network error: {exc}", file=sys.stderr)
        return 3
    except Terminated:
        print("routeplan: terminated (SIGTERM); nothing was written", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("routeplan: interrupted; nothing was written", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not the user's fault: one line, details with --debug
        if args.debug:
            raise
        first = str(exc).splitlines()[0] if str(exc) else ""
        print(f"routeplan: internal error: {type(exc).__name__}: {first} (run with --debug for details)", file=sys.stderr)
        return 1
    finally:
        if on_main_thread:
            signal.signal(signal.SIGTERM, previous_sigterm if previous_sigterm is not None else signal.SIG_DFL)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
