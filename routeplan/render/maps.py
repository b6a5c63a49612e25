"""Interactive Folium map of a weekly plan: a layer per day, routes coloured per unit, stops, hotspots, depots.

The page is self-contained (see :mod:`routeplan.render.offline`): Leaflet is inlined, and the base map is drawn
from the road graph itself as a vector layer (main roads emphasised), so it reads without any network.
OpenStreetMap tiles are an opt-in overlay in the layer control (off by default) for when the device is online.
Route lines are simplified (about 2 m) and rounded to 5 decimals (about 1 m) to keep the page small.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterable
from importlib import resources
from typing import Any, cast

import folium
import networkx as nx
from branca.element import Figure
from shapely import wkt
from shapely.geometry import LineString

from routeplan._html import Raw, escape, js_string, popup, tooltip
from routeplan.i18n import category_label, number, t, weekday
from routeplan.model.plan import Plan, Route, Visit
from routeplan.model.scenario import Scenario
from routeplan.prepare.context import PlanContext
from routeplan.render.offline import prepare_map, render_offline, tile_layer

log = logging.getLogger(__name__)

#: One colour per unit: Okabe-Ito (colour-blind safe; without its yellow, too faint on the base map) and Paul
#: Tol's muted scheme. Units 9 to 16 draw dashed lines (``UNIT_DASH``), so that a unit stays distinct from the
#: first eight also where two colours look alike to a colour-blind reader.
UNIT_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#882255",
                "#332288", "#117733", "#999933", "#AA4499", "#44AA99", "#CC6677", "#663333", "#88CCEE"]
UNIT_DASH = "10 6"
#: Fill of a stop marker by kind (its ring is the unit's colour): vital objects white, hotspot stops orange,
#: area patrols (a loop through a desa's roads) lilac, apart from both.
STOP_FILL = {"vital_object": "#ffffff", "hotspot": "#EF8A62", "area_patrol": "#998EC3"}
#: Style of the filter control and the arrows (the control folds to one line on phones).
FILTER_CSS = (".rp-filter{background:#fff;padding:4px 8px;font:12px/1.35 sans-serif;max-height:55vh;overflow:auto;max-width:230px}"
              ".rp-filter .rp-op{display:block;white-space:normal;margin-left:20px}"
              ".rp-filter summary{font-weight:700;cursor:pointer}.rp-filter fieldset{border:0;margin:2px 0;padding:0}"
              ".rp-filter legend{font-weight:600;padding:0}.rp-filter label{display:block;white-space:nowrap}"
              ".rp-filter button{font:11px sans-serif;padding:0 4px;margin-left:4px}"
              ".rp-swatch{display:inline-block;width:18px;margin:0 4px 2px 0;vertical-align:middle}"
              ".rp-arrow{background:none;border:none}"
              "@media (max-width:640px){.rp-filter{max-height:40vh;font-size:11px}}")
#: Metres between direction arrows along a route line.
ARROW_EVERY_M = 700

#: Road classes of the vector base map: (name, OSM highway values, colour, weight).
ROAD_CLASSES: list[tuple[str, set[str] | None, str, float]] = [
    ("minor", None, "#c9c3b8", 1.0),
    ("tertiary", {"tertiary", "tertiary_link"}, "#b5aa98", 2.0),
    ("main", {"motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link",
              "secondary", "secondary_link"}, "#9a8f7c", 3.5),
]

#: Simplification tolerance (degrees) and decimals of line coordinates in the page.
SIMPLIFY_DEG = 0.00002
DECIMALS = 5


#: The project's HTML escaper for map pages (see :func:`routeplan._html.escape`): besides ``& < > " '`` it
#: escapes the backslash, the backtick, ``$``, ``{``, ``}`` and U+2028/U+2029, so a name can neither end a
#: JavaScript string or template literal nor be read as template syntax.
E = escape


def unit_colours(plan: Plan, units: list[str] | None = None) -> dict[str, str]:
    """A stable colour per unit id (in scenario order when ``units`` is given)."""
    ids = units or sorted({r.unit for r in plan.routes})
    return {u: UNIT_COLOURS[i % len(UNIT_COLOURS)] for i, u in enumerate(ids)}


def unit_dashes(colours: dict[str, str]) -> dict[str, str | None]:
    """The dash pattern of each unit's line: solid for the first eight, dashed for the next eight, and so on."""
    return {u: (UNIT_DASH if (i // 8) % 2 else None) for i, u in enumerate(colours)}


def compact_line(coords: Iterable[tuple[float, float]], tolerance: float = SIMPLIFY_DEG,
                 decimals: int = DECIMALS) -> list[tuple[float, float]]:
    """Simplify a lon/lat line and round its coordinates; consecutive duplicates are dropped."""
    pts = list(coords)
    if len(pts) >= 3 and tolerance > 0:
        pts = list(LineString(pts).simplify(tolerance, preserve_topology=False).coords)
    out: list[tuple[float, float]] = []
    for x, y in pts:
        p = (round(x, decimals), round(y, decimals))
        if not out or out[-1] != p:
            out.append(p)
    return out


def _highway(data: dict[str, Any]) -> str:
    hw = data.get("highway", "")
    if isinstance(hw, (list, tuple)):
        hw = hw[0] if hw else ""
    return str(hw)


def road_base_geojson(G: nx.MultiDiGraph) -> dict[str, Any]:
    """The road graph as one MultiLineString per road class (each street once, simplified, rounded)."""
    lines: dict[str, list[list[list[float]]]] = {name: [] for name, *_ in ROAD_CLASSES}
    seen: set[tuple[Any, ...]] = set()
    for u, v, _k, data in G.edges(keys=True, data=True):
        key = (min(u, v), max(u, v), data.get("osmid") if not isinstance(data.get("osmid"), list) else tuple(data["osmid"]))
        if key in seen:
            continue
        seen.add(key)
        geom = data.get("geometry")
        pts = list(geom.coords) if geom is not None else [(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])]
        pts = compact_line(pts, SIMPLIFY_DEG * 2)
        if len(pts) < 2:
            continue
        hw = _highway(data)
        cls = next((name for name, values, *_ in ROAD_CLASSES[1:][::-1] if values is not None and hw in values), "minor")
        lines[cls].append([list(p) for p in pts])
    feats = []
    for name, _values, colour, weight in ROAD_CLASSES:
        if lines[name]:
            feats.append({"type": "Feature", "properties": {"cls": name, "color": colour, "weight": weight},
                          "geometry": {"type": "MultiLineString", "coordinates": lines[name]}})
    return {"type": "FeatureCollection", "features": feats}


def _stop_popup(s: Visit, lang: str) -> str:
    return (
        f"<b>{E(s.name)}</b><br>{E(t('category', lang))}: {E(category_label(s.category, lang))}<br>"
        f"{E(t('time', lang))}: {E(weekday(s.arrival.date(), lang))} {s.arrival:%d-%m %H:%M}&ndash;{s.departure:%H:%M}<br>"
        f"{E(t('dwell', lang))}: {s.dwell_minutes} {E(t('minutes', lang))}<br>"
        f"{E(t('window', lang))}: {E(s.window)}<br><small>{E(s.id)}</small>"
    )


def _dates(plan: Plan) -> list[dt.date]:
    """The plan's own dates (a later week of several is written with the first week's scenario)."""
    return [plan.start_date + dt.timedelta(days=i) for i in range(plan.days)]


def _route_popup(r: Route, operations: list[str], lang: str) -> str:
    """A route's popup: unit, shift, its day's operations, and its timeline of patrol, breaks and reserve."""
    def span(a: dt.datetime, b: dt.datetime) -> str:
        return f"{a:%H:%M}&ndash;{b:%H:%M}"

    marks = ([(a, f"{span(a, b)} {E(t('break_at', lang))}: {E(r.depot_name)}") for a, b in r.breaks]
             + [(a, f"{span(a, b)} {E(t('standby_at', lang))}: {E(r.depot_name)}") for a, b in r.reserve])
    if r.stops:
        marks.append((r.stops[0].arrival, f"{span(r.stops[0].arrival, r.stops[-1].departure)} "
                                          f"{E(t('stops_count', lang))}: {len(r.stops)}"))
    ops = "".join(f"<br><b>{E(t('operation_day', lang))}: {E(n)}</b>" for n in operations)
    lines = "".join(f"<br>{text}" for _, text in sorted(marks, key=lambda x: x[0]))
    return (f"<b>{E(r.unit)} &middot; {E(weekday(r.day, lang))} {r.day:%d-%m} &middot; {E(r.shift)}</b>{ops}"
            f"<br>{span(r.start, r.end)} &middot; {E(t('total_time', lang))} {round(r.patrol_minutes)} "
            f"{E(t('minutes', lang))}{lines}")


def _depot_icon(colour: str = "#1b2a49") -> folium.DivIcon:
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24">'
           f'<path d="M12 2 1 12h3v10h6v-6h4v6h6V12h3z" fill="{colour}" stroke="#fff" stroke-width="1.5"/></svg>')
    return folium.DivIcon(html=svg, icon_size=(24, 24), icon_anchor=(12, 14), class_name="rp-depot")


def plan_map(plan: Plan, ctx: PlanContext, lang: str = "id", tiles: bool = True, roads: bool = True) -> folium.Map:
    """Build the Folium map of a plan.

    Parameters
    ----------
    plan
        The weekly plan.
    ctx
        The :class:`routeplan.prepare.context.PlanContext` (scenario, graph, objects, hotspots).
    lang
        ``id`` or ``en``.
    tiles
        Offer the OpenStreetMap tile layer (off until switched on in the layer control).
    roads
        Draw the road graph as the offline vector base map.

    Returns
    -------
    folium.Map
        Render it with :func:`render_plan_map` for a self-contained page.
    """
    sc = ctx.scenario
    lats = [d.lat for d in sc.depots.values()] + [o.lat for o in ctx.objects]
    lons = [d.lon for d in sc.depots.values()] + [o.lon for o in ctx.objects]
    m = folium.Map(location=[sum(lats) / len(lats), sum(lons) / len(lons)], zoom_start=13, tiles=None,
                   control_scale=False, prefer_canvas=True)  # a metric-only scale is added by the filter script
    prepare_map(m)
    if lats:
        m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], padding=(10, 10))
    if roads and getattr(ctx, "graph", None) is not None:
        folium.GeoJson(
            road_base_geojson(ctx.graph), name=t("road_base", lang), control=True, show=True,
            style_function=lambda f: {"color": f["properties"]["color"], "weight": f["properties"]["weight"],
                                      "opacity": 1.0, "interactive": False},
            smooth_factor=1.0, zoom_on_click=False,
        ).add_to(m)
    if tiles:
        tile_layer(t("osm_tiles", lang), E(t("attribution", lang))).add_to(m)
    colours = unit_colours(plan, [u.id for u in sc.units])

    # hotspots first so routes draw above them
    _hotspot_layer(ctx, lang).add_to(m)
    groups = _route_layers(plan, sc, colours, lang)
    for g in groups:
        g[0].add_to(m)
    _depot_layer(sc, lang).add_to(m)
    _not_served_layer(plan, ctx, lang).add_to(m)

    layers = folium.LayerControl(collapsed=False)
    layers.add_to(m)
    # page parts with user text are Raw: rendered as written, never compiled as templates (see routeplan._html)
    page = _page(m)
    page.html.add_child(Raw(_legend_html(plan, ctx, colours, lang)))
    page.html.add_child(Raw(filter_script(m, layers, groups, plan, sc, colours, lang)))  # runs once the page is read
    page.header.add_child(Raw(f"<title>{E(t('plan_title', lang))} — {E(sc.name)}</title>"))
    page.header.add_child(Raw(f'<meta name="description" content="{E(t("plan_title", lang))}">'))
    return m


