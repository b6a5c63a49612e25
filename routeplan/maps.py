"""Interactive Folium map of a weekly plan: a layer per day, routes coloured per unit, stops, hotspots, depots."""

from __future__ import annotations

import html
import logging
from typing import Any

from .i18n import category_label, t, weekday
from .weekly import WeeklyPlan

log = logging.getLogger(__name__)

#: Colour-blind-friendly palette (Okabe-Ito plus dark tones), one colour per unit.
UNIT_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
                "#8C564B", "#7F3C8D", "#11A579", "#3969AC", "#F2B701", "#E73F74", "#80BA5A"]

E = html.escape


def unit_colours(plan: WeeklyPlan, units: list[str] | None = None) -> dict[str, str]:
    """A stable colour per unit id (in scenario order when ``units`` is given)."""
    ids = units or sorted({r.unit for r in plan.routes})
    return {u: UNIT_COLOURS[i % len(UNIT_COLOURS)] for i, u in enumerate(ids)}


def _stop_popup(s: Any, lang: str) -> str:
    return (
        f"<b>{E(s.name)}</b><br>{E(t('category', lang))}: {E(category_label(s.category, lang))}<br>"
        f"{E(t('time', lang))}: {s.arrival:%a %d %b %H:%M}&ndash;{s.departure:%H:%M}<br>"
        f"{E(t('dwell', lang))}: {s.dwell_minutes} {E(t('minutes', lang))}<br>"
        f"{E(t('window', lang))}: {E(s.window)}<br><small>{E(s.id)}</small>"
    )


def plan_map(plan: WeeklyPlan, ctx: Any, lang: str = "id", tiles: bool = True) -> Any:
    """Build the Folium map of a plan.

    Parameters
    ----------
    plan
        The weekly plan.
    ctx
        The :class:`routeplan.pipeline.PlanContext` (scenario, objects, hotspots).
    lang
        ``id`` or ``en``.
    tiles
        Add the OpenStreetMap tile layer.

    Returns
    -------
    folium.Map
    """
    import folium
    from shapely import wkt

    sc = ctx.scenario
    lats = [d.lat for d in sc.depots.values()] + [o.lat for o in ctx.objects]
    lons = [d.lon for d in sc.depots.values()] + [o.lon for o in ctx.objects]
    m = folium.Map(location=[sum(lats) / len(lats), sum(lons) / len(lons)], zoom_start=13, tiles=None,
                   control_scale=True, prefer_canvas=True)
    if tiles:
        folium.TileLayer("OpenStreetMap", name="OpenStreetMap",
                         attr='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors').add_to(m)
    colours = unit_colours(plan, [u.id for u in sc.units])

    # hotspots first so routes draw above them
    hs_layer = folium.FeatureGroup(name=t("hotspots", lang), show=True)
    for h in ctx.hotspots:
        hours = ", ".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in h.active_hours) or t("any_time", lang)
        pop = (f"<b>{E(h.name)}</b><br>{E(t('risk', lang))}: {h.risk:.2f}<br>{E(t('active_hours', lang))}: {E(hours)}"
               + (f"<br>{E(', '.join(h.types))}" if h.types else ""))
        style = {"color": "#B2182B", "fillColor": "#EF8A62", "weight": 1, "fillOpacity": 0.25 + 0.35 * h.risk}
        if h.geometry_wkt:
            folium.GeoJson(wkt.loads(h.geometry_wkt).__geo_interface__, style_function=lambda _f, s=style: s,
                           popup=folium.Popup(pop, max_width=300), tooltip=E(h.name)).add_to(hs_layer)
        else:
            folium.Circle([h.lat, h.lon], radius=100, color=style["color"], fill=True, fill_color=style["fillColor"],
                          fill_opacity=style["fillOpacity"], weight=1, popup=folium.Popup(pop, max_width=300),
                          tooltip=E(h.name)).add_to(hs_layer)
    hs_layer.add_to(m)

    for di, date in enumerate(sc.dates):
        layer = folium.FeatureGroup(name=f"{t('day', lang)}: {weekday(date, lang)} {date.isoformat()}", show=(di == 0))
        for r in (r for r in plan.routes if r.day == date):
            col = colours.get(r.unit, "#333333")
            tip = E(f"{r.unit} · {r.shift} · {r.start:%H:%M}-{r.end:%H:%M} · {r.distance_m / 1000:.1f} km")
            if len(r.path) >= 2:
                folium.PolyLine([(y, x) for x, y in r.path], color=col, weight=4, opacity=0.8, tooltip=tip,
                                smooth_factor=1.5).add_to(layer)
            for i, s in enumerate(r.stops, start=1):
                folium.CircleMarker(
                    [s.lat, s.lon], radius=6 if s.kind == "vital_object" else 5, color=col, weight=2, fill=True,
                    fill_color="#ffffff" if s.kind == "vital_object" else "#EF8A62", fill_opacity=0.9,
                    popup=folium.Popup(_stop_popup(s, lang) + f"<br>{E(r.unit)} &middot; {E(r.shift)} &middot; #{i}", max_width=320),
                    tooltip=E(f"{i}. {s.name} {s.arrival:%H:%M}"),
                ).add_to(layer)
        layer.add_to(m)

    dep_layer = folium.FeatureGroup(name=t("depots", lang), show=True)
    for d in sc.depots.values():
        folium.Marker([d.lat, d.lon], tooltip=E(d.name), popup=folium.Popup(f"<b>{E(d.name)}</b><br>{E(d.id)}", max_width=250),
                      icon=folium.Icon(color="darkblue", icon="home", prefix="fa")).add_to(dep_layer)
    dep_layer.add_to(m)

    folium.LayerControl(collapsed=False).add_to(m)
    m.get_root().html.add_child(folium.Element(_legend_html(plan, ctx, colours, lang)))
    m.get_root().header.add_child(folium.Element(f"<title>{E(t('plan_title', lang))} — {E(sc.name)}</title>"))
    return m


def _legend_html(plan: WeeklyPlan, ctx: Any, colours: dict[str, str], lang: str) -> str:
    kinds = {u.id: u.kind for u in ctx.scenario.units}
    rows = "".join(
        f'<div><span style="display:inline-block;width:18px;height:4px;background:{c};margin-right:6px;vertical-align:middle"></span>'
        f"{E(u)} ({E(t(kinds.get(u, 'car'), lang))})</div>"
        for u, c in colours.items()
    )
    served = f"{plan.served_required}/{plan.required_visits}"
    return (
        '<div id="routeplan-legend" style="position:fixed;bottom:24px;left:10px;z-index:9999;background:#fff;'
        'padding:8px 10px;border:1px solid #999;border-radius:4px;font:12px/1.4 sans-serif;max-width:260px">'
        f"<b>{E(t('legend', lang))}</b> — {E(ctx.scenario.name)}{rows}"
        '<div><span style="display:inline-block;width:10px;height:10px;border:2px solid #333;border-radius:50%;'
        f'background:#fff;margin-right:6px"></span>{E(t("vital_object", lang))}</div>'
        '<div><span style="display:inline-block;width:10px;height:10px;border-radius:50%;background:#EF8A62;'
        f'margin-right:6px"></span>{E(t("hotspot", lang))}</div>'
        f"<div>{E(t('vital_objects', lang))}: {served}</div>"
        f"<div style='color:#555'>{E(t('attribution', lang))}</div></div>"
    )
