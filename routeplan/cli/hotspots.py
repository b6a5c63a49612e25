"""``routeplan hotspots``: estimate, evaluate and map crime hotspots from incident records."""

from __future__ import annotations

import argparse
import math

from routeplan._checks import check_output_path
from routeplan.cli._args import positive


def bandwidth_arg(value: str) -> str | float:
    if value.strip().lower() == "auto":
        return "auto"
    try:
        v = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of metres or 'auto'") from None
    if not (v > 0 and math.isfinite(v)):
        raise argparse.ArgumentTypeError(f"{value!r} must be a positive number of metres")
    return v


def cmd_hotspots(args: argparse.Namespace) -> int:
    """``routeplan hotspots``: :func:`routeplan.hotspots.run_hotspots`, then a short summary on stdout."""
    from routeplan.hotspots import run_hotspots  # lazy: the density and map stack loads only for this command

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
        keywords=args.type_keywords,
        crs=args.crs,
        area=args.area,
        area_crs=args.area_crs,
        top_share=args.top_share,
        floor_share=args.floor,
        method=args.method,
        lang=args.lang,
        roads=args.roads,
        desa=args.desa,
    )
    c = summary["counts"]
    bw = summary["bandwidth_m"]
    how = summary["bandwidth_selection"].get("how", "")
    print(f"{c['incidents']} incidents, {c['cells']} cells of {summary['cell_m']:g} m ({summary['crs']})")
    if bw is not None:
        print(f"bandwidth {bw:g} m ({how})")
    layers = c.get("hotspots_by_layer", {})
    n_all = layers.get("all", 0)
    print(
        f"{n_all} hotspots of all incidents on {summary['top_share']:.0%} of the area hold "
        f"{c['incidents_in_hotspots']} incidents; floor {summary['floor']['share']:.0%} of risk spread evenly"
    )
    per_type = [f"{k} {v}" for k, v in layers.items() if k != "all"]
    if per_type:
        print("hotspots per type (layers of their own): " + ", ".join(per_type))
    ev = summary.get("evaluation")
    if ev:
        for r in ev["results"]:
            print(
                f"  area {r['share']:.0%}: KDE hit rate {r['kde']['hit_rate']:.2f} PAI {r['kde']['pai']:.2f} | "
                f"baseline hit rate {r['baseline']['hit_rate']:.2f} PAI {r['baseline']['pai']:.2f}"
            )
    for note in summary["notes"]:
        print(f"note: {note}")
    print(f"written to {summary['out_dir']}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``hotspots`` subcommand: estimate, evaluate and map crime hotspots (:func:`cmd_hotspots`)."""
    p = sub.add_parser(
        "hotspots",
        help="crime hotspots from incident records (KDE, ranked, evaluated) with a map",
        description="Estimate crime hotspots from an incidents CSV/GeoJSON and write hotspots.geojson, "
        "hotspots.html and summary.json.",
    )
    p.add_argument("incidents", help="incidents CSV or GeoJSON")
    p.add_argument("--out", required=True, help="output folder (replaced atomically)")
    p.add_argument("--cell", type=positive, default=200.0, metavar="METRES", help="grid cell size (default 200)")
    p.add_argument("--bandwidth", type=bandwidth_arg, default="auto", metavar="METRES|auto",
                   help="KDE bandwidth; auto = likelihood cross-validation (default)")
    p.add_argument("--by", choices=["type"], default=None, help="also hotspots per incident category")
    p.add_argument("--train-until", default=None, metavar="DATE", help="evaluate: train before DATE, test from DATE")
    p.add_argument("--lat", default=None, metavar="COL")
    p.add_argument("--lon", default=None, metavar="COL")
    p.add_argument("--x", default=None, metavar="COL", help="projected x column (needs --crs)")
    p.add_argument("--y", default=None, metavar="COL", help="projected y column (needs --crs)")
    p.add_argument("--time", default=None, metavar="COL")
    p.add_argument("--type", default=None, metavar="COL")
    p.add_argument("--type-map", default=None, metavar="FILE.json",
                   help='exact type names, e.g. {"RAW TYPE": "curat"}; win over keywords')
    p.add_argument("--type-keywords", default=None, metavar="FILE.toml",
                   help='keyword rules tried before the built-in ones: [[rules]] category = "curat", phrases = [...]')
    p.add_argument("--crs", default=None, metavar="EPSG", help="CRS of the incident coordinates (default 4326)")
    p.add_argument("--area", default=None, metavar="FILE", help="study area polygon (shapefile/GeoJSON)")
    p.add_argument("--roads", default=None, metavar="FILE.osm",
                   help="local OSM file: roads on the page's base map and hotspot names from the nearest road")
    p.add_argument("--desa", default=None, metavar="FILE.geojson",
                   help="desa polygons with a 'name': on the base map and in hotspot names")
    p.add_argument("--area-crs", default=None, metavar="EPSG", help="CRS of --area when its .prj is missing/empty")
    p.add_argument("--top-share", type=float, default=0.05, help="share of area that is hotspot (default 0.05)")
    p.add_argument("--floor", type=float, default=0.1, help="share of risk spread evenly (default 0.1)")
    p.add_argument("--method", choices=["kde", "gistar"], default="kde")
    p.add_argument("--lang", choices=["id", "en"], default="id")
    p.set_defaults(func=cmd_hotspots)
