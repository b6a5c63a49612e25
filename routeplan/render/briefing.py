"""Printable patrol briefings: one page per unit x day x shift, an index and an all-in-one print file.

Briefings are rendered from a plan folder (``plan.json`` and ``routes.geojson``), so ``routeplan brief``
can redo them later in another language. Each page holds the unit, crew, shift and depot, the ordered stops
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

from routeplan._io import atomic_output_dir, file_stem, read_marker, unique_file_stems, write_marker, write_text_atomic
from routeplan.errors import InputError
from routeplan.i18n import CATALOGUE, LANGUAGES, category_label, guidance, t, weekday
from routeplan.planfile import read_plan_json, read_route_paths

#: Stops above which a page uses compact (``dense``) and very compact (``xdense``) type so that it fits one
#: A4 sheet; above ``ZOOM_STOPS`` the whole sheet is scaled down as well.
DENSE_STOPS = 9
XDENSE_STOPS = 12
ZOOM_STOPS = 26


def load_plan_dir(plan_dir: str | Path) -> dict[str, Any]:
    """Read ``plan.json`` and attach each route's road path from ``routes.geojson`` (as ``path``)."""
    plan_dir = Path(plan_dir)
    plan = read_plan_json(plan_dir)  # checked: a damaged or hand-edited plan.json is an InputError
    paths = read_route_paths(plan_dir, required=False)
    for r in plan.get("routes", []):
        r["path"] = [list(c) for c in paths.get((r["unit"], r["day"], r["shift"]), [])]
    return plan


def _hm(iso: str) -> str:
    return dt.datetime.fromisoformat(iso).strftime("%H:%M")


def _duration(minutes: float, lang: str) -> str:
    m = int(round(minutes))
    return f"{m // 60} {t('hours_short', lang)} {m % 60:02d} {t('minutes', lang)}"


def route_slug(r: dict[str, Any]) -> str:
    """File-name-safe key of a route, as in the GPX file names: ``<unit>_<day>_<shift>``.

    Ids that file names cannot hold as they are get a short hash (:func:`routeplan._io.file_stem`);
    :func:`route_slugs` also keeps routes whose names differ only in case apart.
    """
    return file_stem(r["unit"], r["day"], r["shift"])


def route_slugs(routes: list[dict[str, Any]]) -> list[str]:
    """The file-name keys of a plan's routes, unique within the plan (as in the GPX file names)."""
    return unique_file_stems((r["unit"], r["day"], r["shift"]) for r in routes)


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


def _sheet(r: dict[str, Any], plan: dict[str, Any], lang: str) -> dict[str, Any]:
    depots = {d["id"]: d for d in plan.get("depots", [])}
    dep = depots.get(r["depot"])
    day = dt.date.fromisoformat(r["day"])
    first_of: dict[str, int] = {}
    stops = []
    for i, s in enumerate(r["stops"], start=1):
        cat = s.get("category", "")
        if cat in first_of:
            todo = t("same_as", lang).format(n=first_of[cat])
        else:
            first_of[cat] = i
            todo = guidance(cat, lang)
        stops.append({
            "n": i, "kind": s.get("kind", ""), "name": s.get("name", ""), "desa": s.get("desa", ""),
            "category": category_label(cat, lang), "arrival": _hm(s["arrival"]), "departure": _hm(s["departure"]),
            "dwell": s.get("dwell_minutes", ""), "todo": todo, "lon": s["lon"], "lat": s["lat"],
        })
    start, end = dt.datetime.fromisoformat(r["start"]), dt.datetime.fromisoformat(r["end"])
    # breaks (at the depot) are listed among the stops at their time, without a stop number
    rows: list[dict[str, Any]] = [dict(x, row="stop") for x in stops]
    for b in r.get("breaks", []):
        rows.append({"row": "break", "arrival": _hm(b["start"]), "departure": _hm(b["end"]), "sort": b["start"],
                     "name": r.get("depot_name") or (dep or {}).get("name") or r["depot"]})
    times = {i: s["arrival"] for i, s in enumerate(r["stops"])}
    rows.sort(key=lambda x: x.get("sort") or times[x["n"] - 1])
    return {
        "rows": rows,
        "slug": route_slug(r), "unit": r["unit"], "unit_kind": t(r.get("unit_kind", "car"), lang)
        if r.get("unit_kind") in CATALOGUE else r.get("unit_kind", ""),
        "crew": r.get("crew", ""), "date": day.strftime("%d-%m-%Y"), "weekday": weekday(day, lang),
        "shift": r["shift"], "start": f"{start:%H:%M}", "end": f"{end:%H:%M}",
        "depot_name": r.get("depot_name") or (dep or {}).get("name") or r["depot"],
        "km": f"{float(r.get('distance_km', 0)):.1f}",
        "duration": _duration((end - start).total_seconds() / 60, lang),
        "drive": _duration(float(r.get("drive_minutes", 0)), lang),
        "stops": stops,
        "density": "xdense" if len(stops) > XDENSE_STOPS else "dense" if len(stops) > DENSE_STOPS else "",
        "zoom": round(ZOOM_STOPS / len(stops), 3) if len(stops) > ZOOM_STOPS else None,
        "svg": route_svg(r.get("path", []), stops, (dep["lon"], dep["lat"]) if dep else None, lang),
    }