def _page(m: folium.Map) -> Figure:
    """The HTML page a map renders into (folium types ``get_root()`` as any element)."""
    return cast(Figure, m.get_root())


def _hotspot_layer(ctx: PlanContext, lang: str) -> folium.FeatureGroup:
    """The hotspots layer: each hotspot's polygon (or a 100 m circle), shaded by risk, with its active hours."""
    hs_layer = folium.FeatureGroup(name=t("hotspots", lang), show=True)
    for h in ctx.hotspots:
        hours = h.hours_text() or t("any_time", lang)
        pop = (f"<b>{E(h.name)}</b><br>{E(t('risk', lang))}: {number(h.risk, lang, 2)}<br>{E(t('active_hours', lang))}: {E(hours)}"
               + (f"<br>{E(', '.join(h.types))}" if h.types else ""))
        style: dict[str, str | float] = {"color": "#B2182B", "fillColor": "#EF8A62", "weight": 1,
                                         "fillOpacity": 0.25 + 0.35 * h.risk}
        shape: folium.GeoJson | folium.Circle
        if h.geometry_wkt:
            geom = wkt.loads(h.geometry_wkt).simplify(SIMPLIFY_DEG)
            shape = folium.GeoJson(geom.__geo_interface__, style_function=lambda _f, s=style: s, zoom_on_click=False)
        else:
            shape = folium.Circle([h.lat, h.lon], radius=100, color=style["color"], fill=True,
                                  fill_color=style["fillColor"], fill_opacity=style["fillOpacity"], weight=1)
        shape.add_child(popup(pop, max_width=300)).add_child(tooltip(E(h.name))).add_to(hs_layer)
    return hs_layer


