"""Argument types and options shared by the subcommands of ``routeplan``."""

from __future__ import annotations

import argparse
import math
import signal
from collections.abc import Callable
from typing import NoReturn

DEFAULT_TIME_LIMIT = 60.0
#: The search stops after this many iterations unless the time limit comes first, so that the same
#: inputs and --seed give the same plan on any machine that is not too slow to reach it.
DEFAULT_ITERATIONS = 10000
#: The optimizer (PyVRP) takes a 32-bit seed.
MAX_SEED = 2 ** 32 - 1
MAX_ITERATIONS = 1_000_000_000
#: ``routeplan.optimize.weeks.plan_weeks`` plans at most this many consecutive weeks.
MAX_WEEKS = 12

class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (exit status 2), like every input error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"routeplan: error: {message} (see '{self.prog} --help')\n")


def whole(lo: int, hi: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"{text} is outside {lo}..{hi}")
        return v
    return parse


def seconds(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not (math.isfinite(v) and v > 0):
        raise argparse.ArgumentTypeError(f"{text} must be a finite number of seconds above 0")
    return v

def positive(value: str) -> float:
    try:
        v = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not (v > 0 and math.isfinite(v)):
        raise argparse.ArgumentTypeError(f"{value!r} must be positive")
    return v

class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl+C: staging folders are removed and the previous output stays."""


def on_sigterm(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the clean-up short
    raise Terminated()


def add_plan_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="output folder (replaced as a whole on success)")
    p.add_argument("--seed", type=whole(0, MAX_SEED), default=0, help=f"random seed, 0..{MAX_SEED} (default 0)")
    p.add_argument("--time-limit", type=seconds, default=DEFAULT_TIME_LIMIT,
                   help=f"optimizer time in seconds (default {DEFAULT_TIME_LIMIT:.0f})")
    p.add_argument("--iterations", type=whole(1, MAX_ITERATIONS), default=DEFAULT_ITERATIONS,
                   help=f"stop the search after this many iterations (default {DEFAULT_ITERATIONS}); "
                        "with the same --seed the plan is repeatable unless --time-limit ends the search first")
    p.add_argument("--lang", choices=["id", "en"], default=None, help="language of maps and briefings")
    p.add_argument("--quiet", action="store_true", help="no progress output")

