"""``actual.html``: planned route and actual track side by side per unit and day, visits by status.

Two maps side by side (one above the other on a phone), moved and zoomed together: on the left the plan of
one unit and day (the planned road path dashed, each planned stop with its planned time), on the right what
was done (the GPS track solid in the unit's colour, each planned stop as a circle coloured by its status, a
missed one red with a cross, and the unplanned stops). Choosing a unit and day in either map's layer control
shows the same one in the other. A panel lists compliance per unit. The page is self-contained like the
plan's map (Leaflet inlined, the road graph as base map, OSM tiles opt-in); user text is escaped with
:func:`routeplan._html.escape` and reaches the page only as :class:`~routeplan._html.Raw` or bound text.
"""

from __future__ import annotations

import datetime as dt
import json

import folium
from branca.element import Figure

from routeplan._html import Raw, escape, popup, tooltip
from routeplan.actual.result import Actual
from routeplan.i18n import number, t, weekday
from routeplan.render.maps import compact_line, road_base_geojson, unit_colours
from routeplan.render.offline import prepare_map, render_offline, tile_layer

E = escape
STATUS_COLOURS = {"done": "#1a9850", "done_late": "#fdae61", "done_early": "#fee08b", "too_short": "#d73027",
                  "missed": "#a50026"}

#: Side by side on a screen, one above the other on a phone; the captions of the two maps.
_SIDE_CSS = ("<style>.rp-side{position:absolute;z-index:999;bottom:24px;left:75%;transform:translateX(-50%);"
             "background:#fff;padding:2px 8px;font:bold 13px sans-serif;opacity:.9;border-radius:3px}"
             ".rp-side-planned{left:25%}"
             "@media (max-width:640px){.rp-side{left:50%}.rp-side-planned{bottom:calc(50% + 24px)}"
             ".folium-map.rp-left{width:100%!important;height:50%!important}"
             ".folium-map.rp-right{width:100%!important;height:50%!important;left:0!important;top:50%!important}}"
             "</style>")

#: Moves and zooms each map with the other, and shows the same unit and day in both.
_SYNC_JS = """<script>window.addEventListener("load", function () {
  var a = window[%(a)s], b = window[%(b)s], pairs = %(pairs)s, busy = false;
  function follow(src, dst) { src.on("move", function () {
    if (busy) { return; } busy = true; dst.setView(src.getCenter(), src.getZoom(), {animate: false}); busy = false; }); }
  follow(a, b); follow(b, a);
  function mirror(src, dst, from, to) {
    src.on("overlayadd overlayremove", function (e) {
      var k = pairs.map(function (p) { return window[p[from]]; }).indexOf(e.layer);
      if (k < 0 || busy) { return; }
      var other = window[pairs[k][to]]; busy = true;
      if (e.type === "overlayadd") { dst.addLayer(other); } else { dst.removeLayer(other); }
      busy = false; }); }
  mirror(a, b, 0, 1); mirror(b, a, 1, 0);
  a.getContainer().classList.add("rp-left"); b.getContainer().classList.add("rp-right");
});</script>"""


def _map(actual: Actual, lats: list[float], lons: list[float], left: bool) -> folium.Map:
    lang = actual.lang
    m = folium.Map(location=[sum(lats) / len(lats), sum(lons) / len(lons)], zoom_start=13, tiles=None,
                   control_scale=True, prefer_canvas=True, width="50%", height="100%",
                   left="0%" if left else "50%", top="0%", position="absolute")
    prepare_map(m)
    m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], padding=(10, 10))
    if actual.graph is not None:
        folium.GeoJson(road_base_geojson(actual.graph), name=E(t("road_base", lang)), control=True, show=True,
                       style_function=lambda f: {"color": f["properties"]["color"], "weight": f["properties"]["weight"],
                                                 "opacity": 1.0, "interactive": False},
                       zoom_on_click=False).add_to(m)
    tile_layer(t("osm_tiles", lang), E(t("attribution", lang))).add_to(m)
    return m


def actual_page(actual: Actual) -> str:
    """Render ``actual.html`` (a standalone HTML string): the plan and what was done side by side."""
    plan, lang = actual.plan, actual.lang
    visits = actual.data["visits"]
    lats = [v["lat"] for v in visits] or [0.0]
    lons = [v["lon"] for v in visits] or [0.0]
    page = Figure()
    left, right = _map(actual, lats, lons, True), _map(actual, lats, lons, False)
    page.add_child(left)
    page.add_child(right)
    colours = unit_colours(plan)
    keys = sorted({(r.unit, r.day) for r in plan.routes})
    pairs = []
    for n, (unit, day) in enumerate(keys):
        a = _planned_layer(actual, unit, day, n == 0).add_to(left)
        b = _unit_day_layer(actual, unit, day, colours.get(unit, "#333333"), n == 0).add_to(right)
        pairs.append([a.get_name(), b.get_name()])
    _unplanned_layer(actual).add_to(right)
    folium.LayerControl(collapsed=True).add_to(left)
    folium.LayerControl(collapsed=False).add_to(right)
    page.header.add_child(Raw(f"<title>{E(t('act_title', lang))} — {E(plan.scenario)}</title>" + _SIDE_CSS))
    page.html.add_child(Raw(_panel(actual)))
    page.html.add_child(Raw(
        f'<div class="rp-side rp-side-planned">{E(t("act_planned", lang))}</div>'
        f'<div class="rp-side rp-side-actual">{E(t("act_actual", lang))}</div>'))
    page.html.add_child(Raw(_SYNC_JS % {"a": json.dumps(left.get_name()), "b": json.dumps(right.get_name()),
                                        "pairs": json.dumps(pairs)}))
    return render_offline(left)


