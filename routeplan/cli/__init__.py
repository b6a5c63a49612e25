"""The ``routeplan`` command: a thin shell over the library API.

Each subcommand lives in its own module with a ``register(sub)`` function; :data:`COMMANDS` lists
them in the order ``--help`` shows them.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from importlib import metadata
from typing import cast

from routeplan.cli import actual, batch, hotspots, init, objects, serve
from routeplan.cli import plan as plan_commands
from routeplan.cli._args import Parser, Terminated, on_sigterm
from routeplan.cli.plan import sample_scenario_path
from routeplan.errors import InputError, NetworkError

__all__ = ["COMMANDS", "build_parser", "main", "sample_scenario_path"]

#: ``register(sub)`` of every subcommand module.
COMMANDS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = [
    init.register,
    plan_commands.register,
    objects.register,
    hotspots.register,
    actual.register,
    serve.register,
    batch.register,
]


def _version() -> str:
    """The installed package's version (its metadata), as ``routeplan.__version__``."""
    try:
        return metadata.version("routeplan")
    except metadata.PackageNotFoundError:  # a source tree without install
        return "0.0.0"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``routeplan`` command."""
    parser = Parser(prog="routeplan", description="Weekly police patrol plans on OpenStreetMap roads.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("--version", action="version", version=f"routeplan {_version()}")
    # subparsers are made by the class of their parent (Parser, one-line errors); typed as the base class
    sub = cast("argparse._SubParsersAction[argparse.ArgumentParser]",
               parser.add_subparsers(dest="command", required=True))
    for register in COMMANDS:
        register(sub)
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
    previous_sigterm = signal.signal(signal.SIGTERM, on_sigterm) if on_main_thread else None
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