def _route_layers(plan: Plan, sc: Scenario, colours: dict[str, str],
                  lang: str) -> list[tuple[folium.FeatureGroup, int, int, int]]:
    """A layer per route (its line in its unit's colour and its numbered stops), with the indexes of its day,
    shift and unit; the filter control (:func:`filter_script`) shows them, the first day at first."""
    dashes = unit_dashes(colours)
    days = {d: i for i, d in enumerate(_dates(plan))}
    shifts = {s: i for i, s in enumerate(sc.shifts)}
    units = {u: i for i, u in enumerate(colours)}
    out = []
    for r in plan.routes:
        layer = folium.FeatureGroup(name=E(f"{r.unit} {r.day.isoformat()} {r.shift}"), show=False, control=False)
        col = colours.get(r.unit, "#333333")
        tip = E(f"{r.unit} · {r.shift} · {r.start:%d-%m %H:%M}-{r.end:%H:%M} · {number(r.distance_m / 1000, lang, 1)} km")
        line = compact_line(r.path)
        if len(line) >= 2:
            folium.PolyLine([(y, x) for x, y in line], color=col, weight=4, opacity=0.85, dash_array=dashes.get(r.unit),
                            smooth_factor=1.0, class_name="rp-route").add_child(tooltip(tip)).add_child(
                popup(_route_popup(r, [x.name for x in plan.operations_on(r.day)], lang), max_width=320)).add_to(layer)
        _add_stops(layer, r, col, lang)
        out.append((layer, days.get(r.day, 0), shifts.get(r.shift, 0), units.get(r.unit, 0)))
    return out