def _env() -> Any:
    import jinja2

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


def render_briefings(plan: dict[str, Any], lang: str = "id", map_href: str | None = "../map.html") -> dict[str, str]:
    """Every briefing page of a plan as ``{file name: html}``: one per route, ``index.html`` and ``all.html``."""
    if lang not in LANGUAGES:
        raise InputError(f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    env = _env()
    css = resources.files("routeplan.render").joinpath("templates", "briefing.css").read_text(encoding="utf-8")
    T = _Texts(lang)
    scenario = plan.get("scenario", "")
    sheets = [_sheet(r, plan, lang) for r in plan.get("routes", [])]
    for b, slug in zip(sheets, route_slugs(plan.get("routes", []))):
        b["slug"] = slug
    page = env.get_template("briefing.html.j2")
    files: dict[str, str] = {}
    for b in sheets:
        title = f"{t('briefing', lang)} {b['unit']} {b['date']} {b['shift']}"
        files[f"{b['slug']}.html"] = page.render(lang=lang, T=T, css=css, sheets=[b], scenario=scenario, title=title,
                                                 index_href="index.html")
    files["all.html"] = page.render(lang=lang, T=T, css=css, sheets=sheets, scenario=scenario,
                                    title=f"{t('briefings', lang)} — {scenario}", index_href="index.html")
    objects = sorted({s["name"] for r in plan.get("routes", []) for s in r["stops"] if s.get("kind") == "vital_object"})
    rows = [dict(b, href=f"{b['slug']}.html") for b in sheets]
    files["index.html"] = env.get_template("index.html.j2").render(
        lang=lang, T=T, css=css, rows=rows, scenario=scenario, start_date=plan.get("start_date", ""),
        title=f"{t('briefing_index', lang)} — {scenario}", all_href="all.html", map_href=map_href, objects=objects)
    return files


def write_briefings(plan_dir: str | Path, out: str | Path | None = None, lang: str | None = None,
                    atomic: bool = False) -> Path:
    """Render the briefings of the plan in ``plan_dir`` into ``out`` (default ``plan_dir/briefings``).

    Parameters
    ----------
    plan_dir
        A plan folder (``plan.json``, ``routes.geojson``).
    out
        Output folder.
    lang
        ``id`` or ``en``; defaults to the plan's language, else Bahasa Indonesia.
    atomic
        Replace ``out`` as a whole on success (for ``routeplan brief``); ``out`` must then be missing, empty
        or written by routeplan, and must not be (or hold) ``plan_dir``.
    """
    plan_dir = Path(plan_dir)
    out = Path(out) if out is not None else plan_dir / "briefings"
    plan = load_plan_dir(plan_dir)
    lang = lang or plan.get("language") or "id"
    map_href = "../map.html" if (out.parent.resolve() == plan_dir.resolve()) else None
    files = render_briefings(plan, lang, map_href=map_href)
    if atomic:
        with atomic_output_dir(out, kind="briefings", inputs=[plan_dir / "plan.json", plan_dir / "routes.geojson"]) as stage:
            for name, text in files.items():
                write_text_atomic(stage / name, text)
    else:
        before = read_marker(out)
        for name, text in files.items():
            write_text_atomic(out / name, text)
        # so that `routeplan brief PLAN --out PLAN/briefings` may replace them later
        write_marker(out, "briefings", list(files) + (before["files"] if before else []))
    return out
