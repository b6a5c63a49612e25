"""Printable patrol briefings: one page per unit x day x shift, an index and an all-in-one print file.

Briefings are rendered from a :class:`~routeplan.model.plan.Plan`: the one in memory when a plan is written,
or one read back from a plan folder by ``routeplan brief`` (to redo them later in another language). Each page holds the unit, crew, shift and depot, the ordered stops
with planned time, place, category, dwell and what to do there, a small SVG route map, and the totals.
Pages need no network and print on A4, one shift per page, readable in black and white.
Every piece of plan text is escaped by Jinja's autoescape.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from routeplan import settings
from routeplan._io import (
    atomic_output_dir,
    read_marker,
    unique_file_stems,
    write_bytes_atomic,
    write_marker,
    write_text_atomic,
)
from routeplan.errors import InputError
from routeplan.i18n import CATALOGUE, LANGUAGES, category_label, guidance, number, t, weekday
from routeplan.model.plan import Plan, Route
from routeplan.model.planfile import read_plan
from routeplan.model.scenario import Depot
from routeplan.render.export import route_slugs
from routeplan.render.navlinks import geo_uri, maps_url, qr_svg
from routeplan.render.pdf import route_pdf, split_pdf
from routeplan.render.sketch import RoadIndex, layout, read_roads, road_index, to_svg

#: Stops above which a page uses compact (``dense``) and very compact (``xdense``) type so that it fits one
#: A4 sheet; above ``ZOOM_STOPS`` the whole sheet is scaled down as well.
DENSE_STOPS = 9
XDENSE_STOPS = 12
ZOOM_STOPS = 26


def _hm(t: dt.datetime) -> str:
    return t.strftime("%H:%M")


def _duration(minutes: float, lang: str) -> str:
    m = int(round(minutes))
    return f"{m // 60} {t('hours_short', lang)} {m % 60:02d} {t('minutes', lang)}"


def _when(t: dt.datetime) -> str:
    """A time with its calendar date (``01-12 01:51``): a night shift's times after midnight carry the next day."""
    return t.strftime("%d-%m %H:%M")


def _span(a: dt.datetime, b: dt.datetime) -> str:
    """``01-12 01:51–02:06``; the end's date is repeated when it falls on another day."""
    return f"{_when(a)}\u2013{_hm(b) if b.date() == a.date() else _when(b)}"


def route_svg(path: list, stops: list[dict], depot: tuple[float, float] | None, lang: str = "id",
              width: int = 600, max_height: int = 440, roads: list | None = None) -> str:
    """A route sketch as SVG: roads around the route, the path with direction arrows, the depot and numbered stops.

    See :mod:`routeplan.render.sketch`; ``roads`` are ``(name, class, points)`` of the road graph or None.
    """
    return to_svg(layout([(float(x), float(y)) for x, y in path], stops, depot, roads, width, max_height), lang)


