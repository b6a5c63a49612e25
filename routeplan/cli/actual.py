"""``routeplan actual``: compare a plan folder with GPS tracks and check-ins (plan against actual)."""

from __future__ import annotations

import argparse

import routeplan.settings as settings
from routeplan._checks import check_output_path


def cmd_actual(args: argparse.Namespace) -> int:
    """``routeplan actual``: classify every planned visit and write actual.json, actual.csv and actual.html."""
    from routeplan.actual.run import run_actual  # lazy: the map-matching stack loads only for this command

    check_output_path(args.out)
    result = run_actual(args.plan_dir, args.out, tracks=args.tracks or [], checkins=args.checkins,
                        track_units=args.track_units, lang=args.lang)
    s = result.data["summary"]
    print(f"{s['visits']} planned visits: {s['done']} done, {s['done_late']} late, {s['done_early']} early, "
          f"{s['too_short']} too short, {s['missed']} missed; compliance {s['compliance_pct']} % -> {args.out}")
    for u in result.data["units"]:
        print(f"  {u['unit']}: {u['delivered']}/{u['visits']} visits ({u['compliance_pct']} %), "
              f"{u['km']:.1f} of {u['planned_km']:.1f} km, {u['patrol_minutes']:.0f} patrol minutes")
    flagged = [c for c in result.data["checkins"] if c["flag"]]
    if flagged:
        print(f"  {len(flagged)} check-ins not trusted: " + ", ".join(
            f"row {c['row']} ({c['flag']})" for c in flagged[:10]) + (" ..." if len(flagged) > 10 else ""))
    if result.data["unplanned_stops"]:
        print(f"  {len(result.data['unplanned_stops'])} unplanned stops (see actual.html)")
    return 0


def cmd_posters(args: argparse.Namespace) -> int:
    """``routeplan posters``: printable QR posters per vital object for check-ins."""
    from routeplan.actual.posters import checkin_url, write_posters  # lazy: loads only for this command

    check_output_path(args.out)
    url = checkin_url(args.base_url) if args.base_url else args.url
    n = write_posters(args.plan_dir, args.out, url=url, lang=args.lang)
    print(f"{n} posters -> {args.out}/posters.html")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``actual`` to the subcommands."""
    p = sub.add_parser("actual", help="compare a plan with GPS tracks and check-ins (plan against actual)")
    p.add_argument("plan_dir", help="plan folder written by 'routeplan plan'")
    p.add_argument("--tracks", nargs="+", metavar="FILE_OR_DIR",
                   help="GPX files or folders of them; a file's name starts with its unit id and '_' or '.'")
    p.add_argument("--track-units", metavar="FILE.csv", help="CSV with columns file,unit for tracks not named by unit")
    p.add_argument("--checkins", metavar="FILE.csv", help="check-ins: CSV with unit,object_id,time[,lat,lon]")
    p.add_argument("--out", required=True, help="output folder (replaced as a whole on success)")
    p.add_argument("--lang", choices=["id", "en"], default=None, help="language of the page (default: the plan's)")
    p.set_defaults(func=cmd_actual)

    p = sub.add_parser("posters", help="printable QR posters per vital object, scanned for check-ins")
    p.add_argument("plan_dir", help="plan folder written by 'routeplan plan'")
    p.add_argument("--out", required=True, help="output folder (replaced as a whole on success)")
    p.add_argument("--url", default=settings.checkin_poster_url,
                   help=f"text of each QR code, {{id}} replaced by the object id (default {settings.checkin_poster_url!r})")
    p.add_argument("--base-url", metavar="URL", default=None,
                   help="address of the 'routeplan serve' server: each code opens the object's check-in there "
                        "(URL/checkin/ID); instead of --url")
    p.add_argument("--lang", choices=["id", "en"], default=None, help="language (default: the plan's)")
    p.set_defaults(func=cmd_posters)
