"""Progress on the terminal: stage lines and a bar that follows the search."""

from __future__ import annotations

import argparse
import sys
import time

from tqdm import tqdm


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
        """Close the bar; the next stage has begun, so the search is over: the bar ends full."""
        if self._bar is not None:
            if self._shown < 1000:
                self._bar.update(1000 - self._shown)
                self._shown = 1000
            self._bar.close()  # draws the final state and ends the line
            self._bar = None

    def done(self) -> None:
        self._end_bar()


def progress_for(args: argparse.Namespace) -> Progress:
    return Progress(quiet=getattr(args, "quiet", False))