def filter_script(m: folium.Map, layers: folium.LayerControl, groups: list[tuple[folium.FeatureGroup, int, int, int]],
                  plan: Plan, sc: Scenario, colours: dict[str, str], lang: str) -> str:
    """The script of the filter control (day, shift, unit), the direction arrows, the metric scale and the
    phone layout; its labels are escaped HTML passed as one JSON string (:func:`routeplan._html.js_string`)."""
    kinds = {u.id: u.kind for u in sc.units}

    def boxes(dim: str, labels: list[str], checked: list[bool]) -> str:
        return "".join(f'<label><input type="checkbox" data-dim="{dim}" data-k="{i}"{" checked" if c else ""}> {lab}</label>'
                       for i, (lab, c) in enumerate(zip(labels, checked)))

    days = [f"{E(weekday(d, lang))} {d:%d-%m}"
            + "".join(f'<b class="rp-op">{E(t("operation_day", lang))}: {E(x.name)}</b>' for x in plan.operations_on(d))
            for d in _dates(plan)]
    units = [f'<span class="rp-swatch" style="border-top:4px {"dashed" if dash else "solid"} {colours[u]}"></span>'
             f"{E(u)} ({E(t(kinds.get(u, 'car') + '_short', lang))})" for u, dash in unit_dashes(colours).items()]
    html = (f'<details><summary>{E(t("filter", lang))}</summary>'
            f'<fieldset><legend>{E(t("day", lang))} <button type="button" data-all="d">{E(t("all", lang))}</button></legend>'
            f"{boxes('d', days, [i == 0 for i in range(len(days))])}</fieldset>"
            f'<fieldset><legend>{E(t("shift", lang))} <button type="button" data-all="s">{E(t("all", lang))}</button></legend>'
            f"{boxes('s', [E(s) for s in sc.shifts], [True] * len(sc.shifts))}</fieldset>"
            f'<fieldset><legend>{E(t("unit", lang))} <button type="button" data-all="u">{E(t("all", lang))}</button></legend>'
            f"{boxes('u', units, [True] * len(units))}</fieldset></details>")
    data = json.dumps({"map": m.get_name(), "html": "__HTML__", "arrow_m": ARROW_EVERY_M,
                       "groups": [[g.get_name(), d, s, u] for g, d, s, u in groups]})
    data = data.replace('"__HTML__"', js_string(html))
    js = resources.files("routeplan.render").joinpath("templates", "map_filters.js").read_text(encoding="utf-8")
    js = js.replace("__DATA__", data).replace("__LAYERS__", layers.get_name())  # a folium name: [a-z_0-9]
    return f"<style>{FILTER_CSS}</style><script>{js}</script>"