# long: everything one briefing page shows of a route, in one mapping
def _sheet(r: Route, depots: dict[str, Depot], lang: str, roads: RoadIndex | None = None,
           operations: list[str] | None = None) -> dict[str, Any]:
    """What one briefing page shows of a route.

    Coordinates and totals are taken at the precision the plan files keep (plan.json, routes.geojson), so
    that a briefing rendered from a plan in memory equals one rendered later from its folder. ``operations``
    are the names of the operations active on the route's day.
    """
    dep = depots.get(r.depot)
    dec = settings.briefing_coordinate_decimals
    first_of: dict[str, int] = {}
    stops = []
    for i, s in enumerate(r.stops, start=1):
        if s.category in first_of:
            todo = t("same_as", lang).format(n=first_of[s.category])
        else:
            first_of[s.category] = i
            todo = guidance(s.category, lang)
        stops.append({
            "n": i, "kind": s.kind, "name": s.name, "desa": s.desa,
            "category": category_label(s.category, lang), "arrival": _hm(s.arrival), "departure": _hm(s.departure),
            "dwell": s.dwell_minutes, "todo": todo, "lon": round(s.lon, 7), "lat": round(s.lat, 7),
            "when": _span(s.arrival, s.departure), "iso": s.arrival.isoformat(timespec="minutes"),
            "coords": f"{s.lat:.{dec}f}, {s.lon:.{dec}f}", "geo": geo_uri(s.lat, s.lon),
            "gmaps": maps_url(s.lat, s.lon), "qr": qr_svg(geo_uri(s.lat, s.lon), 80, str(i)),
        })
    depot_name = r.depot_name or (dep.name if dep else "") or r.depot
    # breaks (at the depot) are listed among the stops at their time, without a stop number
    rows: list[dict[str, Any]] = [dict(x, row="stop") for x in stops]
    for b0, b1 in r.breaks:
        rows.append({"row": "break", "arrival": _hm(b0), "departure": _hm(b1), "when": _span(b0, b1),
                     "sort": b0.isoformat(timespec="seconds"), "name": depot_name})
    for b0, b1 in r.reserve:  # the reserve spent at the depot: on call, not patrol
        rows.append({"row": "reserve", "arrival": _hm(b0), "departure": _hm(b1), "when": _span(b0, b1),
                     "sort": b0.isoformat(timespec="seconds"), "name": depot_name})
    times = {i: s.arrival.isoformat(timespec="seconds") for i, s in enumerate(r.stops)}
    rows.sort(key=lambda x: x.get("sort") or times[x["n"] - 1])
    path = [(round(x, 6), round(y, 6)) for x, y in r.path]
    if len(path) == 1:  # routes.geojson keeps a one-point path as a line of two equal points
        path = path * 2
    return {
        "rows": rows,
        "slug": "", "unit": r.unit,
        "unit_kind": t(r.unit_kind, lang) if r.unit_kind in CATALOGUE else r.unit_kind,
        "crew": r.crew, "date": r.day.strftime("%d-%m-%Y"), "weekday": weekday(r.day, lang),
        "shift": r.shift, "start": f"{r.start:%H:%M}", "end": f"{r.end:%H:%M}",
        "start_dt": r.start, "start_when": _when(r.start), "end_when": _when(r.end), "span": _span(r.start, r.end),
        "depot_name": depot_name,
        "km": number(r.distance_km, lang, 1),  # 12,3 in Bahasa Indonesia, like the scorecard
        "duration": _duration(r.patrol_minutes, lang),
        "shift_length": _duration((r.end - r.start).total_seconds() / 60, lang),
        "operations": list(operations or []),
        "drive": _duration(r.moving_minutes, lang),  # with the area loops, like "km"
        "stops": stops,
        "density": "xdense" if len(stops) > XDENSE_STOPS else "dense" if len(stops) > DENSE_STOPS else "",
        "zoom": round(ZOOM_STOPS / len(stops), 3) if len(stops) > ZOOM_STOPS else None,
        "sketch": (sk := layout(path, stops, (round(dep.lon, 7), round(dep.lat, 7)) if dep else None, roads)),
        "svg": to_svg(sk, lang),
    }


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: resources.files("routeplan.render").joinpath("templates", name).read_text(encoding="utf-8")),
        autoescape=True, trim_blocks=True, lstrip_blocks=True,
    )


class _Texts:
    """``T.key`` in templates: catalogue text in one language."""

    def __init__(self, lang: str):
        self.lang = lang

    def __getattr__(self, key: str) -> str:
        return t(key, self.lang)