def _planned_layer(actual: Actual, unit: str, day: dt.date, show: bool) -> folium.FeatureGroup:
    """The plan of one unit and day: the road path dashed and the planned stops with their times."""
    lang = actual.lang
    layer = folium.FeatureGroup(name=E(f"{unit} · {weekday(day, lang)} {day.isoformat()}"), show=show)
    for r in (r for r in actual.plan.routes if r.unit == unit and r.day == day):
        line = compact_line(r.path)
        if len(line) >= 2:
            folium.PolyLine([(y, x) for x, y in line], color="#4a4a4a", weight=3, opacity=0.8, dash_array="6 6",
                            ).add_child(tooltip(E(f"{t('act_planned', lang)}: {r.unit} · {r.shift} · "
                                                  f"{r.start:%H:%M}-{r.end:%H:%M}"))).add_to(layer)
        for s in r.stops:
            text = f"<b>{E(s.name or s.id)}</b> ({E(s.id)})<br>{E(t('act_planned', lang))}: {s.arrival:%H:%M}–{s.departure:%H:%M}"
            folium.CircleMarker([s.lat, s.lon], radius=6, color="#4a4a4a", fill=True, fill_color="#ffffff",
                                fill_opacity=0.9, weight=2).add_child(popup(text)).add_child(tooltip(text)).add_to(layer)
    return layer


def _unit_day_layer(actual: Actual, unit: str, day: dt.date, colour: str, show: bool) -> folium.FeatureGroup:
    """What was done by one unit on one day: its GPS track and each planned stop by status."""
    lang = actual.lang
    layer = folium.FeatureGroup(name=E(f"{unit} · {weekday(day, lang)} {day.isoformat()}"), show=show)
    tr = actual.tracks.get(unit)
    if tr is not None and len(tr):
        tz = actual.plan.routes[0].start.tzinfo
        lo = dt.datetime.combine(day, dt.time(0), tz).timestamp()
        part = tr.between(lo, lo + 86400)
        line = compact_line(zip(part.lon.tolist(), part.lat.tolist()))
        if len(line) >= 2:
            folium.PolyLine([(y, x) for x, y in line], color=colour, weight=4, opacity=0.9,
                            ).add_child(tooltip(E(f"{t('act_track', lang)}: {unit}"))).add_to(layer)
    for v in actual.data["visits"]:
        if v["unit"] != unit or v["day"] != day.isoformat():
            continue
        col = STATUS_COLOURS[v["status"]]
        text = (f"<b>{E(v['name'] or v['id'])}</b> ({E(v['id'])})<br>{E(t('act_' + v['status'], lang))}"
                f"<br>{E(t('act_planned', lang))}: {E(v['planned_arrival'][11:16])}–{E(v['planned_departure'][11:16])}"
                + (f"<br>{E(t('act_actual', lang))}: {E(v['actual_arrival'][11:16])}–{E((v['actual_departure'] or '')[11:16])}"
                   if v["actual_arrival"] else "")
                + (f"<br>{E(t('act_evidence', lang))}: {E(v['evidence'])}" if v["evidence"] else ""))
        folium.CircleMarker([v["lat"], v["lon"]], radius=8, color=col, fill=True, fill_color=col, fill_opacity=0.8,
                            weight=2).add_child(popup(text)).add_child(tooltip(text)).add_to(layer)
        if v["status"] == "missed":
            folium.Marker([v["lat"], v["lon"]], icon=folium.DivIcon(
                html='<div class="rp-missed" style="color:#a50026;font:bold 22px sans-serif;'
                     'margin:-13px 0 0 -7px">&#10005;</div>')).add_to(layer)
    return layer


def _unplanned_layer(actual: Actual) -> folium.FeatureGroup:
    lang = actual.lang
    layer = folium.FeatureGroup(name=E(t("act_unplanned", lang)), show=True)
    for s in actual.data["unplanned_stops"]:
        text = (f"<b>{E(t('act_unplanned', lang))}</b><br>{E(s['unit'])} · {E((s['start'] or '')[:16])} · "
                f"{s['minutes']:.0f} min" + (f"<br>{E(s['near'])}" if s["near"] else ""))
        folium.CircleMarker([s["lat"], s["lon"]], radius=6, color="#5e3c99", fill=True, fill_opacity=0.6,
                            weight=1).add_child(popup(text)).add_to(layer)
    return layer


def _panel(actual: Actual) -> str:
    lang = actual.lang
    summ = actual.data["summary"]
    rows = "".join(
        f"<tr><td>{E(u['unit'])}</td><td>{u['delivered']}/{u['visits']}</td>"
        f"<td>{'-' if u['compliance_pct'] is None else E(u['compliance_pct'])} %</td>"
        f"<td>{number(u['km'], lang, 1)} / {number(u['planned_km'], lang, 1)} km</td></tr>" for u in actual.data["units"])
    legend = " ".join(f'<span style="color:{c}">&#9679;</span> {E(t("act_" + s, lang))}'
                      for s, c in STATUS_COLOURS.items())
    return ('<div id="rp-actual-panel" style="position:fixed;top:10px;left:50px;z-index:9999;background:#fff;'
            'padding:6px 10px;font:12px sans-serif;opacity:.92;max-width:360px">'
            f"<b>{E(t('act_title', lang))}</b><br>{E(t('act_compliance', lang))}: "
            f"{'-' if summ['compliance_pct'] is None else E(summ['compliance_pct'])} % "
            f"({summ['visits']})<br>{legend}"
            f"<table><tr><th>{E(t('act_unit', lang))}</th><th></th><th>%</th><th>km</th></tr>{rows}</table></div>")
