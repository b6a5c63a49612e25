"""``routeplan init DIR``: a commented starter scenario to edit, in a folder of its own."""

from __future__ import annotations

import argparse


def cmd_init(args: argparse.Namespace) -> int:
    """``routeplan init``: write the starter scenario into a new folder and say what to do next."""
    from routeplan.sample import init_scenario  # lazy: loads only for this command
    toml = init_scenario(args.folder)
    print(f"starter scenario (synthetic sample, to edit) -> {args.folder}")
    print(f"  edit:  {toml}")
    print(f"  plan:  routeplan plan {toml} --out out/plan")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``init`` to the subcommands."""
    p = sub.add_parser("init", help="write a commented starter scenario (from the sample) into a new folder")
    p.add_argument("folder", help="new (or empty) folder for the scenario and its layers")
    p.set_defaults(func=cmd_init)
