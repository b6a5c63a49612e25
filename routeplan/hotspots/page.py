"""Folium map of hotspots: the ``hotspots.html`` page of :func:`routeplan.hotspots.write_hotspot_outputs`.

Every piece of user text (incident types, names, times) is escaped with :func:`routeplan._html.escape`
before it reaches the HTML, including text embedded as JSON inside ``<script>`` blocks, and no page part
holding it is compiled as a template (:class:`~routeplan._html.Raw`, :class:`~routeplan._html.DataMacro`).
"""

from __future__ import annotations

import json
from typing import cast

import branca.colormap as cm
import folium
from branca.element import Figure
from folium.plugins import HeatMap, MarkerCluster
from jinja2 import Template

from routeplan._html import DataMacro, Raw, escape, popup, tooltip
from routeplan.hotspots.result import HotspotResult
from routeplan.i18n import t as _t
from routeplan.render.offline import offline_marker_cluster, prepare_map, render_offline, tile_layer

_OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
#: Highest zoom of the map (that of the OSM tiles); incidents are no longer clustered there.
_MAX_ZOOM = 19
_OSM_ATTR = '<a href="https://www.openstreetmap.org/copyright">© OpenStreetMap contributors</a>'
_TYPE_COLOURS = {
    "curas": "#c0392b",
    "curat": "#d35400",
    "curanmor": "#8e44ad",
    "curhewan": "#27ae60",
    "lainnya": "#7f8c8d",
}
#: keys of :data:`routeplan.i18n.CATALOGUE` used on this map, by their short names here
_KEYS = {"heat": "hs_heat", "cells": "hs_cells", "hotspots": "hotspots", "incidents": "hs_incidents",
         "risk": "risk", "rank": "hs_rank", "count": "hs_incidents", "types": "hs_types", "hours": "active_hours",
         "any": "any_time", "legend": "hs_legend", "time": "time"}


class ClusterPoints(DataMacro):
    """Incident points as circle markers with popups, added to their parent ``MarkerCluster`` in one call.

    Each point is ``[lat, lon, popup_html]``; the popup text must already be escaped. The points are data in
    the script, which is rendered once (never compiled again as a template). Cluster bubbles take the
    category's colour; at the map's highest zoom every incident is its own marker.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var group = {{ this._parent.get_name() }};
            var pts = {{ this.points_json }};
            var colour = {{ this.colour_json }};
            group.options.iconCreateFunction = function (cluster) {
                var n = cluster.getChildCount();
                var size = n < 10 ? 30 : n < 100 ? 36 : 42;
                return L.divIcon({
                    html: '<div style="background-color:' + colour + '"><span>' + n + '</span></div>',
                    className: "marker-cluster rp-cluster", iconSize: L.point(size, size)
                });
            };
            group.addLayers(pts.map(function (p) {
                return L.circleMarker([p[0], p[1]], {radius: 4, color: colour, weight: 1, fillOpacity: 0.8})
                    .bindPopup(p[2]);
            }));
        })();
        {% endmacro %}
    """)

    def __init__(self, points: list[list[float | str]], colour: str) -> None:
        super().__init__()
        self._name = "ClusterPoints"
        # "</" cannot end the script: popup text is escaped and JSON keeps "<" only as \u003c
        self.points_json = json.dumps(points).replace("<", "\\u003c")
        self.colour_json = json.dumps(colour)


_e = escape


def _page(m: folium.Map) -> Figure:
    """The HTML page a map renders into (folium types ``get_root()`` as any element)."""
    return cast(Figure, m.get_root())


def build_map(result: HotspotResult, lang: str = "id", max_cells: int = 5000, max_markers: int = 20000) -> str:
    """Render the hotspot map as a standalone HTML string.

    Parameters
    ----------
    result : HotspotResult
    lang : {"id", "en"}
        Label language.
    max_cells : int
        Draw at most this many cells (the highest-risk ones) in the choropleth.
    max_markers : int
        Draw at most this many incident markers (a seeded sample above it).

    Returns
    -------
    str
        HTML with a switchable HeatMap, the ranked cells choropleth with a legend, hotspot polygons,
        incidents in a switchable canvas layer per category, a LayerControl and the OSM attribution.
        Self-contained (Leaflet inlined, OSM tiles opt-in), see :mod:`routeplan.render.offline`.
    """
    t = {short: _t(key, lang) for short, key in _KEYS.items()}
    area = result.area
    c = area.centroid
    m = folium.Map(location=[c.y, c.x], zoom_start=13, tiles=None, control_scale=True, prefer_canvas=True)
    m.options["maxZoom"] = _MAX_ZOOM  # Leaflet.markercluster needs the map's highest zoom
    _page(m).header.add_child(Raw(
        "<style>.marker-cluster.rp-cluster{background-color:rgba(255,255,255,.6)}"
        ".marker-cluster.rp-cluster div{color:#fff;font:bold 11px sans-serif;opacity:.85}</style>"))
    # self-contained page: Leaflet and leaflet-heat inlined; OSM tiles are an opt-in overlay (off by default)
    prepare_map(m)
    tile_layer("OpenStreetMap", _OSM_ATTR).add_to(m)
    folium.GeoJson(area.__geo_interface__, name=None, control=False, zoom_on_click=False,
                   style_function=lambda _f: {"color": "#555555", "weight": 2, "fill": False}).add_to(m)
    minx, miny, maxx, maxy = area.bounds
    m.fit_bounds([[miny, minx], [maxy, maxx]])

    _add_heat(m, result, t)
    _add_cells(m, result, t, max_cells)
    _add_hotspots(m, result, t)
    _add_incidents(m, result, t, max_markers)
    folium.LayerControl(collapsed=False).add_to(m)
    note = (
        '<div style="position: fixed; bottom: 4px; left: 4px; z-index: 9999; background: white; '
        'padding: 2px 6px; font-size: 11px; opacity: 0.85;">'
        f"{_OSM_ATTR} · routeplan hotspots ({_e(result.method)}, "
        f"{_e(result.cell_m)} m"
        + (f", h = {result.bandwidth_m:.0f} m" if result.bandwidth_m else "")
        + ")</div>"
    )
    _page(m).html.add_child(Raw(note))
    return render_offline(m)


