"""``routeplan objects``: candidate vital objects from OSM tags, for review."""

from __future__ import annotations

import argparse
from pathlib import Path

from routeplan._checks import check_output_path
from routeplan._io import check_output_file
from routeplan.errors import InputError


def cmd_objects(args: argparse.Namespace) -> int:
    """``routeplan objects``: write candidate vital objects derived from OSM tags to a GeoJSON file."""
    from routeplan.load.objects import (  # lazy: osmnx, this command only
        derive_vital_objects,
        explain_empty,
        write_objects,
    )
    from routeplan.load.scenario import load_scenario  # lazy: as above

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
    merged = sum(len(m) for m in gdf["merged"]) if "merged" in gdf.columns else 0
    if merged:
        print(f"{merged} OSM features were the same place as another (a node in or beside its building, or the "
              "same name close by) and are merged into it; see 'merged' in the file")
    if len(gdf) == 0:
        print(explain_empty(sc))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``objects`` to the subcommands."""
    p = sub.add_parser("objects", help="derive candidate vital objects from OSM tags for review")
    p.add_argument("scenario", help="scenario TOML file (its area is used)")
    p.add_argument("--out", required=True, help="GeoJSON file to write (an existing file only with --force)")
    p.add_argument("--force", action="store_true", help="replace an existing --out file (it may hold your edits)")
    p.set_defaults(func=cmd_objects)