def _add_stops(layer: folium.FeatureGroup, r: Route, col: str, lang: str) -> None:
    """A marker per stop of a route, with its popup and a tooltip of its number, name and time."""
    for i, s in enumerate(r.stops, start=1):
        marker = folium.CircleMarker(
            [round(s.lat, 6), round(s.lon, 6)], radius=6 if s.kind == "vital_object" else 5, color=col,
            weight=2, fill=True, fill_color=STOP_FILL.get(s.kind, STOP_FILL["hotspot"]),
            fill_opacity=0.9, class_name="rp-stop",
        )
        marker.add_child(popup(_stop_popup(s, lang) + f"<br>{E(r.unit)} &middot; {E(r.shift)} &middot; #{i}", max_width=320))
        marker.add_child(tooltip(E(f"{i}. {s.name} {s.arrival:%H:%M}"))).add_to(layer)


def _depot_layer(sc: Scenario, lang: str) -> folium.FeatureGroup:
    """The depots layer: a house marker per depot with its name."""
    dep_layer = folium.FeatureGroup(name=t("depots", lang), show=True)
    for d in sc.depots.values():
        folium.Marker([d.lat, d.lon], icon=_depot_icon()).add_child(tooltip(E(d.name))).add_child(
            popup(f"<b>{E(d.name)}</b><br>{E(d.id)}", max_width=250)).add_to(dep_layer)
    return dep_layer


