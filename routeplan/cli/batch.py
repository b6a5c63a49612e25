"""``routeplan batch``: plan every kecamatan of a region file on Dask, with progress across the batch."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from typing import Any

from tqdm import tqdm

from routeplan._checks import check_output_path
from routeplan.cli._args import add_plan_options, whole


class _BatchProgress:
    """One line per finished kecamatan on stderr, and a bar over the whole batch on a terminal."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.t0 = time.monotonic()
        self.bar: tqdm | None = None

    def __call__(self, done: int, total: int, res: dict[str, Any]) -> None:
        if self.quiet:
            return
        if self.bar is None and sys.stderr.isatty():
            self.bar = tqdm(total=total, desc="  kecamatan", file=sys.stderr, leave=True, unit="")
        if res["status"] == "ok":
            what = ("unchanged, kept" if res.get("skipped") else
                    f"{res['served_visits']}/{res['required_visits']} required visits served in {res['seconds']:.0f} s")
        else:
            what = f"FAILED: {res['error']}"
        line = f"[{time.monotonic() - self.t0:6.1f}s] {done}/{total} {res['name']}: {what}"
        if self.bar is not None:
            self.bar.write(line, file=sys.stderr)
            self.bar.n = done
            self.bar.refresh()
        else:
            print(line, file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def cmd_batch(args: argparse.Namespace) -> int:
    """``routeplan batch``: plan a region's kecamatan and write the regional outputs; 2 if one failed."""
    from routeplan.batch import BatchOptions, read_region, run_batch  # lazy: Dask loads only for this command

    check_output_path(args.out)
    if not getattr(args, "debug", False):  # Dask logs every start and stop of its workers at INFO
        # read when distributed is first imported (here and in the worker processes, which inherit it)
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")
        logging.getLogger("distributed").setLevel(logging.ERROR)
    region = read_region(args.region)  # a bad region file is one line, before anything starts
    prog = _BatchProgress(args.quiet)
    if not args.quiet:
        where = args.scheduler or ("a local cluster of " + (f"{args.workers} workers" if args.workers else "one worker per core"))
        print(f"routeplan batch: {len(region.kecamatan)} kecamatan of {region.name} on {where}", file=sys.stderr)
    options = BatchOptions(seed=args.seed, time_limit=args.time_limit, max_iterations=args.iterations, lang=args.lang)
    try:
        result = run_batch(region, args.out, options=options, scheduler=args.scheduler, workers=args.workers,
                           resume=args.resume, progress=prog)
    finally:
        prog.close()
    ok = len(result.results) - len(result.failed)
    print(f"{ok}/{len(result.results)} kecamatan planned ({len(result.skipped)} unchanged, kept) in "
          f"{result.seconds:.0f} s -> {result.out}/index.html")
    for r in result.failed:
        print(f"  failed: {r['name']}: {r['error']}")
    return 2 if result.failed else 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``batch`` to the subcommands."""
    p = sub.add_parser("batch", help="plan every kecamatan of a region file on Dask (a Polres or Polda)")
    p.add_argument("region", help="region TOML file: scenarios = [\"kunir/scenario.toml\", ...]")
    add_plan_options(p)
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="an existing Dask scheduler (tcp://host:8786) whose workers share this disk; "
                        "default: a local cluster")
    p.add_argument("--workers", type=whole(1, 1024), default=None,
                   help="worker processes of the local cluster (default: one per core)")
    p.add_argument("--resume", action="store_true",
                   help="skip kecamatan whose inputs and options are unchanged since their last plan in --out")
    for a in p._actions:
        if a.dest == "out":
            a.help = ("output folder: a plan folder per kecamatan (each replaced whole when planned), summary.csv, "
                      "summary.xlsx, scorecard.json, index.html")
        elif a.dest in ("time_limit", "iterations"):
            a.help = f"{a.help}; per kecamatan"
    p.set_defaults(func=cmd_batch)
