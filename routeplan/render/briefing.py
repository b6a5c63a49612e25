"""Printable patrol briefings: one page per unit x day x shift, an index and an all-in-one print file.

Briefings are rendered from a :class:`~routeplan.model.plan.Plan`: the one in memory when a plan is written,
or one read back from a plan folder by ``routeplan brief`` (to redo them later in another language). Each page holds the unit, crew, shift and depot, the ordered stops
with planned time, place, category, dwell and what to do there, a small SVG route map, and the totals.
Pages need no network and print on A4, one shift per page, readable in black and white.
Every piece of plan text is escaped by Jinja's autoescape.
"""

from __future__ import annotations

import datetime as dt
import math
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from routeplan._io import atomic_output_dir, read_marker, write_marker, write_text_atomic
from routeplan.errors import InputError
from routeplan.i18n import CATALOGUE, LANGUAGES, category_label, guidance, t, weekday
from routeplan.model.plan import Plan, Route
from routeplan.model.planfile import read_plan
from routeplan.model.scenario import Depot
from routeplan.render.export import route_slugs

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


def route_svg(path: list, stops: list[dict], depot: tuple[float, float] | None, lang: str = "id",
              width: int = 600, max_height: int = 420) -> str:
    """A small SVG map of a route: the road path, the depot (square) and numbered stops.

    Coordinates are lon/lat, projected equirectangularly (x scaled by cos(latitude)); a scale bar and a
    north mark are drawn. Black on white so it prints in black and white.
    """
    pts = [(float(x), float(y)) for x, y in path]
    pts += [(s["lon"], s["lat"]) for s in stops]
    if depot:
        pts.append(depot)
    if not pts:
        return ""
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    lat0 = (min(ys) + max(ys)) / 2
    kx = math.cos(math.radians(lat0))
    span_x = max((max(xs) - min(xs)) * kx, 1e-4)
    span_y = max(max(ys) - min(ys), 1e-4)
    pad = 22
    scale = min((width - 2 * pad) / span_x, (max_height - 2 * pad) / span_y)
    height = int(min(max_height, span_y * scale + 2 * pad))
    height = max(height, 160)
    ox = (width - span_x * scale) / 2
    oy = (height - span_y * scale) / 2

    def P(lon: float, lat: float) -> tuple[float, float]:
        return (round(ox + (lon - min(xs)) * kx * scale, 1), round(height - oy - (lat - min(ys)) * scale, 1))

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
           f'font-family="sans-serif"><rect width="{width}" height="{height}" fill="#fff"/>']
    if len(path) >= 2:
        d = " ".join(f"{a},{b}" for a, b in (P(float(x), float(y)) for x, y in path))
        out.append(f'<polyline points="{d}" fill="none" stroke="#fff" stroke-width="7" stroke-linejoin="round"/>')
        out.append(f'<polyline class="route" points="{d}" fill="none" stroke="#111" stroke-width="3" '
                   'stroke-linejoin="round" stroke-linecap="round"/>')
    if depot:
        x, y = P(*depot)
        out.append(f'<rect class="depot" x="{x - 10}" y="{y - 10}" width="20" height="20" fill="#111"/>')
    for i, s in enumerate(stops, start=1):
        x, y = P(s["lon"], s["lat"])
        hot = s.get("kind") == "hotspot"
        out.append(f'<circle class="stop" cx="{x}" cy="{y}" r="12" fill="{"#555" if hot else "#fff"}" stroke="#111" stroke-width="2"/>'
                   f'<text x="{x}" y="{y + 5}" font-size="14" font-weight="700" text-anchor="middle" '
                   f'fill="{"#fff" if hot else "#111"}">{i}</text>')
    # scale bar: a round length near a quarter of the width
    metres_per_px = 111_320 / scale
    target = metres_per_px * width / 4
    nice = min((c for c in (100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000) if c >= target / 2), default=20000)
    px = nice / metres_per_px
    label = f"{nice // 1000} km" if nice >= 1000 else f"{nice} m"
    out.append(f'<g class="scale"><line x1="10" y1="{height - 10}" x2="{10 + px:.1f}" y2="{height - 10}" stroke="#111" stroke-width="3"/>'
               f'<text x="10" y="{height - 16}" font-size="15">{label}</text></g>')
    out.append(f'<g class="north"><path d="M{width - 16} 8 l6 16 h-12 z" fill="#111"/>'
               f'<text x="{width - 16}" y="40" font-size="15" text-anchor="middle">{t("north", lang)}</text></g>')
    out.append("</svg>")
    return "".join(out)