def _not_served_layer(plan: Plan, ctx: PlanContext, lang: str) -> folium.FeatureGroup:
    """The points with a visit the plan does not serve, or left out before planning: a grey ring each, with the reasons.

    A point left out by snapping (outside the area, far from or beside a disconnected road) has no road node
    but keeps its place in its :class:`~routeplan.model.plan.Problem`, so every input point shows on the map.
    """
    layer = folium.FeatureGroup(name=t("not_served", lang), show=True)
    where = {p.id: (p.lon, p.lat) for p in ctx.problems if p.lon is not None and p.lat is not None}
    where.update({o.id: (o.lon, o.lat) for o in ctx.objects})
    where.update({h.id: (h.lon, h.lat) for h in ctx.hotspots})
    reasons: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for u in plan.unserved:
        reasons.setdefault(u.id, []).append(f"{u.reason}: {u.detail}")
        names[u.id] = names.get(u.id) or u.name or u.id
    for pid, lines in reasons.items():
        if pid not in where:
            continue
        lon, lat = where[pid]
        body = "<br>".join(E(line) for line in dict.fromkeys(lines))
        folium.CircleMarker([round(lat, 6), round(lon, 6)], radius=7, color="#555555", weight=2, dash_array="3 3",
                            fill=True, fill_color="#bbbbbb", fill_opacity=0.6, class_name="rp-not-served",
                            ).add_child(popup(f"<b>{E(names[pid])}</b> ({E(t('not_served', lang))})<br>{body}",
                                              max_width=320)).add_child(tooltip(E(names[pid]))).add_to(layer)
    return layer


def render_plan_map(plan: Plan, ctx: PlanContext, lang: str = "id", tiles: bool = True) -> str:
    """The self-contained ``map.html`` text of a plan (no request leaves the page unless tiles are switched on)."""
    return render_offline(plan_map(plan, ctx, lang, tiles=tiles))


def _legend_html(plan: Plan, ctx: PlanContext, colours: dict[str, str], lang: str) -> str:
    kinds = {u.id: u.kind for u in ctx.scenario.units}
    dashes = unit_dashes(colours)
    rows = "".join(
        f'<div><span style="display:inline-block;width:22px;border-top:4px {"dashed" if dashes[u] else "solid"} {c};'
        f'margin-right:6px;vertical-align:middle"></span>{E(u)} ({E(t(kinds.get(u, "car") + "_short", lang))})</div>'
        for u, c in colours.items()
    )
    n_objects = len(ctx.objects) + sum(1 for p in ctx.problems if p.layer == "vital_object")
    visited = len({s.id for r in plan.routes for s in r.stops if s.kind == "vital_object"})
    counts = t("legend_objects", lang).format(visited=visited, objects=n_objects, served=plan.served_required,
                                              required=plan.required_visits)
    return (
        '<details id="routeplan-legend" open style="position:fixed;bottom:24px;left:10px;z-index:999;background:#fff;'
        'padding:6px 10px;border:1px solid #999;border-radius:4px;font:12px/1.4 sans-serif;max-width:260px;'
        'max-height:45vh;overflow:auto">'
        f"<summary><b>{E(t('legend', lang))}</b></summary><div>{E(ctx.scenario.name)}</div>{rows}"
        '<div><span style="display:inline-block;width:10px;height:10px;border:2px solid #333;border-radius:50%;'
        f'background:#fff;margin-right:6px"></span>{E(t("vital_object", lang))}</div>'
        '<div><span style="display:inline-block;width:10px;height:10px;border-radius:50%;background:#EF8A62;'
        f'margin-right:6px"></span>{E(t("hotspot", lang))}</div>'
        f'<div><span style="display:inline-block;width:10px;height:10px;border-radius:50%;'
        f'background:{STOP_FILL["area_patrol"]};margin-right:6px"></span>{E(t("area_patrol", lang))}</div>'
        f'<div><span style="margin-right:6px">&#10148;</span>{E(t("direction", lang))}</div>'
        '<div><span style="display:inline-block;width:18px;height:4px;background:#9a8f7c;margin-right:6px;'
        f'vertical-align:middle"></span>{E(t("main_road", lang))}</div>'
        f"<div class='rp-counts'>{E(counts)}</div>"
        f"<div class='rp-more' style='color:#555'>{E(t('tiles_hint', lang))}</div>"
        f"<div style='color:#555'>{E(t('attribution', lang))}</div></details>"
    )