def _add_heat(m: folium.Map, result: HotspotResult, t: dict[str, str]) -> None:
    """A switchable heat map of the incidents."""
    inc = result.incidents
    heat = folium.FeatureGroup(name=_e(t["heat"]), show=True)
    pts = [[float(g.y), float(g.x)] for g in inc.geometry]
    if pts:
        HeatMap(pts, radius=14, blur=18, min_opacity=0.25).add_to(heat)
    heat.add_to(m)


def _add_cells(m: folium.Map, result: HotspotResult, t: dict[str, str], max_cells: int) -> None:
    """The ranked cells as a choropleth (off at first) with a plain-HTML legend."""
    cells = result.cells.sort_values("risk", ascending=False).head(max_cells)
    cmap = cm.LinearColormap(
        ["#ffffcc", "#fd8d3c", "#bd0026"], vmin=float(result.cells["risk"].min()), vmax=1.0,
        caption=t["legend"].format(floor=result.floor_share),
    )
    feats = []
    for _, r in cells.iterrows():
        feats.append(
            {
                "type": "Feature",
                "properties": {
                    "risk": round(float(r["risk"]), 4),
                    "order": int(r["order"]),
                    "incidents": int(r["incidents"]),
                    "hotspot": _e(r["hotspot"]),
                },
                "geometry": r.geometry.__geo_interface__,
            }
        )
    folium.GeoJson(
        {"type": "FeatureCollection", "features": feats},
        name=_e(t["cells"]),
        style_function=lambda f: {
            "fillColor": cmap(f["properties"]["risk"]),
            "color": "#999999",
            "weight": 0.2,
            "fillOpacity": 0.55,
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["order", "risk", "incidents", "hotspot"],
            aliases=[_e(t["rank"]), _e(t["risk"]), _e(t["count"]), _e(t["hotspots"])],
        ),
        show=False,
    ).add_to(m)
    # legend as plain HTML (branca's colormap control would load d3 from a CDN)
    _page(m).html.add_child(Raw(
        '<div style="position:fixed;bottom:28px;right:10px;z-index:9999;background:#fff;padding:4px 8px;'
        'border:1px solid #999;border-radius:4px;font:11px/1.3 sans-serif">'
        f'{_e(cmap.caption)}<div style="width:200px;height:10px;margin-top:3px;background:linear-gradient(to right,'
        '#ffffcc,#fd8d3c,#bd0026)"></div><div style="display:flex;justify-content:space-between">'
        f"<span>{cmap.vmin:.2f}</span><span>{cmap.vmax:.2f}</span></div></div>"))


def _add_hotspots(m: folium.Map, result: HotspotResult, t: dict[str, str]) -> None:
    """The hotspot polygons with popups and tooltips."""
    hs_group = folium.FeatureGroup(name=_e(t["hotspots"]), show=True)
    for _, r in result.hotspots.iterrows():
        hours = ", ".join(r["active_hours"]) or t["any"]
        text = (
            f"<b>{_e(r['id'])}: {_e(r['name'])}</b><br>"
            f"{_e(t['rank'])}: {int(r['rank'])}<br>{_e(t['risk'])}: {float(r['risk']):.2f}<br>"
            f"{_e(t['count'])}: {int(r['incidents'])}<br>"
            f"{_e(t['types'])}: {_e(', '.join(r['types']))}<br>{_e(t['hours'])}: {_e(hours)}"
        )
        colour = "#bd0026" if r["layer"] == "all" else _TYPE_COLOURS.get(str(r["layer"]), "#333333")
        folium.GeoJson(
            r.geometry.__geo_interface__,
            style_function=lambda f, colour=colour: {"color": colour, "weight": 2, "fillOpacity": 0.05},
        ).add_child(popup(text, max_width=320)).add_child(tooltip(_e(f"{r['id']} · {r['name']}"))).add_to(hs_group)
    hs_group.add_to(m)


def _add_incidents(m: folium.Map, result: HotspotResult, t: dict[str, str], max_markers: int) -> None:
    """The incidents: a switchable, clustered layer per category."""
    inc = result.incidents
    # incidents: one switchable layer per category, clustered by folium's MarkerCluster (Leaflet.markercluster
    # inlined from an installed package, so the page stays self-contained)
    sample = inc
    if len(inc) > max_markers:
        sample = inc.sample(max_markers, random_state=0)
    for cat in sorted(sample["type"].astype(str).unique()):
        sub = sample[sample["type"] == cat]
        group = offline_marker_cluster(MarkerCluster(
            name=_e(f"{t['incidents']}: {cat} ({len(sub)})"), show=False,
            disable_clustering_at_zoom=_MAX_ZOOM, chunked_loading=True,
        ))
        colour = _TYPE_COLOURS.get(cat, "#333333")
        times = sub["time"].dt.strftime("%Y-%m-%d %H:%M").fillna("")
        points: list[list[float | str]] = [
            [round(float(g.y), 6), round(float(g.x), 6),
             f"<b>{_e(t['types'])}</b>: {_e(raw or cat)}<br>4C: {_e(cat)}<br>{_e(t['time'])}: {_e(when)}"]
            for g, raw, when in zip(sub.geometry, sub["raw_type"].astype(str), times)
        ]
        group.add_child(ClusterPoints(points, colour))
        group.add_to(m)