def briefing_sheets(plan: Plan, lang: str = "id", roads: list | None = None) -> list[dict[str, Any]]:
    """What each briefing page shows, per route in plan order (``slug`` names its files)."""
    if lang not in LANGUAGES:
        raise InputError(f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    depots = {d.id: d for d in plan.depots or []}
    index = road_index(roads)
    sheets = [_sheet(r, depots, lang, index, [x.name for x in plan.operations_on(r.day)]) for r in plan.routes]
    for b, slug in zip(sheets, route_slugs(plan.routes)):
        b["slug"] = slug
    return sheets


def _week_stems(plan: Plan) -> dict[str, str]:
    """File stem of each unit's week PDF, by unit id in plan order."""
    units = list(dict.fromkeys(r.unit for r in plan.routes))
    return dict(zip(units, unique_file_stems([(u, "week") for u in units])))


def render_pdfs(plan: Plan, lang: str = "id", roads: list | None = None,
                approval: str | None = None, sheets: list[dict[str, Any]] | None = None) -> dict[str, bytes]:
    """The PDF briefings of a plan as ``{file name: bytes}``: ``<route>.pdf`` per shift, ``<unit>-week.pdf`` per unit.

    Parameters
    ----------
    plan
        The plan.
    lang
        ``id`` or ``en``.
    roads
        Roads for the sketches, as for :func:`render_briefings`.
    approval
        A status line printed under every route's title (e.g. "Disetujui oleh NAME, TIME"), or None.
    sheets
        The plan's :func:`briefing_sheets` in this language when the caller has them already (the HTML
        briefings use the same), else they are laid out here.

    Returns
    -------
    dict
        File name (inside ``briefings/pdf/``) to PDF bytes.
    """
    sheets = [dict(b, approval=approval) for b in sheets or briefing_sheets(plan, lang, roads)]
    files: dict[str, bytes] = {}
    for unit, stem in _week_stems(plan).items():
        mine = [b for b, r in zip(sheets, plan.routes) if r.unit == unit]
        week, pages = route_pdf(mine, plan.scenario, lang, title=f"{unit} {t('week_of', lang)} {plan.start_date}")
        files[f"{stem}.pdf"] = week
        # each shift's file is its pages of the week's, cut out rather than drawn again
        for b, data in zip(mine, split_pdf(week, pages, [b["slug"] for b in mine])):
            files[f"{b['slug']}.pdf"] = data
    return dict(sorted(files.items()))


def render_briefings(plan: Plan, lang: str = "id", map_href: str | None = "../map.html",
                     roads: list | None = None, scorecard_href: str | None = None,
                     approval: str | None = None, sheets: list[dict[str, Any]] | None = None) -> dict[str, str]:
    """Every briefing page of a plan as ``{file name: html}``: one per route, ``index.html`` and ``all.html``.

    Parameters
    ----------
    plan
        The plan (in memory, or read from a folder with :func:`routeplan.model.planfile.read_plan`).
    lang
        ``id`` or ``en``.
    map_href
        Link from the index to the plan's map, or None for no link.
    roads
        ``(name, class, points)`` of the road graph for the route sketches (:mod:`routeplan.render.sketch`),
        or None to draw the route lines alone.
    scorecard_href
        Link from the index to the plan's ``scorecard.html``, or None for no link.
    approval
        A status line shown under every page's title (e.g. "Disetujui oleh NAME, TIME"; escaped), or None.
    sheets
        The plan's :func:`briefing_sheets` in this language when the caller has them already, else they are
        laid out here.

    Returns
    -------
    dict
        File name to page text.
    """
    if lang not in LANGUAGES:
        raise InputError(f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    env = _env()
    css = resources.files("routeplan.render").joinpath("templates", "briefing.css").read_text(encoding="utf-8")
    T = _Texts(lang)
    scenario = plan.scenario
    sheets = sheets or briefing_sheets(plan, lang, roads)
    page = env.get_template("briefing.html.j2")
    files: dict[str, str] = {}
    for b in sheets:
        title = f"{t('briefing', lang)} {b['unit']} {b['date']} {b['shift']}"
        files[f"{b['slug']}.html"] = page.render(lang=lang, T=T, css=css, sheets=[b], scenario=scenario, title=title,
                                                 index_href="index.html", approval=approval)
    files["all.html"] = page.render(lang=lang, T=T, css=css, sheets=sheets, scenario=scenario,
                                    title=f"{t('briefings', lang)} — {scenario}", index_href="index.html",
                                    approval=approval)
    objects = sorted({s.name for r in plan.routes for s in r.stops if s.kind == "vital_object"})
    rows = [dict(b, href=f"{b['slug']}.html", pdf=f"pdf/{b['slug']}.pdf") for b in sheets]
    weeks = [{"unit": u, "pdf": f"pdf/{stem}.pdf"} for u, stem in _week_stems(plan).items()]
    files["index.html"] = env.get_template("index.html.j2").render(
        lang=lang, T=T, css=css, rows=rows, scenario=scenario, start_date=plan.start_date.isoformat(),
        title=f"{t('briefing_index', lang)} — {scenario}", all_href="all.html", map_href=map_href, objects=objects,
        scorecard_href=scorecard_href, weeks=weeks, approval=approval)
    return files


def write_briefings(plan: Plan, out: str | Path, lang: str | None = None, map_href: str | None = "../map.html",
                    roads: list | None = None, scorecard_href: str | None = "../scorecard.html") -> Path:
    """Write the briefings of a plan into ``out`` (inside a plan folder being written), with their marker.

    Parameters
    ----------
    plan
        The plan, in memory.
    out
        Output folder, usually ``PLAN/briefings``.
    lang
        ``id`` or ``en``; defaults to the plan's language, else Bahasa Indonesia.
    map_href
        Link from the index to the plan's map.
    roads
        Roads for the route sketches (:func:`routeplan.render.sketch.roads_from_graph`), or None.
    scorecard_href
        Link from the index to the plan's scorecard page.

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    out = Path(out)
    lang = lang or plan.language or "id"
    sheets = briefing_sheets(plan, lang, roads)  # laid out once for the pages and the PDFs
    files = render_briefings(plan, lang, map_href=map_href, scorecard_href=scorecard_href, sheets=sheets)
    before = read_marker(out)
    for name, text in files.items():
        write_text_atomic(out / name, text)
    pdfs = render_pdfs(plan, lang, sheets=sheets)
    (out / "pdf").mkdir(exist_ok=True)
    for name, data in pdfs.items():
        write_bytes_atomic(out / "pdf" / name, data)
    # so that `routeplan brief PLAN --out PLAN/briefings` may replace them later
    write_marker(out, "briefings", list(files) + ["pdf"] + [f"pdf/{n}" for n in pdfs] + (before["files"] if before else []))
    return out


def brief(plan_dir: str | Path, out: str | Path, lang: str | None = None, approval: str | None = None) -> Path:
    """Render the briefings of the plan folder ``plan_dir`` into ``out``, replacing ``out`` as a whole.

    Parameters
    ----------
    plan_dir
        A plan folder (``plan.json``, ``routes.geojson``), read through :func:`routeplan.model.planfile.read_plan`.
    out
        Output folder; it must be missing, empty or written by routeplan, and must not be (or hold)
        ``plan_dir``.
    lang
        ``id`` or ``en``; defaults to the plan's language, else Bahasa Indonesia.
    approval
        A status line on every page and PDF (the web workspace's "Disetujui oleh NAME, TIME"), or None.

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    plan_dir, out = Path(plan_dir), Path(out)
    plan = read_plan(plan_dir, paths_required=False)
    inside = out.parent.resolve() == plan_dir.resolve()
    map_href = "../map.html" if inside else None
    card_href = "../scorecard.html" if inside and (plan_dir / "scorecard.html").is_file() else None
    roads = read_roads(plan_dir / "roads.geojson")
    lang = lang or plan.language or "id"
    sheets = briefing_sheets(plan, lang, roads)
    files = render_briefings(plan, lang, map_href=map_href, scorecard_href=card_href, approval=approval,
                             sheets=sheets)
    pdfs = render_pdfs(plan, lang, approval=approval, sheets=sheets)
    with atomic_output_dir(out, kind="briefings", inputs=[plan_dir / "plan.json", plan_dir / "routes.geojson"]) as stage:
        for name, text in files.items():
            write_text_atomic(stage / name, text)
        (stage / "pdf").mkdir()
        for name, data in pdfs.items():
            write_bytes_atomic(stage / "pdf" / name, data)
    return out