def _sheet(r: Route, depots: dict[str, Depot], lang: str) -> dict[str, Any]:
    """What one briefing page shows of a route.

    Coordinates and totals are taken at the precision the plan files keep (plan.json, routes.geojson), so
    that a briefing rendered from a plan in memory equals one rendered later from its folder.
    """
    dep = depots.get(r.depot)
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
        })
    depot_name = r.depot_name or (dep.name if dep else "") or r.depot
    # breaks (at the depot) are listed among the stops at their time, without a stop number
    rows: list[dict[str, Any]] = [dict(x, row="stop") for x in stops]
    for b0, b1 in r.breaks:
        rows.append({"row": "break", "arrival": _hm(b0), "departure": _hm(b1),
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
        "depot_name": depot_name,
        "km": f"{r.distance_km:.1f}",
        "duration": _duration((r.end - r.start).total_seconds() / 60, lang),
        "drive": _duration(r.drive_minutes, lang),
        "stops": stops,
        "density": "xdense" if len(stops) > XDENSE_STOPS else "dense" if len(stops) > DENSE_STOPS else "",
        "zoom": round(ZOOM_STOPS / len(stops), 3) if len(stops) > ZOOM_STOPS else None,
        "svg": route_svg(path, stops, (round(dep.lon, 7), round(dep.lat, 7)) if dep else None, lang),
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


def render_briefings(plan: Plan, lang: str = "id", map_href: str | None = "../map.html") -> dict[str, str]:
    """Every briefing page of a plan as ``{file name: html}``: one per route, ``index.html`` and ``all.html``.

    Parameters
    ----------
    plan
        The plan (in memory, or read from a folder with :func:`routeplan.model.planfile.read_plan`).
    lang
        ``id`` or ``en``.
    map_href
        Link from the index to the plan's map, or None for no link.

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
    depots = {d.id: d for d in plan.depots or []}
    sheets = [_sheet(r, depots, lang) for r in plan.routes]
    for b, slug in zip(sheets, route_slugs(plan.routes)):
        b["slug"] = slug
    page = env.get_template("briefing.html.j2")
    files: dict[str, str] = {}
    for b in sheets:
        title = f"{t('briefing', lang)} {b['unit']} {b['date']} {b['shift']}"
        files[f"{b['slug']}.html"] = page.render(lang=lang, T=T, css=css, sheets=[b], scenario=scenario, title=title,
                                                 index_href="index.html")
    files["all.html"] = page.render(lang=lang, T=T, css=css, sheets=sheets, scenario=scenario,
                                    title=f"{t('briefings', lang)} — {scenario}", index_href="index.html")
    objects = sorted({s.name for r in plan.routes for s in r.stops if s.kind == "vital_object"})
    rows = [dict(b, href=f"{b['slug']}.html") for b in sheets]
    files["index.html"] = env.get_template("index.html.j2").render(
        lang=lang, T=T, css=css, rows=rows, scenario=scenario, start_date=plan.start_date.isoformat(),
        title=f"{t('briefing_index', lang)} — {scenario}", all_href="all.html", map_href=map_href, objects=objects)
    return files


def write_briefings(plan: Plan, out: str | Path, lang: str | None = None, map_href: str | None = "../map.html") -> Path:
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

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    out = Path(out)
    files = render_briefings(plan, lang or plan.language or "id", map_href=map_href)
    before = read_marker(out)
    for name, text in files.items():
        write_text_atomic(out / name, text)
    # so that `routeplan brief PLAN --out PLAN/briefings` may replace them later
    write_marker(out, "briefings", list(files) + (before["files"] if before else []))
    return out


def brief(plan_dir: str | Path, out: str | Path, lang: str | None = None) -> Path:
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

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    plan_dir, out = Path(plan_dir), Path(out)
    plan = read_plan(plan_dir, paths_required=False)
    map_href = "../map.html" if (out.parent.resolve() == plan_dir.resolve()) else None
    files = render_briefings(plan, lang or plan.language or "id", map_href=map_href)
    with atomic_output_dir(out, kind="briefings", inputs=[plan_dir / "plan.json", plan_dir / "routes.geojson"]) as stage:
        for name, text in files.items():
            write_text_atomic(stage / name, text)
    return out
